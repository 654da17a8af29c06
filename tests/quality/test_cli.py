"""`khaosat quality check FORM DATA` on files only."""

from __future__ import annotations

import csv

import typer
from typer.testing import CliRunner

from khaosat.quality.cli import register
from khaosat.questionnaire.simulate import simulate, write_responses
from khaosat.questionnaire.xlsform import write_xlsx
from tests.quality.standin import anket


def test_check_reports_planted_problems_and_writes_flags(tmp_path):
    q = anket()
    form = tmp_path / "anket.xlsx"
    write_xlsx(q, form)
    sims = simulate(q, 40, seed=3)
    for i in range(1, 9):
        sims[5].answers[f"c7_{i}"] = 2  # straight-liner
    data = tmp_path / "data.csv"
    write_responses(q, sims, data)
    rows = list(csv.DictReader(open(data, encoding="utf-8")))
    for i, row in enumerate(rows):
        unit = "P01" if i < 20 else "P02"
        row["unit"], row["serial"] = unit, f"{unit}-{i + 1:04d}"
    rows[30]["serial"] = rows[25]["serial"]  # duplicate serial
    with open(data, "w", newline="", encoding="utf-8") as fh:
        w = csv.DictWriter(fh, fieldnames=list(rows[0]))
        w.writeheader()
        w.writerows(rows)
    root = typer.Typer()
    register(root)
    root.command("noop")(lambda: None)  # a group needs a sibling to keep its name
    out = tmp_path / "flags.csv"
    res = CliRunner().invoke(root, ["quality", "check", str(form), str(data), "-o", str(out)])
    assert res.exit_code == 0, res.output
    assert "Trùng số phiếu" in res.output and "Trả lời một kiểu" in res.output
    flags = list(csv.DictReader(open(out, encoding="utf-8-sig")))
    assert {(f["phieu"], f["quy_tac"]) for f in flags} >= {
        ("P01-0006", "straight_lining"),
        (rows[25]["serial"], "duplicate_serial"),
    }


def test_a_missing_unit_column_is_explained(tmp_path):
    q = anket()
    form = tmp_path / "anket.xlsx"
    write_xlsx(q, form)
    data = tmp_path / "data.csv"
    write_responses(q, simulate(q, 3, seed=1), data)
    root = typer.Typer()
    register(root)
    root.command("noop")(lambda: None)
    res = CliRunner().invoke(root, ["quality", "check", str(form), str(data)])
    assert res.exit_code == 2 and "unit" in res.output
