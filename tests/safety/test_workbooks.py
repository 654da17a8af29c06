"""Workbook limits and macro checks from the zip directory, before any parser runs."""

import io
import time
import zipfile

import openpyxl
import pytest

from khaosat.safety.workbooks import Limits, WorkbookRefused, check_xlsx, macro_reason
from tests.bombs import MB, unpacked_bomb, xlsx


def plain_workbook() -> bytes:
    wb = openpyxl.Workbook()
    wb.active.append(["serial", "a1"])
    wb.active.append(["P01-0001", 1])
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def test_a_plain_workbook_passes():
    check_xlsx(plain_workbook(), "mau.xlsx")


def test_rows_are_read_from_the_dimension_without_decompressing_the_sheet():
    bomb = xlsx(1_900_000, row_xml=b"<row/>")
    assert len(bomb) < 200 * 1024
    t0 = time.monotonic()
    with pytest.raises(WorkbookRefused) as e:
        check_xlsx(bomb, "bom.xlsx", Limits(max_rows=5_000))
    assert time.monotonic() - t0 < 0.5
    assert e.value.message == (
        "Trang du_lieu của tệp bom.xlsx có 1.900.000 dòng, vượt giới hạn 5.000 dòng: "
        "hãy xóa các dòng thừa hoặc chia thành nhiều tệp."
    )


def test_columns_are_capped():
    wb = openpyxl.Workbook()
    wb.active.cell(row=1, column=3000, value="x")
    buf = io.BytesIO()
    wb.save(buf)
    with pytest.raises(WorkbookRefused, match="3.000 cột, vượt giới hạn 2.000 cột"):
        check_xlsx(buf.getvalue(), "rong.xlsx")


def test_the_decompressed_size_is_capped():
    bomb = unpacked_bomb(200 * MB)
    assert len(bomb) < 1 * MB
    with pytest.raises(WorkbookRefused, match="khi giải nén lớn 200 MB, vượt giới hạn 40 MB"):
        check_xlsx(bomb, "bom.xlsx")


@pytest.mark.parametrize(
    "part,what",
    [
        ("xl/vbaProject.bin", "dự án VBA"),
        ("xl/macrosheets/sheet1.xml", "macro Excel 4"),
        ("xl/activeX/activeX1.xml", "ActiveX"),
        ("xl/embeddings/oleObject1.bin", "OLE"),
    ],
)
def test_workbooks_that_carry_code_are_refused_with_the_reason(part, what):
    buf = io.BytesIO(plain_workbook())
    with zipfile.ZipFile(buf, "a") as z:
        z.writestr(part, b"\x00" * 64)
    with pytest.raises(WorkbookRefused) as e:
        check_xlsx(buf.getvalue(), "anket.xlsx")
    assert what in e.value.message and "Sổ làm việc Excel (*.xlsx)" in e.value.message


def test_a_macro_enabled_content_type_or_name_is_refused():
    assert macro_reason(plain_workbook(), "anket-macro.xlsm")
    buf = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(plain_workbook())) as src, zipfile.ZipFile(buf, "w") as dst:
        for info in src.infolist():
            data = src.read(info)
            if info.filename == "[Content_Types].xml":
                data = data.replace(b"sheet.main+xml", b"sheet.macroEnabled.main+xml")
            dst.writestr(info, data)
    assert "macro" in macro_reason(buf.getvalue(), "anket.xlsx")


def test_an_old_xls_with_a_vba_project_is_refused():
    fake = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100 + "_VBA_PROJECT".encode("utf-16-le")
    assert "VBA" in macro_reason(fake, "cu.xls")
    assert macro_reason(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100, "cu.xls") is None
