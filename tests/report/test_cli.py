import docx
from typer.testing import CliRunner

from khaosat.cli import app
from khaosat.questionnaire.xlsform import write_xlsx

from .conftest import make_data, make_questionnaire


def test_build_file_writes_the_report_from_files(tmp_path):
    write_xlsx(make_questionnaire(), tmp_path / "anket.xlsx")
    df = make_data(n=300, seed=5)
    # select_multiple as one column of space-separated codes, as exported by ODK tools
    df["b2"] = df[[f"b2_{k}" for k in range(1, 5)]].apply(
        lambda r: (
            " ".join(str(k) for k in range(1, 5) if r[f"b2_{k}"] == 1) if r.notna().all() else ""
        ),
        axis=1,
    )
    df = df.drop(columns=[f"b2_{k}" for k in range(1, 5)] + ["unit", "psu"])
    df.to_csv(tmp_path / "data.csv", index=False, encoding="utf-8-sig")
    (tmp_path / "report.toml").write_text(
        '[chart]\nenabled = false\n[issuer]\nnumber = "77"\n', "utf-8"
    )
    result = CliRunner().invoke(
        app,
        [
            "report",
            "build-file",
            str(tmp_path / "anket.xlsx"),
            str(tmp_path / "data.csv"),
            "-o",
            str(tmp_path / "out"),
            "-f",
            "docx,xlsx",
            "--settings",
            str(tmp_path / "report.toml"),
            "--date",
            "09/02/2027",
        ],
    )
    assert result.exit_code == 0, result.output
    d = docx.Document(str(tmp_path / "out" / "bao-cao.docx"))
    left, right = d.tables[0].rows[0].cells
    assert left.paragraphs[3].text == "Số 77-BC/BTGDVTU"
    assert right.paragraphs[1].text == "Hưng Yên, ngày 09 tháng 02 năm 2027"
    text = "\n".join(p.text for p in d.paragraphs)
    assert "Kênh thông tin biết đến mô hình" in text
    assert (tmp_path / "out" / "bao-cao-bang.xlsx").exists()


def test_build_file_reports_a_missing_file_in_vietnamese(tmp_path):
    write_xlsx(make_questionnaire(), tmp_path / "anket.xlsx")
    result = CliRunner().invoke(
        app, ["report", "build-file", str(tmp_path / "anket.xlsx"), str(tmp_path / "x.csv")]
    )
    assert result.exit_code == 1
    assert "Không tìm thấy tệp dữ liệu" in result.output
    assert "Traceback" not in result.output


def test_a_bad_format_is_refused(tmp_path):
    result = CliRunner().invoke(app, ["report", "build-file", "a.xlsx", "b.csv", "-f", "odt"])
    assert result.exit_code == 1 and "Định dạng không hỗ trợ" in result.output


def test_settings_prints_the_defaults():
    result = CliRunner().invoke(app, ["report", "settings"])
    assert result.exit_code == 0 and "margin_left_mm = 30" in result.output


def test_build_file_takes_the_survey_description(tmp_path):
    from pathlib import Path

    import docx

    root = Path(__file__).resolve().parents[2] / "surveys" / "hung-yen-2026"
    write_xlsx(make_questionnaire(), tmp_path / "anket.xlsx")
    df = make_data(n=200, seed=4)
    frame = root / "frame.csv"
    import pandas as pd

    codes = pd.read_csv(frame, comment="#", dtype=str)["code"].tolist()
    df["unit"] = [codes[i % 6] if i % 2 else codes[-1 - i % 6] for i in range(len(df))]
    df.to_csv(tmp_path / "data.csv", index=False)
    (tmp_path / "report.toml").write_text("[chart]\nenabled = false\n", "utf-8")
    result = CliRunner().invoke(
        app,
        [
            "report",
            "build-file",
            str(tmp_path / "anket.xlsx"),
            str(tmp_path / "data.csv"),
            "-o",
            str(tmp_path / "out"),
            "-f",
            "docx",
            "--settings",
            str(tmp_path / "report.toml"),
            "--survey",
            str(root / "survey.toml"),
        ],
    )
    assert result.exit_code == 0, result.output
    d = docx.Document(str(tmp_path / "out" / "bao-cao.docx"))
    text = "\n".join(p.text for p in d.paragraphs)
    assert "Kết quả khảo sát, nắm tình hình Nhân dân" in text
    assert "từ ngày 28/05/2026 đến ngày 02/06/2026" in text
    assert "Theo địa bàn (tỉnh cũ)" in text
    assert "Hưng Yên, ngày 20 tháng 6 năm 2026" == d.tables[0].rows[0].cells[1].paragraphs[1].text


