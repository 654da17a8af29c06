"""Form serials: shape, unit prefix, reproducible double-entry sample."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from khaosat.capture import serials as S
from khaosat.capture.errors import SerialError


@given(st.sampled_from(["12427", "T01", "P05"]), st.integers(1, 9999))
def test_make_then_parse_round_trips(unit, n):
    assert S.parse(S.make(unit, n)) == (unit, n)


@pytest.mark.parametrize("text", [" p01-0007 ", "P01–0007", "P01_0007"])
def test_common_typing_variants_are_read(text):
    assert S.normalise(text) == "P01-0007"


@pytest.mark.parametrize("text", ["", "P01", "P01-7", "P01-0000", "ABC-12x4"])
def test_malformed_serials_are_refused_in_vietnamese(text):
    with pytest.raises(SerialError) as exc:
        S.parse(text)
    assert "Số phiếu" in exc.value.message


def test_a_serial_of_another_unit_names_both_units():
    with pytest.raises(SerialError) as exc:
        S.check_unit("T02-0001", {"T01"})
    assert "T02" in exc.value.message and "T01" in exc.value.message


def test_all_and_none_modes():
    assert S.needs_second_entry("T01-0001", "all") and not S.needs_second_entry("T01-0001", "none")


def test_a_scanned_form_qr_code_gives_its_serial():
    assert S.normalise("KHAOSAT|1|hung-yen-2026|2026.1|ab12cd|12427-0007|2/4") == "12427-0007"
