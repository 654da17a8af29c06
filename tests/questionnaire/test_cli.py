"""`khaosat questionnaire ...` through the root Typer app."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from khaosat.cli import app
from tests.questionnaire.conftest import ANKET, corpus

runner = CliRunner()


def run(*args):
    return runner.invoke(app, ["questionnaire", *map(str, args)])


def test_check_valid_form_exits_0_and_prints_placed_warnings():
    path = next(p for p in corpus("valid") if p.name == "group.xlsx")
    result = run("check", path)
    assert result.exit_code == 0, result.output
    assert "survey!B2: [cảnh báo]" in result.output
    assert "hợp lệ" in result.output


@pytest.mark.parametrize("path", corpus("invalid"), ids=lambda p: p.name)
def test_check_invalid_form_exits_1_with_placed_errors(path):
    result = run("check", path)
    assert result.exit_code == 1
    assert "[lỗi]" in result.output
    assert "Traceback" not in result.output


@pytest.mark.parametrize(
    ("name", "content"),
    [("rong.xlsx", b""), ("hong.xlsx", b"PK\x03\x04 cut short"), ("van_ban.xlsx", b"hello")],
)
def test_check_bad_file_exits_1_with_a_message(tmp_path, name, content):
    path = tmp_path / name
    path.write_bytes(content)
    result = run("check", path)
    assert result.exit_code == 1
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert f"{name}: [lỗi]" in result.output


def test_check_missing_file_exits_1(tmp_path):
    result = run("check", tmp_path / "khong_co.xlsx")
    assert result.exit_code == 1
    assert "Không tìm thấy" in result.output


def test_xform_writes_xml(tmp_path):
    out = tmp_path / "anket.xml"
    result = run("xform", ANKET, "-o", out)
    assert result.exit_code == 0, result.output
    xml = out.read_text(encoding="utf-8")
    assert "hung_yen_2026" in xml and "count-selected" in xml


def test_xform_refuses_a_form_with_errors(tmp_path):
    path = next(p for p in corpus("invalid") if p.name == "group_name_test.xls")
    result = run("xform", path, "-o", tmp_path / "x.xml")
    assert result.exit_code == 1
    assert not (tmp_path / "x.xml").exists()


def test_codebook_lists_variables_and_value_labels():
    result = runner.invoke(app, ["questionnaire", "codebook", str(ANKET)], env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    assert "c7_1" in result.output and "Rất hài lòng" in result.output


def test_codebook_json_and_model_json(tmp_path):
    out = tmp_path / "cb.json"
    assert run("codebook", ANKET, "-o", out, "--lang", "en").exit_code == 0
    entries = json.loads(out.read_text(encoding="utf-8"))
    assert {"b2_1", "nhom", "g3"} <= {e["variable"] for e in entries}
    model = tmp_path / "m.json"
    assert run("json", ANKET, "-o", model).exit_code == 0
    assert json.loads(model.read_text(encoding="utf-8"))["form_id"] == "hung_yen_2026"
