"""Base weights and the design columns handed to the stats engine."""

from __future__ import annotations

import math
from dataclasses import replace

import pytest

from khaosat.sampling import (
    CertaintyUnit,
    Design,
    SamplingError,
    design_columns,
    select,
    unit_weights,
)

from .conftest import make_frame


def hy_responses(plan, per_unit=None):
    units, ids = [], []
    for u in plan.units:
        for k in range((per_unit or {}).get(u.code, u.quota)):
            units.append(u.code)
            ids.append(f"{u.code}-{k + 1:04d}")
    return units, ids


def test_relative_weights_equal_within_stratum_and_sum_to_units(hy_frame, hy_design):
    plan = select(hy_frame, hy_design, 2026)
    completes = {u.code: u.quota for u in plan.units}
    completes[plan.units[1].code] = 30  # fewer forms back from one commune
    units, ids = hy_responses(plan, completes)
    cols = design_columns(plan, units, ids)
    assert list(cols.columns) == ["unit", "stratum", "psu", "weight", "fpc"]
    assert len(cols) == len(units)
    for s in plan.strata:
        part = cols[cols["stratum"].str.contains(s.label, regex=False)]
        mine = part[part["unit"].isin([u.code for u in plan.units if u.stratum == s.label])]
        assert mine["weight"].nunique() == 1
        assert mine["weight"].sum() == pytest.approx(s.units)  # the stratum counts as N_h units
    assert plan.weight_rule == "relative"


def test_certainty_units_are_own_strata_with_respondents_as_psus(hy_frame, hy_design):
    plan = select(hy_frame, hy_design, 2026)
    units, ids = hy_responses(plan)
    cols = design_columns(plan, units, ids)
    t01 = cols[cols["unit"] == "T01"]
    assert t01["stratum"].nunique() == 1
    assert t01["stratum"].iloc[0] not in set(cols.loc[cols["unit"] != "T01", "stratum"])
    assert list(t01["psu"]) == [f"T01-{k:04d}" for k in range(1, 51)]
    assert t01["weight"].sum() == pytest.approx(1.0)  # one unit-equivalent without a size
    assert math.isinf(t01["fpc"].iloc[0])
    sampled = cols[~cols["unit"].isin(["T01", "T02"])]
    assert (sampled["psu"] == sampled["unit"]).all()


def test_single_psu_strata_are_collapsed_for_variance(hy_frame, hy_design):
    plan = select(hy_frame, hy_design, 2026)
    units, ids = hy_responses(plan)
    cols = design_columns(plan, units, ids)
    sampled = cols[~cols["unit"].isin(["T01", "T02"])]
    psus = sampled.groupby("stratum")["psu"].nunique()
    assert (psus >= 2).all()
    assert "Hưng Yên – phường + Hưng Yên – xã" in set(sampled["stratum"])
    # fpc constant within each stratum (the stats engine requires it)
    assert (cols.groupby("stratum")["fpc"].nunique(dropna=False) == 1).all()
    merged = cols.loc[cols["unit"] == "11980", "fpc"].iloc[0]
    assert merged == 6 + 33  # frame units of the two merged equal-probability strata
    raw = design_columns(plan, units, ids, collapse_singletons=False)
    assert raw.loc[raw["unit"] == "11980", "fpc"].iloc[0] == 6  # N_h of Hưng Yên – phường


def test_size_rule_weights_estimate_population_totals():
    frame = make_frame({"A": [100, 200, 300, 400, 1000], "B": [50, 60, 70]})
    design = Design(
        n=4,
        strata=["region"],
        size="population",
        method="pps",
        quota=10,
        certainty=[CertaintyUnit("T01", "Đảng ủy", quota=20, size=400)],
    )
    plan = select(frame, design, 11)
    assert plan.weight_rule == "size"
    completes = {u.code: u.quota for u in plan.units}
    rows = unit_weights(plan, completes)
    for w in rows:
        u = plan.unit(w.unit)
        assert w.weight == pytest.approx(u.size / (u.pi * w.completes))
    t01 = next(w for w in rows if w.unit == "T01")
    assert t01.weight * t01.completes == pytest.approx(400)
    assert t01.fpc == 400


def test_size_rule_spreads_a_silent_unit_over_its_stratum():
    frame = make_frame({"A": [100, 200, 300, 400, 500, 600]})
    plan = select(frame, Design(n=3, size="population", method="pps", quota=10), 3)
    silent = plan.units[0].code
    completes = {u.code: (0 if u.code == silent else 10) for u in plan.units}
    rows = {w.unit: w for w in unit_weights(plan, completes)}
    assert math.isnan(rows[silent].weight)
    full = sum(u.size / u.pi for u in plan.units)
    got = sum(rows[u.code].weight * 10 for u in plan.units if u.code != silent)
    assert got == pytest.approx(full)


def test_unknown_unit_in_responses_is_refused(hy_frame, hy_design):
    plan = select(hy_frame, hy_design, 2026)
    with pytest.raises(SamplingError, match="P01"):
        design_columns(plan, ["T01", "P01"])


def test_planned_base_weight_is_weight_at_full_quota(hy_frame, hy_design):
    plan = select(hy_frame, hy_design, 2026)
    rows = {w.unit: w for w in unit_weights(plan, {u.code: u.quota for u in plan.units})}
    for u in plan.units:
        assert u.base_weight == pytest.approx(rows[u.code].weight)
    # Changing a quota changes that unit's base weight under the relative rule.
    bigger = replace(plan.design, quota=90)
    assert select(hy_frame, bigger, 2026).units[0].base_weight == pytest.approx(
        plan.units[0].base_weight / 2
    )


def test_design_columns_are_accepted_by_the_stats_engine(hy_frame, hy_design):
    stats_design = pytest.importorskip("khaosat.stats.design")
    estimators = pytest.importorskip("khaosat.stats.estimators")
    import numpy as np

    plan = select(hy_frame, hy_design, 2026)
    units, ids = hy_responses(plan)
    cols = design_columns(plan, units, ids)
    rng = np.random.default_rng(3)
    cols["y"] = (rng.random(len(cols)) < 0.4).astype(int)
    design = stats_design.Design(cols, strata="stratum", psu="psu", weight="weight", fpc="fpc")
    est = estimators.mean(design, "y").estimates[0]
    assert est.se > 0 and est.weighted_n == pytest.approx(104 + 2)
