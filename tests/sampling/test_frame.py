"""Frames: the committed Hưng Yên frame, reading and validating frames, importing sizes."""

from __future__ import annotations

import builtins
import re

import openpyxl
import pytest

from khaosat.sampling import FrameError, OptionalPackageMissing, import_sizes, read_frame
from khaosat.sampling.frame import frame_from_province, parse_number

from .conftest import SURVEY


def test_hung_yen_frame_has_104_units_93_xa_11_phuong(hy_frame):
    types = [r["type"] for r in hy_frame.rows]
    assert len(hy_frame) == 104
    assert types.count("xa") == 93
    assert types.count("phuong") == 11


def test_hung_yen_frame_former_province_follows_code_ranges(hy_frame):
    for r in hy_frame.rows:
        expected = "Hưng Yên" if int(r["code"]) <= 12427 else "Thái Bình"
        assert int(r["code"]) <= 12427 or int(r["code"]) >= 12452
        assert r["former_province"] == expected
    old = [r for r in hy_frame.rows if r["former_province"] == "Hưng Yên"]
    assert len(old) == 39


def test_hung_yen_frame_names_are_clean_and_codes_unique(hy_frame):
    assert len(set(hy_frame.codes())) == 104
    for r in hy_frame.rows:
        assert re.fullmatch(r"\d{5}", r["code"])
        assert "  " not in r["name"] and r["name"] == r["name"].strip()
        assert r["name"].split()[0] in ("Xã", "Phường")
    raw = (SURVEY / "frame.csv").read_text(encoding="utf-8")
    assert "  " not in raw  # 'Xã  Bắc Đông Quan' in the package data is normalised


def test_hung_yen_frame_header_says_where_it_came_from_and_gpl_is_optional():
    header = [
        ln
        for ln in (SURVEY / "frame.csv").read_text(encoding="utf-8").splitlines()
        if ln.startswith("#")
    ]
    text = " ".join(header)
    assert "vietnam-provinces" in text and "GPL" in text and "khaosat[provinces]" in text


def test_frame_from_package_matches_committed_frame(hy_frame):
    pytest.importorskip("vietnam_provinces")
    fresh = frame_from_province("33")
    assert [(r["code"], r["name"], r["type"], r["former_province"]) for r in fresh.rows] == [
        (r["code"], r["name"], r["type"], r["former_province"]) for r in hy_frame.rows
    ]


def test_frame_from_province_without_package_says_to_install_extra(monkeypatch):
    real_import = builtins.__import__

    def fake_import(name, *args, **kwargs):
        if name.startswith("vietnam_provinces"):
            raise ImportError(name)
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", fake_import)
    with pytest.raises(OptionalPackageMissing) as exc:
        frame_from_province("33")
    assert "vietnam-provinces" in exc.value.message and "khaosat[provinces]" in exc.value.message


def _write(tmp_path, text, name="frame.csv"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_duplicate_codes_are_refused_naming_both_rows(tmp_path):
    path = _write(
        tmp_path, "# comment\ncode,name,type\n12427,Xã A,xa\n12430,Xã B,xa\n12427,Xã C,xa\n"
    )
    with pytest.raises(FrameError) as exc:
        read_frame(path)
    msg = exc.value.message
    assert "dòng 5" in msg and "dòng 3" in msg and "12427" in msg and "trùng" in msg


def test_missing_name_is_refused_naming_row_and_column(tmp_path):
    path = _write(tmp_path, "code,name\n12427,Xã A\n12430,  \n")
    with pytest.raises(FrameError) as exc:
        read_frame(path)
    assert "dòng 3, cột name" in exc.value.message
    assert "thiếu tên" in exc.value.message


@pytest.mark.parametrize(
    ("value", "words"),
    [("mười nghìn", "không phải là số"), ("-5", "âm"), ("1e", "không phải là số")],
)
def test_bad_sizes_are_refused_naming_row_and_column(tmp_path, value, words):
    path = _write(tmp_path, f"code,name,population\n12427,Xã A,100\n12430,Xã B,{value}\n")
    with pytest.raises(FrameError) as exc:
        read_frame(path)
    assert "dòng 3, cột population" in exc.value.message
    assert words in exc.value.message


def test_every_problem_is_listed_not_only_the_first(tmp_path):
    path = _write(tmp_path, "code,name,population\n1,,x\n1,B,-1\n")
    with pytest.raises(FrameError) as exc:
        read_frame(path)
    assert len(exc.value.problems) == 4


def test_missing_code_column_is_refused(tmp_path):
    with pytest.raises(FrameError, match="thiếu cột 'code'"):
        read_frame(_write(tmp_path, "ten,loai\nXã A,xa\n"))


def test_vietnamese_headers_and_type_words_are_understood(tmp_path):
    frame = read_frame(_write(tmp_path, "Mã,Tên,Loại,Dân số\n70,Phường  Hoàn Kiếm,Phường,12.345\n"))
    row = frame.rows[0]
    assert row == {
        "code": "00070",
        "name": "Phường Hoàn Kiếm",
        "type": "phuong",
        "population": 12345.0,
    }


def test_xlsx_frame_errors_name_sheet_and_excel_row(tmp_path):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Khung"
    ws.append(["code", "name", "population"])
    ws.append([12427, "Xã A", 1200])
    ws.append([12430, "Xã B", "nhiều"])
    path = tmp_path / "frame.xlsx"
    wb.save(path)
    with pytest.raises(FrameError) as exc:
        read_frame(path)
    assert "trang tính 'Khung', dòng 3, cột population" in exc.value.message


@pytest.mark.parametrize(
    ("text", "number"),
    [
        ("12345", 12345.0),
        ("12.345", 12345.0),
        ("1.234.567", 1234567.0),
        ("12,345", 12345.0),
        ("1,5", 1.5),
        ("2.5", 2.5),
        ("", None),
        (" ", None),
        (17, 17.0),
    ],
)
def test_parse_number(text, number):
    assert parse_number(text) == number


def test_sizes_are_imported_by_code(tmp_path, hy_frame):
    sizes = _write(
        tmp_path, "code,population,voters\n11953,45000,30000\n12745,12.000,\n", "sizes.csv"
    )
    new = import_sizes(hy_frame, sizes)
    assert new.unit("11953")["population"] == 45000 and new.unit("11953")["voters"] == 30000
    assert new.unit("12745")["population"] == 12000 and new.unit("12745")["voters"] is None
    assert new.unit("11977")["population"] is None
    assert not new.has_sizes("population")
    assert hy_frame.unit("11953")["population"] is None  # the original is unchanged


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ("99999,100\n", "dòng 2, cột code: mã 99999 không có trong khung mẫu"),
        ("11953,100\n11953,200\n", "dòng 3, cột code: mã 11953 bị trùng"),
        ("11953,abc\n", "dòng 2, cột population: 'abc' không phải là số"),
        ("11953,-3\n", "dòng 2, cột population: quy mô âm"),
        (",100\n", "dòng 2, cột code: thiếu mã"),
    ],
)
def test_bad_sizes_file_is_refused_naming_the_row(tmp_path, hy_frame, body, expected):
    path = _write(tmp_path, "code,population\n" + body, "sizes.csv")
    with pytest.raises(FrameError) as exc:
        import_sizes(hy_frame, path)
    assert expected in exc.value.message


def test_frame_round_trips_through_dict(hy_frame):
    from khaosat.sampling import Frame

    again = Frame.from_dict(hy_frame.to_dict())
    assert again.rows == hy_frame.rows and again.sha256() == hy_frame.sha256()
