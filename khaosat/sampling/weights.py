"""Design weights and the design columns (stratum, psu, weight, fpc) for the stats engine."""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from khaosat.sampling.errors import SamplingError

if TYPE_CHECKING:  # the plan module applies the weights: types only, no import back
    import pandas as pd

    from khaosat.sampling.plan import Plan, SelectedUnit

SIZE_RULE = "size"
RELATIVE_RULE = "relative"


@dataclass
class UnitWeight:
    """Weight of each response of one unit, and where the unit sits in the variance design."""

    unit: str
    stratum: str
    completes: int
    weight: float
    fpc: float
    certainty: bool


def weight_rule(plan: Plan) -> str:
    """'size' when the weight size is known for every selected unit, else 'relative'."""
    return SIZE_RULE if all(u.size is not None for u in plan.units) else RELATIVE_RULE


def apply_base_weights(plan: Plan) -> Plan:
    """The plan with planned base weights (completes = quota) and its weight rule set."""
    completes = {u.code: u.quota for u in plan.units}
    weights = {w.unit: w.weight for w in unit_weights(plan, completes)}
    units = [replace(u, base_weight=weights[u.code]) for u in plan.units]
    return replace(plan, units=units, weight_rule=weight_rule(plan))


def certainty_stratum(unit: SelectedUnit) -> str:
    """Variance stratum of a certainty unit: its own (respondents are its PSUs)."""
    return f"{unit.name} ({unit.code}) – chọn chắc chắn"


def unit_weights(plan: Plan, completes: Mapping[str, int]) -> list[UnitWeight]:
    """Weight per response for each selected unit given the completes per unit code.

    size rule: w = (1/π)·(M/c), M the unit's size, c its completes; within a stratum the
    responding sampled units also carry those with no completes (factor Σ M/π over all
    sampled / Σ M/π over responding). relative rule (sizes unknown): every response of a
    stratum gets Σ(1/π)/Σc over its sampled units, i.e. the stratum counts as its number of
    units and each unit as equally large; a certainty unit gets 1/c. Units with c = 0 get NaN.
    """
    unknown = [code for code in completes if code not in {u.code for u in plan.units}]
    if unknown:
        raise SamplingError(
            f"Số phiếu thu về có mã đơn vị không thuộc kế hoạch chọn mẫu: {', '.join(sorted(unknown))}."
        )
    for code, c in completes.items():
        if not isinstance(c, int) or c < 0:
            raise SamplingError(f"Đơn vị {code}: số phiếu thu về phải là số nguyên ≥ 0 ({c!r}).")
    rule = weight_rule(plan)
    fpc_of = {s.label: float(s.units) if s.method == "srs" else math.inf for s in plan.strata}
    out: list[UnitWeight] = []
    by_stratum: dict[str, list[SelectedUnit]] = {}
    for u in plan.units:
        if not u.certainty:
            by_stratum.setdefault(u.stratum, []).append(u)
    factor: dict[str, float] = {}
    for h, members in by_stratum.items():
        if rule == SIZE_RULE:
            total = sum(u.size / u.pi for u in members)
            responding = sum(u.size / u.pi for u in members if completes.get(u.code, 0) > 0)
            factor[h] = total / responding if responding else math.nan
        else:
            inv = sum(1 / u.pi for u in members)
            done = sum(completes.get(u.code, 0) for u in members)
            factor[h] = inv / done if done else math.nan
    for u in plan.units:
        c = completes.get(u.code, 0)
        if c == 0:
            w = math.nan
        elif u.certainty:
            w = (u.size / c) if rule == SIZE_RULE else 1 / c
        elif rule == SIZE_RULE:
            w = u.size / (u.pi * c) * factor[u.stratum]
        else:
            w = factor[u.stratum]
        if u.certainty:
            stratum = certainty_stratum(u)
            fpc = float(u.size) if u.size is not None else math.inf
        else:
            stratum, fpc = u.stratum, fpc_of.get(u.stratum, math.inf)
        out.append(UnitWeight(u.code, stratum, c, w, fpc, u.certainty))
    return out


