"""Adapter from khaosat.stats (Design, proportions, mean, domain_difference, crosstab,
wave_difference, logistic) to the report's small Estimator interface (khaosat/report/backend.py).
The only module of the report that imports khaosat.stats.

One stats Design is built per data frame and reused for every question (cache keyed by the
frame's identity). Group comparisons and cross-tab tests are domain estimates on the whole
sample's design (rows outside the compared groups have a missing group), never a re-built
design of a subset. When the stats area cannot compute a test for a table (a singular
covariance matrix, an empty row or column, …) the test carries `error` and the report says so;
nothing is computed here instead.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd

from khaosat.report.model import Driver, Estimate, TestResult
from khaosat.stats import estimators
from khaosat.stats.compare import domain_difference, wave_difference
from khaosat.stats.crosstab import crosstab
from khaosat.stats.design import Design
from khaosat.stats.errors import StatsError
from khaosat.stats.results import Estimate as StatsEstimate

# What khaosat.stats raises for data it cannot handle (StatsError is a ValueError).
STATS_FAILURES: tuple[type[BaseException], ...] = (
    StatsError,
    ValueError,
    np.linalg.LinAlgError,
    ZeroDivisionError,
    FloatingPointError,
)

TEST_FAILED = "không tính được kiểm định cho bảng này"


def _reason(exc: BaseException) -> str:
    """Short Vietnamese reason for a failed computation (no array dumps, no traceback)."""
    if isinstance(exc, np.linalg.LinAlgError):
        return "ma trận hiệp phương sai suy biến (bảng có ô quá ít hoặc trống)"
    msg = getattr(exc, "message", "") or ""
    if isinstance(exc, StatsError) and msg and "[" not in msg and len(msg) < 200:
        return msg.rstrip(".")
    return "số liệu của bảng không đủ để ước lượng phương sai theo thiết kế mẫu"


def _none_if_nan(v: Any) -> float | None:
    if v is None:
        return None
    v = float(v)
    return v if math.isfinite(v) else None


def _values(y: pd.Series) -> np.ndarray:
    """Object array with None for missing values (what the stats area treats as missing)."""
    arr = y.to_numpy(dtype=object, na_value=None) if hasattr(y, "to_numpy") else np.asarray(y)
    out = np.asarray(arr, dtype=object)
    miss = pd.isna(pd.Series(out)).to_numpy()
    if miss.any():
        out = out.copy()
        out[miss] = None
    return out


def _design_kw(df: pd.DataFrame) -> dict[str, str]:
    """Design arguments for the design columns present (and complete) in df."""
    cols = (("strata", "stratum"), ("psu", "psu"), ("weight", "weight"), ("fpc", "fpc"))
    return {arg: col for arg, col in cols if col in df and df[col].notna().all()}


def _failed(exc: BaseException, method: str) -> TestResult:
    return TestResult(p_value=float("nan"), method=method, error=_reason(exc))


class StatsEstimator:
    """Design-based estimates from the stats area (R `survey` semantics)."""

    name = "khaosat.stats (thiết kế mẫu phân tầng, cụm; tuyến tính hóa Taylor; Rao–Scott)"

    def __init__(self, confidence: float = 0.95) -> None:
        self.level = confidence
        self._cache: dict[int, tuple[pd.DataFrame, Design]] = {}
        self.designs_built = 0  # how many stats Designs were built (the cache's misses)

    def design(self, df: pd.DataFrame) -> Design:
        """The stats Design of a data frame's design columns, built once per frame."""
        hit = self._cache.get(id(df))
        if hit is not None and hit[0] is df:
            return hit[1]
        kw = _design_kw(df)
        # A stratum with a single PSU is centred on the grand mean instead of failing; Kish deff
        # against SRS with replacement (stable when weights are scaled to n).
        design = Design(
            df[list(dict.fromkeys(kw.values()))], lonely_psu="adjust", deff="srswr", **kw
        )
        self.designs_built += 1
        if len(self._cache) > 8:
            self._cache.clear()
        self._cache[id(df)] = (df, design)
        return design

    def _convert(self, e: Any, count: int | None, kind: str) -> Estimate:
        value = _none_if_nan(e.value)
        return Estimate(
            value=float("nan") if value is None else value,
            se=_none_if_nan(e.se),
            ci_low=_none_if_nan(e.ci_low),
            ci_high=_none_if_nan(e.ci_high),
            n=int(e.n or 0),
            count=count,
            df=_none_if_nan(e.df),
            deff=_none_if_nan(e.deff),
            kind=kind,
        )

    def proportions(
        self, df: pd.DataFrame, y: pd.Series, codes: list[Any], domain: pd.Series | None = None
    ) -> list[Estimate]:
        """Share of each code among answered rows (in the domain); a code nobody chose is 0%."""
        raw = _values(y)
        answered = np.array([v is not None for v in raw], dtype=bool)
        dom = (
            domain.fillna(False).astype(bool).to_numpy()
            if domain is not None
            else np.ones(len(df), bool)
        )
        inside = answered & dom
        base = int(inside.sum())
        counts = pd.Series(raw[inside]).value_counts()
        if base == 0:
            return [Estimate(value=float("nan"), n=0, count=0) for _ in codes]
        try:
            by = None if domain is None else np.where(dom, 1, None).astype(object)
            tab = estimators.proportions(self.design(df), raw, by=by, level=self.level)
        except STATS_FAILURES:
            # Not estimable: no figure is shown or quoted (value NaN), the base stays known.
            return [
                Estimate(value=float("nan"), n=base, count=int(counts.get(c, 0))) for c in codes
            ]
        found = {e.category: e for e in tab.estimates if domain is None or e.domain == 1}
        out = []
        for code in codes:
            est = found.get(code)
            count = int(counts.get(code, 0))
            if est is None:
                # A code nobody in the domain chose: 0% with no sampling variance.
                out.append(Estimate(value=0.0, se=0.0, ci_low=0.0, ci_high=0.0, n=base, count=0))
            else:
                out.append(self._convert(est, count, "proportion"))
        return out

    def mean(self, df: pd.DataFrame, y: pd.Series, domain: pd.Series | None = None) -> Estimate:
        """Mean of a numeric variable among answered rows (in the domain)."""
        x = pd.to_numeric(y, errors="coerce").to_numpy(float)
        by = None
        if domain is not None:
            by = np.where(domain.fillna(False).astype(bool).to_numpy(), 1, None).astype(object)
        try:
            tab = estimators.mean(self.design(df), x, by=by, level=self.level)
        except STATS_FAILURES:
            return Estimate(value=float("nan"), n=int(np.isfinite(x).sum()), kind="mean")
        e = next((e for e in tab.estimates if domain is None or e.domain == 1), None)
        if e is None:
            return Estimate(value=float("nan"), n=0)
        return self._convert(e, None, "mean")

    def difference_test(self, df: pd.DataFrame, y: pd.Series, group: pd.Series) -> TestResult:
        """Design-based t test of a difference of two groups' means (domains of the whole sample)."""
        g = _values(group)
        levels = sorted({v for v in g if v is not None}, key=str)
        if len(levels) != 2:
            return TestResult(p_value=float("nan"), method="không đủ hai nhóm")
        x = pd.to_numeric(y, errors="coerce").to_numpy(float)
        method = "kiểm định t theo thiết kế"
        try:
            diff = domain_difference(self.design(df), x, g, levels[0], levels[1], level=self.level)
        except STATS_FAILURES as exc:
            return _failed(exc, method)
        if diff.p_value is None:
            return TestResult(p_value=float("nan"), method=diff.note or method)
        return TestResult(
            p_value=float(diff.p_value),
            statistic=diff.value / diff.se if diff.se else None,
            df=diff.df,
            method=method,
        )

    def crosstab_test(self, df: pd.DataFrame, y: pd.Series, group: pd.Series) -> TestResult:
        """Rao–Scott F test of independence; rows with a missing y or group are out of the table."""
        yy, g = _values(y), _values(group)
        ok = np.array([a is not None and b is not None for a, b in zip(yy, g, strict=True)])
        if len({str(v) for v in yy[ok]}) < 2 or len({str(v) for v in g[ok]}) < 2:
            return TestResult(p_value=float("nan"), method="bảng không đủ hai hàng, hai cột")
        method = "Rao–Scott (F)"
        try:
            ct = crosstab(self.design(df), yy, g)
            p = float(ct.p)
        except STATS_FAILURES as exc:
            return _failed(exc, method)
        if not math.isfinite(p):
            return TestResult(p_value=float("nan"), method=method, error=_reason(ValueError()))
        return TestResult(p_value=p, statistic=float(ct.F), df=float(ct.ndf), method=method)

    def wave_test(self, first: Estimate, last: Estimate) -> TestResult:
        """Change between two independent waves (khaosat.stats.compare.wave_difference)."""
        method = "kiểm định hai đợt độc lập (sai số theo thiết kế)"

        def conv(e: Estimate) -> StatsEstimate:
            return StatsEstimate(
                statistic=e.kind,
                variable="chỉ tiêu",
                value=None if not math.isfinite(e.value) else e.value,
                se=e.se,
                ci_low=e.ci_low,
                ci_high=e.ci_high,
                df=int(e.df) if e.df is not None else 0,
                deff=e.deff,
                n=e.n,
            )

        try:
            diff = wave_difference(conv(first), conv(last), level=self.level)
        except STATS_FAILURES as exc:
            return _failed(exc, method)
        if diff.p_value is None:
            return TestResult(p_value=float("nan"), method=diff.note or method)
        return TestResult(
            p_value=float(diff.p_value),
            statistic=diff.value / diff.se if diff.se else None,
            df=diff.df,
            method=method,
        )

    def drivers(
        self, df: pd.DataFrame, y: pd.Series, predictors: dict[str, pd.Series]
    ) -> list[Driver]:
        """Survey-weighted logistic regression of y on all predictors at once (odds ratios).

        When the joint model cannot be fitted (too few complete answers, no convergence), each
        item is taken alone: odds ratio from the two domain shares, design-based t test."""
        from khaosat.stats.drivers import logistic

        names = {f"_kq_x{i}": label for i, label in enumerate(predictors)}
        data = df.assign(_kq_y=pd.to_numeric(y, errors="coerce"))
        for col, label in names.items():
            data[col] = pd.to_numeric(predictors[label], errors="coerce")
        ok = data[["_kq_y", *names]].notna().all(axis=1)
        if int(ok.sum()) < 20 * max(1, len(names)) // 2:
            return self._bivariate_drivers(df, y, predictors)
        sub = data[ok]
        try:
            design = Design(sub, lonely_psu="adjust", **_design_kw(sub))
            res = logistic(design, "_kq_y", list(names), level=self.level)
        except STATS_FAILURES:
            return self._bivariate_drivers(df, y, predictors)
        if not res.converged:
            return self._bivariate_drivers(df, y, predictors)
        return [
            Driver(names[t.variable], float(t.odds_ratio), float(t.p_value), "OR")
            for t in res.terms
            if t.variable in names
        ]

    def _bivariate_drivers(
        self, df: pd.DataFrame, y: pd.Series, predictors: dict[str, pd.Series], min_n: int = 20
    ) -> list[Driver]:
        out: list[Driver] = []
        yy = pd.to_numeric(y, errors="coerce")
        for label, x in predictors.items():
            xx = pd.to_numeric(x, errors="coerce")
            ok = xx.notna() & yy.notna()
            if int(ok.sum()) < min_n:
                continue
            yo = yy.where(ok)
            p1 = self.proportions(df, yo, [1], domain=(xx == 1) & ok)[0].value
            p0 = self.proportions(df, yo, [1], domain=(xx == 0) & ok)[0].value
            if not (0 < p0 < 1 and 0 < p1 < 1):
                continue
            test = self.difference_test(df, yo, xx.where(ok))
            if test.failed:
                continue
            out.append(
                Driver(label, (p1 / (1 - p1)) / (p0 / (1 - p0)), test.p_value, "OR hai biến")
            )
        return out

    def projection(self, waves: list[tuple[str, pd.DataFrame, pd.Series]]) -> Estimate | None:
        """Next-wave projection of a 0/1 indicator from ≥ 3 waves (stats.waves.trend), or None."""
        from khaosat.stats.waves import trend

        if len(waves) < 3:
            return None
        designs = {}
        try:
            for label, df, y in waves:
                data = df.assign(_kq_ind=pd.to_numeric(y, errors="coerce"))
                designs[label] = Design(data, lonely_psu="adjust", deff="srswr", **_design_kw(data))
            tr = trend(designs, "_kq_ind", category=1.0, level=self.level)
        except STATS_FAILURES:
            return None
        p = tr.projection
        if p is None:
            return None
        return Estimate(value=float(p.value), ci_low=float(p.pi_low), ci_high=float(p.pi_high), n=0)
