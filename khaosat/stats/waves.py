"""Waves and trends: one question's estimate over survey waves, changes, cautious projection."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np
from scipy import stats as sps

from khaosat.questionnaire.bank import Matching, columns_for, match, wave_name
from khaosat.questionnaire.model import Questionnaire
from khaosat.stats.compare import Difference, wave_difference
from khaosat.stats.design import Design
from khaosat.stats.errors import StatsError
from khaosat.stats.estimators import mean, proportions
from khaosat.stats.format import fmt_number, fmt_percent
from khaosat.stats.results import Estimate

NO_TREND = "Chưa đủ 3 đợt khảo sát nên không dự báo xu hướng cho đợt tiếp theo."


@dataclass
class Projection:
    """Next-wave projection from a linear trend (logit scale for proportions)."""

    value: float
    pi_low: float
    pi_high: float
    slope: float
    df: int
    note: str


@dataclass
class Trend:
    """Estimates per wave, flagged changes between consecutive waves, optional projection."""

    variable: str
    category: Any
    statistic: str
    waves: list[Any]
    estimates: list[Estimate]
    changes: list[Difference]
    projection: Projection | None
    message: str | None = None
    notes: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict."""
        return {
            "variable": self.variable,
            "category": self.category,
            "statistic": self.statistic,
            "waves": [
                {"wave": w, **e.to_dict()} for w, e in zip(self.waves, self.estimates, strict=True)
            ],
            "changes": [c.to_dict() for c in self.changes],
            "projection": asdict(self.projection) if self.projection else None,
            "message": self.message,
            "notes": list(self.notes),
        }

    def summary(self) -> str:
        """Vietnamese lines, one per wave, then changes and projection."""
        f = fmt_percent if self.statistic == "proportion" else (lambda x: fmt_number(x, 2))
        lines = [
            f"Diễn biến qua các đợt — {self.variable}"
            + (f" = {self.category}" if self.category is not None else "")
        ]
        for w, e in zip(self.waves, self.estimates, strict=True):
            lines.append(f"  {w}: {f(e.value)} (KTC: {f(e.ci_low)} – {f(e.ci_high)}, n = {e.n})")
        for (w0, w1), c in zip(
            zip(self.waves, self.waves[1:], strict=False), self.changes, strict=True
        ):
            mark = "thay đổi có ý nghĩa thống kê" if c.significant else "chưa có thay đổi rõ rệt"
            lines.append(f"  {w0} → {w1}: {mark} (p = {fmt_number(c.p_value, 3)})")
        if self.projection:
            p = self.projection
            lines.append(
                f"  Dự báo thận trọng đợt tiếp theo: {f(p.value)} "
                f"(khoảng dự báo {f(p.pi_low)} – {f(p.pi_high)}). {p.note}"
            )
        if self.message:
            lines.append("  " + self.message)
        lines += ["  " + n for n in self.notes]
        return "\n".join(lines)


def trend(
    designs: Mapping[Any, Design],
    var: str,
    category: Any = None,
    ci: str = "logit",
    level: float = 0.95,
    questionnaires: Mapping[Any, Questionnaire] | None = None,
) -> Trend:
    """Estimate `var` (proportion of `category`, or the mean) in each wave, in the given order.

    With each wave's questionnaire, `var` (its name in any wave) is matched across waves by
    bank identity, by name when it has none (khaosat.questionnaire.bank.match); a question
    whose choice codes differ between waves is refused, a changed label is noted.
    """
    if len(designs) < 1:
        raise StatsError("Cần ít nhất một đợt khảo sát.")
    names, notes = {w: var for w in designs}, []
    if questionnaires is not None:
        names, notes = wave_columns(designs, var, questionnaires)
    waves, ests = [], []
    for w, d in designs.items():
        if category is None:
            e = mean(d, names[w], level=level)[0]
        else:
            tab = proportions(d, names[w], ci=ci, level=level)
            try:
                e = tab.get(category=category)
            except KeyError:
                e = Estimate(
                    "proportion", names[w], 0.0, 0.0, None, None, d.degf(), None, 0, category
                )
        waves.append(w)
        ests.append(e)
    changes = [wave_difference(a, b, level) for a, b in zip(ests, ests[1:], strict=False)]
    stat = "mean" if category is None else "proportion"
    proj, msg = None, None
    if len(ests) >= 3:
        proj = _project(ests, stat, level)
    else:
        msg = NO_TREND
    return Trend(var, category, stat, waves, ests, changes, proj, msg, notes)


