"""Checks on an uploaded workbook before any parser opens it: size, rows, columns, macros.

An .xlsx is a zip. Its central directory says how large every part becomes once decompressed
(checked first); then each sheet's XML is streamed through zlib and its `<row>` and `<c>`
elements are counted, stopping as soon as a cap is passed, so a 124 KB file with 1,9 million
rows is refused in a fraction of a second, before any XML parser has built anything. Readers
then open the workbook with openpyxl in read-only mode and count again while they read.

A workbook that carries code (a VBA project, Excel 4 macro sheets, ActiveX controls, embedded
OLE objects) is refused with the reason; the user saves it again as a plain .xlsx.
"""

from __future__ import annotations

import io
import re
import zipfile
from dataclasses import dataclass

from khaosat.safety.zipparts import DAMAGED, MB, Refused, code_reason, count_in_part
from khaosat.safety.zipparts import fmt_count as _n


@dataclass(frozen=True)
class Limits:
    max_unpacked: int = 40 * MB  # all parts together, decompressed
    max_shared_strings: int = 10 * MB  # openpyxl keeps the whole string table in memory
    max_parts: int = 2000
    max_rows: int = 100_000
    max_columns: int = 2_000
    max_cells: int = 2_000_000  # rows × columns: what a reader must hold


DEFAULT = Limits()


class WorkbookRefused(Refused):
    """A workbook refused before reading; `message` is one Vietnamese sentence."""


_CODE_PARTS = (
    (re.compile(r"(^|/)vbaProject\.bin$", re.I), "một dự án VBA (macro)"),
    (re.compile(r"^xl/macrosheets/", re.I), "trang macro Excel 4"),
    (re.compile(r"^xl/activeX/", re.I), "điều khiển ActiveX"),
    (re.compile(r"^xl/embeddings/", re.I), "đối tượng nhúng (OLE)"),
)
_PLAIN_AGAIN = "hãy mở bằng Excel, chọn Lưu thành › «Sổ làm việc Excel (*.xlsx)» rồi tải lên lại."


def macro_reason(data: bytes, filename: str = "") -> str | None:
    """Why this file carries code (Vietnamese), or None. Works for .xlsx/.xlsm and old .xls."""
    name = filename.lower()
    if name.endswith((".xlsm", ".xltm", ".xlam", ".xlsb")):
        return f"tệp {filename} là bảng tính có macro"
    if data[:8] == b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1":  # OLE2: old .xls
        if "_VBA_PROJECT".encode("utf-16-le") in data or b"_VBA_PROJECT" in data:
            return f"tệp {filename or 'tải lên'} chứa một dự án VBA (macro)"
        return None
    if data[:4] != b"PK\x03\x04":
        return None
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as z:
            return code_reason(z, _CODE_PARTS, filename or "tải lên", "bảng tính")
    except DAMAGED:
        return None


_ROW = re.compile(rb"<(?:\w+:)?row[\s/>]")
_CELL = re.compile(rb"<(?:\w+:)?c[\s/>]")
_STRING = re.compile(rb"<(?:\w+:)?si[\s/>]")


def _sheet_names(z: zipfile.ZipFile) -> dict[str, str]:
    """Part name ("xl/worksheets/sheet1.xml") → the sheet's name as the user sees it."""
    try:
        wb, rels = z.getinfo("xl/workbook.xml"), z.getinfo("xl/_rels/workbook.xml.rels")
        if wb.file_size > MB or rels.file_size > MB:
            return {}
        wb_xml, rels_xml = z.read(wb), z.read(rels)
    except (KeyError, *DAMAGED):
        return {}
    targets = {}
    for rel in re.finditer(rb"<Relationship\b[^>]*>", rels_xml):
        tag = rel.group(0)
        rid, target = re.search(rb'Id="([^"]+)"', tag), re.search(rb'Target="([^"]+)"', tag)
        if rid and target:
            t = target.group(1).decode("utf-8", "replace").lstrip("/")
            targets[rid.group(1)] = t if t.startswith("xl/") else "xl/" + t
    names = {}
    for sheet in re.finditer(rb"<(?:\w+:)?sheet\b[^>]*>", wb_xml):
        tag = sheet.group(0)
        name, rid = re.search(rb'name="([^"]*)"', tag), re.search(rb'r:id="([^"]+)"', tag)
        if name and rid and rid.group(1) in targets:
            names[targets[rid.group(1)]] = name.group(1).decode("utf-8", "replace")
    return names


