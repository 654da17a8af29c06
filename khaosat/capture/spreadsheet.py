"""Spreadsheet capture: the per-unit XLSX template (one row per form, one column per variable,
drop-downs with the codes, a codebook sheet, serials pre-filled) and reading an uploaded XLSX or
CSV back into answer sets, with every problem reported by row and column in Vietnamese."""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from khaosat.capture import serials as S
from khaosat.capture.errors import SerialError, SpreadsheetError
from khaosat.capture.rules import FormRules
from khaosat.questionnaire.errors import column_letter
from khaosat.questionnaire.wording import merge_skips, type_words
from khaosat.safety.cells import escape_workbook
from khaosat.safety.workbooks import (
    Limits,
    WorkbookRefused,
    capped_rows,
    check_xlsx,
    too_many_rows,
)

DATA_SHEET = "Phiếu"
CODEBOOK_SHEET = "Bảng mã"
LISTS_SHEET = "_ma"
SERIAL_HEADERS = {"serial", "so_phieu", "số phiếu", "so phieu", "mã phiếu", "ma_phieu"}

# how a keyer writes the answer in the cell, where the type alone does not say
_HOW_TO_KEY = {"select_multiple": " (mã cách nhau bởi dấu cách)", "date": " (dd/mm/yyyy)"}


@dataclass(frozen=True)
class CellProblem:
    """A problem in one cell (or row when `column` is empty) of the uploaded table."""

    row: int
    column: str
    variable: str
    message: str

    def __str__(self) -> str:
        where = f"Dòng {self.row}" if self.row else "Tệp"
        where += f", cột {self.column}" if self.column else ""
        if self.variable:
            where += f" ({self.variable})"
        return f"{where}: {self.message}"

    def to_dict(self) -> dict[str, Any]:
        """JSON form."""
        return {
            "row": self.row,
            "column": self.column,
            "variable": self.variable,
            "message": self.message,
        }


