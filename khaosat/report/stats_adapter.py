"""Adapter from khaosat.stats (Design, proportions, mean, domain_difference, crosstab) to the
report's small Estimator interface (khaosat/report/backend.py). The only module that imports it."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd

from khaosat.report.backend import FallbackEstimator
from khaosat.report.model import Driver, Estimate, TestResult

try:  # StatsError is a domain error of the stats area; add it to the failures we fall back on
    from khaosat.stats.errors import StatsError as _StatsError
except ImportError:  # pragma: no cover - stats area absent
    _StatsError = ValueError  # type: ignore[assignment,misc]


def make_estimator(confidence: float = 0.95) -> Any | None:
    """A StatsEstimator when khaosat.stats provides the needed API, else None."""
    try:
        from khaosat.stats import compare, crosstab, estimators  # noqa: F401
        from khaosat.stats.design import Design  # noqa: F401
    except ImportError:
        return None
    return StatsEstimator(confidence)


# A design the stats area cannot handle (singular table, one PSU, …) falls back to the built-in
# estimator instead of failing the whole report.
_NUMERIC_FAILURES: tuple[type[BaseException], ...] = (
    np.linalg.LinAlgError,
    ValueError,
    ZeroDivisionError,
    FloatingPointError,
    _StatsError,
)


def _none_if_nan(v: Any) -> float | None:
    if v is None:
        return None
    v = float(v)
    return v if math.isfinite(v) else None


def _missing(v: Any) -> bool:
    return v is None or v is pd.NA or (isinstance(v, float) and math.isnan(v))


class StatsEstimator:
    """Design-based estimates from the stats area (R `survey` semantics)."""

    name = "khaosat.stats (thiết kế mẫu phân tầng, cụm; tuyến tính hóa Taylor; Rao–Scott)"

    def __init__(self, confidence: float = 0.95) -> None:
        self.level = confidence
        self._fallback = FallbackEstimator(confidence)
        self._cache: dict[int, tuple[pd.DataFrame, Any]] = {}

    def _design(self, df: pd.DataFrame) -> Any:
        from khaosat.stats.design import Design

        hit = self._cache.get(id(df))
        if hit is not None and hit[0] is df:
            return hit[1]
        kw: dict[str, Any] = {}
        for arg, col in (
            ("strata", "stratum"),
            ("psu", "psu"),
            ("weight", "weight"),
            ("fpc", "fpc"),
        ):
            if col in df and df[col].notna().all():
                kw[arg] = col
        # "adjust": a stratum with a single PSU is centred on the grand mean instead of failing.
        try:
            # Kish deff against SRS with replacement: stable when weights are scaled to n.
            design = Design(df, lonely_psu="adjust", deff="srswr", **kw)
        except TypeError:
            design = Design(df, lonely_psu="adjust", **kw)
        if len(self._cache) > 8:
            self._cache.clear()
        self._cache[id(df)] = (df, design)
        return design

    @staticmethod
    def _values(y: pd.Series) -> np.ndarray:
        return np.array([None if _missing(v) else v for v in y.tolist()], dtype=object)

    @staticmethod
    def _domain(domain: pd.Series | None, n: int) -> np.ndarray | None:
        if domain is None:
            return None
        d = domain.fillna(False).astype(bool).to_numpy()
        return np.where(d, 1, None).astype(object)

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
        from khaosat.stats import estimators

        raw = self._values(y)
        answered = np.array([v is not None for v in raw])
        dom = (
            domain.fillna(False).astype(bool).to_numpy()
            if domain is not None
            else np.ones(len(df), bool)
        )
        base = int((answered & dom).sum())
        if base == 0:
            return [Estimate(value=float("nan"), n=0, count=0) for _ in codes]
        try:
            design = self._design(df)
            by = self._domain(domain, len(df))
            tab = estimators.proportions(design, raw, by=by, level=self.level)
        except _NUMERIC_FAILURES:
            return self._fallback.proportions(df, y, codes, domain)
        out = []
        for code in codes:
            count = int(
                sum(1 for v, a, d in zip(raw, answered, dom, strict=True) if a and d and v == code)
            )
            est = None
            for e in tab.estimates:
                if e.category == code and (domain is None or e.domain == 1):
                    est = e
                    break
            if est is None:
                # A code nobody in the domain chose: 0% with no sampling variance.
                out.append(Estimate(value=0.0, se=0.0, ci_low=0.0, ci_high=0.0, n=base, count=0))
            else:
                out.append(self._convert(est, count, "proportion"))
        return out

    def mean(self, df: pd.DataFrame, y: pd.Series, domain: pd.Series | None = None) -> Estimate:
        from khaosat.stats import estimators

        x = pd.to_numeric(y, errors="coerce").to_numpy(float)
        try:
            tab = estimators.mean(
                self._design(df), x, by=self._domain(domain, len(df)), level=self.level
            )
        except _NUMERIC_FAILURES:
            return self._fallback.mean(df, y, domain)
        e = next((e for e in tab.estimates if domain is None or e.domain == 1), None)
        if e is None:
            return Estimate(value=float("nan"), n=0)
        return self._convert(e, None, "mean")

    def difference_test(self, df: pd.DataFrame, y: pd.Series, group: pd.Series) -> TestResult:
        from khaosat.stats.compare import domain_difference

        levels = sorted(group.dropna().unique().tolist(), key=str)
        if len(levels) != 2:
            return TestResult(p_value=float("nan"), method="không đủ hai nhóm")
        data = df.assign(_kq_y=pd.to_numeric(y, errors="coerce"), _kq_g=group)
        try:
            diff = domain_difference(
                self._design(data), "_kq_y", "_kq_g", levels[0], levels[1], level=self.level
            )
        except _NUMERIC_FAILURES:
            return self._fallback.difference_test(df, y, group)
        p = diff.p_value if diff.p_value is not None else float("nan")
        return TestResult(
            p_value=float(p),
            statistic=diff.value / diff.se if diff.se else None,
            df=diff.df,
            method="kiểm định t theo thiết kế",
        )

    def crosstab_test(self, df: pd.DataFrame, y: pd.Series, group: pd.Series) -> TestResult:
        from khaosat.stats.crosstab import crosstab

        data = df.assign(_kq_y=self._values(y), _kq_g=self._values(group))
        try:
            ct = crosstab(self._design(data), "_kq_y", "_kq_g")
        except _NUMERIC_FAILURES:
            return self._fallback.crosstab_test(df, y, group)
        return TestResult(
            p_value=float(ct.p), statistic=float(ct.F), df=float(ct.ndf), method="Rao–Scott (F)"
        )

    def drivers(
        self, df: pd.DataFrame, y: pd.Series, predictors: dict[str, pd.Series]
    ) -> list[Driver]:
        """Survey-weighted logistic regression of y on all predictors at once (odds ratios)."""
        from khaosat.stats.drivers import logistic

        names = {f"_kq_x{i}": label for i, label in enumerate(predictors)}
        data = df.assign(_kq_y=pd.to_numeric(y, errors="coerce"))
        for col, label in names.items():
            data[col] = pd.to_numeric(predictors[label], errors="coerce")
        ok = data[["_kq_y", *names]].notna().all(axis=1)
        if int(ok.sum()) < 20 * max(1, len(names)) // 2:
            return self._fallback.drivers(df, y, predictors)
        sub = data[ok]
        try:
            res = logistic(self._design(sub), "_kq_y", list(names), level=self.level)
        except _NUMERIC_FAILURES:
            return self._fallback.drivers(df, y, predictors)
        if not res.converged:
            return self._fallback.drivers(df, y, predictors)
        out = []
        for t in res.terms:
            if t.variable in names:
                out.append(Driver(names[t.variable], float(t.odds_ratio), float(t.p_value), "OR"))
        return out

    def projection(self, waves: list[tuple[str, pd.DataFrame, pd.Series]]) -> Estimate | None:
        """Next-wave projection of a 0/1 indicator from ≥ 3 waves (stats.waves.trend), or None."""
        from khaosat.stats.waves import trend

        if len(waves) < 3:
            return None
        designs = {}
        for label, df, y in waves:
            designs[label] = self._design(df.assign(_kq_ind=pd.to_numeric(y, errors="coerce")))
        try:
            tr = trend(designs, "_kq_ind", category=1.0, level=self.level)
        except _NUMERIC_FAILURES:
            return None
        p = tr.projection
        if p is None:
            return None
        return Estimate(value=float(p.value), ci_low=float(p.pi_low), ci_high=float(p.pi_high), n=0)
