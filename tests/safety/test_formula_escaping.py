"""Every CSV/XLSX khaosat writes escapes cells that would run as formulas (OWASP's rule):
text starting with = + - @ tab or CR gets a leading apostrophe and is stored as text.

One test per writer, each fed a keyer's or designer's `=HYPERLINK(…)` / `=cmd|' /C calc'!A0`,
and a guard that finds any new writer in the code that does not use khaosat.safety.cells."""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from khaosat.safety.cells import TRIGGERS, needs_escape, safe_cell, safe_row, unescape

ROOT = Path(__file__).resolve().parents[2]
CMD = "=cmd|' /C calc'!A0"
LINK = '=HYPERLINK("http://198.51.100.7/x","Bấm vào đây")'
PAYLOADS = [CMD, LINK, "+1+cmd", "-2+3", "@SUM(A1)", "\t=1", "\r=1"]


def test_the_rule():
    for p in PAYLOADS:
        assert safe_cell(p) == "'" + p
    for harmless in ["-1", "+84", "2,5", "-0.5", "Khác", "", 7, -3, None, "a=b"]:
        assert safe_cell(harmless) == harmless
    assert safe_row([CMD, 1]) == ["'" + CMD, 1]
    assert unescape(safe_cell(CMD)) == CMD


def csv_cells(text: str) -> list[str]:
    return [c for row in csv.reader(io.StringIO(text.lstrip("\ufeff"))) for c in row]


def live_csv_cells(text: str) -> list[str]:
    """Cells of a CSV that a spreadsheet would run as a formula."""
    rows = csv.reader(io.StringIO(text.lstrip("\ufeff")))
    return [c for row in rows for c in row if needs_escape(c)]


def live_xlsx_cells(data: bytes | Path) -> list[str]:
    src = io.BytesIO(data) if isinstance(data, bytes) else data
    wb = openpyxl.load_workbook(src)  # not data_only: formulas would show as data_type "f"
    bad = []
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for c in row:
                if c.data_type == "f" or needs_escape(c.value):
                    bad.append(f"{ws.title}!{c.coordinate}={c.value!r}")
    return bad


MD = (
    "| survey |\n"
    "| | type | name | label |\n"
    f"| | select_one yn | q1 | {LINK} |\n"
    "| | text | q2 | Ý kiến khác |\n"
    "| choices |\n"
    "| | list_name | name | label |\n"
    f"| | yn | 1 | {CMD.replace('|', chr(92) + '|')} |\n"
    "| | yn | 2 | -Không |\n"
    "| settings |\n"
    "| | form_id | version |\n"
    "| | bomb | 1 |\n"
)


@pytest.fixture
def q():
    from khaosat.questionnaire.xlsform import read_xlsform

    return read_xlsform(MD.encode(), "bomb.md")


def test_capture_template(q):
    from khaosat.capture.rules import FormRules
    from khaosat.capture.spreadsheet import template_xlsx

    data = template_xlsx(FormRules(q), "P01", "Phường A", ["P01-0001"], title=CMD)
    assert live_xlsx_cells(data) == []
    texts = [c.value for ws in openpyxl.load_workbook(io.BytesIO(data)) for r in ws for c in r]
    assert "'" + CMD in texts  # the label is there, as text


def test_xlsform_writer_and_round_trip(q, tmp_path):
    from khaosat.questionnaire.xlsform import read_xlsform, to_xlsx_bytes

    data = to_xlsx_bytes(q)
    assert live_xlsx_cells(data) == []
    again = read_xlsform(data, "bomb.xlsx")
    assert again.choices_of(again.question("q1"))[0].label(None, None) == CMD


