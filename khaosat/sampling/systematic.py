"""Systematic selection with given inclusion probabilities: equal probability and PPS."""

from __future__ import annotations

import numpy as np

from khaosat.sampling.errors import DesignError

_EPS = 1e-12


def equal_probabilities(count: int, n: int) -> np.ndarray:
    """π = n/N for each of `count` units."""
    if n > count:
        raise DesignError(f"Cần chọn {n} đơn vị nhưng tầng chỉ có {count} đơn vị.")
    return np.full(count, n / count if count else 0.0)


def pps_probabilities(sizes: np.ndarray, n: int) -> np.ndarray:
    """π_i = n·x_i/X, capped at 1: units reaching 1 become certain and the rest is recomputed.

    Repeated until no remaining unit reaches 1; units of size 0 get π = 0.
    """
    x = np.asarray(sizes, dtype=float)
    positive = x > 0
    if n > int(positive.sum()):
        raise DesignError(
            f"Cần chọn {n} đơn vị theo quy mô nhưng chỉ có {int(positive.sum())} đơn vị "
            "có quy mô dương."
        )
    pi = np.zeros_like(x)
    certain = np.zeros(x.shape, dtype=bool)
    while True:
        k = n - int(certain.sum())
        rest = positive & ~certain
        if k == 0 or not rest.any():
            pi[rest] = 0.0
            break
        p = k * x[rest] / x[rest].sum()
        new = p >= 1 - _EPS
        if not new.any():
            pi[rest] = p
            break
        idx = np.flatnonzero(rest)[new]
        certain[idx] = True
    pi[certain] = 1.0
    return pi


def systematic_select(pi: np.ndarray, start: float) -> np.ndarray:
    """Indices selected by systematic sampling along cumulated π with a start in [0, 1).

    Units with π = 1 are always taken; the others are hit by the points start, start+1, …
    along the cumulated π of the non-certain units (in the given order), so unit i is taken
    with probability exactly π_i.
    """
    pi = np.asarray(pi, dtype=float)
    if not 0 <= start < 1:
        raise ValueError("start must be in [0, 1)")
    certain = pi >= 1 - _EPS
    rest = np.flatnonzero(~certain & (pi > 0))
    k = int(round(pi[rest].sum()))
    chosen = list(np.flatnonzero(certain))
    if k:
        cum = np.cumsum(pi[rest])
        cum *= k / cum[-1]  # remove rounding drift so the last point always lands
        points = start + np.arange(k)
        hit = np.minimum(np.searchsorted(cum, points, side="right"), len(rest) - 1)
        chosen += list(rest[hit])
    out = np.array(sorted(set(int(i) for i in chosen)), dtype=int)
    if len(out) != int(certain.sum()) + k:
        raise AssertionError("systematic selection produced a duplicate")  # pragma: no cover
    return out
