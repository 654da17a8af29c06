"""Design-based estimators (mean, total, ratio, proportions, quantiles), overall and by domain.

Domain estimation keeps every row in the design with a zero score outside the domain (R's
subset/svyby). Missing answers are a domain per variable (R's na.rm=TRUE). Variance is Taylor
linearisation (Binder). deff is R's deff=TRUE: against SRS without replacement of the same
size, vsrs = svyvar * (N - n) / (N n); it is undefined (None) when the weights sum to less than n.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import numpy as np
import pandas as pd
from scipy import special
from scipy import stats as sps

from khaosat.stats.design import Design
from khaosat.stats.errors import StatsError
from khaosat.stats.results import Estimate, EstimateTable

CI_METHODS = ("logit", "beta", "wald", "likelihood", "asin")
NOTE_EMPTY = "Miền không có người trả lời nào; không có ước lượng."
NOTE_NO_DF = "Không đủ bậc tự do (số PSU trừ số tầng ≤ 0) để tính khoảng tin cậy."


def tcrit(df: float, level: float = 0.95) -> float:
    """Two-sided critical value of t with df (normal when df is infinite)."""
    return _tcrit(float(df), float(level))


@lru_cache(maxsize=4096)
def _tcrit(df: float, level: float) -> float:
    # Memoised: a report asks for the same few (df, level) pairs thousands of times and each
    # scipy ppf call costs ~0.3 ms; the value is the same float.
    a = (1 - level) / 2
    if not np.isfinite(df):
        return float(sps.norm.ppf(1 - a))
    return float(sps.t.ppf(1 - a, df))


def _column(design: Design, var: Any, numeric: bool = True) -> tuple[np.ndarray, str]:
    name = var if isinstance(var, str) else "x"
    raw = design.align(var)
    if not numeric:
        return raw, name
    if isinstance(raw, np.ndarray) and raw.dtype.kind in "fiub":
        return raw.astype(float, copy=False), name
    try:
        x = pd.to_numeric(pd.Series(raw), errors="raise").to_numpy(dtype=float)
    except (ValueError, TypeError) as exc:
        raise StatsError(
            f"Cột '{name}' có giá trị không phải số; hãy chọn biến định lượng hoặc dùng --prop."
        ) from exc
    return x, name


def domains(design: Design, by: Any) -> tuple[np.ndarray, list[Any], str | None]:
    """Integer domain code per row (-1 = no domain) and the sorted domain labels."""
    if by is None:
        return np.zeros(design.n, dtype=np.int64), [None], None
    raw = design.align(by)
    name = by if isinstance(by, str) else "miền"
    codes, labels = pd.factorize(pd.Series(raw), sort=True)
    return codes.astype(np.int64), [_py(v) for v in labels], name


def _py(v: Any) -> Any:
    if isinstance(v, np.generic):
        v = v.item()
    if isinstance(v, float) and v.is_integer():
        return int(v)
    return v


@dataclass
class _Linear:
    value: np.ndarray  # G x p
    cov: np.ndarray  # Gp x Gp
    deff: np.ndarray  # G x p (nan = undefined)
    W: np.ndarray  # G weighted base
    n: np.ndarray  # G unweighted base (nonzero weights)
    nrows: np.ndarray  # G rows in domain (incl. zero weights)
    df: np.ndarray  # G
    codes: np.ndarray  # effective domain codes (missing -> -1)
    nvalid: np.ndarray | None = None  # G rows with an answer in the domain (incl. zero weights)
    scale: float = 1.0  # true covariance = cov * scale**2 (huge weights, totals)


def linear_stat(
    design: Design, Y: np.ndarray, codes: np.ndarray, G: int, kind: str = "mean"
) -> _Linear:
    """Means or totals of the columns of Y in G domains with their joint covariance."""
    Y = np.asarray(Y, dtype=float)
    if Y.ndim == 1:
        Y = Y[:, None]
    p = Y.shape[1]
    nan = np.isnan(Y)
    valid = (codes >= 0) & ~nan.any(axis=1)
    whole = bool(valid.all()) and G == 1  # the common case: one domain, no missing answers
    c = codes if whole else np.where(valid, codes, -1)
    y0 = np.where(nan, 0.0, Y) if nan.any() else Y
    scale = design.weight_scale()
    w = design.weights if scale == 1.0 else design.weights / scale
    cc = c if whole else np.where(c >= 0, c, G)
    if whole:
        n_valid = np.array([design.n])
    elif design.calibrated:  # R keeps every row of a calibrated design in a domain's subset
        n_valid = np.full(G, int((~nan.any(axis=1)).sum()))
    else:
        n_valid = np.bincount(cc, minlength=G + 1)[:G]
    if whole:
        wsum, wcount, _ = design.whole_sample_sums()
        if scale != 1.0:
            wsum = float(w.sum())
        W = np.array([wsum])
        n = np.array([wcount])
        nrows = np.array([design.n])
        T = (w @ y0)[None, :]
    else:
        W = np.bincount(cc, weights=w, minlength=G + 1)[:G]
        n = np.bincount(cc[w != 0], minlength=G + 1)[:G]
        nrows = _domain_rows(codes, G)
        T = np.empty((G, p))
        for k in range(p):
            T[:, k] = np.bincount(cc, weights=w * y0[:, k], minlength=G + 1)[:G]
    with np.errstate(divide="ignore", invalid="ignore"):
        ybar = T / W[:, None]
    invW = np.where(W > 0, 1.0 / np.where(W > 0, W, 1.0), 0.0)
    value = ybar if kind == "mean" else T
    yb = np.where(np.isfinite(ybar), ybar, 0.0)
    if whole and not design.calibrated:
        # rows are sorted by sampling unit: unit totals are contiguous sums (reduceat)
        zu = np.empty((design.n_units, p))
        ssq = np.empty((1, p))
        for k in range(p):
            dk = y0[:, k] - yb[0, k]
            wd = w * dk
            ssq[0, k] = wd @ dk
            if kind == "mean":
                zu[:, k] = np.add.reduceat(wd, design.unit_start) * invW[0]
            else:
                zu[:, k] = np.add.reduceat(w * y0[:, k], design.unit_start)
        cov = design.variance_units(zu, None)
        return _finish(
            design, value, cov, ssq, W, n, nrows, c, G, kind, codes, nvalid=n_valid, scale=scale
        )
    if design.calibrated:
        S = np.zeros((design.n, G * p))
        rows = np.flatnonzero(c >= 0)
        cg = c[rows]
        for k in range(p):
            if kind == "mean":
                s = w[rows] * (y0[rows, k] - yb[cg, k]) * invW[cg]
            else:
                s = w[rows] * y0[rows, k]
            S[rows, cg * p + k] = s
        # R keeps every row of a calibrated design in a subset (weights set to zero)
        cov = design.variance_rows(S, None)
        nrows = np.full(G, design.n)
    else:
        # work on the valid rows only: every sum is a bincount over (unit, domain) keys
        if valid.all():
            wv, yv, cv, uv, present = w, y0, codes, design.row_unit, None
        else:
            idx = np.flatnonzero(valid)
            wv, yv, cv, uv, present = w[idx], y0[idx], codes[idx], design.row_unit[idx], valid
        U = design.n_units
        key = uv if G == 1 else uv * G + cv
        sw = np.bincount(key, weights=wv, minlength=U * G).reshape(U, G)
        zu = np.empty((U, G, p))
        for k in range(p):
            sy = np.bincount(key, weights=wv * yv[:, k], minlength=U * G).reshape(U, G)
            zu[:, :, k] = (sy - yb[None, :, k] * sw) * invW[None, :] if kind == "mean" else sy
        zu = zu.reshape(U, G * p)
        cov = design.variance_units(zu, present)
        if design.lonely_psu == "average" and G > 1:
            # R subsets each domain: the averaging uses that domain's strata only.
            for g in range(G):
                sl = slice(g * p, (g + 1) * p)
                cov[sl, sl] = design.variance_units(zu[:, sl], c == g)
        ssq = np.empty((G, p))
        for k in range(p):
            if G == 1:
                ssq[0, k] = wv @ (yv[:, k] - yb[0, k]) ** 2
            else:
                ssq[:, k] = np.bincount(cv, weights=wv * (yv[:, k] - yb[cv, k]) ** 2, minlength=G)
        return _finish(
            design, value, cov, ssq, W, n, nrows, c, G, kind, codes, nvalid=n_valid, scale=scale
        )
    # deff (R deff=TRUE): vsrs = svyvar * (N - n) / (N n), times N^2 for totals.
    ssq = np.empty((G, p))
    for k in range(p):
        d = np.where(cc < G, y0[:, k] - yb[np.minimum(cc, G - 1), k], 0.0)
        ssq[:, k] = np.bincount(cc, weights=w * d**2, minlength=G + 1)[:G]
    return _finish(
        design, value, cov, ssq, W, n, nrows, c, G, kind, codes, nvalid=n_valid, scale=scale
    )


def _domain_rows(codes: np.ndarray, G: int) -> np.ndarray:
    """Rows of each domain, answered or not (R's nrow() of the domain's design)."""
    if G == 1 and (codes >= 0).all():
        return np.array([len(codes)])
    return np.bincount(np.where(codes >= 0, codes, G), minlength=G + 1)[:G]


def _finish(
    design, value, cov, ssq, W, n, nrows, c, G, kind, dcodes=None, nvalid=None, scale=1.0
) -> _Linear:
    """Design effects and df. With huge weights the sums were taken on weights / `scale` (a
    power of two, so exactly): totals come back in true units, their covariance stays scaled
    (true = cov * scale**2, which may not be representable while the SE is)."""
    p = value.shape[1]
    invW = np.where(W > 0, 1.0 / np.where(W > 0, W, 1.0), 0.0)
    var = np.diag(cov).reshape(G, p)
    Wt = W * scale
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        svyvar = ssq * invW[:, None] * (n / (n - 1.0))[:, None]
        factor = 1.0 / n if design.deff_kind == "srswr" else (Wt - n) / (Wt * n)
        vsrs = svyvar * factor[:, None]
        if kind == "total":
            vsrs = vsrs * (W**2)[:, None]
        deff = var / vsrs
    bad = ((Wt < n) & (design.deff_kind == "srswor")) | (n < 2)
    deff[bad, :] = np.nan
    deff[~np.isfinite(deff)] = np.nan
    # df = degf(design) of the domain, as R's confint(df = degf(design)) and svyciprop use it:
    # PSUs whose rows have no answer still count (the design, not the answered rows)
    df = design.degf_by(c if dcodes is None else dcodes, G)
    if nvalid is None:
        nvalid = np.bincount(np.where(c >= 0, c, G), minlength=G + 1)[:G]
    if kind == "total" and scale != 1.0:
        return _Linear(value * scale, cov, deff, Wt, n, nrows, df, c, nvalid, scale)
    return _Linear(value, cov, deff, Wt, n, nrows, df, c, nvalid)


def category_stat(design: Design, cat: np.ndarray, K: int, codes: np.ndarray, G: int) -> _Linear:
    """Proportions of K categories (codes 0..K-1, -1 = missing) in G domains, one-pass bincounts."""
    if design.calibrated:
        Y = np.zeros((design.n, K))
        ok = cat >= 0
        Y[np.flatnonzero(ok), cat[ok]] = 1.0
        Y[~ok] = np.nan
        return linear_stat(design, Y, codes, G, "mean")
    valid = (codes >= 0) & (cat >= 0)
    c = np.where(valid, codes, -1)
    cc = np.where(valid, codes, G)
    k0 = np.where(valid, cat, 0)
    scale = design.weight_scale()
    w = design.weights if scale == 1.0 else design.weights / scale
    W = np.bincount(cc, weights=w, minlength=G + 1)[:G]
    n = np.bincount(cc[w != 0], minlength=G + 1)[:G]
    nrows = _domain_rows(codes, G)
    n_valid = np.bincount(cc, minlength=G + 1)[:G]
    T = np.bincount(cc * K + k0, weights=w, minlength=(G + 1) * K).reshape(G + 1, K)[:G]
    with np.errstate(divide="ignore", invalid="ignore"):
        ybar = T / W[:, None]
    invW = np.where(W > 0, 1.0 / np.where(W > 0, W, 1.0), 0.0)
    yb = np.where(np.isfinite(ybar), ybar, 0.0)
    U = design.n_units
    key = design.row_unit * (G + 1) + cc
    sw = np.bincount(key, weights=w, minlength=U * (G + 1)).reshape(U, G + 1)[:, :G]
    sy = np.bincount(key * K + k0, weights=w, minlength=U * (G + 1) * K)
    sy = sy.reshape(U, G + 1, K)[:, :G, :]
    zu = ((sy - yb[None, :, :] * sw[:, :, None]) * invW[None, :, None]).reshape(U, G * K)
    cov = design.variance_units(zu, valid)
    if design.lonely_psu == "average" and G > 1:
        for g in range(G):
            sl = slice(g * K, (g + 1) * K)
            cov[sl, sl] = design.variance_units(zu[:, sl], c == g)
    ssq = W[:, None] * yb * (1 - yb)  # sum of w (y - p)^2 for a 0/1 indicator
    return _finish(
        design, ybar, cov, ssq, W, n, nrows, c, G, "mean", codes, nvalid=n_valid, scale=scale
    )


def _wald(value: float, se: float, df: float, level: float) -> tuple[float | None, float | None]:
    if df <= 0 or not np.isfinite(se):
        return None, None
    t = tcrit(df, level)
    return value - t * se, value + t * se


@dataclass
class LikInfo:
    """What svyciprop(method = "likelihood") needs of one proportion's quasibinomial fit.

    `c` normalises the weights to mean 1 over the domain's design rows (svyglm's prior
    weights); `W`: sum of weights of the answered rows; `n_y`: answered rows (glm's n);
    `s_work`: sum of glm's working weights at its last IRLS iteration (1 / naive variance);
    `phi`: summary.svyglm's dispersion, svyvar of the Pearson residuals.
    """

    c: float
    W: float
    n_y: int
    s_work: float
    phi: float
    coef: float  # svyglm's fitted intercept (IRLS), where R centres logit/likelihood intervals
    se_coef: float  # its design-based SE (at the fitted mu)


def irls_intercept(y: np.ndarray, w: np.ndarray) -> tuple[float, float]:
    """glm.fit(binomial) with an intercept only, as R iterates it (mustart, IRLS, deviance
    convergence at 1e-8): the final coefficient (svyglm's coef, which R's logit and likelihood
    intervals centre on) and the sum of the working weights of the last iteration (R's naive
    variance of the intercept is 1 / that sum). After the first iteration eta is constant, so
    the later ones need only the totals."""
    keep = w > 0
    y, w = y[keep], w[keep]
    thresh = 30.0

    def linkinv(eta):
        t = np.where(eta < -thresh, EPS, np.where(eta > thresh, 1 / EPS, np.exp(eta)))
        return t / (1 + t)

    def mu_eta(eta):
        ope = 1 + np.exp(eta)
        return np.where((eta > thresh) | (eta < -thresh), EPS, np.exp(eta) / (ope * ope))

    W = float(w.sum())
    T1 = float(w @ y)
    mu = (w * y + 0.5) / (w + 1)
    eta = np.log(mu / (1 - mu))
    mu = linkinv(eta)
    with np.errstate(divide="ignore"):
        devold = float(np.sum(2 * w * np.where(y == 1, -np.log(mu), -np.log(1 - mu))))
    me = mu_eta(eta)
    ww = w * me**2 / (mu * (1 - mu))
    s_work = float(ww.sum())
    coef = float(ww @ (eta + (y - mu) / me)) / s_work
    for _ in range(25):  # glm.control(maxit = 25)
        e = np.array([coef])
        m = float(linkinv(e)[0])
        d = 2 * (T1 * -np.log(m) + (W - T1) * -np.log(1 - m))
        if abs(d - devold) / (abs(d) + 0.1) < 1e-8:
            break
        devold = d
        me1 = float(mu_eta(e)[0])
        wk = me1**2 / (m * (1 - m))
        s_work = wk * W
        coef = coef + (T1 - m * W) / me1 / W
    return coef, s_work


def _expit_r(eta: float) -> float:
    """binomial()$linkinv as R computes it (thresholded exp, then x / (1 + x))."""
    thresh = 30.0
    if eta < -thresh:
        t = EPS
    elif eta > thresh:
        t = 1 / EPS
    else:
        t = float(np.exp(eta))
    return t / (1 + t)


EPS = float(np.finfo(float).eps)


def lik_ci(
    p: float, se: float, df: float, info: LikInfo, level: float = 0.95
) -> tuple[float | None, float | None]:
    """svyciprop(method = "likelihood"): profile of the Rao–Scott scaled quasibinomial
    deviance, exactly as survey's confint.svyglm(method = "likelihood") (MASS's profile with
    10 steps of zmax / 5 standard errors, fmm spline, linear inverse interpolation)."""
    from khaosat.stats import rnum

    a = 1 - level
    b0 = info.coef
    sb = info.se_coef
    lam = sb**2 * info.s_work  # R's lambda: design over model-based variance of the intercept
    q = sps.norm.ppf(a / 2) if not np.isfinite(df) else sps.t.ppf(a / 2, df)
    alpha = sps.norm.cdf(q * np.sqrt(lam)) / 2
    if info.n_y < 2:
        return None, None
    zmax = float(np.sqrt(sps.f.isf(alpha, 1, info.n_y - 1)))
    step_size = zmax / 5
    t1 = p * info.W

    def dev(b: float) -> float:
        mu = _expit_r(b)
        return -2 * info.c * (t1 * np.log(mu) + (info.W - t1) * np.log(1 - mu))

    d0 = dev(b0)
    phi = info.phi
    zs, bs = [0.0], [b0]
    for sgn in (-1.0, 1.0):
        step, z = 0, 0.0
        while True:
            step += 1
            if not (step < 10 and abs(z) < zmax):
                break
            bi = b0 + sgn * step * step_size * sb
            zz = (dev(bi) - d0) / phi
            if zz <= -0.001:
                return None, None
            z = sgn * float(np.sqrt(max(zz, 0.0)))
            zs.append(z)
            bs.append(bi)
    o = np.argsort(zs, kind="stable")
    zs_a, bs_a = np.asarray(zs)[o], np.asarray(bs)[o]
    sx, sy = rnum.spline_fmm(bs_a, zs_a)
    cut = [sps.norm.ppf(2 * alpha), sps.norm.isf(2 * alpha)]
    lo, hi = rnum.approx_linear(sy, sx, cut)
    if not (np.isfinite(lo) and np.isfinite(hi)):
        return None, None
    return _expit(lo), _expit(hi)


def prop_ci(
    p: float,
    se: float,
    df: float,
    nrows: int,
    n: int,
    method: str,
    level: float = 0.95,
    lik: LikInfo | None = None,
) -> tuple[float | None, float | None, str | None]:
    """CI of a proportion as R's svyciprop: 'logit' (default), 'beta' (Korn–Graubard),
    'wald' ("mean"), 'likelihood' (needs `lik`), 'asin'. df may be inf (normal quantile)."""
    if method not in CI_METHODS:
        raise StatsError(
            f"Phương pháp khoảng tin cậy '{method}' không hợp lệ; dùng logit, beta, wald, "
            "likelihood hoặc asin."
        )
    if df <= 0:
        return None, None, NOTE_NO_DF
    a = 1 - level
    if method == "wald":
        lo, hi = _wald(p, se, df, level)
        return lo, hi, None
    if p <= 0 or p >= 1 or se <= 0:
        # Degenerate: Clopper–Pearson with the actual number of respondents.
        x = p * n
        lo = 0.0 if x <= 0 else _beta_ppf(a / 2, x, n - x + 1)
        hi = 1.0 if x >= n else _beta_ppf(1 - a / 2, x + 1, n - x)
        return (
            lo,
            hi,
            (
                "Ước lượng bằng 0% hoặc 100% (hoặc sai số chuẩn bằng 0): khoảng tin cậy "
                "Clopper–Pearson theo số người trả lời."
            ),
        )
    if method == "logit":
        t = tcrit(df, level)
        eta = lik.coef if lik is not None else np.log(p / (1 - p))
        s = lik.se_coef if lik is not None else se / (p * (1 - p))
        return float(_expit(eta - t * s)), float(_expit(eta + t * s)), None
    if method == "asin":
        t = tcrit(df, level)
        eta = np.arcsin(np.sqrt(p))
        s = se / (2 * np.sqrt(p * (1 - p)))
        return float(np.sin(eta - t * s) ** 2), float(np.sin(eta + t * s) ** 2), None
    if method == "likelihood":
        if lik is None:
            raise ValueError("the likelihood interval needs LikInfo")
        lo, hi = lik_ci(p, se, df, lik, level)
        note = None
        if lo is None:
            note = "Không tính được khoảng tin cậy theo hợp lý (likelihood) cho ước lượng này."
        return lo, hi, note
    neff = p * (1 - p) / se**2
    if nrows > 1:
        neff = neff * (sps.t.ppf(a / 2, nrows - 1) / sps.t.ppf(a / 2, df)) ** 2
    lo = float(sps.beta.ppf(a / 2, neff * p, neff * (1 - p) + 1))
    hi = float(sps.beta.ppf(1 - a / 2, neff * p + 1, neff * (1 - p)))
    return lo, hi, None


def _beta_ppf(q: float, a: float, b: float) -> float:
    # sps.beta.ppf(q, a, b) without the ~0.8 ms of its argument checks: the same boost
    # ibeta_inv (bit-equal on 20.000 random arguments), for the many 0% cells of a table by unit.
    return float(special.betaincinv(a, b, q))


def _expit(x: float) -> float:
    return np.exp(x) / (1 + np.exp(x))


def _f(x: Any) -> float | None:
    x = float(x)
    return x if np.isfinite(x) else None


def _table(
    design: Design,
    res: _Linear,
    statistic: str,
    variable: str,
    labels: list[Any],
    categories: list[Any] | None,
    by_name: str | None,
    ci: str,
    level: float,
    lik: Any = None,
) -> EstimateTable:
    G = len(labels)
    p = res.value.shape[1]
    se_all = np.sqrt(np.clip(np.diag(res.cov), 0, None)).reshape(G, p) * res.scale
    out: list[Estimate] = []
    notes: list[str] = []
    for g in range(G):
        for k in range(p):
            cat = categories[k] if categories is not None else None
            dom = labels[g]
            n = int(res.n[g])
            df = int(res.df[g])
            if res.W[g] <= 0:
                out.append(
                    Estimate(
                        statistic,
                        variable,
                        None,
                        None,
                        None,
                        None,
                        df,
                        None,
                        n,
                        cat,
                        dom,
                        weighted_n=0.0,
                        note=NOTE_EMPTY,
                    )
                )
                continue
            v = float(res.value[g, k])
            se = float(se_all[g, k])
            if not (np.isfinite(v) and np.isfinite(se)):
                raise StatsError(
                    f"Ước lượng của '{variable}' vượt quá giới hạn của số thực (giá trị hoặc trọng "
                    "số quá lớn, hoặc dữ liệu có giá trị vô hạn); hãy kiểm tra dữ liệu hoặc chia "
                    "trọng số cho một hằng số."
                )
            note = None
            lo_n = hi_n = None
            if statistic == "proportion":
                info = lik(g, k) if lik is not None else None
                nr = int(res.nrows[g])
                lo, hi, note = prop_ci(v, se, df, nr, n, ci, level, info)
                if ci == "beta":  # svyciprop's beta uses degf(design) whatever df is given
                    lo_n, hi_n = lo, hi
                else:
                    lo_n, hi_n, _ = prop_ci(v, se, np.inf, nr, n, ci, level, info)
            else:
                lo, hi = _wald(v, se, df, level)
                lo_n, hi_n = _wald(v, se, np.inf, level)
                if lo is None:
                    note = NOTE_NO_DF
            if n == 1:
                note = "Chỉ có một người trả lời trong miền này; ước lượng rất không ổn định."
            out.append(
                Estimate(
                    statistic,
                    variable,
                    v,
                    se,
                    lo,
                    hi,
                    df,
                    _f(res.deff[g, k]),
                    n,
                    cat,
                    dom,
                    weighted_n=float(res.W[g]),
                    note=note,
                    ci_low_normal=lo_n,
                    ci_high_normal=hi_n,
                )
            )
    if design.calibrated:
        notes.append("Trọng số đã hiệu chỉnh; phương sai theo phần dư hiệu chỉnh.")
    with np.errstate(over="ignore"):
        cov = res.cov if res.scale == 1.0 else res.cov * np.float64(res.scale) ** 2
    return EstimateTable(
        statistic,
        variable,
        out,
        ci_method=ci if statistic == "proportion" else "wald",
        level=level,
        by=by_name,
        notes=notes,
        covariance=cov,
    )


def _irls_first(v: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """glm.fit's first IRLS step per row, mustart = (v y + 0.5) / (v + 1) from the row's prior
    weight v. With mu1 = (v + .5) / (v + 1) for y = 1 and mu0 = 1 - mu1 for y = 0, the working
    weight v mu1 mu0 and the deviance term -2 v log(mu1) are the same for both answers; the
    working weight x working response is +-(v mu1 mu0 log(2v + 1) + v mu0). Returns (working
    weight, that product for y = 1, deviance term)."""
    mu0 = 0.5 / (v + 1)
    mu1 = (v + 0.5) / (v + 1)
    ww = v * mu1 * mu0
    wz1 = ww * np.log1p(2 * v) + v * mu0
    return ww, wz1, -2 * v * np.log(mu1)


def _irls_rest(coef, s_work, devold, W, T1) -> tuple[float, float]:
    """The later IRLS iterations of an intercept-only binomial glm (eta constant: totals)."""
    thresh = 30.0
    for _ in range(25):
        t = EPS if coef < -thresh else (1 / EPS if coef > thresh else float(np.exp(coef)))
        m = t / (1 + t)
        d = 2 * (T1 * -np.log(m) + (W - T1) * -np.log(1 - m))
        if abs(d - devold) / (abs(d) + 0.1) < 1e-8:
            break
        devold = d
        ope = 1 + np.exp(coef)
        me1 = EPS if abs(coef) > thresh else float(np.exp(coef) / (ope * ope))
        s_work = me1**2 / (m * (1 - m)) * W
        coef = coef + (T1 - m * W) / me1 / W
    return coef, s_work


def _lik_infos_fast(design, ws, cat, K, codes, G, res, valid, Wdom, nvalid):
    """LikInfo of every (domain, category) at once for an uncalibrated design: the first IRLS
    step by bincounts over rows, the rest on totals, the SE at the fitted mu from the unit
    totals (as svyglm computes them), the dispersion in closed form."""
    nrows = res.nrows
    rows = np.flatnonzero(valid)
    g_r, k_r, w_r = codes[rows], cat[rows], ws[rows]
    c = np.where(Wdom > 0, nrows / np.where(Wdom > 0, Wdom, 1.0), 1.0)
    sw1 = np.zeros((G, K))
    swz1 = np.zeros((G, K))
    dev1 = np.zeros((G, K))
    step = 1 << 18  # rows per chunk: bounded temporaries on millions of rows
    for lo in range(0, len(rows), step):
        sl = slice(lo, lo + step)
        v = w_r[sl] * c[g_r[sl]]
        pos = v > 0
        g_p, k_p, v_p = g_r[sl][pos], k_r[sl][pos], v[pos]
        ww, wz1, dv = _irls_first(v_p)
        gk = g_p * K + k_p
        # the category k's rows have y = 1 (wz1), the domain's other answered rows y = 0 (-wz1)
        sw1 += np.bincount(g_p, weights=ww, minlength=G)[:, None]
        dev1 += np.bincount(g_p, weights=dv, minlength=G)[:, None]
        swz1 += 2 * np.bincount(gk, weights=wz1, minlength=G * K).reshape(G, K)
        swz1 -= np.bincount(g_p, weights=wz1, minlength=G)[:, None]
        del ww, wz1, dv
    W = np.bincount(g_r, weights=w_r, minlength=G)
    T = np.bincount(g_r * K + k_r, weights=w_r, minlength=G * K).reshape(G, K)
    U = design.n_units
    unit = design.row_unit[rows]
    sw_u = np.bincount(unit * G + g_r, weights=w_r, minlength=U * G).reshape(U, G)
    sy_u = np.bincount((unit * G + g_r) * K + k_r, weights=w_r, minlength=U * G * K)
    sy_u = sy_u.reshape(U, G, K)
    coef = np.full((G, K), np.nan)
    s_work = np.full((G, K), np.nan)
    for g in range(G):
        for k in range(K):
            if W[g] > 0 and 0 < T[g, k] < W[g] and sw1[g, k] > 0:
                coef[g, k], s_work[g, k] = _irls_rest(
                    swz1[g, k] / sw1[g, k], sw1[g, k], dev1[g, k], W[g] * c[g], T[g, k] * c[g]
                )
    with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
        t = np.where(coef < -30, EPS, np.where(coef > 30, 1 / EPS, np.exp(coef)))
        mu_f = t / (1 + t)
        invW = np.where(W > 0, 1 / np.where(W > 0, W, 1.0), 0.0)
        zu = (sy_u - np.nan_to_num(mu_f)[None] * sw_u[:, :, None]) * invW[None, :, None]
    cov = design.variance_units(zu.reshape(U, G * K), valid)
    var_f = np.diag(cov).reshape(G, K).copy()
    if design.lonely_psu == "average" and G > 1:
        for g in range(G):
            sl = slice(g * K, (g + 1) * K)
            var_f[g] = np.diag(design.variance_units(zu.reshape(U, G * K)[:, sl], codes == g))
    with np.errstate(invalid="ignore", divide="ignore"):
        se_coef = np.sqrt(np.clip(var_f, 0, None)) / (mu_f * (1 - mu_f))
    n_after = np.bincount(g_r, minlength=G)
    nz = res.n

    def info(g: int, k: int) -> LikInfo:
        # svyvar of the Pearson residuals: (c / c2) n / (n - 1), c2 = n_after / W
        c2 = n_after[g] / W[g] if W[g] > 0 else 1.0
        phi = c[g] / c2 * nz[g] / (nz[g] - 1) if nz[g] > 1 else float("nan")
        return LikInfo(
            float(c[g]),
            float(W[g]),
            int(nvalid[g]),
            float(s_work[g, k]),
            float(phi),
            float(coef[g, k]),
            float(se_coef[g, k]),
        )

    return info


def _lik_infos(
    design: Design, cat: np.ndarray, K: int, codes: np.ndarray, G: int, res: _Linear
) -> Any:
    """LikInfo per (domain, category) for svyciprop(method = "likelihood")."""
    w = design.weights
    ws = w / design.weight_scale()
    valid = (codes >= 0) & (cat >= 0)
    dom = np.where(codes >= 0, codes, G)
    Wdom = np.bincount(dom, weights=ws, minlength=G + 1)[:G]
    nrows = res.nrows
    nvalid = res.nvalid if res.nvalid is not None else np.bincount(dom[valid], minlength=G + 1)[:G]
    if not design.calibrated:
        return _lik_infos_fast(design, ws, cat, K, codes, G, res, valid, Wdom, nvalid)
    if design.calibrated:  # R keeps every row of a calibrated design in its subsets
        nrows_after = np.full(G, design.n)
    else:
        nrows_after = np.bincount(dom[valid], minlength=G + 1)[:G]

    def info(g: int, k: int) -> LikInfo:
        c = float(nrows[g]) / float(Wdom[g]) if Wdom[g] > 0 else 1.0
        rows = valid & (codes == g)
        y = (cat[rows] == k).astype(float)
        wr = ws[rows]
        W = float(wr.sum())
        mu = float(wr @ y) / W
        if not 0 < mu < 1:  # 0% or 100%: no profile (prop_ci gives Clopper–Pearson)
            nan = float("nan")
            return LikInfo(c, W, int(nvalid[g]), nan, nan, nan, nan)
        coef, s_work = irls_intercept(y, wr * c)
        # summary.svyglm's dispersion: svyvar of survey's Pearson residuals on the design,
        # (y - mu) sqrt(prior / pwts) / sqrt(V(mu)); pwts: weights normalised after NA removal
        n_after = int(nrows_after[g])
        c2 = n_after / W
        r = (y - mu) * np.sqrt(c / c2) / np.sqrt(mu * (1 - mu))
        rbar = float(wr @ r) / W
        nz = int(np.count_nonzero(wr))
        phi = float(wr @ (r - rbar) ** 2) / W * nz / (nz - 1) if nz > 1 else float("nan")
        # svyglm's SE of the intercept: linearised at its fitted mu, not at the sample share
        mu_f = _expit_r(coef)
        score = np.zeros(design.n)
        score[rows] = wr * (y - mu_f) / W
        present = valid if design.lonely_psu != "average" else rows
        var_f = float(design.variance_rows(score, present)[0, 0])
        se_coef = float(np.sqrt(max(var_f, 0.0))) / (mu_f * (1 - mu_f))
        return LikInfo(c, W, int(nvalid[g]), s_work, phi, coef, se_coef)

    return info


def mean(design: Design, var: Any, by: Any = None, level: float = 0.95) -> EstimateTable:
    """Weighted mean of a numeric variable (missing answers excluded as a domain)."""
    if getattr(design, "is_sql", False):  # SqlDesign: per-PSU totals from the database
        res, labels, by_name = design.linear(var, by, "mean")
        return _table(design, res, "mean", var, labels, None, by_name, "wald", level)
    x, name = _column(design, var)
    codes, labels, by_name = domains(design, by)
    res = linear_stat(design, x, codes, len(labels), "mean")
    return _table(design, res, "mean", name, labels, None, by_name, "wald", level)


def total(design: Design, var: Any, by: Any = None, level: float = 0.95) -> EstimateTable:
    """Estimated population total of a numeric variable."""
    if getattr(design, "is_sql", False):
        res, labels, by_name = design.linear(var, by, "total")
        return _table(design, res, "total", var, labels, None, by_name, "wald", level)
    x, name = _column(design, var)
    codes, labels, by_name = domains(design, by)
    res = linear_stat(design, x, codes, len(labels), "total")
    return _table(design, res, "total", name, labels, None, by_name, "wald", level)


def variance(design: Design, var: Any, by: Any = None, level: float = 0.95) -> EstimateTable:
    """Population variance of a numeric variable with its SE, as R's svyvar (na.rm = TRUE).

    As R: the mean of (x - xbar)^2 n / (n - 1), n = rows with a nonzero weight in the design
    (or domain), answered or not; the SE treats xbar as known.
    """
    x, name = _column(design, var)
    codes, labels, by_name = domains(design, by)
    G = len(labels)
    w = design.weights
    dom = np.where(codes >= 0, codes, G)
    nz = np.bincount(dom[w != 0], minlength=G + 1)[:G].astype(float)
    xbar = linear_stat(design, x, codes, G, "mean").value[:, 0]
    y = np.full(design.n, np.nan)
    ok = (codes >= 0) & ~np.isnan(x)
    g = codes[ok]
    with np.errstate(divide="ignore", invalid="ignore"):
        d = x[ok] - xbar[g]
        y[ok] = d * d * nz[g] / (nz[g] - 1)
    res = linear_stat(design, y, codes, G, "mean")
    res.deff[:] = np.nan
    return _table(design, res, "variance", name, labels, None, by_name, "wald", level)


def _onehot(raw: np.ndarray) -> tuple[np.ndarray, list[Any]]:
    codes, cats = pd.factorize(pd.Series(raw), sort=True)
    K = len(cats)
    Y = np.zeros((len(raw), max(K, 1)))
    ok = codes >= 0
    Y[np.flatnonzero(ok), codes[ok]] = 1.0
    Y[~ok, :] = np.nan
    return Y[:, :K], [_py(c) for c in cats]


def proportions(
    design: Design,
    var: Any,
    by: Any = None,
    ci: str = "logit",
    level: float = 0.95,
    drop: tuple = (),
) -> EstimateTable:
    """Proportion of every category of a single-choice variable; `drop` codes count as missing.

    On a SqlDesign the logit interval is the closed form at the sample share (R's IRLS
    intercept differs from it by at most the glm tolerance) and 'likelihood' is not offered.
    """
    if getattr(design, "is_sql", False):
        if ci not in CI_METHODS:
            prop_ci(0.5, 0.1, 1, 2, 2, ci)
        if ci == "likelihood" or drop:
            raise StatsError(
                "Khoảng tin cậy 'likelihood' và việc loại mã trả lời chưa có khi ước lượng trong "
                "cơ sở dữ liệu; hãy dùng logit, beta, wald hoặc asin."
            )
        res, cats, labels, by_name = design.categories(var, by)
        return _table(design, res, "proportion", var, labels, cats, by_name, ci, level)
    raw, name = _column(design, var, numeric=False)
    if drop:
        raw = pd.Series(raw).where(~pd.Series(raw).isin(list(drop))).to_numpy()
    catc, cats = pd.factorize(pd.Series(raw), sort=True)
    cats = [_py(c) for c in cats]
    if not cats:
        raise StatsError(f"Biến '{name}' không có câu trả lời nào; không thể tính tỉ lệ.")
    if ci not in CI_METHODS:
        prop_ci(0.5, 0.1, 1, 2, 2, ci)
    codes, labels, by_name = domains(design, by)
    catc = catc.astype(np.int64)
    res = category_stat(design, catc, len(cats), codes, len(labels))
    lik = None
    if ci in ("likelihood", "logit"):  # both centre on svyglm's IRLS intercept
        lik = _lik_infos(design, catc, len(cats), codes, len(labels), res)
    return _table(design, res, "proportion", name, labels, cats, by_name, ci, level, lik)


def multi_proportions(
    design: Design,
    columns: list[str] | str,
    by: Any = None,
    ci: str = "logit",
    level: float = 0.95,
) -> EstimateTable:
    """Proportion choosing each option of a multiple-choice question (0/1 columns, NaN = not asked).

    `columns` is the list of option columns or the question name (columns `{name}_{code}`).
    """
    if isinstance(columns, str):
        prefix = columns + "_"
        cols = [c for c in design.data.columns if str(c).startswith(prefix)]
        if not cols:
            raise StatsError(f"Không tìm thấy cột lựa chọn nào dạng '{prefix}…' trong dữ liệu.")
        name = columns
    else:
        cols, name = list(columns), ",".join(columns)
    codes, labels, by_name = domains(design, by)
    ests: list[Estimate] = []
    covs = []
    for col in cols:
        x, _ = _column(design, col)
        res = linear_stat(design, x, codes, len(labels), "mean")
        lik = None
        if ci in ("likelihood", "logit"):
            xc = np.where(np.isnan(x), -1, (x == 1).astype(np.int64))
            lik = _lik_infos(design, xc, 2, codes, len(labels), res)
            lik1 = lik
            lik = lambda g, k, f=lik1: f(g, 1)  # noqa: E731 - the "chosen" (1) category
        t = _table(design, res, "proportion", name, labels, [col], by_name, ci, level, lik)
        ests.extend(t.estimates)
        covs.append(t.covariance)
    return EstimateTable("proportion", name, ests, ci_method=ci, level=level, by=by_name)


def ratio(
    design: Design, numerator: Any, denominator: Any, by: Any = None, level: float = 0.95
) -> EstimateTable:
    """Ratio of two totals (R's svyratio)."""
    y, yn = _column(design, numerator)
    x, xn = _column(design, denominator)
    codes, labels, by_name = domains(design, by)
    G = len(labels)
    both = np.column_stack([y, x])
    tot = linear_stat(design, both, codes, G, "total")
    c = tot.codes
    Ty, Tx = tot.value[:, 0], tot.value[:, 1]
    with np.errstate(divide="ignore", invalid="ignore"):
        R = Ty / Tx
    Rg = np.where(np.isfinite(R), R, 0.0)
    Txs = np.where(Tx != 0, Tx, 1.0)
    y0, x0 = np.nan_to_num(y), np.nan_to_num(x)
    # residual r = (y - R x) / X_total; its design total has the ratio's variance (with huge
    # weights r is taken times the weight scale, so that its total on scaled weights is true)
    r = np.full(design.n, np.nan)
    rows = np.flatnonzero(c >= 0)
    cg = c[rows]
    r[rows] = (y0[rows] - Rg[cg] * x0[rows]) / Txs[cg] * design.weight_scale()
    lin = linear_stat(design, r, c, G, "total")
    lin.value = R[:, None]
    lin.scale = 1.0
    res = lin
    return _table(design, res, "ratio", f"{yn}/{xn}", labels, None, by_name, "wald", level)


def _qrule_math(x: np.ndarray, w: np.ndarray, p: float) -> float:
    """R survey's qrule_math: smallest x whose weighted CDF reaches p (exact ties kept)."""
    keep = w != 0
    x, w = x[keep], w[keep]
    o = np.argsort(x, kind="stable")
    xs = x[o]
    cumw = np.cumsum(w[o].astype(np.longdouble)).astype(float)
    tot = float(np.sum(w.astype(np.longdouble)))
    below = np.flatnonzero(cumw <= p * tot)
    if len(below) == 0:
        return float(xs[0])
    pos = int(below[-1])
    nxt = pos if pos == len(xs) - 1 else pos + 1
    wlow = p - cumw[pos] / tot
    return float(xs[pos] if wlow == 0 else xs[nxt])


def quantile(
    design: Design, var: Any, q: float | list[float] = 0.5, by: Any = None, level: float = 0.95
) -> EstimateTable:
    """Quantiles with Woodruff intervals (R svyquantile defaults: interval.type='mean', qrule='math')."""
    qs = [q] if np.isscalar(q) else list(q)
    for qq in qs:
        if not 0 <= qq <= 1:
            raise StatsError(f"Phân vị {qq} phải nằm trong khoảng 0..1 (ví dụ 0.5 là trung vị).")
    x, name = _column(design, var)
    codes, labels, by_name = domains(design, by)
    G = len(labels)
    w = design.weights
    valid = (codes >= 0) & ~np.isnan(x)
    c = np.where(valid, codes, -1)
    df_all = design.degf_by(c, G)
    ests: list[Estimate] = []
    for g in range(G):
        dom = c == g
        n = int(((w != 0) & dom).sum())
        df = int(df_all[g])
        for qq in qs:
            if n == 0:
                ests.append(
                    Estimate(
                        "quantile",
                        name,
                        None,
                        None,
                        None,
                        None,
                        df,
                        None,
                        0,
                        None,
                        labels[g],
                        qq,
                        0.0,
                        NOTE_EMPTY,
                    )
                )
                continue
            qhat = _qrule_math(x[dom], w[dom], qq)
            ind = np.where(dom, (x <= qhat).astype(float), np.nan)
            res = linear_stat(design, ind, np.where(dom, 0, -1), 1, "mean")
            m = float(res.value[0, 0])
            sem = float(np.sqrt(max(res.cov[0, 0], 0.0)))
            note = None
            if df <= 0:
                ests.append(
                    Estimate(
                        "quantile",
                        name,
                        qhat,
                        None,
                        None,
                        None,
                        df,
                        None,
                        n,
                        None,
                        labels[g],
                        qq,
                        float(res.W[0]),
                        NOTE_NO_DF,
                    )
                )
                continue
            t = tcrit(df, level)
            plo, phi = m - t * sem, m + t * sem
            if plo < 0 or phi > 1:
                note = (
                    "Khoảng tin cậy chạm biên của phân phối; cận được lấy tại giá trị nhỏ/lớn nhất."
                )
            lo = _qrule_math(x[dom], w[dom], max(plo, 0.0))
            hi = _qrule_math(x[dom], w[dom], min(phi, 1.0))
            se = (hi - lo) / (2 * t)
            ests.append(
                Estimate(
                    "quantile",
                    name,
                    qhat,
                    se,
                    lo,
                    hi,
                    df,
                    None,
                    n,
                    None,
                    labels[g],
                    qq,
                    float(res.W[0]),
                    note,
                )
            )
    return EstimateTable("quantile", name, ests, ci_method="woodruff", level=level, by=by_name)
