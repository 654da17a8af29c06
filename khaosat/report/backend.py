"""Where the report gets its numbers: the one place that knows the stats area's API.

`get_estimator()` returns an object with the small interface the report needs (proportions of
codes, a mean, a test of a difference between groups, a cross-tab test). It wraps
khaosat.stats when that area provides what is needed; otherwise a built-in Taylor-linearised
estimator for stratified cluster designs (with-replacement PSUs, optional fpc) is used, so the
report also works from files without the stats area.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Protocol

import numpy as np
import pandas as pd
from scipy import stats as sps

from khaosat.report.model import Driver, Estimate, TestResult

DESIGN_COLUMNS = ("unit", "stratum", "psu", "weight", "fpc")


class Estimator(Protocol):
    """What the report asks of a statistics back end."""

    name: str

    def proportions(
        self, df: pd.DataFrame, y: pd.Series, codes: list[Any], domain: pd.Series | None = None
    ) -> list[Estimate]:
        """Share of each code among rows where y is not missing (and domain is true)."""
        ...

    def mean(self, df: pd.DataFrame, y: pd.Series, domain: pd.Series | None = None) -> Estimate:
        """Mean of y among rows where y is not missing (and domain is true)."""
        ...

    def difference_test(self, df: pd.DataFrame, y: pd.Series, group: pd.Series) -> TestResult:
        """Test that the mean (share) of y is equal in the two groups of `group` (0/1 or 2 codes)."""
        ...

    def crosstab_test(self, df: pd.DataFrame, y: pd.Series, group: pd.Series) -> TestResult:
        """Test of independence of y and group (Rao–Scott style)."""
        ...

    def drivers(
        self, df: pd.DataFrame, y: pd.Series, predictors: dict[str, pd.Series]
    ) -> list[Driver]:
        """Association of each 0/1 predictor with the 0/1 outcome y (odds ratios with p-values)."""
        ...


@dataclass
class _Design:
    weight: np.ndarray
    stratum: np.ndarray
    psu: np.ndarray
    fpc: np.ndarray | None


def _design(df: pd.DataFrame) -> _Design:
    n = len(df)
    weight = (
        pd.to_numeric(df["weight"], errors="coerce").fillna(0.0).to_numpy(float)
        if "weight" in df
        else np.ones(n)
    )
    stratum = df["stratum"].astype(str).to_numpy() if "stratum" in df else np.zeros(n, dtype=object)
    if "psu" in df:
        psu = df["psu"].astype(str).to_numpy()
    else:
        psu = np.arange(n).astype(str)
    fpc = pd.to_numeric(df["fpc"], errors="coerce").to_numpy(float) if "fpc" in df else None
    return _Design(weight, stratum, psu, fpc)


def _variance_of_total(design: _Design, z: np.ndarray) -> tuple[float, int]:
    """Variance of sum(z) under the stratified with-replacement PSU design; returns (var, df)."""
    frame = pd.DataFrame({"h": design.stratum, "psu": design.psu, "z": z})
    totals = frame.groupby(["h", "psu"], sort=True)["z"].sum()
    var = 0.0
    n_psu = 0
    n_strata = 0
    for h, tot in totals.groupby(level=0):
        nh = len(tot)
        n_psu += nh
        n_strata += 1
        if nh < 2:
            continue  # a stratum with one PSU adds no variance (as R survey's default "fail" avoids)
        f = 0.0
        if design.fpc is not None:
            vals = design.fpc[design.stratum == h]
            vals = vals[np.isfinite(vals)]
            if len(vals):
                v = float(vals[0])
                f = nh / v if v > 1 else v
        dev = tot.to_numpy() - tot.mean()
        var += (1.0 - min(max(f, 0.0), 1.0)) * nh / (nh - 1) * float(np.sum(dev**2))
    return var, max(n_psu - n_strata, 1)


class FallbackEstimator:
    """Taylor-linearised ratio estimators over the design columns of the data frame."""

    name = "khaosat.report (ước lượng tuyến tính hóa Taylor)"

    def __init__(self, confidence: float = 0.95) -> None:
        self.confidence = confidence

    def _ratio(self, design: _Design, y: np.ndarray, d: np.ndarray) -> Estimate:
        w = design.weight * d
        wsum = float(w.sum())
        n = int(d.sum())
        if n == 0 or wsum <= 0:
            return Estimate(value=float("nan"), n=n, count=0)
        r = float((w * y).sum() / wsum)
        z = w * (y - r) / wsum
        var, dfree = _variance_of_total(design, z)
        se = math.sqrt(max(var, 0.0))
        t = float(sps.t.ppf(0.5 + self.confidence / 2, dfree))
        lo, hi = r - t * se, r + t * se
        binary = bool(np.all((y[d > 0] == 0) | (y[d > 0] == 1)))
        if binary:
            lo, hi = max(lo, 0.0), min(hi, 1.0)
        yd = y[d > 0]
        srs_var = float(np.var(yd, ddof=1)) / n if n > 1 else float("nan")
        deff = var / srs_var if srs_var and srs_var > 0 else None
        count = int(((y > 0) & (d > 0)).sum()) if binary else n
        return Estimate(
            value=r,
            se=se,
            ci_low=lo,
            ci_high=hi,
            n=n,
            count=count,
            df=float(dfree),
            deff=deff,
            kind="proportion" if binary else "mean",
        )

    def proportions(
        self, df: pd.DataFrame, y: pd.Series, codes: list[Any], domain: pd.Series | None = None
    ) -> list[Estimate]:
        design = _design(df)
        d = y.notna().to_numpy()
        if domain is not None:
            d = d & domain.fillna(False).astype(bool).to_numpy()
        d = d.astype(float)
        out = []
        for code in codes:
            ind = (y == code).fillna(False).to_numpy(float)
            out.append(self._ratio(design, ind, d))
        return out

    def mean(self, df: pd.DataFrame, y: pd.Series, domain: pd.Series | None = None) -> Estimate:
        design = _design(df)
        yy = pd.to_numeric(y, errors="coerce")
        d = yy.notna().to_numpy()
        if domain is not None:
            d = d & domain.fillna(False).astype(bool).to_numpy()
        return self._ratio(design, yy.fillna(0.0).to_numpy(float), d.astype(float))

    def difference_test(self, df: pd.DataFrame, y: pd.Series, group: pd.Series) -> TestResult:
        design = _design(df)
        yy = pd.to_numeric(y, errors="coerce")
        levels = sorted(group.dropna().unique().tolist())
        if len(levels) != 2:
            return TestResult(p_value=float("nan"), method="không đủ hai nhóm")
        zs, rs = [], []
        for level in levels:
            d = (yy.notna() & (group == level)).to_numpy(float)
            w = design.weight * d
            wsum = float(w.sum())
            if wsum <= 0:
                return TestResult(p_value=float("nan"), method="nhóm không có người trả lời")
            yv = yy.fillna(0.0).to_numpy(float)
            r = float((w * yv).sum() / wsum)
            zs.append(w * (yv - r) / wsum)
            rs.append(r)
        var, dfree = _variance_of_total(design, zs[0] - zs[1])
        if var <= 0:
            return TestResult(p_value=float("nan"), method="phương sai bằng 0")
        t = (rs[0] - rs[1]) / math.sqrt(var)
        p = float(2 * sps.t.sf(abs(t), dfree))
        return TestResult(
            p_value=p, statistic=t, df=float(dfree), method="kiểm định t theo thiết kế"
        )

    def crosstab_test(self, df: pd.DataFrame, y: pd.Series, group: pd.Series) -> TestResult:
        ok = y.notna() & group.notna()
        design = _design(df)
        w = design.weight * ok.to_numpy(float)
        ys = sorted(y[ok].unique().tolist(), key=str)
        gs = sorted(group[ok].unique().tolist(), key=str)
        if len(ys) < 2 or len(gs) < 2:
            return TestResult(p_value=float("nan"), method="bảng không đủ hai hàng, hai cột")
        n = int(ok.sum())
        wsum = float(w.sum())
        obs = np.zeros((len(ys), len(gs)))
        deffs = []
        for i, a in enumerate(ys):
            for j, b in enumerate(gs):
                ind = ((y == a) & (group == b) & ok).to_numpy(float)
                obs[i, j] = float((w * ind).sum()) / wsum
                est = self._ratio(design, ind, ok.to_numpy(float))
                if est.deff is not None and math.isfinite(est.deff):
                    deffs.append(est.deff)
        expected = np.outer(obs.sum(axis=1), obs.sum(axis=0))
        mask = expected > 0
        x2 = n * float(np.sum((obs[mask] - expected[mask]) ** 2 / expected[mask]))
        dbar = float(np.mean(deffs)) if deffs else 1.0
        dbar = max(dbar, 1e-9)
        dof = (len(ys) - 1) * (len(gs) - 1)
        stat = x2 / dbar
        p = float(sps.chi2.sf(stat, dof))
        return TestResult(
            p_value=p,
            statistic=stat,
            df=float(dof),
            method="khi bình phương hiệu chỉnh Rao–Scott bậc một",
        )

    def drivers(
        self, df: pd.DataFrame, y: pd.Series, predictors: dict[str, pd.Series]
    ) -> list[Driver]:
        """Bivariate odds ratios (each item alone) with design-based tests of the difference."""
        return _bivariate_drivers(self, df, y, predictors)


def _bivariate_drivers(
    est: Any, df: pd.DataFrame, y: pd.Series, predictors: dict[str, pd.Series], min_n: int = 20
) -> list[Driver]:
    out: list[Driver] = []
    for label, x in predictors.items():
        ok = x.notna() & y.notna()
        if int(ok.sum()) < min_n:
            continue
        sub = df[ok]
        p1 = est.proportions(sub, y[ok], [1], domain=(x[ok] == 1))[0].value
        p0 = est.proportions(sub, y[ok], [1], domain=(x[ok] == 0))[0].value
        if not (0 < p0 < 1 and 0 < p1 < 1):
            continue
        odds = (p1 / (1 - p1)) / (p0 / (1 - p0))
        test = est.difference_test(sub, y[ok], x[ok])
        out.append(Driver(label, odds, test.p_value, "OR hai biến"))
    return out


def get_estimator(confidence: float = 0.95) -> Estimator:
    """The estimator the report uses: the stats area's when available, else the built-in one."""
    try:
        from khaosat.report import stats_adapter  # noqa: F401  (exists once khaosat.stats landed)

        est = stats_adapter.make_estimator(confidence)
        if est is not None:
            return est
    except ImportError:
        pass
    return FallbackEstimator(confidence)
