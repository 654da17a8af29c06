"""`khaosat bank add|list|pick|match` on the app's database: the same bank as the web page."""

from __future__ import annotations

import shutil
from pathlib import Path

from typer.testing import CliRunner

from khaosat.cli import app
from khaosat.questionnaire.bank import bank_id_of
from khaosat.questionnaire.xlsform import read_xlsform
from khaosat.web.bank.models import BankQuestion

ANKET = Path(__file__).resolve().parents[2] / "surveys" / "hung-yen-2026" / "anket.xlsx"


def _run(*args):
    return CliRunner().invoke(app, list(args), catch_exceptions=False)


def test_add_list_pick_and_match_from_the_command_line(db, tmp_path):
    first = tmp_path / "2025.xlsx"
    shutil.copy(ANKET, first)
    res = _run("bank", "add", str(first), "-q", "b3", "-q", "c9")
    assert res.exit_code == 0, res.output
    assert "Đã lưu vào ngân hàng câu B3." in res.output
    ids = dict(BankQuestion.objects.values_list("name", "bank_id"))
    assert bank_id_of(read_xlsform(first).question("b3")) == ids["b3"]
    listing = _run("bank", "list", "--tim", "đồng tình").output
    assert ids["b3"][:8] in listing and ids["c9"][:8] not in listing
    second = tmp_path / "2026.xlsx"
    res = _run("bank", "pick", "b3=q_dongtinh:C1", "C9:C2", "-o", str(second))
    assert res.exit_code == 0, res.output
    picked = read_xlsform(second)
    assert bank_id_of(picked.question("q_dongtinh")) == ids["b3"]
    assert picked.question("q_dongtinh").label().startswith("C1. ")
    assert picked.question("c9").label().startswith("C2. ")
    res = _run("bank", "match", str(first), str(second))
    assert "Câu C1 (đợt 2025: b3; đợt 2026: q_dongtinh): ghép theo mã ngân hàng" in res.output


def test_a_pick_that_is_not_in_the_bank_is_named(db, tmp_path):
    res = CliRunner().invoke(app, ["bank", "pick", "zz9", "-o", str(tmp_path / "x.xlsx")])
    assert res.exit_code == 1
    assert "Ngân hàng không có câu «zz9»" in res.output
    assert not (tmp_path / "x.xlsx").exists()


def test_add_writes_the_ids_into_an_xlsx_only(db, tmp_path):
    md = tmp_path / "form.md"
    md.write_text(
        "| survey |\n| | type | name | label |\n| | integer | tuoi | A1. Tuổi |\n", "utf-8"
    )
    res = CliRunner().invoke(app, ["bank", "add", str(md)])
    assert res.exit_code == 1 and "hãy thêm -o form.xlsx" in res.output
    assert BankQuestion.objects.count() == 0
    res = _run("bank", "add", str(md), "-o", str(tmp_path / "form.xlsx"))
    assert res.exit_code == 0, res.output
    assert bank_id_of(read_xlsform(tmp_path / "form.xlsx").question("tuoi"))
