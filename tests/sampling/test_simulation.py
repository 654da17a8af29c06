"""Empirical inclusion frequencies over many seeds match the stated π (binomial tolerance)."""

from __future__ import annotations

import math

import numpy as np
from scipy.stats import norm

from khaosat.sampling import Design, inclusion_probabilities, select
from khaosat.sampling.systematic import pps_probabilities, systematic_select

from .conftest import make_frame

SIZES = {
    "A": [900, 40, 55, 70, 120, 35, 80, 260, 45, 60, 150, 25],
    "B": [30, 33, 47, 52, 61, 75, 88, 96, 104, 19, 23, 140, 66, 72, 58],
}


def tolerance(pi: np.ndarray, draws: int) -> np.ndarray:
    """max(4.5, Bonferroni z at family-wise 1e-4) binomial standard errors."""
    z = max(4.5, float(norm.ppf(1 - 1e-4 / (2 * len(pi)))))
    return z * np.sqrt(pi * (1 - pi) / draws)


def check(counts: np.ndarray, pi: np.ndarray, draws: int) -> None:
    freq = counts / draws
    sure = pi >= 1
    assert np.all(counts[sure] == draws), "certainty units must be in every sample"
    assert np.all(counts[pi == 0] == 0)
    gap = np.abs(freq - pi)
    tol = tolerance(pi, draws)
    worst = int(np.argmax(gap - tol))
    assert np.all(gap <= tol), f"unit {worst}: frequency {freq[worst]:.4f} vs π {pi[worst]:.4f}"


def _simulate(method: str, draws: int) -> None:
    frame = make_frame(SIZES)
    design = Design(n=9, strata=["region"], size="population", method=method, sort_by="population")
    pis = inclusion_probabilities(frame, design)
    codes = frame.codes()
    pi = np.array([pis[c][1] for c in codes])
    index = {c: i for i, c in enumerate(codes)}
    counts = np.zeros(len(codes))
    for seed in range(draws):
        for u in select(frame, design, seed).units:
            counts[index[u.code]] += 1
    check(counts, pi, draws)


def test_pps_frequencies_over_seeds_match_pi():
    _simulate("pps", 4000)


def test_equal_probability_frequencies_over_seeds_match_pi():
    _simulate("srs", 4000)


def test_systematic_pps_many_draws_tight_tolerance():
    rng = np.random.default_rng(12345)
    x = np.array(SIZES["A"] + SIZES["B"], dtype=float)
    pi = pps_probabilities(x, 8)
    assert (pi == 1).sum() >= 1  # the 900 unit is larger than the interval
    draws = 60000
    counts = np.zeros(len(x))
    for _ in range(draws):
        counts[systematic_select(pi, float(rng.random()))] += 1
    check(counts, pi, draws)
    assert math.isclose(counts.sum() / draws, 8)
