"""Allocation of the sample size across strata: proportional, equal or given."""

from __future__ import annotations

import math
from collections.abc import Mapping

from khaosat.sampling.errors import DesignError


def largest_remainder(quotas: Mapping[str, float], total: int) -> dict[str, int]:
    """Round `quotas` (summing to `total`) to integers with the same sum (Hamilton's method).

    Ties in the fractional part go to the stratum listed first.
    """
    floors = {h: math.floor(q + 1e-9) for h, q in quotas.items()}
    left = total - sum(floors.values())
    order = sorted(quotas, key=lambda h: -(quotas[h] - floors[h]))
    for h in order[: max(left, 0)]:
        floors[h] += 1
    return floors


def allocate(
    measures: Mapping[str, float],
    n: int,
    method: str = "proportional",
    *,
    caps: Mapping[str, int],
    given: Mapping[str, int] | None = None,
    minimum: int = 1,
) -> dict[str, int]:
    """Units to select per stratum; `measures` are the stratum sizes, `caps` the units available.

    proportional: n_h ∝ measure, with at least `minimum` per stratum when n allows it and at most
    the stratum's units; strata pushed to a bound are fixed and the rest re-allocated until no
    bound is crossed, then rounded by largest remainder. equal: the same with equal measures.
    given: the numbers as entered, checked against the units available.
    """
    strata = list(measures)
    if n > sum(caps[h] for h in strata):
        raise DesignError(
            f"Cần chọn {n} đơn vị nhưng khung mẫu chỉ có {sum(caps[h] for h in strata)} đơn vị."
        )
    if method == "given":
        return _given(strata, n, caps, given or {})
    if method == "equal":
        measures = {h: 1.0 for h in strata}
    elif method != "proportional":
        raise DesignError(f"Cách phân bổ '{method}' không hợp lệ (proportional, equal, given).")
    live = [h for h in strata if caps[h] > 0 and measures[h] > 0]
    if n and not live:
        raise DesignError("Không tầng nào có đơn vị với quy mô dương để phân bổ mẫu.")
    use_min = minimum if n >= minimum * len(live) else 0
    fixed: dict[str, int] = {}
    free = list(live)
    while True:
        remaining = n - sum(fixed.values())
        total = sum(measures[h] for h in free)
        quotas = {h: remaining * measures[h] / total for h in free} if total else {}
        over = [h for h in free if quotas[h] > caps[h]]
        under = [h for h in free if quotas[h] < min(use_min, caps[h])]
        if not over and not under:
            break
        if len(over or under) == len(free) and not over:
            break  # every stratum left is at the minimum: keep the proportional split
        for h in over or under:
            fixed[h] = caps[h] if over else min(use_min, caps[h])
            free.remove(h)
    result = {h: 0 for h in strata}
    result.update(fixed)
    result.update(largest_remainder(quotas, n - sum(fixed.values())))
    return result


def _given(
    strata: list[str], n: int, caps: Mapping[str, int], given: Mapping[str, int]
) -> dict[str, int]:
    problems = []
    for h in given:
        if h not in caps:
            problems.append(
                f"Phân bổ cho trước: không có tầng '{h}'. Các tầng: {', '.join(strata)}."
            )
    for h in strata:
        k = given.get(h, 0)
        if k < 0 or k > caps[h]:
            problems.append(f"Phân bổ cho trước, tầng '{h}': {k} đơn vị, nhưng tầng có {caps[h]}.")
    if not problems and sum(given.values()) != n:
        problems.append(
            f"Phân bổ cho trước cộng lại được {sum(given.values())} đơn vị, khác n = {n}."
        )
    if problems:
        raise DesignError(problems)
    return {h: int(given.get(h, 0)) for h in strata}
