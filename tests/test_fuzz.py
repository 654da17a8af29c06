"""A bounded run of the fuzz targets (bench/fuzz.py runs ≥ 10.000 cases each): no user
file or expression makes a reader raise anything but its own, explained error."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings

from tests.fuzzing import strategies

TARGETS = strategies()
CASES = {"xlsform": 25, "spreadsheet": 50, "expression": 300, "scan": 60, "word": 60}


@pytest.mark.parametrize("name", sorted(TARGETS))
def test_no_exception_escapes_a_reader(name):
    fn, strat = TARGETS[name]

    @settings(
        max_examples=CASES[name],
        deadline=None,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(strat)
    def run(argtuple):
        fn(*argtuple)

    run()
