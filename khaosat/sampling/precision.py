"""Expected precision before fieldwork: design effects, margins of error, sample size needed."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from scipy.stats import norm

from khaosat.sampling.errors import SamplingError
from khaosat.sampling.plan import Plan


def z_value(confidence: float = 0.95) -> float:
    """Two-sided normal quantile (1,96 for 95%)."""
    if not 0 < confidence < 1:
        raise SamplingError(f"Độ tin cậy phải trong (0; 1), không phải {confidence}.")
    return float(norm.ppf(0.5 + confidence / 2))


def cluster_deff(m: float, rho: float) -> float:
    """Design effect of clustering: 1 + (m − 1)·ρ."""
    return 1 + (max(m, 1) - 1) * rho


def kish_weighting_effect(weights: Sequence[float]) -> float:
    """Kish's weighting effect 1 + CV² = n·Σw² / (Σw)²."""
    w = [float(x) for x in weights if x is not None and not math.isnan(x)]
    if not w or sum(w) == 0:
        return 1.0
    return len(w) * sum(x * x for x in w) / sum(w) ** 2


def margin_of_error(n: float, deff: float = 1.0, p: float = 0.5, confidence: float = 0.95) -> float:
    """Half-width of the confidence interval of a proportion: z·√(deff·p(1−p)/n)."""
    if n <= 0:
        return math.inf
    return z_value(confidence) * math.sqrt(deff * p * (1 - p) / n)


def required_sample_size(
    target: float,
    *,
    m: float = 45,
    rho: float = 0.05,
    weighting_effect: float = 1.0,
    p: float = 0.5,
    confidence: float = 0.95,
) -> tuple[int, int]:
    """(respondents, units of m) needed for margin `target`: n = z²·p(1−p)·deff / e²."""
    if not 0 < target < 1:
        raise SamplingError(
            f"Biên sai số mục tiêu phải trong (0; 1), ví dụ 0,05 — không phải {target}."
        )
    deff = cluster_deff(m, rho) * weighting_effect
    n = math.ceil(z_value(confidence) ** 2 * p * (1 - p) * deff / target**2 - 1e-9)
    return n, math.ceil(n / m)


@dataclass
class PrecisionRow:
    """Expected precision of a group of respondents."""

    group: str
    respondents: float
    units: int
    deff_cluster: float
    weighting_effect: float
    margin: float

    @property
    def deff(self) -> float:
        """Total design effect (clustering × weighting)."""
        return self.deff_cluster * self.weighting_effect

    @property
    def effective_n(self) -> float:
        """Respondents divided by the design effect."""
        return self.respondents / self.deff


def _row(group, parts, rho, p, confidence) -> PrecisionRow:
    """parts: (respondents, cluster size or None for unclustered, weight) per unit."""
    n = sum(c for c, _, _ in parts)
    if n == 0:
        return PrecisionRow(group, 0, 0, 1.0, 1.0, math.inf)
    deff_c = sum(c * (cluster_deff(m, rho) if m else 1.0) for c, m, _ in parts) / n
    # Weighting effect over respondents: each unit's weight counts for its respondents.
    sw = sum(c * w for c, _, w in parts)
    sw2 = sum(c * w * w for c, _, w in parts)
    weff = n * sw2 / sw**2 if sw else 1.0
    moe = margin_of_error(n, deff_c * weff, p, confidence)
    return PrecisionRow(group, n, len(parts), deff_c, weff, moe)


def plan_precision(
    plan: Plan, *, rho: float | None = None, p: float = 0.5, confidence: float = 0.95
) -> list[PrecisionRow]:
    """Margins of error expected with full quotas: overall, sampled units, each stratum,
    certainty units, and each respondent-group target (its share of every unit's quota).

    Sampled units are clusters (deff 1 + (m−1)ρ); certainty units are strata of their own whose
    respondents are the PSUs (no clustering). Groups mixing both use the respondent-weighted mean.
    """
    rho = plan.design.rho if rho is None else rho
    if not 0 <= rho <= 1:
        raise SamplingError(f"Hệ số tương quan nội cụm ρ phải trong [0; 1], không phải {rho}.")

    def parts(units, share=1.0):
        return [
            (u.quota * share, None if u.certainty else u.quota * share, u.base_weight or 1.0)
            for u in units
        ]

    sampled = [u for u in plan.units if not u.certainty]
    certain = [u for u in plan.units if u.certainty]
    rows = [_row("Toàn bộ mẫu", parts(plan.units), rho, p, confidence)]
    if sampled and certain:
        rows.append(_row("Xã, phường được chọn", parts(sampled), rho, p, confidence))
    for s in plan.strata:
        members = [u for u in plan.units if u.stratum == s.label]
        if members:
            rows.append(_row(f"Tầng: {s.label}", parts(members), rho, p, confidence))
    for group in dict.fromkeys(u.stratum for u in certain):
        members = [u for u in certain if u.stratum == group]
        rows.append(_row(group, parts(members), rho, p, confidence))
    for t in plan.design.targets:
        share = t.share if t.share is not None else t.min_share
        if share:
            rows.append(_row(f"Nhóm: {t.label}", parts(plan.units, share), rho, p, confidence))
    return rows


def simple_precision(
    units: int,
    quota: int = 45,
    *,
    certainty_forms: int = 0,
    certainty_units: int = 1,
    rho: float = 0.05,
    weighting_effect: float = 1.0,
    p: float = 0.5,
    confidence: float = 0.95,
) -> PrecisionRow:
    """Expected margin for `units` clusters of `quota` plus unclustered certainty-unit forms."""
    parts = [(quota, quota, 1.0)] * units
    if certainty_forms:
        k = max(certainty_units, 1)
        parts += [(certainty_forms / k, None, 1.0)] * k
    row = _row("Toàn bộ mẫu", parts, rho, p, confidence)
    row.weighting_effect = weighting_effect
    row.margin = margin_of_error(row.respondents, row.deff, p, confidence)
    return row
