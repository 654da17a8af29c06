"""The small interface the report asks of its statistics back end, and where to get it.

All estimates come from khaosat.stats, through khaosat/report/stats_adapter.py (the only module
that knows the stats API). `Estimator` is the protocol the builder uses, so a test can hand in
its own object.
"""

from __future__ import annotations

from typing import Any, Protocol

import pandas as pd

from khaosat.report.model import DriverModel, Estimate, TestResult

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
        """Test that the mean (share) of y is equal in the two groups of `group` (missing = out)."""
        ...

    def crosstab_test(self, df: pd.DataFrame, y: pd.Series, group: pd.Series) -> TestResult:
        """Test of independence of y and group (Rao–Scott); rows with a missing value are out."""
        ...

    def wave_test(self, first: Estimate, last: Estimate) -> TestResult:
        """Test of the change of an estimate between two independent waves."""
        ...

    def drivers(
        self, df: pd.DataFrame, y: pd.Series, predictors: dict[str, pd.Series]
    ) -> DriverModel:
        """Design-based logistic model of the 0/1 outcome y on the 0/1 predictors (odds ratios)."""
        ...

    def paired_test(self, df: pd.DataFrame, a: pd.Series, b: pd.Series) -> TestResult:
        """Test that two 0/1 items answered by the same respondents have equal shares."""
        ...


def get_estimator(
    confidence: float = 0.95, margins: dict[str, dict[Any, float]] | None = None
) -> Estimator:
    """The estimator the report uses: khaosat.stats through the adapter (raked to `margins`)."""
    from khaosat.report.stats_adapter import StatsEstimator

    return StatsEstimator(confidence, margins)


def calibration_margins(
    cfg: dict[str, Any], data: pd.DataFrame
) -> dict[str, dict[Any, float]] | None:
    """Population margins for raking from settings [calibration] ({variable: {code: total}})."""
    from khaosat.report.errors import ReportError

    cal = cfg.get("calibration") or {}
    margins = cal.get("margins") or {}
    out: dict[str, dict[Any, float]] = {}
    for var, levels in margins.items():
        if var not in data:
            raise ReportError(
                f"Cân chỉnh trọng số theo “{var}”: dữ liệu không có cột này. Hãy sửa mục "
                "[calibration] trong cấu hình."
            )
        out[var] = {(int(k) if str(k).isdigit() else k): float(v) for k, v in levels.items()}
    return out or None


def estimator_for(cfg: dict[str, Any], data: pd.DataFrame) -> Estimator:
    """The estimator of these settings for this data: their confidence level, raked to their
    [calibration] margins. The report, its XLSX and the web dashboard all take it from here, so
    the same data and settings give the same numbers everywhere."""
    return get_estimator(
        float(cfg["stats"].get("confidence", 0.95)), calibration_margins(cfg, data)
    )
