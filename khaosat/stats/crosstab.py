"""Two-way tables with the Rao–Scott test of association (R's svychisq, "F" and "Chisq")."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats as sps

from khaosat.stats.design import Design
from khaosat.stats.errors import StatsError
from khaosat.stats.estimators import _py, category_stat, proportions
from khaosat.stats.format import fmt_number, fmt_p, fmt_percent
from khaosat.stats.results import EstimateTable


@dataclass
class Crosstab:
    """A weighted two-way table, column percentages with CIs and the Rao–Scott tests."""

    rows: str
    cols: str
    row_levels: list[Any]
    col_levels: list[Any]
    counts: np.ndarray  # unweighted n per cell (rows x cols)
    weighted: np.ndarray  # estimated population count per cell
    cell_prop: np.ndarray  # share of the total per cell
    cell_se: np.ndarray
    col_percent: EstimateTable  # proportion of each row level within each column level
    pearson: float  # Pearson X^2 on the table scaled to n (as svychisq)
    F: float  # Rao–Scott second-order F
    ndf: float
    ddf: float
    p: float
    chisq: float  # first-order: X^2 / mean eigenvalue
    chisq_df: int
    chisq_p: float
    notes: list[str] = field(default_factory=list)
    pearson_p: float | None = None  # uncorrected Pearson chi-square p (ignores the design)
    wald_F: float | None = None  # svychisq(statistic = "Wald")
    wald_ndf: float | None = None
    wald_ddf: float | None = None
    wald_p: float | None = None
    adjwald_F: float | None = None  # svychisq(statistic = "adjWald")
    adjwald_ndf: float | None = None
    adjwald_ddf: float | None = None
    adjwald_p: float | None = None
    saddlepoint_p: float | None = None  # svychisq(statistic = "saddlepoint")

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict."""
        return {
            "rows": self.rows,
            "cols": self.cols,
            "row_levels": self.row_levels,
            "col_levels": self.col_levels,
            "counts": self.counts.astype(int).tolist(),
            "weighted": self.weighted.tolist(),
            "cell_prop": self.cell_prop.tolist(),
            "cell_se": self.cell_se.tolist(),
            "col_percent": self.col_percent.to_dict()["estimates"],
            "rao_scott": {
                "F": self.F,
                "ndf": self.ndf,
                "ddf": self.ddf,
                "p": self.p,
                "pearson": self.pearson,
            },
            "first_order": {"chisq": self.chisq, "df": self.chisq_df, "p": self.chisq_p},
            "pearson_uncorrected": {
                "chisq": self.pearson,
                "df": self.chisq_df,
                "p": self.pearson_p,
            },
            "wald": {
                "F": self.wald_F,
                "ndf": self.wald_ndf,
                "ddf": self.wald_ddf,
                "p": self.wald_p,
            },
            "adj_wald": {
                "F": self.adjwald_F,
                "ndf": self.adjwald_ndf,
                "ddf": self.adjwald_ddf,
                "p": self.adjwald_p,
            },
            "saddlepoint": {"chisq": self.pearson, "p": self.saddlepoint_p},
            "notes": list(self.notes),
        }

    def summary(self) -> str:
        """Vietnamese text table: column percentages and the test."""
        w = 12
        lines = [f"Bảng chéo {self.rows} × {self.cols} (tỉ lệ % theo cột, có trọng số)"]
        lines.append(f"{'':<12}" + "".join(f"{str(c):>{w}}" for c in self.col_levels))
        for r in self.row_levels:
            cells = []
            for c in self.col_levels:
                e = self.col_percent.get(category=r, domain=c)
                cells.append(f"{fmt_percent(e.value):>{w}}")
            lines.append(f"{str(r):<12}" + "".join(cells))
        lines.append(
            f"{'n':<12}" + "".join(f"{fmt_number(x, 0):>{w}}" for x in self.counts.sum(axis=0))
        )
        lines.append(
            f"Kiểm định Rao–Scott: F = {fmt_number(self.F, 3)}, bậc tự do "
            f"{fmt_number(self.ndf, 2)} và {fmt_number(self.ddf, 2)}, p = {fmt_p(self.p)}"
        )
        if math.isfinite(self.p):
            verdict = "có" if self.p < 0.05 else "chưa có"
            lines.append(f"Kết luận: {verdict} bằng chứng về mối liên hệ ở mức ý nghĩa 5%.")
        else:
            lines.append("Kết luận: không kiểm định được mối liên hệ (xem ghi chú).")
        lines += [f"Ghi chú: {t}" for t in self.notes]
        return "\n".join(lines)


