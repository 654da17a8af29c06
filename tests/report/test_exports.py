import csv

import pandas as pd
import pyreadstat
import pytest
from openpyxl import load_workbook

from khaosat.report import exports, vn
from khaosat.report.errors import ReportError
from khaosat.report.tables import describe_questionnaire


@pytest.fixture(scope="module")
def files(built, tmp_path_factory):
    out = tmp_path_factory.mktemp("exports")
    return built.write(out, formats=("xlsx", "sav", "dta", "csv", "json"))


def test_single_choice_percentages_add_to_100(built, questionnaire):
    kinds = {i.name: i.kind for i in describe_questionnaire(questionnaire)}
    checked = 0
    for name, tables in built.tables.items():
        if kinds.get(name) not in ("single", "scale5"):
            continue
        for t in tables:
            for c in range(len(t.col_labels)):
                raw = [t.cells[r][c].value for r in range(len(t.row_labels))]
                assert abs(sum(raw) * 100 - 100) <= 0.1
                if not t.suppressed:
                    shown = [vn.parse_num(vn.fmt_pct_value(v)) for v in raw]
                    # Each shown value is rounded to 0,1: the sum is 100 within half a unit per row.
                    assert abs(sum(shown) - 100) <= 0.05 * len(shown) + 1e-9
                checked += 1
    assert checked >= 5


def test_sav_reads_back_with_variable_and_value_labels(files, built):
    df, meta = pyreadstat.read_sav(str(files["sav"]))
    assert len(df) == len(built.data)
    labels = dict(zip(meta.column_names, meta.column_labels, strict=True))
    assert "Mức độ đồng tình với chủ trương sắp xếp" in labels["b3"]
    assert labels["weight"] == "Trọng số"
    _, raw = pyreadstat.read_sav(str(files["sav"]), user_missing=True, metadataonly=True)
    assert raw.missing_ranges.get("b3") == [{"lo": 9.0, "hi": 9.0}]  # "Không rõ" is user-missing
    assert meta.variable_value_labels["b3"][9.0] == "Không rõ / khó trả lời"
    assert meta.variable_value_labels["a1"] == {1.0: "Nam", 2.0: "Nữ"}
    assert meta.variable_value_labels["b2_1"][1.0] == "Có chọn"
    expected = built.data["b3"].astype(float).where(built.data["b3"] != 9)
    assert df["b3"].fillna(-1).tolist() == expected.fillna(-1).tolist()


def test_open_answers_are_scrubbed_in_released_data(files):
    df, _ = pyreadstat.read_sav(str(files["sav"]))
    texts = " ".join(df["g2"].astype(str))
    assert "Nguyễn Văn Nam" not in texts and "0912345678" not in texts
    assert "[họ tên]" in texts


def test_dta_reads_back_with_value_labels(files):
    df, meta = pyreadstat.read_dta(str(files["dta"]))
    assert meta.variable_value_labels["b3"][5] == "Rất đồng tình"
    assert "c7_1" in df.columns


def test_csv_has_a_bom_and_a_codebook(files, built):
    raw = files["csv"].read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    back = pd.read_csv(files["csv"], encoding="utf-8-sig")
    assert list(back.columns) == list(built.data.columns)
    with open(files["codebook"], encoding="utf-8-sig") as fh:
        rows = list(csv.reader(fh))
    assert rows[0] == ["bien", "nhan", "kieu", "ma", "nhan_gia_tri"]
    a1 = [r for r in rows if r[0] == "a1"]
    assert any("Giới tính" in r[1] and r[3] == "2" and r[4] == "Nữ" for r in a1)


def test_xlsx_has_one_sheet_per_question(files, built):
    wb = load_workbook(files["xlsx"])
    assert wb.sheetnames[0] == "Mục lục"
    numbers = [i.number for i in built.questions if i.kind in ("single", "scale5", "multiple")]
    assert len(numbers) >= 8
    for number in numbers:
        assert number in wb.sheetnames
    ws = wb["B3"]
    titles = [c.value for c in ws["A"] if isinstance(c.value, str) and c.value.startswith("Câu B3")]
    assert any("theo nhóm đối tượng" in t for t in titles)  # cross-tabs on the question's sheet
    assert any("theo nhóm tuổi" in t for t in titles)
    header = [c.value for c in ws[2]]
    assert header[:3] == ["Phương án trả lời", "Chung: n", "Chung: %"]
    assert ws.cell(row=3, column=3).number_format == "0.0"
    values = [ws.cell(row=r, column=3).value for r in range(3, 9)]
    assert abs(sum(v for v in values if isinstance(v, float)) - 100) < 0.2 or "–" in values


def test_pdf_without_libreoffice_says_so_in_vietnamese(monkeypatch, tmp_path):
    monkeypatch.setattr(exports.shutil, "which", lambda name: None)
    with pytest.raises(ReportError, match="chưa cài LibreOffice"):
        exports.docx_to_pdf(tmp_path / "x.docx")


def test_bad_variable_names_are_refused_for_spss(tmp_path):
    with pytest.raises(ReportError, match="Tên biến không hợp lệ"):
        exports.write_sav(pd.DataFrame({"câu 1": [1, 2]}), tmp_path / "x.sav")


def test_unknown_format_is_refused(built, tmp_path):
    with pytest.raises(ReportError, match="Định dạng không hỗ trợ"):
        built.write(tmp_path, formats=("odt",))
