"""Result objects: every estimate carries value, SE, CI, df, deff and its unweighted base n."""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field
from typing import Any

from khaosat.stats.format import fmt_number, fmt_percent

STAT_LABELS = {
    "mean": "Trung bình",
    "total": "Tổng",
    "ratio": "Tỉ số",
    "proportion": "Tỉ lệ",
    "quantile": "Phân vị",
    "variance": "Phương sai",
    "index": "Chỉ số",
}


def _clean(x: Any) -> Any:
    if isinstance(x, float) and not math.isfinite(x):
        return None
    return x


def _cat(e: Estimate) -> str:
    if e.quantile is not None:
        return f"q = {fmt_number(e.quantile, 2)}"
    return "" if e.category is None else str(e.category)


@dataclass
class Estimate:
    """One design-based estimate with its uncertainty."""

    statistic: str
    variable: str
    value: float | None
    se: float | None
    ci_low: float | None
    ci_high: float | None
    df: int
    deff: float | None
    n: int
    category: Any = None
    domain: Any = None
    quantile: float | None = None
    weighted_n: float | None = None
    note: str | None = None
    # the same interval with the normal quantile (df = Inf, R's confint() default) beside the
    # t-based one above (df = degf(design), R's confint(df = degf(design)) and svyciprop)
    ci_low_normal: float | None = None
    ci_high_normal: float | None = None

    @property
    def margin(self) -> float | None:
        """Margin of error: half-width of the confidence interval."""
        if self.ci_low is None or self.ci_high is None:
            return None
        return (self.ci_high - self.ci_low) / 2

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-ready dict (None for undefined numbers)."""
        d = {k: _clean(v) for k, v in asdict(self).items()}
        d["margin"] = _clean(self.margin)
        for k in ("category", "domain"):
            v = d[k]
            if v is not None and not isinstance(v, str | int | float | bool):
                d[k] = v.item() if hasattr(v, "item") else str(v)
        return d


@dataclass
class EstimateTable:
    """A list of estimates from one call (categories and/or domains) with a summary()."""

    statistic: str
    variable: str
    estimates: list[Estimate]
    ci_method: str = "wald"
    level: float = 0.95
    by: str | None = None
    notes: list[str] = field(default_factory=list)
    covariance: Any = None  # design covariance of the estimates, same order (numpy array)

    def __iter__(self):
        return iter(self.estimates)

    def __len__(self) -> int:
        return len(self.estimates)

    def __getitem__(self, i: int) -> Estimate:
        return self.estimates[i]

    def get(self, category: Any = None, domain: Any = None) -> Estimate:
        """The estimate for one category and/or domain."""
        for e in self.estimates:
            if (category is None or e.category == category) and (
                domain is None or e.domain == domain
            ):
                return e
        raise KeyError((category, domain))

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict."""
        return {
            "statistic": self.statistic,
            "variable": self.variable,
            "by": self.by,
            "ci_method": self.ci_method,
            "level": self.level,
            "notes": list(self.notes),
            "estimates": [e.to_dict() for e in self.estimates],
        }

    def to_frame(self):
        """pandas DataFrame, one row per estimate."""
        import pandas as pd

        return pd.DataFrame([e.to_dict() for e in self.estimates])

    def summary(self) -> str:
        """Plain-text table in Vietnamese (decimal commas)."""
        pct = self.statistic == "proportion"
        fmt = fmt_percent if pct else (lambda x: fmt_number(x, 3))
        head = f"{STAT_LABELS.get(self.statistic, self.statistic)} — {self.variable}"
        if self.by:
            head += f" theo {self.by}"
        lines = [head, f"Khoảng tin cậy {fmt_number(self.level * 100, 0)}% ({self.ci_method})"]
        lines.append(
            f"{'Miền':<14}{'Phương án':<12}{'Ước lượng':>12}{'Sai số chuẩn':>14}"
            f"{'KTC dưới':>12}{'KTC trên':>12}{'Biên sai số':>13}{'deff':>8}{'n':>8}"
        )
        for e in self.estimates:
            lines.append(
                f"{'' if e.domain is None else str(e.domain):<14}"
                f"{_cat(e):<12}"
                f"{fmt(e.value):>12}{fmt(e.se):>14}{fmt(e.ci_low):>12}{fmt(e.ci_high):>12}"
                f"{fmt(e.margin):>13}{fmt_number(e.deff, 2):>8}{fmt_number(e.n, 0):>8}"
            )
            if e.note:
                lines.append(f"  ⚠ {e.note}")
        lines += [f"Ghi chú: {t}" for t in self.notes]
        return "\n".join(lines)
