"""Design-based estimators (mean, total, ratio, proportions, quantiles), overall and by domain.

Domain estimation keeps every row in the design with a zero score outside the domain (R's
subset/svyby). Missing answers are a domain per variable (R's na.rm=TRUE). Variance is Taylor
linearisation (Binder). deff is R's deff=TRUE: against SRS without replacement of the same
size, vsrs = svyvar * (N - n) / (N n); it is undefined (None) when the weights sum to less than n.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats as sps

from khaosat.stats.design import Design
from khaosat.stats.errors import StatsError
from khaosat.stats.results import Estimate, EstimateTable

CI_METHODS = ("logit", "beta", "wald")
NOTE_EMPTY = "Miền không có người trả lời nào; không có ước lượng."
NOTE_NO_DF = "Không đủ bậc tự do (số PSU trừ số tầng ≤ 0) để tính khoảng tin cậy."


def tcrit(df: float, level: float = 0.95) -> float:
    """Two-sided critical value of t with df (normal when df is infinite)."""
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
    w = design.weights
    cc = c if whole else np.where(c >= 0, c, G)
    if whole:
        wsum, wcount, _ = design.whole_sample_sums()
        W = np.array([wsum])
        n = np.array([wcount])
        nrows = np.array([design.n])
        T = (w @ y0)[None, :]
    else:
        W = np.bincount(cc, weights=w, minlength=G + 1)[:G]
        n = np.bincount(cc[w != 0], minlength=G + 1)[:G]
        nrows = np.bincount(cc, minlength=G + 1)[:G]
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
        return _finish(design, value, cov, ssq, W, n, nrows, c, G, kind)
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
        return _finish(design, value, cov, ssq, W, n, nrows, c, G, kind)
    # deff (R deff=TRUE): vsrs = svyvar * (N - n) / (N n), times N^2 for totals.
    ssq = np.empty((G, p))
    for k in range(p):
        d = np.where(cc < G, y0[:, k] - yb[np.minimum(cc, G - 1), k], 0.0)
        ssq[:, k] = np.bincount(cc, weights=w * d**2, minlength=G + 1)[:G]
    return _finish(design, value, cov, ssq, W, n, nrows, c, G, kind)


def _finish(design, value, cov, ssq, W, n, nrows, c, G, kind) -> _Linear:
    p = value.shape[1]
    invW = np.where(W > 0, 1.0 / np.where(W > 0, W, 1.0), 0.0)
    var = np.diag(cov).reshape(G, p)
    with np.errstate(divide="ignore", invalid="ignore"):
        svyvar = ssq * invW[:, None] * (n / (n - 1.0))[:, None]
        factor = 1.0 / n if design.deff_kind == "srswr" else (W - n) / (W * n)
        vsrs = svyvar * factor[:, None]
        if kind == "total":
            vsrs = vsrs * (W**2)[:, None]
        deff = var / vsrs
    bad = ((W < n) & (design.deff_kind == "srswor")) | (n < 2)
    deff[bad, :] = np.nan
    deff[~np.isfinite(deff)] = np.nan
    df = design.degf_by(c, G)
    return _Linear(value, cov, deff, W, n, nrows, df, c)


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
    w = design.weights
    W = np.bincount(cc, weights=w, minlength=G + 1)[:G]
    n = np.bincount(cc[w != 0], minlength=G + 1)[:G]
    nrows = np.bincount(cc, minlength=G + 1)[:G]
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
    return _finish(design, ybar, cov, ssq, W, n, nrows, c, G, "mean")


def _wald(value: float, se: float, df: int, level: float) -> tuple[float | None, float | None]:
    if df <= 0 or not np.isfinite(se):
        return None, None
    t = tcrit(df, level)
    return value - t * se, value + t * se


def prop_ci(
    p: float, se: float, df: int, nrows: int, n: int, method: str, level: float = 0.95
) -> tuple[float | None, float | None, str | None]:
    """CI of a proportion: 'logit' (svyciprop default), 'beta' (Korn–Graubard), 'wald'."""
    if method not in CI_METHODS:
        raise StatsError(
            f"Phương pháp khoảng tin cậy '{method}' không hợp lệ; dùng logit, beta hoặc wald."
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
        lo = 0.0 if x <= 0 else float(sps.beta.ppf(a / 2, x, n - x + 1))
        hi = 1.0 if x >= n else float(sps.beta.ppf(1 - a / 2, x + 1, n - x))
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
        eta = np.log(p / (1 - p))
        s = se / (p * (1 - p))
        return float(_expit(eta - t * s)), float(_expit(eta + t * s)), None
    neff = p * (1 - p) / se**2
    if nrows > 1:
        neff = neff * (sps.t.ppf(a / 2, nrows - 1) / sps.t.ppf(a / 2, df)) ** 2
    lo = float(sps.beta.ppf(a / 2, neff * p, neff * (1 - p) + 1))
    hi = float(sps.beta.ppf(1 - a / 2, neff * p + 1, neff * (1 - p)))
    return lo, hi, None


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
) -> EstimateTable:
    G = len(labels)
    p = res.value.shape[1]
    se_all = np.sqrt(np.clip(np.diag(res.cov), 0, None)).reshape(G, p)
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
            note = None
            if statistic == "proportion":
                lo, hi, note = prop_ci(v, se, df, int(res.nrows[g]), n, ci, level)
            else:
                lo, hi = _wald(v, se, df, level)
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
                )
            )
    if design.calibrated:
        notes.append("Trọng số đã hiệu chỉnh; phương sai theo phần dư hiệu chỉnh.")
    return EstimateTable(
        statistic,
        variable,
        out,
        ci_method=ci if statistic == "proportion" else "wald",
        level=level,
        by=by_name,
        notes=notes,
        covariance=res.cov,
    )


def mean(design: Design, var: Any, by: Any = None, level: float = 0.95) -> EstimateTable:
    """Weighted mean of a numeric variable (missing answers excluded as a domain)."""
    x, name = _column(design, var)
    codes, labels, by_name = domains(design, by)
    res = linear_stat(design, x, codes, len(labels), "mean")
    return _table(design, res, "mean", name, labels, None, by_name, "wald", level)


def total(design: Design, var: Any, by: Any = None, level: float = 0.95) -> EstimateTable:
    """Estimated population total of a numeric variable."""
    x, name = _column(design, var)
    codes, labels, by_name = domains(design, by)
    res = linear_stat(design, x, codes, len(labels), "total")
    return _table(design, res, "total", name, labels, None, by_name, "wald", level)


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
    """Proportion of every category of a single-choice variable; `drop` codes count as missing."""
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
    res = category_stat(design, catc.astype(np.int64), len(cats), codes, len(labels))
    return _table(design, res, "proportion", name, labels, cats, by_name, ci, level)


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
        t = _table(design, res, "proportion", name, labels, [col], by_name, ci, level)
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
    # residual r = (y - R x) / X_total; its design total has the ratio's variance
    r = np.full(design.n, np.nan)
    rows = np.flatnonzero(c >= 0)
    cg = c[rows]
    r[rows] = (y0[rows] - Rg[cg] * x0[rows]) / Txs[cg]
    lin = linear_stat(design, r, c, G, "total")
    lin.value = R[:, None]
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
