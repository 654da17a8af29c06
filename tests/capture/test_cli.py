"""`khaosat capture template` and `khaosat capture check` on files alone."""

from __future__ import annotations

import io

from openpyxl import load_workbook
from typer.testing import CliRunner

from khaosat.capture import spreadsheet as sheet
from khaosat.cli import app
from khaosat.questionnaire.xlsform import write_xlsx
from tests.capture.mini import GOOD, mini_questionnaire


def test_template_then_check_reports_row_and_column(tmp_path):
    form = tmp_path / "mini.xlsx"
    write_xlsx(mini_questionnaire(), form)
    runner = CliRunner()
    out = tmp_path / "p01.xlsx"
    r = runner.invoke(
        app, ["capture", "template", str(form), "--unit", "P01", "--quota", "3", "-o", str(out)]
    )
    assert r.exit_code == 0, r.output
    wb = load_workbook(io.BytesIO(out.read_bytes()))
    ws = wb[sheet.DATA_SHEET]
    cols = [c.value for c in ws[1]]
    for j, name in enumerate(cols[1:], start=2):
        v = GOOD.get(name)
        ws.cell(row=2, column=j, value=" ".join(map(str, v)) if isinstance(v, list) else v)
        ws.cell(
            row=3,
            column=j,
            value=8 if name == "a5" else (" ".join(map(str, v)) if isinstance(v, list) else v),
        )
    wb.save(out)
    r = runner.invoke(
        app,
        [
            "capture",
            "check",
            str(form),
            str(out),
            "--unit",
            "P01",
            "--out",
            str(tmp_path / "ok.jsonl"),
        ],
    )
    assert r.exit_code == 1
    col = sheet.column_letter(cols.index("a5") + 1)
    assert f"│ 3    │ {col}" in r.output or f"3 │ {col}" in r.output.replace("  ", " ")
    import json

    lines = (tmp_path / "ok.jsonl").read_text(encoding="utf-8").splitlines()
    assert [json.loads(x)["serial"] for x in lines] == ["P01-0001"]  # only the valid row
