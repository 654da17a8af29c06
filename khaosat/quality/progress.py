"""Fieldwork progress arithmetic: expected pace, forms per day, units behind, group targets.

Group targets (the plan's respondent-group shares) live in Survey.settings["group_targets"]:

    {"nhom": {"2": 0.5}, "a1": {"1": {"min": 0.35}, "2": {"min": 0.35}}}

variable -> code -> either a target share (a number: the share the plan aims at, shown with
a tolerance of +-10 points) or {"min": x} and/or {"max": y}. Shares are over the valid
(not rejected) responses that answered the variable.
"""

from __future__ import annotations

import datetime as _dt
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from khaosat.quality.errors import QualityError

PACE_TOLERANCE = 0.8  # a unit is behind pace under 80% of the forms expected by today
TARGET_TOLERANCE = 0.10


def fieldwork_days(start: _dt.date, due: _dt.date) -> int:
    """Number of fieldwork days, both ends included (at least 1)."""
    return max((due - start).days + 1, 1)


def expected_share(today: _dt.date, start: _dt.date | None, due: _dt.date | None) -> float:
    """Share of the quota expected by the end of `today`, linear over the fieldwork days."""
    if start is None or due is None:
        return 0.0
    if today < start:
        return 0.0
    if today >= due:
        return 1.0
    return ((today - start).days + 1) / fieldwork_days(start, due)


def expected_by(today: _dt.date, start: _dt.date | None, due: _dt.date | None, target: int) -> int:
    """Forms expected by today (rounded down)."""
    return int(target * expected_share(today, start, due) + 1e-9)


def pace_status(
    returned: int, quota: int, expected: int, today: _dt.date, due: _dt.date | None
) -> str:
    """'done' (quota met), 'late' (past due, quota not met), 'behind' (under 80% of the
    expected by today), 'ok'."""
    if quota and returned >= quota:
        return "done"
    if due is not None and today > due:
        return "late"
    if expected and returned < PACE_TOLERANCE * expected:
        return "behind"
    return "ok"


def per_day(
    dates: Iterable[_dt.date], start: _dt.date | None = None, end: _dt.date | None = None
) -> list[tuple[_dt.date, int]]:
    """Counts per calendar day from `start` to `end` (defaults: first and last date), gaps 0."""
    counts = Counter(dates)
    if not counts and (start is None or end is None):
        return []
    first = min([*counts, *([start] if start else [])])
    last = max([*counts, *([end] if end else [])])
    out, d = [], first
    while d <= last:
        out.append((d, counts.get(d, 0)))
        d += _dt.timedelta(days=1)
    return out


@dataclass
class GroupTarget:
    """One respondent-group target and where the valid responses stand."""

    variable: str
    code: str
    label: str
    n: int  # responses that answered the variable
    count: int  # of which with this code
    target: float | None = None
    minimum: float | None = None
    maximum: float | None = None

    @property
    def share(self) -> float | None:
        """Observed share."""
        return self.count / self.n if self.n else None

    @property
    def ok(self) -> bool | None:
        """Whether the observed share meets the target (None without answers)."""
        s = self.share
        if s is None:
            return None
        if self.minimum is not None and s < self.minimum:
            return False
        if self.maximum is not None and s > self.maximum:
            return False
        if self.target is not None and abs(s - self.target) > TARGET_TOLERANCE:
            return False
        return True


def parse_group_targets(raw: Any) -> list[tuple[str, str, dict[str, float]]]:
    """Validate settings['group_targets'] -> [(variable, code, {target|min|max: share})]."""
    if not raw:
        return []
    if not isinstance(raw, Mapping):
        raise QualityError(
            'Thiết lập group_targets phải có dạng {"nhom": {"2": 0.5}} (biến -> mã -> tỷ lệ).'
        )
    out = []
    for var, codes in raw.items():
        if not isinstance(codes, Mapping):
            raise QualityError(f"group_targets[{var}] phải là một bảng mã -> tỷ lệ.")
        for code, spec in codes.items():
            if isinstance(spec, int | float) and not isinstance(spec, bool):
                spec = {"target": float(spec)}
            if not isinstance(spec, Mapping) or not set(spec) <= {"target", "min", "max"}:
                raise QualityError(
                    f"group_targets[{var}][{code}] phải là một tỷ lệ (0–1) hoặc "
                    '{"min": ..., "max": ...}.'
                )
            for k, v in spec.items():
                if not isinstance(v, int | float) or not 0 <= v <= 1:
                    raise QualityError(
                        f"group_targets[{var}][{code}].{k} = {v!r}: tỷ lệ phải từ 0 đến 1."
                    )
            out.append((str(var), str(code), {k: float(v) for k, v in spec.items()}))
    return out


def group_targets(
    raw: Any,
    answers: Iterable[Mapping[str, Any]],
    labels: Mapping[tuple[str, str], str] | None = None,
) -> list[GroupTarget]:
    """Observed shares against the targets of settings['group_targets']."""
    spec = parse_group_targets(raw)
    answers = list(answers)
    out = []
    for var, code, s in spec:
        given = [a.get(var) for a in answers if a.get(var) not in (None, "", [])]
        count = sum(
            1 for v in given if str(v) == code or (isinstance(v, list) and code in map(str, v))
        )
        out.append(
            GroupTarget(
                variable=var,
                code=code,
                label=(labels or {}).get((var, code), f"{var} = {code}"),
                n=len(given),
                count=count,
                target=s.get("target"),
                minimum=s.get("min"),
                maximum=s.get("max"),
            )
        )
    return out
