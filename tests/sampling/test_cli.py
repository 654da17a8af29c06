"""`khaosat sample …` through the root CLI."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from khaosat.cli import app

from .conftest import SURVEY

runner = CliRunner()
FRAME = str(SURVEY / "frame.csv")
DESIGN = str(SURVEY / "design.toml")


def test_select_with_the_survey_design_writes_plan_csv_and_json(tmp_path):
    out = tmp_path / "plan.csv"
    result = runner.invoke(
        app, ["sample", "select", FRAME, "--design", DESIGN, "--seed", "2026", "-o", str(out)]
    )
    assert result.exit_code == 0, result.output
    assert "2026" in result.output and "1.000 phiếu" in result.output
    plan = json.loads(out.with_suffix(".json").read_text(encoding="utf-8"))
    assert plan["seed"] == 2026 and len(plan["units"]) == 22
    assert "seed=2026" in out.read_text(encoding="utf-8")


def test_select_with_options_only(tmp_path):
    out = tmp_path / "p.csv"
    result = runner.invoke(
        app,
        [
            "sample",
            "select",
            FRAME,
            "--n",
            "8",
            "--strata",
            "former_province",
            "--method",
            "srs",
            "--seed",
            "5",
            "--quota",
            "30",
            "-o",
            str(out),
        ],
    )
    assert result.exit_code == 0, result.output
    plan = json.loads(out.with_suffix(".json").read_text(encoding="utf-8"))
    assert len(plan["units"]) == 8 and {u["quota"] for u in plan["units"]} == {30}


def test_select_with_certainty_file(tmp_path):
    cert = tmp_path / "cert.csv"
    cert.write_text(
        "code,name,quota\nT01,Đảng ủy các cơ quan Đảng tỉnh,50\nT02,Đảng ủy UBND tỉnh,50\n",
        encoding="utf-8",
    )
    out = tmp_path / "p.csv"
    result = runner.invoke(
        app,
        [
            "sample",
            "select",
            FRAME,
            "--n",
            "4",
            "--seed",
            "1",
            "--certainty",
            str(cert),
            "-o",
            str(out),
        ],
    )
    assert result.exit_code == 0, result.output
    plan = json.loads(out.with_suffix(".json").read_text(encoding="utf-8"))
    assert [u["code"] for u in plan["units"]][-2:] == ["T01", "T02"]


def test_bad_frame_gives_vietnamese_error_without_traceback(tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_text("code,name\n12427,Xã A\n12427,Xã B\n", encoding="utf-8")
    result = runner.invoke(
        app,
        ["sample", "select", str(bad), "--n", "1", "--seed", "1", "-o", str(tmp_path / "x.csv")],
    )
    assert result.exit_code == 2
    assert "dòng 3" in result.output and "trùng" in result.output
    assert "Traceback" not in result.output


def test_sizes_command_imports_and_reports(tmp_path):
    sizes = tmp_path / "sizes.csv"
    sizes.write_text("code,population\n11953,45000\n", encoding="utf-8")
    out = tmp_path / "frame2.csv"
    result = runner.invoke(app, ["sample", "sizes", FRAME, str(sizes), "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert "thiếu 103 đơn vị" in result.output
    assert "11953,Phường Phố Hiến,phuong,Hưng Yên,45000" in out.read_text(encoding="utf-8")


def test_sizes_command_refuses_unknown_code(tmp_path):
    sizes = tmp_path / "sizes.csv"
    sizes.write_text("code,population\n11953,45000\n99999,10\n", encoding="utf-8")
    result = runner.invoke(
        app, ["sample", "sizes", FRAME, str(sizes), "-o", str(tmp_path / "o.csv")]
    )
    assert result.exit_code == 2
    assert "dòng 3" in result.output and "99999" in result.output


def test_precision_prints_vietnamese_table_with_decimal_commas(tmp_path):
    out = tmp_path / "plan.csv"
    runner.invoke(
        app, ["sample", "select", FRAME, "--design", DESIGN, "--seed", "7", "-o", str(out)]
    )
    result = runner.invoke(
        app,
        ["sample", "precision", str(out.with_suffix(".json")), "--target", "0.04"],
        env={"COLUMNS": "200"},
    )
    assert result.exit_code == 0, result.output
    # the CLI makes its console at use, so COLUMNS=200 applies and nothing is shortened
    assert "Biên sai số" in result.output and "Toàn bộ mẫu" in result.output
    assert "3,20" in result.output  # deff of a 45-form cluster with ρ = 0,05
    assert "±4,0%" in result.output and "phiếu" in result.output


def test_precision_without_plan_uses_numbers():
    result = runner.invoke(
        app,
        ["sample", "precision", "--units", "20", "--quota", "45", "--certainty-forms", "0"],
        env={"COLUMNS": "200"},
    )
    assert result.exit_code == 0, result.output
    assert "900" in result.output and "3,20" in result.output


def test_frame_command_builds_a_province_frame(tmp_path):
    pytest.importorskip("vietnam_provinces")
    out = tmp_path / "f.csv"
    result = runner.invoke(app, ["sample", "frame", "--province", "hung_yen", "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert "104 đơn vị (93 xã, 11 phường)" in result.output
    result = runner.invoke(
        app, ["sample", "frame", "--province", "01", "-o", str(tmp_path / "hn.csv")]
    )
    assert result.exit_code == 0 and "former_province" not in (tmp_path / "hn.csv").read_text(
        encoding="utf-8"
    )


def test_frame_command_without_package_says_what_to_install(tmp_path, monkeypatch):
    import khaosat.sampling.frame as frame_mod
    from khaosat.sampling.errors import OptionalPackageMissing

    def missing():
        raise OptionalPackageMissing(frame_mod.PROVINCES_HINT)

    monkeypatch.setattr(frame_mod, "_provinces_module", missing)
    result = runner.invoke(
        app, ["sample", "frame", "--province", "33", "-o", str(tmp_path / "f.csv")]
    )
    assert result.exit_code == 2
    assert "vietnam-provinces" in result.output
    assert "pip install 'khaosat[provinces]'" in result.output.replace("\n", " ")