@dataclass
class RowResult:
    """One filled row: its spreadsheet row number, serial, typed answers and problems."""

    row: int
    serial: str
    answers: dict[str, Any]
    problems: list[CellProblem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """True when the row has no problem."""
        return not self.problems


@dataclass
class ImportCheck:
    """Result of reading an upload: filled rows (valid or not), file-level problems, blanks."""

    rows: list[RowResult]
    file_problems: list[CellProblem] = field(default_factory=list)
    blank_rows: int = 0

    @property
    def problems(self) -> list[CellProblem]:
        """Every problem, file-level first, then by row."""
        return self.file_problems + [p for r in self.rows for p in r.problems]

    @property
    def valid_rows(self) -> list[RowResult]:
        """Rows without problems."""
        return [r for r in self.rows if r.ok] if not self.file_problems else []

    @property
    def ok(self) -> bool:
        """True when every row is valid (and there is at least one)."""
        return not self.problems and bool(self.rows)


# -- template --------------------------------------------------------------------------


def template_columns(rules: FormRules) -> list[str]:
    """Columns of the data sheet after the serial: every answerable variable, in form order."""
    return [f.name for f in rules.fields if f.type != "calculate"]


def template_xlsx(
    rules: FormRules, unit_code: str, unit_name: str, serial_list: list[str], title: str = ""
) -> bytes:
    """The XLSX a unit fills in: data sheet with serials, drop-downs, codebook sheet."""
    from openpyxl import Workbook
    from openpyxl.comments import Comment
    from openpyxl.styles import Font, PatternFill
    from openpyxl.worksheet.datavalidation import DataValidation

    wb = Workbook()
    ws = wb.active
    ws.title = DATA_SHEET
    cols = template_columns(rules)
    ws.append(["serial", *cols])
    bold = Font(bold=True)
    fill = PatternFill("solid", fgColor="DDEBF7")
    for i, name in enumerate(["serial", *cols], start=1):
        cell = ws.cell(row=1, column=i)
        cell.font = bold
        cell.fill = fill
        if name == "serial":
            cell.comment = Comment(f"Số phiếu của đơn vị {unit_code} — {unit_name}", "khaosat")
        else:
            f = rules.by_name[name]
            text = f.label
            if f.type == "select_multiple":
                text += "\n(Nhiều lựa chọn: gõ các mã cách nhau bởi dấu cách, ví dụ: 1 3)"
            cell.comment = Comment(text[:1000], "khaosat")
        ws.column_dimensions[column_letter(i)].width = 14 if i == 1 else 8
    for s in serial_list:
        ws.append([s])
    ws.freeze_panes = "B2"
    last = max(len(serial_list) + 1, 2)

    lists = wb.create_sheet(LISTS_SHEET)
    lists.sheet_state = "hidden"
    list_col = 0
    for i, name in enumerate(cols, start=2):
        f = rules.by_name[name]
        if f.type != "select_one" or not f.codes:
            continue
        list_col += 1
        letter = column_letter(list_col)
        lists.cell(row=1, column=list_col, value=name)
        for r, code in enumerate(f.codes, start=2):
            lists.cell(row=r, column=list_col, value=code)
        ref = f"'{LISTS_SHEET}'!${letter}$2:${letter}${len(f.codes) + 1}"
        dv = DataValidation(type="list", formula1=ref, allow_blank=True)
        dv.error = f"Câu {name}: chỉ nhận các mã {', '.join(str(c) for c in f.codes)}."
        dv.errorTitle = "Mã không hợp lệ"
        dv.showErrorMessage = True
        ws.add_data_validation(dv)
        dv.add(f"{column_letter(i)}2:{column_letter(i)}{last}")

    cb = wb.create_sheet(CODEBOOK_SHEET)
    cb.append(["Biến", "Câu hỏi", "Kiểu", "Mã", "Nhãn"])
    for c in range(1, 6):
        cb.cell(row=1, column=c).font = bold
    for name in cols:
        f = rules.by_name[name]
        kind = type_words(f.type)
        cb.append([name, f.label, kind[:1].upper() + kind[1:] + _HOW_TO_KEY.get(f.type, "")])
        for code, label in f.choices:
            cb.append(["", "", "", code, label])
    cb.column_dimensions["B"].width = 60
    cb.column_dimensions["E"].width = 40
    info = wb.create_sheet("Hướng dẫn")
    for line in [
        title or "Phiếu khảo sát",
        f"Đơn vị: {unit_name} ({unit_code})",
        "Mỗi dòng của trang «Phiếu» là một phiếu; mỗi cột là một câu hỏi (xem trang «Bảng mã»).",
        "Chỉ gõ mã số, không gõ chữ của phương án. Câu không phải trả lời thì để trống.",
        "Không sửa cột serial và dòng tiêu đề. Dòng chỉ có số phiếu mà không có câu trả lời sẽ bị bỏ qua.",
    ]:
        info.append([line])
    escape_workbook(wb)  # labels come from the XLSForm: "=cmd|…" must stay text
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


# -- reading ---------------------------------------------------------------------------


def _cell(value: Any) -> Any:
    if value is None:
        return None
    if isinstance(value, str):
        value = value.strip()
        return value or None
    if isinstance(value, dt.datetime):
        return value.date()
    return value


def read_table(data: bytes, filename: str = "") -> list[tuple[int, list[Any]]]:
    """Rows of the upload as (1-based row number, cells); header included. SpreadsheetError."""
    name = filename.lower()
    if data[:4] == b"PK\x03\x04" or name.endswith((".xlsx", ".xlsm")):
        return _read_xlsx(data, filename)
    if name.endswith(".xls"):
        raise SpreadsheetError(
            f"Tệp {filename} là Excel đời cũ (.xls). Hãy mở bằng Excel và lưu lại dạng .xlsx "
            "hoặc CSV UTF-8 rồi tải lên lại."
        )
    return _read_csv(data, filename)


# One unit returns 45–50 forms; a file far larger than that is a mistake or an attack.
IMPORT_LIMITS = Limits(max_rows=5_000, max_columns=1_000, max_cells=250_000)


def _bounds(ws) -> dict:
    """Never pad rows past the caps, and stop after 1.000 empty rows (formatting only)."""
    width = min(ws.max_column or IMPORT_LIMITS.max_columns, IMPORT_LIMITS.max_columns)
    return {"max_col": max(width, 1), "stop_after_empty": 1000}


def _read_xlsx(data: bytes, filename: str) -> list[tuple[int, list[Any]]]:
    from openpyxl import load_workbook

    try:  # size, rows, columns and macros from the zip directory, before any parsing
        check_xlsx(data, filename, IMPORT_LIMITS)
    except WorkbookRefused as exc:
        raise SpreadsheetError(exc.message) from exc
    try:
        wb = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for a damaged file
        raise SpreadsheetError(
            f"Không đọc được tệp {filename or 'tải lên'} như một bảng tính .xlsx ({type(exc).__name__}). "
            "Hãy tải lại mẫu của đơn vị, điền và lưu dạng .xlsx."
        ) from exc
    try:
        ws = wb[DATA_SHEET] if DATA_SHEET in wb.sheetnames else wb.worksheets[0]
        # read-only sheets are parsed while iterating: a damaged sheet fails here (found by
        # the fuzzer: an XML ParseError escaped as a traceback); rows and cells are capped
        rows = [
            (i, [_cell(v) for v in row])
            for i, row in enumerate(capped_rows(ws, filename, IMPORT_LIMITS, **_bounds(ws)), 1)
        ]
    except WorkbookRefused as exc:
        raise SpreadsheetError(exc.message) from exc
    except Exception as exc:  # noqa: BLE001 - openpyxl/XML raise many kinds
        raise SpreadsheetError(
            f"Tệp {filename or 'tải lên'} bị hỏng: không đọc được các dòng của trang tính "
            f"({type(exc).__name__}). Hãy mở lại bằng Excel, lưu dạng .xlsx rồi tải lên lại."
        ) from exc
    finally:
        wb.close()
    return rows


def _read_csv(data: bytes, filename: str) -> list[tuple[int, list[Any]]]:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise SpreadsheetError(
            f"Tệp {filename or 'tải lên'} không phải CSV mã UTF-8 (lỗi ở byte thứ {exc.start + 1}). "
            "Trong Excel chọn Lưu thành › «CSV UTF-8 (Comma delimited)» rồi tải lên lại."
        ) from exc
    sample = text[:4096]
    try:
        dialect = csv.Sniffer().sniff(sample, delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    reader = csv.reader(io.StringIO(text, newline=""), dialect)  # a lone \r is a line end too
    rows = []
    try:
        for i, row in enumerate(reader, start=1):
            if i > IMPORT_LIMITS.max_rows:
                raise SpreadsheetError(too_many_rows(filename, "CSV", IMPORT_LIMITS).message)
            if len(row) > IMPORT_LIMITS.max_columns:
                raise SpreadsheetError(
                    f"Dòng {i} của tệp {filename or 'tải lên'} có {len(row)} cột, vượt giới hạn "
                    f"{IMPORT_LIMITS.max_columns} cột: hãy dùng mẫu tải về của đơn vị."
                )
            rows.append((i, [_cell(v) for v in row]))
    except csv.Error as exc:  # found by the fuzzer: csv.Error escaped as a traceback
        raise SpreadsheetError(
            f"Tệp {filename or 'tải lên'} không đọc được như CSV ở dòng {reader.line_num} "
            f"({exc}). Trong Excel chọn Lưu thành › «CSV UTF-8 (Comma delimited)» rồi tải lên lại."
        ) from exc
    return rows


def check_upload(
    data: bytes, filename: str, rules: FormRules, unit_code: str, also: Iterable[str] = ()
) -> ImportCheck:
    """Read and validate an upload for one unit: every problem by row and column."""
    table = read_table(data, filename)
    if not table or not any(v is not None for v in table[0][1]):
        raise SpreadsheetError(
            f"Tệp {filename or 'tải lên'} trống hoặc dòng 1 không có tiêu đề cột. "
            "Dòng 1 phải là tên biến như trong mẫu (serial, a1, a2, ...)."
        )
    header_row, header = table[0]
    headers = [str(h).strip() if h is not None else "" for h in header]
    file_problems: list[CellProblem] = []
    if not headers or headers[0].lower() not in SERIAL_HEADERS:
        file_problems.append(
            CellProblem(
                header_row,
                "A",
                "serial",
                "Cột đầu tiên phải là «serial» (số phiếu). Dùng mẫu tải về của đơn vị.",
            )
        )
        return ImportCheck(rows=[], file_problems=file_problems)
    known = {f.name for f in rules.fields}
    columns: dict[int, str] = {}
    for i, h in enumerate(headers[1:], start=1):
        if not h:
            continue
        if h not in known:
            file_problems.append(
                CellProblem(
                    header_row,
                    column_letter(i + 1),
                    h,
                    f"Cột «{h}» không phải biến của bảng hỏi. Xóa cột này hoặc sửa tên cho đúng mẫu.",
                )
            )
            continue
        if h in columns.values():
            file_problems.append(
                CellProblem(
                    header_row,
                    column_letter(i + 1),
                    h,
                    f"Cột «{h}» xuất hiện hai lần. Xóa một cột.",
                )
            )
            continue
        columns[i] = h
    col_of = {name: column_letter(i + 1) for i, name in columns.items()}

    rows: list[RowResult] = []
    seen: dict[str, int] = {}
    blank = 0
    for rownum, cells in table[1:]:
        raw = {
            name: cells[i] for i, name in columns.items() if i < len(cells) and cells[i] is not None
        }
        serial_cell = cells[0] if cells else None
        if not raw:
            blank += 1  # an unused pre-filled serial, or an empty line
            continue
        problems: list[CellProblem] = []
        serial = S.normalise(str(serial_cell)) if serial_cell is not None else ""
        if not serial:
            problems.append(
                CellProblem(
                    rownum, "A", "serial", "Thiếu số phiếu. Gõ số in trên phiếu, ví dụ 12427-0007."
                )
            )
        else:
            try:
                S.check_unit(serial, {unit_code, *also})
            except SerialError as exc:
                problems.append(CellProblem(rownum, "A", "serial", exc.message))
            if serial in seen:
                problems.append(
                    CellProblem(
                        rownum,
                        "A",
                        "serial",
                        f"Số phiếu {serial} trùng với dòng {seen[serial]}. Mỗi phiếu chỉ một dòng: "
                        "xóa dòng trùng hoặc sửa số phiếu.",
                    )
                )
            else:
                seen[serial] = rownum
        answers, found = rules.prepare(raw)
        # answers to skipped questions with one cause are one line: «… câu C2–C9»
        for idx, text in merge_skips([p.message_vi for p in found]):
            p = found[idx[0]]
            col = col_of.get(p.variable, "")
            msg = text
            if not col and p.code == "required":
                msg += f" Tệp không có cột {p.variable}: thêm cột này như trong mẫu."
            problems.append(CellProblem(rownum, col, p.variable, msg))
        rows.append(RowResult(row=rownum, serial=serial, answers=answers, problems=problems))
    if not rows and not file_problems:
        file_problems.append(
            CellProblem(
                0,
                "",
                "",
                "Tệp không có phiếu nào đã điền. Điền câu trả lời vào các dòng rồi tải lên lại.",
            )
        )
    return ImportCheck(rows=rows, file_problems=file_problems, blank_rows=blank)