def test_questionnaire_codebook_cli(q, tmp_path):
    from typer.testing import CliRunner

    from khaosat.cli import app

    src = tmp_path / "bomb.md"
    src.write_text(MD)
    out = tmp_path / "codebook.csv"
    r = CliRunner().invoke(app, ["questionnaire", "codebook", str(src), "-o", str(out)])
    assert r.exit_code == 0, r.output
    text = out.read_text(encoding="utf-8")
    assert live_csv_cells(text) == [] and "'" + LINK in csv_cells(text)


def test_simulated_responses(q, tmp_path):
    from khaosat.questionnaire.simulate import SimulatedResponse, write_responses

    rows = [SimulatedResponse(index=0, answers={"q1": "1", "q2": LINK})]
    write_responses(q, rows, tmp_path / "sim.csv")
    assert live_csv_cells((tmp_path / "sim.csv").read_text()) == []
    write_responses(q, rows, tmp_path / "sim.xlsx")
    assert live_xlsx_cells(tmp_path / "sim.xlsx") == []


def test_report_csv_export_and_its_codebook(tmp_path):
    from khaosat.report.exports import write_csv

    df = pd.DataFrame({"serial": ["P01-0001", "P01-0002"], "y_kien": [LINK, "-1"], "n": [1, -2]})
    paths = write_csv(df, tmp_path / "du-lieu.csv")
    text = paths[0].read_text(encoding="utf-8-sig")
    assert live_csv_cells(text) == [] and "'" + LINK in csv_cells(text) and "-1" in csv_cells(text)


def test_report_xlsx_tables(tmp_path):
    from khaosat.report.exports import escape_workbook  # the writer calls it before saving

    wb = openpyxl.Workbook()
    wb.active.append([CMD, LINK, "-1", 5])
    escape_workbook(wb)
    buf = io.BytesIO()
    wb.save(buf)
    assert live_xlsx_cells(buf.getvalue()) == []
    assert "escape_workbook(wb)" in (ROOT / "khaosat/report/exports.py").read_text()


def test_sampling_frame_csv(tmp_path):
    from khaosat.sampling.frame import Frame, write_frame

    f = Frame(columns=["code", "name"], rows=[{"code": "X01", "name": CMD}])
    write_frame(f, tmp_path / "khung.csv")
    text = (tmp_path / "khung.csv").read_text(encoding="utf-8-sig")
    assert live_csv_cells(text) == [] and "'" + CMD in csv_cells(text)


def test_quality_cli_csv(tmp_path):
    from typer.testing import CliRunner

    from khaosat.cli import app

    src = tmp_path / "bomb.md"
    src.write_text(MD)
    data = tmp_path / "phieu.csv"
    data.write_text(
        "serial,unit,q1,q2\n"
        + "".join(f"{LINK.replace(',', ';')}{k},=1+1,1,x\n" for k in range(12))
    )
    out = tmp_path / "canh-bao.csv"
    CliRunner().invoke(app, ["quality", "check", str(src), str(data), "-o", str(out)])
    if out.exists():
        assert live_csv_cells(out.read_text(encoding="utf-8-sig")) == []


# Every place that writes CSV or XLSX: each must go through khaosat.safety.cells.
WRITERS = re.compile(r"csv\.writer\(|\.to_csv\(|\.to_excel\(|Workbook\(\)")
EXEMPT = {"khaosat/report/builder.py"}  # to_csv there only feeds a SHA-256, never a file


def test_no_writer_escapes_the_rule():
    missing = []
    for path in sorted((ROOT / "khaosat").rglob("*.py")):
        rel = path.relative_to(ROOT).as_posix()
        text = path.read_text(encoding="utf-8")
        if rel.startswith("khaosat/safety/") or rel in EXEMPT or not WRITERS.search(text):
            continue
        uses = ("safety import cells", "safe_frame", "escape_workbook", "set_text", "safe_row")
        if not any(u in text for u in uses):
            missing.append(rel)
    assert missing == [], f"CSV/XLSX writers without formula escaping: {missing}"
    assert set(TRIGGERS) == {"=", "+", "-", "@", "\t", "\r"}