def crosstab(design: Design, rows: str, cols: str, ci: str = "logit") -> Crosstab:
    """Two-way table of two categorical variables with Rao–Scott tests (R's svychisq).

    `design` may be a SqlDesign: the cell totals per PSU then come from one GROUP BY query.
    """
    if getattr(design, "is_sql", False):
        return _crosstab_sql(design, rows, cols, ci)
    t = _cell_parts(design, rows, cols)
    colpct = proportions(
        design, _rowvar(design, t.r_raw, t.c_raw), by=_orig(design, t.c_raw), ci=ci
    )
    colpct.variable, colpct.by = rows, cols
    return _assemble(
        rows,
        cols,
        t.rlev,
        t.clev,
        t.mean2,
        t.V,
        t.tab,
        t.counts,
        design.n,
        t.nu,
        t.tot,
        t.cov,
        colpct,
    )


@dataclass
class RaoScott:
    """The Rao–Scott second-order F test of a two-way table (svychisq(statistic = "F"))."""

    F: float
    ndf: float
    ddf: float
    p: float
    notes: list[str] = field(default_factory=list)


def rao_scott(design: Design, rows: str, cols: str) -> RaoScott:
    """Only the Rao–Scott F test of `crosstab(design, rows, cols)`: the same F, degrees of
    freedom and p, without the column percentages, the Wald and the saddlepoint tests (a
    dashboard or report table by 20 units asks for the test of each question; those extras
    cost most of the time there)."""
    if getattr(design, "is_sql", False):
        ct = crosstab(design, rows, cols)
        return RaoScott(ct.F, ct.ndf, ct.ddf, ct.p, list(ct.notes))
    t = _cell_parts(design, rows, cols)
    _check_table(rows, cols, t.tab)
    nr, nc = len(t.rlev), len(t.clev)
    X2, Delta, tr, d0 = _second_order(t.tab, t.mean2, t.V, design.n, nr, nc)
    F = X2 / tr
    p = float(sps.f.sf(F, d0, d0 * t.nu)) if t.nu > 0 else float("nan")
    notes = [] if t.nu > 0 else ["Thiết kế không đủ bậc tự do để kiểm định."]
    return RaoScott(F, d0, d0 * t.nu, p, notes)


@dataclass
class _Cells:
    r_raw: np.ndarray
    c_raw: np.ndarray
    rlev: Any
    clev: Any
    mean2: np.ndarray  # cell shares (column-major: cell = row + nr * col)
    V: np.ndarray  # their design covariance
    tab: np.ndarray  # weighted table (rows x cols)
    counts: np.ndarray  # unweighted table
    tot: np.ndarray  # totals of [cells, rows, cols, one] and their covariance (Wald)
    cov: np.ndarray
    nu: int


def _cell_parts(design: Design, rows: str, cols: str) -> _Cells:
    """Cell shares and totals of the table with their covariance (in-memory design)."""
    r_raw = design.align(rows)
    c_raw = design.align(cols)
    rc, rlev = pd.factorize(pd.Series(r_raw), sort=True)
    cc, clev = pd.factorize(pd.Series(c_raw), sort=True)
    nr, nc = len(rlev), len(clev)
    _check_levels(rows, cols, nr, nc)
    valid = (rc >= 0) & (cc >= 0)
    cell = np.where(valid, rc + nr * cc, -1)
    K = nr * nc
    # Cell proportions and their covariance from cell totals per sampling unit (bincount over
    # unit x cell codes): never an n x cells matrix.
    w = design.weights
    counts = np.bincount(cell[valid], minlength=K).reshape(nc, nr).T.astype(float)
    if design.calibrated:  # calibration residuals need row-level scores
        res = category_stat(design, cell.astype(np.int64), K, np.zeros(design.n, dtype=np.int64), 1)
        mean2, V = res.value[0], res.cov
        tab = np.bincount(cell[valid], weights=w[valid], minlength=K).reshape(nc, nr).T
        tot, cov = _margin_totals(design, cell, valid, nr, nc)
    else:
        scale = design.weight_scale()
        ws = w if scale == 1.0 else w / scale
        U = design.n_units
        S = np.bincount(
            design.row_unit[valid] * K + cell[valid], weights=ws[valid], minlength=U * K
        ).reshape(U, K)
        Sw = S.sum(axis=1)
        W = float(Sw.sum())
        mean2 = S.sum(axis=0) / W
        zu = (S - mean2[None, :] * Sw[:, None]) / W
        S3 = S.reshape(U, nc, nr)
        zl = np.column_stack([S, S3.sum(axis=1), S3.sum(axis=2), Sw])
        both = design.variance_units(np.column_stack([zu, zl]), valid)
        V, cov = both[:K, :K], both[K:, K:]
        tot = zl.sum(axis=0)
        tab = (S.sum(axis=0) * scale).reshape(nc, nr).T
    nu = design.n_psu - design.n_strata
    return _Cells(r_raw, c_raw, rlev, clev, mean2, V, tab, counts, tot, cov, nu)


