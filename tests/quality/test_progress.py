"""Progress arithmetic: pace over the fieldwork days, per-day counts, group targets."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from khaosat.quality.errors import QualityError
from khaosat.quality.progress import (
    expected_by,
    expected_share,
    group_targets,
    pace_status,
    per_day,
)

START, DUE = dt.date(2026, 5, 28), dt.date(2026, 6, 2)  # six days


def test_expected_share_is_linear_over_the_days_including_both_ends():
    assert expected_share(START - dt.timedelta(days=1), START, DUE) == 0
    assert expected_share(START, START, DUE) == pytest.approx(1 / 6)
    assert expected_share(dt.date(2026, 5, 30), START, DUE) == pytest.approx(3 / 6)
    assert expected_share(DUE, START, DUE) == 1
    assert expected_by(dt.date(2026, 5, 30), START, DUE, 45) == 22


@given(st.dates(), st.integers(0, 60), st.integers(0, 1000))
def test_expected_never_exceeds_the_target_and_grows_with_time(today, length, target):
    due = START + dt.timedelta(days=length)
    e = expected_by(today, START, due, target)
    assert 0 <= e <= target
    assert expected_by(today + dt.timedelta(days=1), START, due, target) >= e


def test_pace_status():
    assert pace_status(45, 45, 10, START, DUE) == "done"
    assert pace_status(10, 45, 30, START, DUE) == "behind"
    assert pace_status(25, 45, 30, START, DUE) == "ok"
    assert pace_status(40, 45, 45, DUE + dt.timedelta(days=1), DUE) == "late"


def test_per_day_fills_gaps_with_zero():
    d = [START, START, START + dt.timedelta(days=2)]
    assert per_day(d, START, START + dt.timedelta(days=3)) == [
        (START, 2),
        (START + dt.timedelta(days=1), 0),
        (START + dt.timedelta(days=2), 1),
        (START + dt.timedelta(days=3), 0),
    ]
    assert per_day([]) == []


def test_group_targets_shares_and_limits():
    answers = [{"nhom": 1}] * 3 + [{"nhom": 2}] * 7 + [{}]
    t = group_targets({"nhom": {"2": 0.6, "1": {"min": 0.35}}}, answers)
    by = {x.code: x for x in t}
    assert by["2"].n == 10 and by["2"].share == 0.7 and by["2"].ok
    assert by["1"].share == 0.3 and by["1"].ok is False


@pytest.mark.parametrize(
    "bad", [[1], {"nhom": 0.5}, {"nhom": {"2": 1.5}}, {"nhom": {"2": {"mean": 0.5}}}]
)
def test_bad_group_targets_are_explained(bad):
    with pytest.raises(QualityError, match="group_targets"):
        group_targets(bad, [])
