"""Weight calibration: post-stratification, raking (IPF) and linear calibration (GREG).

Each returns a new Design whose variance uses the calibrated residuals exactly as R's
postStratify / rake / calibrate(calfun="linear") record them for svyrecvar.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from khaosat.stats.design import Design, _Greg, _PostStratum, _Raking
from khaosat.stats.errors import StatsError


def _lookup(pop: Mapping[Any, float], label: Any) -> float | None:
    for key in (label, str(label)):
        if key in pop:
            return float(pop[key])
    try:
        f = float(label)
        if f.is_integer() and int(f) in pop:
            return float(pop[int(f)])
    except (TypeError, ValueError):
        pass
    return None


def _codes(design: Design, var: str) -> tuple[np.ndarray, list[Any]]:
    raw = design.align(var)
    codes, labels = pd.factorize(pd.Series(raw), sort=True)
    if (codes < 0).any():
        i = int(np.flatnonzero(codes < 0)[0])
        raise StatsError(
            f"Biến hiệu chỉnh '{var}' thiếu giá trị ở {int((codes < 0).sum())} phiếu "
            f"(ví dụ dòng {int(design._order[i]) + 1}); hãy bổ sung hoặc loại các phiếu đó."
        )
    return codes, list(labels)


def _reweight(
    design: Design, var: str, population: Mapping[Any, float], w: np.ndarray, partial: bool
) -> tuple[np.ndarray, np.ndarray]:
    codes, labels = _codes(design, var)
    G = len(labels)
    have = np.bincount(codes, weights=w, minlength=G)
    pop = np.empty(G)
    for g, lab in enumerate(labels):
        v = _lookup(population, lab)
        if v is None:
            if have[g] == 0:
                v = 0.0
            else:
                raise StatsError(
                    f"Nhóm '{lab}' của biến '{var}' có trong mẫu nhưng thiếu trong số liệu tổng "
                    "thể; hãy bổ sung số liệu tổng thể cho nhóm này."
                )
        pop[g] = v
    known = {str(x) for x in labels}
    missing = [k for k, v in population.items() if str(k) not in known and v > 0]
    if missing and not partial:
        raise StatsError(
            f"Nhóm {', '.join(map(str, missing))} của biến '{var}' có trong tổng thể nhưng "
            "không có phiếu nào trong mẫu; hãy gộp nhóm hoặc dùng partial=True."
        )
    bad = (have == 0) & (pop > 0)
    if bad.any():
        raise StatsError(
            f"Nhóm '{labels[int(np.flatnonzero(bad)[0])]}' của biến '{var}' có tổng trọng số "
            "bằng 0 trong mẫu; không thể hiệu chỉnh."
        )
    with np.errstate(divide="ignore", invalid="ignore"):
        factor = np.where(have > 0, pop / np.where(have > 0, have, 1), 0.0)
    return codes, w * factor[codes]


def _copy(design: Design) -> Design:
    new = copy.copy(design)
    new.calibrations = list(design.calibrations)
    new.notes = list(getattr(design, "notes", []))
    return new


def post_stratify(
    design: Design, var: str, population: Mapping[Any, float], partial: bool = False
) -> Design:
    """Post-stratify to known population counts of one variable (R's postStratify)."""
    old = design.weights
    codes, new_w = _reweight(design, var, population, old, partial)
    out = _copy(design)
    out.weights = new_w
    out.calibrations.append(_PostStratum(codes, new_w, old))
    return out


def rake(
    design: Design,
    margins: Mapping[str, Mapping[Any, float]],
    maxit: int = 10,
    epsilon: float = 1.0,
    trim: tuple[float, float] | None = None,
) -> Design:
    """Rake (iterative proportional fitting) to population margins, as R's rake().

    `epsilon` < 1 is relative to the sum of weights, otherwise absolute (R's control).
    `trim=(lower, upper)` bounds the final weights as R's trimWeights (excess spread evenly).
    """
    if not margins:
        raise StatsError("Cần ít nhất một biên tổng thể để cân chỉnh (raking).")
    w = design.weights.copy()
    eps = epsilon * w.sum() if epsilon < 1 else epsilon
    allcodes = [_codes(design, v) for v in margins]
    joint = np.zeros(design.n, dtype=np.int64)
    for c, labs in allcodes:
        joint = joint * len(labs) + c
    size = int(np.prod([len(labs) for _, labs in allcodes]))
    oldtable = np.bincount(joint, weights=w, minlength=size)
    it, converged, info = 0, False, []
    while it < maxit:
        info = []
        for var, pop in margins.items():
            codes, w = _reweight(design, var, pop, w, False)
            info.append((codes, w.copy()))
        newtable = np.bincount(joint, weights=w, minlength=size)
        delta = np.max(np.abs(oldtable - newtable))
        if delta < eps:
            converged = True
            break
        oldtable = newtable
        it += 1
    out = _copy(design)
    if trim is not None:
        lo, hi = trim
        outside = (w < lo) | (w > hi)
        if outside.any():
            nw = np.clip(w, lo, hi)
            nw[~outside] -= (nw - w).sum() / (~outside).sum()
            w = nw
            out.notes.append(f"Đã cắt {int(outside.sum())} trọng số ngoài khoảng [{lo}; {hi}].")
    out.weights = w
    out.calibrations.append(_Raking(info))
    if not converged:
        out.notes.append(
            f"Cân chỉnh (raking) chưa hội tụ sau {it} vòng; hãy tăng số vòng hoặc kiểm tra biên."
        )
    out.raking_converged = converged
    out.raking_iterations = it
    return out


CALFUNS = ("linear", "raking", "logit")


def _calfun(name: str):
    """(F - 1, dF) of R survey's cal.linear, cal.raking and cal.logit."""
    if name == "linear":

        def fm1(u, lo, hi):
            return np.minimum(np.maximum(u + 1, lo), hi) - 1

        def df(u, lo, hi):
            return ((u < hi - 1) & (u > lo - 1)).astype(float)

    elif name == "raking":

        def fm1(u, lo, hi):
            return np.minimum(np.maximum(np.exp(u), lo), hi) - 1

        def df(u, lo, hi):
            return np.where((u < hi - 1) & (u > lo - 1), np.exp(u), 0.0)

    else:

        def fm1(u, lo, hi):
            A = (hi - lo) / ((hi - 1) * (1 - lo))
            e = np.exp(A * u)
            return (lo * (hi - 1) + hi * (1 - lo) * e) / (hi - 1 + (1 - lo) * e) - 1

        def df(u, lo, hi):
            A = (hi - lo) / ((hi - 1) * (1 - lo))
            e = np.exp(A * u)
            den = hi - 1 + (1 - lo) * e
            return (
                hi * (1 - lo) * e * A / den
                - ((lo * (hi - 1) + hi * (1 - lo) * e) * ((1 - lo) * e * A)) / den**2
            )

    return fm1, df


def _grake(mm, ww, calfun, lo, hi, population, epsilon, maxit):
    """survey's grake(): Newton iterations on the calibration equations (Deville–Särndal)."""
    fm1, dF = _calfun(calfun)
    sample_total = mm.T @ ww
    eta = np.zeros(mm.shape[1])
    xeta = mm @ eta
    g = 1 + fm1(xeta, lo, hi)
    deriv = dF(xeta, lo, hi)
    it = 1
    with np.errstate(divide="ignore", invalid="ignore"):
        scales = population / sample_total
    scale = None
    if np.min(scales) > 20:
        scale = float(np.mean(scales))
        ww = ww * scale
        sample_total = sample_total * scale
    failed = None
    with np.errstate(over="ignore", invalid="ignore"):
        while True:
            T = (mm * (ww * deriv)[:, None]).T @ mm
            misfit = population - sample_total - mm.T @ (ww * fm1(xeta, lo, hi))
            deta = np.linalg.pinv(T, rcond=256 * np.finfo(float).eps) @ misfit
            eta = eta + deta
            xeta = mm @ eta
            g = 1 + fm1(xeta, lo, hi)
            deriv = dF(xeta, lo, hi)
            while it < maxit and not (np.isfinite(g).all() and np.isfinite(deriv).all()):
                it += 1
                deta = deta / 2
                eta = eta - deta
                xeta = mm @ eta
                g = 1 + fm1(xeta, lo, hi)
                deriv = dF(xeta, lo, hi)
            misfit = population - sample_total - mm.T @ (ww * fm1(xeta, lo, hi))
            if (np.abs(misfit) / (1 + np.abs(population)) < epsilon).all():
                break
            it += 1
            if it > maxit:
                failed = float(np.max(np.abs(misfit) / (1 + np.abs(population))))
                break
    if scale is not None:
        g = g * scale
    return g, failed


def calibrate(
    design: Design,
    population_size: float,
    categorical: Mapping[str, Mapping[Any, float]] | None = None,
    numeric: Mapping[str, float] | None = None,
    calfun: str = "linear",
    bounds: tuple[float, float] = (-np.inf, np.inf),
    maxit: int = 50,
    epsilon: float = 1e-7,
) -> Design:
    """Calibration to N, category counts and numeric totals (R's calibrate()).

    The model is intercept + treatment dummies (first level dropped) + numeric columns, i.e.
    R's `~ a + b + x` with population c(`(Intercept)` = N, a2 = ..., x = ...).
    `calfun`: "linear" (GREG; with `bounds` the bounded linear), "raking" (multiplicative,
    g = exp(x'lambda), optionally bounded) or "logit" (needs finite `bounds` = (L, U) on g).
    The variance uses the calibration residuals as R does for every calfun.
    """
    if calfun not in CALFUNS:
        raise StatsError(f"Hàm hiệu chỉnh '{calfun}' không hợp lệ; dùng linear, raking hoặc logit.")
    lo, hi = float(bounds[0]), float(bounds[1])
    if calfun == "logit" and not (np.isfinite(lo) and np.isfinite(hi)):
        raise StatsError(
            "Hiệu chỉnh logit cần cận dưới và cận trên hữu hạn của hệ số g (ví dụ 0,5 và 2)."
        )
    if not lo < 1 < hi:
        raise StatsError("Cận của hệ số hiệu chỉnh g phải thỏa cận dưới < 1 < cận trên.")
    cols = [np.ones(design.n)]
    pop = [float(population_size)]
    for var, totals in (categorical or {}).items():
        codes, labels = _codes(design, var)
        for g, lab in enumerate(labels[1:], start=1):
            v = _lookup(totals, lab)
            if v is None:
                raise StatsError(f"Thiếu tổng thể cho nhóm '{lab}' của biến '{var}'.")
            cols.append((codes == g).astype(float))
            pop.append(v)
    for var, tot in (numeric or {}).items():
        x = pd.to_numeric(pd.Series(design.align(var)), errors="coerce").to_numpy(dtype=float)
        if np.isnan(x).any():
            raise StatsError(f"Biến hiệu chỉnh '{var}' thiếu giá trị hoặc không phải số.")
        cols.append(x)
        pop.append(float(tot))
    mm = np.column_stack(cols)
    ww = design.weights
    whalf = np.sqrt(ww)
    A = mm * whalf[:, None]
    if calfun != "linear" or np.isfinite(lo) or np.isfinite(hi):
        g, failed = _grake(mm, ww, calfun, lo, hi, np.asarray(pop, dtype=float), epsilon, maxit)
        if failed is not None or not np.isfinite(g).all():
            raise StatsError(
                f"Hiệu chỉnh trọng số ({calfun}) không hội tụ sau {maxit} vòng; hãy nới cận, "
                "gộp nhóm hoặc kiểm tra số liệu tổng thể."
            )
        q, _ = np.linalg.qr(A)
        out = _copy(design)
        out.weights = ww * g
        out.calibrations.append(_Greg(q, g * whalf))
        return out
    sample_total = mm.T @ ww
    T = A.T @ A
    try:
        tT = np.linalg.solve(T, np.asarray(pop) - sample_total)
    except np.linalg.LinAlgError as exc:
        raise StatsError(
            "Các biến hiệu chỉnh phụ thuộc tuyến tính (ví dụ một nhóm không có phiếu nào); "
            "hãy gộp nhóm hoặc bỏ bớt biến."
        ) from exc
    g = 1.0 + mm @ tT
    q, _ = np.linalg.qr(A)
    out = _copy(design)
    out.weights = ww * g
    out.calibrations.append(_Greg(q, g * whalf))
    if (out.weights < 0).any():
        out.notes.append("Hiệu chỉnh tuyến tính tạo ra trọng số âm; hãy cân nhắc raking.")
    return out
