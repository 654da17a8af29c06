import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from khaosat.report import vn
from khaosat.report.settings import load_settings, quantifier_table


def test_it_formats_percentages_with_decimal_comma():
    assert vn.fmt_pct(0.4553) == "45,5%"
    assert vn.fmt_pct(1.0) == "100,0%"
    assert vn.fmt_pct(0.0) == "0,0%"


def test_it_rounds_half_up_on_the_written_value():
    # float 0.4555 * 100 is 45.549999…; the report must still show 45,6.
    assert vn.fmt_pct(0.4555) == "45,6%"


def test_it_groups_thousands_with_dots():
    assert vn.fmt_int(1000) == "1.000"
    assert vn.fmt_int(1234567) == "1.234.567"
    assert vn.fmt_int(999) == "999"
    assert vn.fmt_num(-1234.56, 1) == "-1.234,6"


def test_it_formats_margins_of_error():
    assert vn.fmt_moe(0.032) == "±3,2%"
    assert vn.fmt_moe(None) == vn.DASH


def test_missing_values_are_a_dash():
    assert vn.fmt_pct(float("nan")) == vn.DASH
    assert vn.fmt_int(None) == vn.DASH


@pytest.mark.parametrize(
    ("date", "text"),
    [
        (dt.date(2026, 6, 5), "Hưng Yên, ngày 05 tháng 6 năm 2026"),
        (dt.date(2026, 1, 9), "Hưng Yên, ngày 09 tháng 01 năm 2026"),
        (dt.date(2026, 2, 28), "Hưng Yên, ngày 28 tháng 02 năm 2026"),
        (dt.date(2026, 3, 10), "Hưng Yên, ngày 10 tháng 3 năm 2026"),
        (dt.date(2026, 12, 31), "Hưng Yên, ngày 31 tháng 12 năm 2026"),
        (dt.date(2026, 11, 1), "Hưng Yên, ngày 01 tháng 11 năm 2026"),
    ],
)
def test_document_dates_follow_the_leading_zero_rule(date, text):
    assert vn.fmt_doc_date(date, "Hưng Yên") == text


@given(st.dates(min_value=dt.date(1990, 1, 1), max_value=dt.date(2100, 12, 31)))
def test_document_date_parts_round_trip(date):
    text = vn.fmt_doc_date(date)
    words = text.split()
    day, month, year = words[1], words[3], words[5]
    assert int(day) == date.day and int(month) == date.month and int(year) == date.year
    assert (len(day) == 2) and (day.startswith("0") == (date.day < 10))
    assert month.startswith("0") == (date.month in (1, 2))


def test_short_dates_are_dd_mm_yyyy():
    assert vn.fmt_date(dt.date(2026, 6, 5)) == "05/06/2026"
    assert vn.fmt_date("2026-12-01") == "01/12/2026"


@given(st.floats(min_value=-1e9, max_value=1e9, allow_nan=False), st.integers(0, 3))
def test_formatted_numbers_parse_back(x, decimals):
    text = vn.fmt_num(x, decimals)
    assert abs(vn.parse_num(text) - x) <= 0.5 * 10**-decimals + 1e-6 * max(1.0, abs(x))
    whole = text.lstrip("-").split(",")[0]
    assert all(len(g) == 3 for g in whole.split(".")[1:])


def test_quantifiers_follow_the_default_thresholds():
    table = quantifier_table(load_settings())
    assert vn.quantifier(0.92, table) == "tuyệt đại đa số"
    assert vn.quantifier(0.80, table) == "tuyệt đại đa số"
    assert vn.quantifier(0.62, table) == "đa số"
    assert vn.quantifier(0.35, table) == "nhiều"
    assert vn.quantifier(0.15, table) == "một số ý kiến"
    assert vn.quantifier(0.03, table) == "ít ý kiến"


def test_quantifier_thresholds_are_configurable():
    table = quantifier_table(load_settings({"quantifiers": {"tuyệt đại đa số": 0.9}}))
    assert vn.quantifier(0.85, table) == "đa số"
    assert vn.quantifier(0.95, table) == "tuyệt đại đa số"