def _check_levels(rows: str, cols: str, nr: int, nc: int) -> None:
    if nr < 2 or nc < 2:
        which = rows if nr < 2 else cols
        raise StatsError(
            f"Biến '{which}' chỉ có một giá trị trong dữ liệu; bảng chéo cần ít nhất hai nhóm "
            "ở mỗi biến."
        )


def _crosstab_sql(sd: Any, rows: str, cols: str, ci: str) -> Crosstab:
    """The same table and tests from per-PSU cell totals computed in the database."""
    from khaosat.stats.estimators import _py, _table

    psu, rc, rlev, cc, clev, v = sd.cell_totals(rows, cols)
    nr, nc = len(rlev), len(clev)
    _check_levels(rows, cols, nr, nc)
    K = nr * nc
    P = sd.n_psu
    valid = (rc >= 0) & (cc >= 0)
    cell = rc + nr * cc
    sw, cnt = v[:, 0], v[:, 2]
    S = np.bincount(psu[valid] * K + cell[valid], weights=sw[valid], minlength=P * K).reshape(P, K)
    Sw = S.sum(axis=1)
    W = float(Sw.sum())
    mean2 = S.sum(axis=0) / W
    zu = (S - mean2[None, :] * Sw[:, None]) / W
    answered = np.bincount(psu[valid], weights=cnt[valid], minlength=P) > 0
    V = sd._pd.variance_units(zu, answered)
    tab = S.sum(axis=0).reshape(nc, nr).T
    counts = np.bincount(cell[valid], weights=cnt[valid], minlength=K).reshape(nc, nr).T
    zl = np.column_stack(
        [S, S.reshape(P, nc, nr).sum(axis=1), S.reshape(P, nc, nr).sum(axis=2), Sw]
    )
    cov = sd._pd.variance_units(zl, answered)
    res = sd._props_from_cells(psu, rc, nr, cc, nc, v)
    colpct = _table(
        sd, res, "proportion", rows, [_py(x) for x in clev], [_py(x) for x in rlev], cols, ci, 0.95
    )
    nu = sd.n_psu - sd.n_strata
    return _assemble(
        rows, cols, rlev, clev, mean2, V, tab, counts, sd.n, nu, zl.sum(0), cov, colpct
    )


def _assemble(rows, cols, rlev, clev, mean2, V, tab, counts, N, nu, tot, cov, colpct) -> Crosstab:
    """Pearson, Rao–Scott (F, first order, saddlepoint) and Wald tests from cell proportions
    with their covariance V and the totals (cells, rows, cols, N) with theirs (svychisq)."""
    nr, nc = len(rlev), len(clev)
    notes = []
    _check_table(rows, cols, tab)
    dfc = (nr - 1) * (nc - 1)
    try:
        X2, Delta, tr, d0 = _second_order(tab, mean2, V, N, nr, nc)
    except StatsError as exc:  # the table stays; its second-order tests are not computed
        scaled = tab * (N / tab.sum())
        E = np.outer(scaled.sum(axis=1), scaled.sum(axis=0)) / scaled.sum()
        X2 = float(((scaled - E) ** 2 / E).sum())
        Delta, F, d0, p, chisq_p, saddle_p = None, *[float("nan")] * 4, None
        notes.append(exc.message[:1].upper() + exc.message[1:] + ".")
    else:
        F = X2 / tr
        p = float(sps.f.sf(F, d0, d0 * nu)) if nu > 0 else float("nan")
        chisq_p = float(sps.chi2.sf(X2 / np.mean(np.diag(Delta)), dfc))
        saddle_p = _saddlepoint_p(X2, Delta, d0 * nu) if nu > 0 else None
    if nu <= 0:
        notes.append("Thiết kế không đủ bậc tự do để kiểm định.")
    pearson_p = float(sps.chi2.sf(X2, dfc))
    wald = _wald_from(tot, cov, nr, nc, nu)
    se = np.sqrt(np.clip(np.diag(V), 0, None))
    return Crosstab(
        rows,
        cols,
        [_py(x) for x in rlev],
        [_py(x) for x in clev],
        counts,
        tab * 1.0,
        mean2.reshape(nc, nr).T,
        se.reshape(nc, nr).T,
        colpct,
        X2,
        F,
        d0,
        d0 * nu,
        p,
        X2,
        dfc,
        chisq_p,
        notes,
        pearson_p=pearson_p,
        saddlepoint_p=saddle_p,
        **wald,
    )


