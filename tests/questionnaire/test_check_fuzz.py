"""The checker never crashes: any bytes, any cells give issues, not exceptions."""

from __future__ import annotations

import io

import openpyxl
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from khaosat.questionnaire.check import check_source

CELL = st.one_of(
    st.sampled_from(
        [
            "",
            "type",
            "name",
            "label",
            "relevant",
            "constraint",
            "calculation",
            "list_name",
            "begin_group",
            "end_group",
            "begin_repeat",
            "end repeat",
            "select_one l",
            "select_multiple l",
            "integer",
            "text",
            "calculate",
            "note",
            "${a}",
            "${a} > 1",
            ". <= 3",
            "(",
            "'",
            "l",
            "a",
            "1",
            "label::Tiếng Việt (vi)",
        ]
    ),
    st.text(max_size=8),
    st.integers(-5, 5),
)


def _xlsx(survey, choices):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "survey"
    for r in survey:
        ws.append(r)
    wc = wb.create_sheet("choices")
    for r in choices:
        wc.append(r)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


ROWS = st.lists(st.lists(CELL, min_size=1, max_size=5), min_size=1, max_size=6)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(ROWS, ROWS)
def test_random_sheets_give_issues_not_exceptions(survey, choices):
    try:
        data = _xlsx(survey, choices)
    except Exception:  # openpyxl refuses some characters; not our input then
        return
    q, issues = check_source(data, "fuzz.xlsx")
    assert q is not None or (issues and issues[0].is_error)
    for issue in issues:
        assert issue.message and issue.level in ("error", "warning")


@settings(max_examples=60, deadline=None)
@given(st.binary(max_size=300), st.sampled_from(["f.xlsx", "f.xls", "f.csv", "f.md", "f"]))
def test_random_bytes_give_issues_not_exceptions(data, name):
    q, issues = check_source(data, name)
    assert q is not None or issues[0].is_error
