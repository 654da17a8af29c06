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


def test_rows_are_counted_before_any_parser_runs():
    bomb = xlsx(1_900_000, row_xml=b"<row/>")
    assert len(bomb) < 200 * 1024
    t0 = time.monotonic()
    with pytest.raises(WorkbookRefused) as e:
        check_xlsx(bomb, "bom.xlsx", Limits(max_rows=5_000))
    assert time.monotonic() - t0 < 2.0  # counting stops as soon as the cap is passed
    assert e.value.message == (
        "Trang du_lieu của tệp bom.xlsx có hơn 5.000 dòng, vượt giới hạn: "
        "hãy xóa các dòng thừa hoặc chia thành nhiều tệp."
    )


def test_a_lying_dimension_tag_does_not_help():
    bomb = xlsx(300_000, row_xml=b"<row/>").replace(b'ref="A1:B300000"', b'ref="A1:B2"     ')
    with pytest.raises(WorkbookRefused, match="có hơn 5.000 dòng"):
        check_xlsx(bomb, "bom.xlsx", Limits(max_rows=5_000))


def test_cells_are_capped():
    bomb = xlsx(2_000, row_xml=b"<row>" + b"<c><v>1</v></c>" * 600 + b"</row>")
    with pytest.raises(WorkbookRefused, match="có hơn 250.000 ô, vượt giới hạn"):
        check_xlsx(bomb, "o.xlsx", Limits(max_cells=250_000))


def test_a_formatted_sheet_whose_dimension_spans_a_million_rows_is_fine():
    # Excel writes A1:XFD1048576 when whole columns are formatted; only real cells count
    wb = openpyxl.load_workbook(io.BytesIO(plain_workbook()))
    ws = wb.active
    ws.column_dimensions["A"].width = 30
    ws["XFD1048576"].number_format = "@"
    buf = io.BytesIO()
    wb.save(buf)
    check_xlsx(buf.getvalue(), "mau.xlsx", Limits(max_rows=5_000, max_columns=1_000))


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
