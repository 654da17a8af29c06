"""`report build-file --wave … --wave-form …`: an earlier wave whose question had another name
is compared under the current name when both carry the same bank id."""

from __future__ import annotations

import copy

import docx
from typer.testing import CliRunner

from khaosat.cli import app
from khaosat.questionnaire import bank
from khaosat.questionnaire.xlsform import write_xlsx

from .conftest import make_data, make_questionnaire


def _wave_sentences(tmp_path, name, extra):
    out = tmp_path / name
    result = CliRunner().invoke(
        app,
        [
            "report",
            "build-file",
            str(tmp_path / "now.xlsx"),
            str(tmp_path / "now.csv"),
            "-o",
            str(out),
            "-f",
            "docx",
            "--settings",
            str(tmp_path / "report.toml"),
            "--wave",
            f"đợt I={tmp_path / 'before.csv'}",
            *extra,
        ],
    )
    assert result.exit_code == 0, result.output
    text = [p.text for p in docx.Document(str(out / "bao-cao.docx")).paragraphs]
    return [t for t in text if "đợt I là" in t], result.output


def test_a_renamed_bank_question_of_an_earlier_wave_is_compared(tmp_path):
    now = bank.add({}, make_questionnaire(), ["b3"]).questionnaire
    before = copy.deepcopy(now)
    before.question("b3").name = "dong_tinh_cu"
    write_xlsx(now, tmp_path / "now.xlsx")
    write_xlsx(before, tmp_path / "before.xlsx")
    make_data(n=300, seed=2).to_csv(tmp_path / "now.csv", index=False)
    old = make_data(n=300, seed=1).rename(columns={"b3": "dong_tinh_cu"})
    old.to_csv(tmp_path / "before.csv", index=False)
    (tmp_path / "report.toml").write_text("[chart]\nenabled = false\n", "utf-8")
    plain, _ = _wave_sentences(tmp_path, "plain", [])
    matched, said = _wave_sentences(
        tmp_path, "matched", ["--wave-form", f"đợt I={tmp_path / 'before.xlsx'}"]
    )
    assert len(matched) == len(plain) + 1
    assert "đợt I: Câu B3 (đợt I: dong_tinh_cu; đợt này: b3): ghép theo mã ngân hàng" in said
