"""Differences with design-based SEs: two domains of one survey, or two independent waves."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

import numpy as np
from scipy import stats as sps

from khaosat.stats.design import Design
from khaosat.stats.errors import StatsError
from khaosat.stats.estimators import mean, proportions, tcrit
from khaosat.stats.format import fmt_number, fmt_p
from khaosat.stats.results import Estimate


@dataclass
class Difference:
    """Estimate(b) − estimate(a) with SE, CI, df and a two-sided p-value."""

    label: str
    a: Any
    b: Any
    value_a: float
    value_b: float
    value: float
    se: float
    ci_low: float | None
    ci_high: float | None
    df: float
    p_value: float | None
    significant: bool
    level: float = 0.95
    note: str | None = None

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict."""
        d = asdict(self)
        return {
            k: (None if isinstance(v, float) and not np.isfinite(v) else v) for k, v in d.items()
        }

    def summary(self) -> str:
        """One Vietnamese sentence."""
        verdict = "có ý nghĩa thống kê" if self.significant else "không có ý nghĩa thống kê"
        return (
            f"{self.label}: {self.b} so với {self.a} chênh lệch {fmt_number(self.value, 3)} "
            f"(sai số chuẩn {fmt_number(self.se, 3)}, p = {fmt_p(self.p_value)}), {verdict} "
            f"ở mức {fmt_number((1 - self.level) * 100, 0)}%."
        )


def _finish(label, a, b, va, vb, var, df, level, note=None) -> Difference:
    se = float(np.sqrt(max(var, 0.0)))
    d = vb - va
    if df > 0 and se > 0:
        t = tcrit(df, level)
        p = (
            float(2 * sps.t.sf(abs(d / se), df))
            if np.isfinite(df)
            else float(2 * sps.norm.sf(abs(d / se)))
        )
        lo, hi = d - t * se, d + t * se
    else:
        p, lo, hi = None, None, None
        note = note or "Không đủ bậc tự do hoặc sai số chuẩn bằng 0; không kiểm định được."
    sig = p is not None and p < 1 - level
    return Difference(label, a, b, va, vb, d, se, lo, hi, float(df), p, sig, level, note)


def domain_difference(
    design: Design,
    var: str,
    by: str,
    a: Any,
    b: Any,
    category: Any = None,
    level: float = 0.95,
) -> Difference:
    """Difference between two domains' means (or proportions of `category`), as svyby+svycontrast."""
    if category is None:
        tab = mean(design, var, by=by, level=level)
    else:
        tab = proportions(design, var, by=by, level=level)
    idx = {}
    for i, e in enumerate(tab.estimates):
        if category is None or e.category == category:
            idx[e.domain] = i
    for lab in (a, b):
        if lab not in idx or tab.estimates[idx[lab]].value is None:
            raise StatsError(
                f"Không có ước lượng cho nhóm '{lab}' của biến '{by}' (nhóm trống hoặc không tồn "
                "tại); hãy kiểm tra giá trị nhóm."
            )
    ia, ib = idx[a], idx[b]
    C = tab.covariance
    v = C[ia, ia] + C[ib, ib] - 2 * C[ia, ib]
    vals = np.asarray(design.align(var), dtype=object)
    valid = ~np.array([x is None or (isinstance(x, float) and np.isnan(x)) for x in vals])
    df = design.degf(valid)
    lab = var if category is None else f"{var}={category}"
    return _finish(lab, a, b, tab.estimates[ia].value, tab.estimates[ib].value, v, df, level)


def wave_difference(e1: Estimate, e2: Estimate, level: float = 0.95) -> Difference:
    """Change between two independent samples (waves): SE = sqrt(se1² + se2²), Satterthwaite df."""
    if e1.value is None or e2.value is None or e1.se is None or e2.se is None:
        raise StatsError("Một trong hai đợt không có ước lượng; không so sánh được.")
    v1, v2 = e1.se**2, e2.se**2
    if v1 + v2 > 0 and e1.df > 0 and e2.df > 0:
        df = (v1 + v2) ** 2 / (v1**2 / e1.df + v2**2 / e2.df)
    else:
        df = float(min(e1.df, e2.df))
    lab = e2.variable if e2.category is None else f"{e2.variable}={e2.category}"
    return _finish(lab, "đợt trước", "đợt sau", e1.value, e2.value, v1 + v2, df, level)