def test_the_demo_report_says_it_is_simulated(tmp_path):
    import shutil
    from pathlib import Path

    from khaosat.report.demo import demo_report

    root = Path(__file__).resolve().parents[2] / "surveys" / "hung-yen-2026"
    for name in ("survey.toml", "frame.csv", "design.toml"):
        shutil.copy(root / name, tmp_path / name)
    write_xlsx(make_questionnaire(), tmp_path / "anket.xlsx")
    paths = demo_report(
        tmp_path, tmp_path / "out", n=150, formats=("docx",), settings={"chart": {"dpi": 30}}
    )
    d = docx.Document(str(paths["docx"]))
    assert any("SỐ LIỆU MÔ PHỎNG" in p.text for p in d.paragraphs[:8])


def test_there_is_one_demo_command_and_its_files_only_mode_writes_under_the_data_dir(
    tmp_path, monkeypatch
):
    import shutil
    from pathlib import Path

    root = Path(__file__).resolve().parents[2] / "surveys" / "hung-yen-2026"
    folder = tmp_path / "survey"
    folder.mkdir()
    for name in ("survey.toml", "frame.csv", "design.toml"):
        shutil.copy(root / name, folder / name)
    write_xlsx(make_questionnaire(), folder / "anket.xlsx")
    monkeypatch.setenv("KHAOSAT_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.chdir(tmp_path)
    # `khaosat report demo` is gone: `khaosat demo` is the one demo
    assert CliRunner().invoke(app, ["report", "demo", str(folder)]).exit_code != 0
    result = CliRunner().invoke(
        app, ["demo", "--files-only", "--survey", str(folder), "-n", "120", "-f", "docx"]
    )
    assert result.exit_code == 0, result.output
    assert (tmp_path / "data" / "demo" / "bao-cao.docx").exists()
    assert "MÔ PHỎNG" in result.output
    assert not (tmp_path / "data" / "demo" / "khaosat.sqlite3").exists()  # no database


def test_build_file_on_data_without_design_columns_says_what_it_assumed(tmp_path):
    write_xlsx(make_questionnaire(), tmp_path / "anket.xlsx")
    df = make_data(n=200, seed=6).drop(
        columns=["unit", "psu", "stratum", "weight", "fpc"], errors="ignore"
    )
    df = df[[c for c in df.columns if c != "serial"]]
    df.to_csv(tmp_path / "data.csv", index=False, encoding="utf-8-sig")
    (tmp_path / "report.toml").write_text("[chart]\nenabled = false\n", "utf-8")
    result = CliRunner().invoke(
        app,
        [
            "report",
            "build-file",
            str(tmp_path / "anket.xlsx"),
            str(tmp_path / "data.csv"),
            "-o",
            str(tmp_path / "out"),
            "-f",
            "docx",
            "--settings",
            str(tmp_path / "report.toml"),
        ],
    )
    assert result.exit_code == 0, result.output
    said = " ".join(result.output.split())  # the console wraps long lines
    assert "không có cột trọng số" in said and "ngẫu nhiên đơn giản" in said
    text = "\n".join(
        p.text for p in docx.Document(str(tmp_path / "out" / "bao-cao.docx")).paragraphs
    )
    assert "0 đơn vị" not in text and "không gia quyền" in text.lower()