def design_columns(
    plan: Plan,
    units: Sequence[str],
    ids: Sequence[str] | None = None,
    *,
    collapse_singletons: bool = True,
) -> pd.DataFrame:
    """Columns unit, stratum, psu, weight, fpc for responses whose unit codes are `units`.

    Sampled units are the PSUs of their stratum; a certainty unit is a stratum of its own whose
    PSUs are the respondents (`ids`, e.g. form serials; else '{unit}#k'). fpc is the number of
    frame units in an equal-probability stratum, inf (no correction: with-replacement
    approximation) in a PPS stratum, and the unit's size (else inf) for a certainty unit. With
    `collapse_singletons`, a stratum with one responding PSU is merged for variance estimation
    with the stratum sharing its first stratification value (else the smallest other one), and
    the merged stratum's fpc is the sum of its frame units (inf if PPS). Ready for khaosat.stats
    (no `certainty` column needed).
    """
    import pandas as pd

    codes = [str(c) for c in units]
    if ids is not None and len(ids) != len(codes):
        raise SamplingError("Số mã phiếu (ids) khác số phiếu (units).")
    completes = Counter(codes)
    planned = {u.code for u in plan.units}
    unknown = sorted(set(codes) - planned)
    if unknown:
        raise SamplingError(
            f"Có phiếu của đơn vị không thuộc kế hoạch chọn mẫu: {', '.join(unknown)}. "
            "Kiểm tra mã đơn vị trên số phiếu."
        )
    table = {w.unit: w for w in unit_weights(plan, {c: completes.get(c, 0) for c in planned})}
    strata = {w.unit: w.stratum for w in table.values()}
    fpcs = {w.unit: w.fpc for w in table.values()}
    if collapse_singletons:
        _collapse(plan, table, strata, fpcs)
    seen: Counter[str] = Counter()
    rows = []
    for i, code in enumerate(codes):
        w = table[code]
        if w.certainty:
            seen[code] += 1
            psu = str(ids[i]) if ids is not None else f"{code}#{seen[code]}"
        else:
            psu = code
        rows.append((code, strata[code], psu, w.weight, fpcs[code]))
    return pd.DataFrame(rows, columns=["unit", "stratum", "psu", "weight", "fpc"])


def _collapse(plan: Plan, table: dict, strata: dict, fpcs: dict) -> None:
    sampled = [w for w in table.values() if not w.certainty and w.completes > 0]
    psus: dict[str, list[str]] = {}
    for w in sampled:
        psus.setdefault(w.stratum, []).append(w.unit)
    singles = sorted(h for h, members in psus.items() if len(members) == 1)
    if not singles or len(psus) < 2:
        return
    parent = {h: h for h in psus}

    def root(h: str) -> str:
        while parent[h] != h:
            h = parent[h]
        return h

    for h in singles:
        head = h.split(" – ")[0]
        others = [g for g in psus if g != h]
        same = [g for g in others if g.split(" – ")[0] == head and len(psus[g]) > 1]
        target = (same or sorted(others, key=lambda g: (len(psus[g]) == 1, len(psus[g]), g)))[0]
        a, b = root(h), root(target)
        if a != b:
            parent[a] = b
    groups: dict[str, list[str]] = {}
    for h in psus:
        groups.setdefault(root(h), []).append(h)
    info = {st.label: st for st in plan.strata}
    for members in groups.values():
        if len(members) < 2:
            continue
        label = " + ".join(sorted(members))
        # An equal-probability group keeps an fpc: its frame units over the PSUs drawn.
        srs = all(info[h].method == "srs" for h in members)
        fpc = float(sum(info[h].units for h in members)) if srs else math.inf
        for h in members:
            for code in psus[h]:
                strata[code] = label
                fpcs[code] = fpc
