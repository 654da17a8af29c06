"""Spreadsheet template and upload checks (no database)."""

from __future__ import annotations

import io

import pytest
from openpyxl import load_workbook

from khaosat.capture import spreadsheet as sheet
from khaosat.capture.errors import SpreadsheetError
from khaosat.capture.rules import FormRules
from tests.capture.mini import GOOD, mini_questionnaire

RULES = FormRules(mini_questionnaire())
COLS = sheet.template_columns(RULES)


def template(n=5):
    data = sheet.template_xlsx(RULES, "P01", "Xã thử", [f"P01-{i:04d}" for i in range(1, n + 1)])
    return load_workbook(io.BytesIO(data))


def as_cells(answers):
    return [
        " ".join(map(str, answers[c])) if isinstance(answers.get(c), list) else answers.get(c)
        for c in COLS
    ]


def fill(wb, rows):
    ws = wb[sheet.DATA_SHEET]
    for i, (serial, answers) in enumerate(rows, start=2):
        ws.cell(row=i, column=1, value=serial)
        for j, v in enumerate(as_cells(answers), start=2):
            ws.cell(row=i, column=j, value=v)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def test_the_template_has_serials_dropdowns_and_a_codebook():
    wb = template(45)
    ws = wb[sheet.DATA_SHEET]
    assert [c.value for c in ws[1]] == ["serial", *COLS]
    assert (
        ws.cell(row=2, column=1).value == "P01-0001"
        and ws.cell(row=46, column=1).value == "P01-0045"
    )
    validated = {str(dv.sqref).split(":")[0] for dv in ws.data_validations.dataValidation}
    a5_col = sheet.column_letter(COLS.index("a5") + 2)
    assert f"{a5_col}2" in validated
    codebook = [r for r in wb[sheet.CODEBOOK_SHEET].iter_rows(values_only=True)]
    assert ("a5", "Đánh giá chung", "Một lựa chọn", None, None) in codebook
    assert (None, None, None, 9, "Không rõ") in codebook


def test_a_filled_template_reads_back_the_same_answers():
    data = fill(template(), [("P01-0001", GOOD), ("P01-0002", {**GOOD, "a3": 2, "a4": None})])
    check = sheet.check_upload(data, "p01.xlsx", RULES, "P01")
    assert check.ok, [str(p) for p in check.problems]
    assert check.blank_rows == 3  # pre-filled serials left empty are not forms
    first = check.rows[0].answers
    assert {k: first[k] for k in GOOD} == GOOD and first["nhom"] == 1
    assert "a4" not in check.rows[1].answers


def test_every_problem_is_reported_by_row_and_column():
    rows = [
        ("P01-0001", GOOD),
        ("P01-0002", {**GOOD, "a5": 7}),  # bad code
        ("P01-0003", {**GOOD, "c7_2": None}),  # missing required answer
        ("P01-0001", GOOD),  # duplicate serial
        ("P02-0001", GOOD),  # another unit
        ("P01-0006", {**GOOD, "a2": "bốn mươi"}),  # not a number
    ]
    check = sheet.check_upload(fill(template(), rows), "p01.xlsx", RULES, "P01")
    col = {v: sheet.column_letter(COLS.index(v) + 2) for v in COLS}
    got = {(p.row, p.column, p.variable) for p in check.problems}
    assert got == {
        (3, col["a5"], "a5"),
        (4, col["c7_2"], "c7_2"),
        (5, "A", "serial"),
        (6, "A", "serial"),
        (7, col["a2"], "a2"),
    }
    text = {p.row: str(p) for p in check.problems}
    assert text[3].startswith(f"Dòng 3, cột {col['a5']} (a5)")
    assert "dòng 2" in text[5] and "P02" in text[6]
    assert not check.ok and len(check.valid_rows) == 1


def test_csv_with_bom_and_semicolons_reads_like_xlsx():
    header = ";".join(["serial", *COLS])
    line = ";".join(["P01-0001", *["" if v is None else str(v) for v in as_cells(GOOD)]])
    data = ("\ufeff" + header + "\r\n" + line + "\r\n").encode("utf-8")
    check = sheet.check_upload(data, "p01.csv", RULES, "P01")
    assert check.ok, [str(p) for p in check.problems]
    assert check.rows[0].answers["g1"] == GOOD["g1"]


def test_a_csv_not_in_utf8_is_refused_with_what_to_do():
    with pytest.raises(SpreadsheetError) as exc:
        sheet.check_upload("serial,a1\nP01-0001,Cán\n".encode("cp1258"), "x.csv", RULES, "P01")
    assert "UTF-8" in exc.value.message


def test_an_unknown_column_is_reported_on_row_1():
    data = b"serial,a1,zz\nP01-0001,1,2\n"
    check = sheet.check_upload(data, "x.csv", RULES, "P01")
    assert any(p.row == 1 and p.column == "C" and p.variable == "zz" for p in check.problems)


def test_a_workbook_whose_sheet_is_cut_short_is_refused_not_a_traceback():
    import zipfile

    rules = FormRules(mini_questionnaire())
    good = sheet.template_xlsx(rules, "P01", "Phường 1", ["P01-0001"])
    src = zipfile.ZipFile(io.BytesIO(good))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        for n in src.namelist():
            body = src.read(n)
            if n.startswith("xl/worksheets/sheet"):
                body = body[: len(body) // 2]  # the XML ends mid-tag (found by the fuzzer)
            z.writestr(n, body)
    with pytest.raises(SpreadsheetError) as exc:
        sheet.check_upload(out.getvalue(), "hong.xlsx", rules, "P01")
    assert "hong.xlsx" in str(exc.value) and "bị hỏng" in str(exc.value)


def test_a_csv_with_old_mac_line_ends_reads_and_a_broken_one_is_explained():
    rules = FormRules(mini_questionnaire())
    rows = sheet.read_table(b"serial,a1\rP01-0001,1\r", "mac.csv")
    assert len(rows) == 2 and rows[1][1][0] == "P01-0001"  # two lines, not one broken row
    with pytest.raises(SpreadsheetError):
        sheet.check_upload(b"", "trong.csv", rules, "P01")
