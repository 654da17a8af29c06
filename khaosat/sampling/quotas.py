"""Within-unit quotas and respondent-group targets carried in the plan for monitoring."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass

from khaosat.sampling.plan import Plan


@dataclass
class UnitTarget:
    """What one unit should return for one respondent group."""

    unit: str
    variable: str
    code: int | str
    label: str
    expected: int | None
    minimum: int | None


def unit_targets(plan: Plan) -> list[UnitTarget]:
    """Per unit and target: expected forms (share × quota, rounded) and minimum (ceil)."""
    out = []
    for u in plan.units:
        for t in plan.design.targets:
            out.append(
                UnitTarget(
                    unit=u.code,
                    variable=t.variable,
                    code=t.code,
                    label=t.label,
                    expected=None if t.share is None else round(t.share * u.quota),
                    minimum=None
                    if t.min_share is None
                    else math.ceil(t.min_share * u.quota - 1e-9),
                )
            )
    return out


def quota_shortfalls(plan: Plan, completes: Mapping[str, int]) -> dict[str, int]:
    """Forms still missing per unit code (quota − completes, never below 0)."""
    return {u.code: max(u.quota - int(completes.get(u.code, 0)), 0) for u in plan.units}
