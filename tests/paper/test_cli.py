"""`khaosat paper print|layout|read` through the root CLI."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from khaosat.cli import app
from khaosat.questionnaire.xlsform import write_xlsx
from tests.paper.conftest import mini_questionnaire

runner = CliRunner()


def test_print_layout_and_read_round_trip(tmp_path):
    form = tmp_path / "mini.xlsx"
    write_xlsx(mini_questionnaire(), form)
    pdf, lay = tmp_path / "lo.pdf", tmp_path / "lo.json"
    r = runner.invoke(
        app,
        [
            "paper",
            "print",
            str(form),
            "--unit",
            "P03",
            "--count",
            "2",
            "--start",
            "5",
            "-o",
            str(pdf),
            "--layout",
            str(lay),
        ],
    )
    assert r.exit_code == 0, r.output
    doc = json.loads(lay.read_text(encoding="utf-8"))
    assert {p["serial"] for p in doc["pages"]} == {"P03-0005", "P03-0006"}
    r = runner.invoke(app, ["paper", "layout", str(form), "-o", str(tmp_path / "t.json")])
    assert r.exit_code == 0, r.output
    template = json.loads((tmp_path / "t.json").read_text(encoding="utf-8"))
    assert template["form"] == doc["form"] and template["pages"] == []
    r = runner.invoke(app, ["paper", "read", str(pdf), "--form", str(form), "--json"])
    assert r.exit_code == 0, r.output
    out = json.loads(r.output)
    assert [f["serial"] for f in out["forms"]] == ["P03-0005", "P03-0006"]
    assert all(f["answers"] == {} and f["complete"] for f in out["forms"])
    assert {u["kind"] for u in out["unreadable"]} == {"cover", "blank"}


def test_read_refuses_a_truncated_pdf_with_a_message(tmp_path):
    form = tmp_path / "mini.xlsx"
    write_xlsx(mini_questionnaire(), form)
    pdf = tmp_path / "lo.pdf"
    assert (
        runner.invoke(
            app, ["paper", "print", str(form), "--unit", "12427", "--count", "1", "-o", str(pdf)]
        ).exit_code
        == 0
    )
    data = pdf.read_bytes()
    (tmp_path / "cut.pdf").write_bytes(data[: len(data) * 2 // 3])
    r = runner.invoke(app, ["paper", "read", str(tmp_path / "cut.pdf"), "--form", str(form)])
    assert r.exit_code == 1
    assert "cắt cụt" in r.output and "Traceback" not in r.output