def _check_table(rows: str, cols: str, tab: np.ndarray) -> None:
    if (tab.sum(axis=0) == 0).any() or (tab.sum(axis=1) == 0).any():
        raise StatsError(
            f"Bảng chéo {rows} × {cols} có hàng hoặc cột trống (tổng trọng số bằng 0); "
            "hãy gộp nhóm."
        )


SINGULAR_COND = 1e12
SINGULAR_MESSAGE = (
    "bảng có ô trống nên không tính được kiểm định Rao–Scott (ma trận suy biến); "
    "hãy gộp nhóm hoặc bỏ phương án không ai chọn"
)


def _second_order(
    tab: np.ndarray, mean2: np.ndarray, V: np.ndarray, N: float, nr: int, nc: int
) -> tuple[float, np.ndarray, float, float]:
    """Pearson X^2 on the table scaled to N, the design-effect matrix Delta, its trace and the
    Satterthwaite df d0 (svychisq's second-order correction)."""
    scaled = tab * (N / tab.sum())
    E = np.outer(scaled.sum(axis=1), scaled.sum(axis=0)) / scaled.sum()
    X2 = float(((scaled - E) ** 2 / E).sum())
    Cmat = _contrasts(nr, nc)
    iD = np.diag(np.where(mean2 == 0, 0.0, 1.0 / np.where(mean2 == 0, 1.0, mean2)))
    denom = Cmat.T @ (iD / N) @ Cmat
    numr = Cmat.T @ iD @ V @ iD @ Cmat
    # Empty cells make this system singular: R's solve() refuses it, and a p-value from it
    # depends on rounding (1/cond ~ 1e-18 gave p 0,96 or 0,45 by the BLAS thread count).
    cond = np.linalg.cond(denom)
    if not np.isfinite(cond) or cond > SINGULAR_COND:
        raise StatsError(SINGULAR_MESSAGE)
    Delta = np.linalg.solve(denom, numr)
    tr = float(np.trace(Delta))
    d0 = tr**2 / float(np.trace(Delta @ Delta))
    return X2, Delta, tr, d0


@lru_cache(maxsize=64)
def _contrasts(nr: int, nc: int) -> np.ndarray:
    """The interaction contrasts of an nr x nc table orthogonal to its main effects (they depend
    on the table's shape only: computed once per shape, read-only)."""
    K = nr * nc
    ri = np.tile(np.arange(nr), nc)
    ci_ = np.repeat(np.arange(nc), nr)
    X1 = np.column_stack(
        [np.ones(K)]
        + [(ri == i).astype(float) for i in range(1, nr)]
        + [(ci_ == j).astype(float) for j in range(1, nc)]
    )
    inter = np.column_stack(
        [((ri == i) & (ci_ == j)).astype(float) for j in range(1, nc) for i in range(1, nr)]
    )
    beta, *_ = np.linalg.lstsq(X1, inter, rcond=None)
    Cmat = inter - X1 @ beta
    Cmat.setflags(write=False)
    return Cmat


