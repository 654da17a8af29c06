"""Expected precision: design effect, margins of error, sample size for a target margin."""

from __future__ import annotations

import pytest

from khaosat.sampling import (
    cluster_deff,
    kish_weighting_effect,
    margin_of_error,
    plan_precision,
    required_sample_size,
    select,
)


def test_cluster_deff_for_45_per_unit_and_rho_005():
    assert cluster_deff(45, 0.05) == pytest.approx(3.2)
    assert cluster_deff(1, 0.3) == 1


def test_margin_of_error_textbook_values():
    assert margin_of_error(1000) == pytest.approx(0.031, abs=5e-4)  # ±3,1% for n = 1.000
    assert margin_of_error(1000, deff=3.2) == pytest.approx(0.031 * 3.2**0.5, abs=1e-3)
    assert margin_of_error(400, p=0.2) < margin_of_error(400, p=0.5)


def test_kish_weighting_effect():
    assert kish_weighting_effect([2, 2, 2]) == pytest.approx(1)
    assert kish_weighting_effect([1, 3]) == pytest.approx(2 * 10 / 16)


@pytest.mark.parametrize("target", [0.03, 0.05, 0.08])
def test_required_sample_size_reaches_the_target(target):
    n, units = required_sample_size(target, m=45, rho=0.05)
    assert margin_of_error(n, cluster_deff(45, 0.05)) <= target
    assert margin_of_error(n - 1, cluster_deff(45, 0.05)) > target
    assert units == -(-n // 45)


def test_hung_yen_plan_precision_table(hy_frame, hy_design):
    plan = select(hy_frame, hy_design, 2026)
    rows = {r.group: r for r in plan_precision(plan)}
    overall = rows["Toàn bộ mẫu"]
    assert overall.respondents == 1000 and overall.units == 22
    # 900 clustered forms with deff 3,2 and 100 unclustered ones
    assert overall.deff_cluster == pytest.approx((900 * 3.2 + 100) / 1000)
    assert overall.weighting_effect > 1  # weights differ between strata and T01/T02
    assert 0.05 < overall.margin < 0.06
    assert rows["Đảng ủy trực thuộc Tỉnh ủy"].deff_cluster == 1
    assert rows["Tầng: Thái Bình – xã"].respondents == 540
    assert rows["Nhóm: Nhân dân"].respondents == pytest.approx(600)
    higher_rho = {r.group: r for r in plan_precision(plan, rho=0.1)}
    assert higher_rho["Toàn bộ mẫu"].margin > overall.margin