def match_waves(questionnaires: Mapping[Any, Questionnaire]) -> Matching:
    """Which variables of the waves line up, and how (print `.summary()` for people)."""
    return match(questionnaires)


def wave_columns(
    designs: Mapping[Any, Design], var: str, questionnaires: Mapping[Any, Questionnaire]
) -> tuple[dict[Any, str], list[str]]:
    """({wave: column of `var` in that wave}, notes); StatsError when it cannot be compared."""
    missing = [w for w in designs if w not in questionnaires]
    if missing:
        raise StatsError(
            "Thiếu bảng hỏi của " + ", ".join(wave_name(w) for w in missing) + " để ghép câu hỏi."
        )
    matching = match({w: questionnaires[w] for w in designs})
    found = None
    for w in reversed(list(designs)):
        found = columns_for(matching, w, var)
        if found is not None:
            break
    if found is None:
        raise StatsError(f"Không có biến «{var}» trong bảng hỏi của đợt nào.")
    v, found = found
    absent = [w for w in designs if w not in found]
    if absent:
        raise StatsError(
            f"{v.sentence()} Không có ở "
            + ", ".join(wave_name(w) for w in absent)
            + ": hãy bỏ đợt đó khỏi phép so sánh hoặc lưu câu này vào ngân hàng câu hỏi và "
            "chọn từ ngân hàng ở các đợt."
        )
    if v.problems:
        raise StatsError(v.sentence())
    return found, [v.sentence()]


def _project(ests: list[Estimate], stat: str, level: float) -> Projection:
    k = len(ests)
    t = np.arange(k, dtype=float)
    v = np.array([e.value for e in ests], dtype=float)
    se = np.array([e.se for e in ests], dtype=float)
    if stat == "proportion":
        p = np.clip(v, 1e-4, 1 - 1e-4)
        y = np.log(p / (1 - p))
        s = se / (p * (1 - p))
    else:
        y, s = v, se
    s = np.where(s > 0, s, np.max(s) if np.max(s) > 0 else 1.0)
    W = 1 / s**2
    X = np.column_stack([np.ones(k), t])
    XtWX = (X * W[:, None]).T @ X
    beta = np.linalg.solve(XtWX, (X * W[:, None]).T @ y)
    resid = y - X @ beta
    df = k - 2
    disp = max(1.0, float(np.sum(W * resid**2) / df)) if df > 0 else 1.0
    x0 = np.array([1.0, k])
    var_fit = disp * float(x0 @ np.linalg.solve(XtWX, x0))
    var_pred = var_fit + disp * float(s[-1] ** 2)
    tq = float(sps.t.ppf(1 - (1 - level) / 2, max(df, 1)))
    eta = float(x0 @ beta)
    lo, hi = eta - tq * np.sqrt(var_pred), eta + tq * np.sqrt(var_pred)
    if stat == "proportion":

        def inv(z: float) -> float:
            return float(1 / (1 + np.exp(-z)))

        eta, lo, hi = inv(eta), inv(lo), inv(hi)
    note = (
        "Dự báo dựa trên xu hướng tuyến tính"
        + (" trên thang logit" if stat == "proportion" else "")
        + f" của {k} đợt; chỉ mang tính tham khảo, không phải kết quả khảo sát."
    )
    return Projection(float(eta), float(lo), float(hi), float(beta[1]), df, note)