def check_xlsx(data: bytes, filename: str = "", limits: Limits = DEFAULT) -> None:
    """Raise WorkbookRefused when the workbook is over a limit or carries code.

    Only the zip directory and the first bytes of each sheet are read. A file that is not a
    zip at all is left to the parser, which will say it cannot read it.
    """
    label = filename or "tải lên"
    reason = macro_reason(data, filename)
    if reason:
        raise WorkbookRefused(f"Không nhận {reason}: {_PLAIN_AGAIN}")
    if data[:4] != b"PK\x03\x04":
        return
    try:
        z = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, OSError, ValueError):
        return
    with z:
        infos = z.infolist()
        if len(infos) > limits.max_parts:
            raise WorkbookRefused(
                f"Tệp {label} có {_n(len(infos))} phần bên trong, quá giới hạn "
                f"{_n(limits.max_parts)} phần của một bảng tính: hãy lưu lại thành .xlsx thường."
            )
        unpacked = sum(i.file_size for i in infos)
        if unpacked > limits.max_unpacked:
            raise WorkbookRefused(
                f"Tệp {label} khi giải nén lớn {_n(unpacked // MB)} MB, vượt giới hạn "
                f"{limits.max_unpacked // MB} MB của một bảng tính: hãy chia thành nhiều tệp "
                "nhỏ hơn."
            )
        sheet_names = _sheet_names(z)
        for info in infos:
            name = info.filename
            if (
                name.lower() == "xl/sharedstrings.xml"
                and info.file_size > limits.max_shared_strings
            ):
                raise WorkbookRefused(
                    f"Bảng chuỗi chữ của tệp {label} lớn {info.file_size // MB} MB khi giải nén, "
                    f"vượt giới hạn {limits.max_shared_strings // MB} MB: hãy chia thành nhiều tệp "
                    "nhỏ hơn."
                )
            if name.lower() == "xl/sharedstrings.xml":
                # every string is used by a cell; a table with more is a bomb for the parser
                strings = count_in_part(z, info, _STRING, limits.max_cells)
                if strings > limits.max_cells:
                    raise WorkbookRefused(
                        f"Bảng chuỗi chữ của tệp {label} có hơn {_n(limits.max_cells)} chuỗi, "
                        "vượt giới hạn: hãy chia thành nhiều tệp nhỏ hơn."
                    )
            if not (name.startswith("xl/worksheets/") and name.endswith(".xml")):
                continue
            sheet = sheet_names.get(name) or name.rsplit("/", 1)[-1].removesuffix(".xml")
            # What the sheet really holds. Its <dimension> tag says nothing useful: Excel writes
            # A1:XFD1048576 for a formatted column, and a bomb can write A1:B2.
            rows = count_in_part(z, info, _ROW, limits.max_rows)
            if rows > limits.max_rows:
                raise WorkbookRefused(
                    f"Trang {sheet} của tệp {label} có hơn {_n(limits.max_rows)} dòng, vượt giới "
                    "hạn: hãy xóa các dòng thừa hoặc chia thành nhiều tệp."
                )
            cells = count_in_part(z, info, _CELL, limits.max_cells)
            if cells > limits.max_cells:
                raise WorkbookRefused(
                    f"Trang {sheet} của tệp {label} có hơn {_n(limits.max_cells)} ô, vượt giới "
                    "hạn: hãy xóa các dòng, cột thừa hoặc chia thành nhiều tệp."
                )


def capped_rows(ws, label: str, limits: Limits = DEFAULT, *, stop_after_empty=None, **iter_kwargs):
    """Rows of an openpyxl (read-only) sheet, stopping with WorkbookRefused at any limit.

    What the file says can lie: this counts what is really read, so the work stays bounded.
    `stop_after_empty`: end quietly after that many empty rows in a row (padding).
    """
    cells = empty = 0
    for n, row in enumerate(ws.iter_rows(values_only=True, **iter_kwargs), start=1):
        # openpyxl pads to the sheet's dimension (often 1.048.576 rows of formatting only)
        empty = empty + 1 if not any(v is not None for v in row) else 0
        if stop_after_empty is not None and empty > stop_after_empty:
            return
        if n > limits.max_rows:
            raise too_many_rows(label, ws.title, limits)
        if len(row) > limits.max_columns:
            raise WorkbookRefused(
                f"Dòng {n} trang {ws.title} của tệp {label or 'tải lên'} có {_n(len(row))} cột, "
                f"vượt giới hạn {_n(limits.max_columns)} cột: hãy xóa các cột thừa."
            )
        cells += len(row)
        if cells > limits.max_cells:
            raise WorkbookRefused(
                f"Trang {ws.title} của tệp {label or 'tải lên'} có hơn {_n(limits.max_cells)} ô, "
                "vượt giới hạn: hãy xóa các dòng, cột thừa hoặc chia thành nhiều tệp."
            )
        yield row


def too_many_rows(label: str, sheet: str, limits: Limits = DEFAULT) -> WorkbookRefused:
    """The refusal a reader raises when it meets row `max_rows + 1` while reading."""
    return WorkbookRefused(
        f"Trang {sheet} của tệp {label or 'tải lên'} có hơn {_n(limits.max_rows)} dòng, vượt "
        "giới hạn: hãy xóa các dòng thừa hoặc chia thành nhiều tệp."
    )