def _margin_totals(
    design: Design, cell: np.ndarray, valid: np.ndarray, nr: int, nc: int
) -> tuple[np.ndarray, np.ndarray]:
    """Totals of [cells, rows, cols, one] on answered rows and their design covariance; the
    scores are indicators, so the per-unit totals are bincounts of unit x code pairs."""
    K = nr * nc
    ri = cell % nr
    cj = cell // nr
    L = K + nr + nc + 1
    scale = design.weight_scale()
    w = design.weights if scale == 1.0 else design.weights / scale
    if design.calibrated:
        X = np.zeros((design.n, L))
        idx = np.flatnonzero(valid)
        X[idx, cell[idx]] = w[idx]
        X[idx, K + ri[idx]] = w[idx]
        X[idx, K + nr + cj[idx]] = w[idx]
        X[idx, L - 1] = w[idx]
        return X.sum(axis=0), design.variance_rows(X, None)
    U = design.n_units
    unit = design.row_unit[valid]
    wv = w[valid]
    zu = np.zeros((U, L))
    for codes in (cell[valid], K + ri[valid], K + nr + cj[valid]):
        zu += np.bincount(unit * L + codes, weights=wv, minlength=U * L).reshape(U, L)
    zu[:, L - 1] = np.bincount(unit, weights=wv, minlength=U)
    return zu.sum(axis=0), design.variance_units(zu, valid)


def _wald_from(tot: np.ndarray, cov: np.ndarray, nr: int, nc: int, nu: int) -> dict[str, Any]:
    """svychisq's "Wald" and "adjWald": Wald test of the interaction contrasts of the cell
    totals (cells, row margins, column margins, N) with their design covariance."""
    K = nr * nc
    L = K + nr + nc + 1
    cells, rtot, ctot, one = tot[:K], tot[K : K + nr], tot[K + nr : K + nr + nc], tot[L - 1]
    rows_of = np.tile(np.arange(nr), nc)
    cols_of = np.repeat(np.arange(nc), nr)
    J = np.zeros((K, L))
    J[:, :K] = np.eye(K)
    J[np.arange(K), K + rows_of] = -ctot[cols_of] / one
    J[np.arange(K), K + nr + cols_of] = -rtot[rows_of] / one
    J[:, L - 1] = rtot[rows_of] * ctot[cols_of] / one**2
    Y = cells - rtot[rows_of] * ctot[cols_of] / one
    Vy = J @ cov @ J.T
    use = np.flatnonzero((rows_of > 0) & (cols_of > 0))
    out: dict[str, Any] = {}
    try:
        stat = float(Y[use] @ np.linalg.solve(Vy[np.ix_(use, use)], Y[use]))
    except np.linalg.LinAlgError:
        return out
    numdf = (nr - 1) * (nc - 1)
    if nu > 0:
        out.update(
            wald_F=stat / numdf,
            wald_ndf=float(numdf),
            wald_ddf=float(nu),
            wald_p=float(sps.f.sf(stat / numdf, numdf, nu)),
        )
    ddf = nu - numdf + 1
    if nu > 0 and ddf > 0:
        adj = stat * ddf / (numdf * nu)
        out.update(
            adjwald_F=adj,
            adjwald_ndf=float(numdf),
            adjwald_ddf=float(ddf),
            adjwald_p=float(sps.f.sf(adj, numdf, ddf)),
        )
    return out


def _saddlepoint_p(x2: float, Delta: np.ndarray, ddf: float) -> float | None:
    """svychisq(statistic = "saddlepoint"): survey's pFsum(method = "saddlepoint")."""
    from khaosat.stats.rnum import saddle

    a = np.real(np.linalg.eigvals(Delta))
    # pFsum: the Satterthwaite F value, replaced by the saddlepoint one when it applies
    tr = a.mean()
    tr2 = np.mean(a**2) / tr**2
    ndf = len(a) / tr2
    rval = float(sps.f.sf(x2 / ndf / (tr * tr2), ndf, ddf))
    lam = np.concatenate([a, np.full(int(ddf), -x2 / ddf)])  # R's rep(a, df) truncates ddf
    try:
        s = saddle(0.0, lam)
    except (ValueError, ZeroDivisionError, FloatingPointError):
        return rval
    return rval if not np.isfinite(s) else s


def _orig(design: Design, sorted_values: np.ndarray) -> np.ndarray:
    """Put values in design row order back into the caller's original row order."""
    out = np.empty_like(sorted_values)
    out[design._order] = sorted_values
    return out


def _rowvar(design: Design, r_raw: np.ndarray, c_raw: np.ndarray) -> np.ndarray:
    r = pd.Series(r_raw).where(pd.Series(c_raw).notna()).to_numpy()
    return _orig(design, r)
