"""XLSForm files <-> the questionnaire model, and XForm XML through pyxform.

Reads .xlsx (openpyxl), .xls (xlrd), .csv and .md the way pyxform does (first row holds the
headers, sheet and column names are case-insensitive, `label::Tiếng Việt (vi)` columns carry
languages), keeping every row number for messages. Writes the model back to .xlsx with the
designer's own sheet names and columns, so read -> write -> read gives an equal model.
"""

from __future__ import annotations

import csv
import datetime as _dt
import io
import re
import warnings
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO

from khaosat.questionnaire.errors import (
    Issue,
    Place,
    QuestionnaireError,
    XFormConversionError,
    XLSFormReadError,
    column_letter,
)
from khaosat.questionnaire.model import (
    DEFAULT_LANG,
    METADATA_TYPES,
    Choice,
    ChoiceList,
    Group,
    Item,
    Question,
    Questionnaire,
)
from khaosat.safety.cells import set_text, unescape
from khaosat.safety.workbooks import Limits, WorkbookRefused, capped_rows, check_xlsx

Source = str | Path | bytes | BinaryIO

SURVEY, CHOICES, SETTINGS, CHECKS = "survey", "choices", "settings", "checks"
KNOWN_SHEETS = (SURVEY, CHOICES, SETTINGS, CHECKS)
XLSFORM_SHEETS = {SURVEY, CHOICES, SETTINGS, "external_choices", "entities", "osm"}

# -- header vocabulary -------------------------------------------------------------------
# canonical field <- snake_case first token of a header (pyxform's aliases)
SURVEY_FIELDS: dict[str, str] = {
    "type": "type",
    "command": "type",
    "name": "name",
    "value": "name",
    "tag": "name",
    "label": "label",
    "caption": "label",
    "hint": "hint",
    "required": "required",
    "required_message": "required_message",
    "requiredmsg": "required_message",
    "jr:requiredmsg": "required_message",
    "relevant": "relevant",
    "relevance": "relevant",
    "constraint": "constraint",
    "constraint_message": "constraint_message",
    "constraining_message": "constraint_message",
    "jr:constraintmsg": "constraint_message",
    "calculation": "calculation",
    "calculate": "calculation",
    "choice_filter": "choice_filter",
    "appearance": "appearance",
    "default": "default",
    "parameters": "parameters",
    "read_only": "read_only",
    "readonly": "read_only",
    "repeat_count": "repeat_count",
    "count": "repeat_count",
    "jr:count": "repeat_count",
}
BIND_FIELDS = {
    "relevant": "relevant",
    "required": "required",
    "constraint": "constraint",
    "calculate": "calculation",
    "readonly": "read_only",
    "jr:constraintmsg": "constraint_message",
    "jr:requiredmsg": "required_message",
}
CHOICE_FIELDS: dict[str, str] = {
    "list_name": "list_name",
    "list name": "list_name",
    "name": "name",
    "value": "name",
    "label": "label",
    "caption": "label",
}
SETTINGS_FIELDS: dict[str, str] = {
    "form_title": "title",
    "set_form_title": "title",
    "title": "title",
    "form_id": "form_id",
    "set_form_id": "form_id",
    "id_string": "form_id",
    "version": "version",
    "default_language": "default_language",
}
TRANSLATABLE = {"label", "hint", "required_message", "constraint_message"}
YES_NO = {
    "yes": True,
    "true": True,
    "true()": True,
    "no": False,
    "false": False,
    "false()": False,
}

# -- type vocabulary -----------------------------------------------------------------------
CANONICAL_TYPES = (
    "integer",
    "decimal",
    "range",
    "text",
    "note",
    "calculate",
    "hidden",
    "acknowledge",
    "trigger",
    "date",
    "time",
    "datetime",
    "geopoint",
    "geotrace",
    "geoshape",
    "image",
    "audio",
    "video",
    "file",
    "barcode",
    "xml-external",
    "csv-external",
    *sorted(METADATA_TYPES),  # one list of metadata types: the model's
)
SELECT_COMMANDS = {
    "select_one": "select_one",
    "select one": "select_one",
    "select one from": "select_one",
    "select1": "select_one",
    "add select one prompt using": "select_one",
    "select_multiple": "select_multiple",
    "select all that apply": "select_multiple",
    "select all that apply from": "select_multiple",
    "add select multiple prompt using": "select_multiple",
    "select_one_external": "select_one_external",
    "select_one_from_file": "select_one_from_file",
    "select one from file": "select_one_from_file",
    "select_multiple_from_file": "select_multiple_from_file",
    "select multiple from file": "select_multiple_from_file",
    "rank": "rank",
}
_RE_SELECT = re.compile(
    r"^(?P<cmd>"
    + "|".join(re.escape(k) for k in sorted(SELECT_COMMANDS, key=len, reverse=True))
    + r") (?P<list>\S+)( (?P<other>or specify other|or_other|or other))?$",
    re.IGNORECASE,
)
_RE_BEGIN = re.compile(
    r"^begin[\s_](?P<kind>group|repeat|loop|lgroup|looped group)( (over )?(?P<list>\S+))?$",
    re.IGNORECASE,
)
_RE_END = re.compile(r"^end[\s_](?P<kind>group|repeat|loop|lgroup|looped group)$", re.IGNORECASE)


def _type_aliases() -> dict[str, str]:
    """Alias -> canonical type, from pyxform's own dictionary (so 'int' -> 'integer')."""
    out = {t: t for t in CANONICAL_TYPES}
    try:
        from pyxform.question_type_dictionary import QUESTION_TYPE_DICT
    except ImportError:  # pragma: no cover - pyxform is a dependency
        return out
    for alias, spec in QUESTION_TYPE_DICT.items():
        if alias in out:
            continue
        for canon in CANONICAL_TYPES:
            if QUESTION_TYPE_DICT.get(canon) == spec:
                out[alias] = canon
                break
        else:
            out[alias] = alias
    out["photo"] = "image"
    return out


TYPE_ALIASES = _type_aliases()
KNOWN_TYPES = frozenset(TYPE_ALIASES.values()) | set(SELECT_COMMANDS.values()) | {"osm"}


@dataclass
class ParsedType:
    """The parts of a survey `type` cell."""

    kind: str  # 'question', 'begin', 'end', 'unknown', 'empty'
    type: str = ""
    list_name: str | None = None
    or_other: bool = False
    repeat: bool = False


def parse_type(text: str) -> ParsedType:
    """Split a `type` cell ("select_one yes_no or_other", "begin_group", "int") into parts."""
    t = " ".join((text or "").split())
    if not t:
        return ParsedType("empty")
    low = t.lower()
    if m := _RE_BEGIN.match(t):
        kind = m.group("kind").lower()
        return ParsedType(
            "begin",
            "begin_repeat" if kind in ("repeat", "lgroup", "looped group") else "begin_group",
            m.group("list"),
            repeat=kind in ("repeat", "lgroup", "looped group"),
        )
    if m := _RE_END.match(t):
        kind = m.group("kind").lower()
        repeat = kind in ("repeat", "lgroup", "looped group")
        return ParsedType("end", "end_repeat" if repeat else "end_group", repeat=repeat)
    if m := _RE_SELECT.match(t):
        cmd = " ".join(m.group("cmd").lower().split())
        return ParsedType("question", SELECT_COMMANDS[cmd], m.group("list"), bool(m.group("other")))
    if low.startswith("osm"):
        parts = t.split()
        return ParsedType("question", "osm", parts[1] if len(parts) > 1 else None)
    if t in TYPE_ALIASES:
        return ParsedType("question", TYPE_ALIASES[t])
    if low in TYPE_ALIASES:
        return ParsedType("question", TYPE_ALIASES[low])
    snake = "_".join(low.split())
    if snake in TYPE_ALIASES:
        return ParsedType("question", TYPE_ALIASES[snake])
    return ParsedType("unknown", low)


def type_text_for(q: Question) -> str:
    """The `type` cell for a question: its own text when still accurate, else canonical."""
    if q.type_text:
        p = parse_type(q.type_text)
        if (
            p.kind == "question"
            and p.type == q.type
            and p.list_name == q.list_name
            and p.or_other == q.or_other
        ):
            return q.type_text
        if p.kind == "unknown" and p.type == q.type:
            return q.type_text
    if q.list_name:
        return f"{q.type} {q.list_name}" + (" or_other" if q.or_other else "")
    return q.type


# -- raw workbook --------------------------------------------------------------------------
@dataclass
class RawSheet:
    """A sheet as rows of cell texts; `rows` holds (1-based row number, cells) after the header."""

    name: str
    header_row: int = 1
    headers: list[str] = field(default_factory=list)
    rows: list[tuple[int, list[str]]] = field(default_factory=list)


def _cell_text(value: Any) -> str:
    if value is None:
        return ""
    if value is True:
        return "TRUE"
    if value is False:
        return "FALSE"
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else str(value)
    if isinstance(value, int | _dt.datetime | _dt.time | _dt.date):
        return str(value)
    return unescape(str(value).replace("\xa0", " ").strip())


def _trim(cells: list[str]) -> list[str]:
    while cells and not cells[-1]:
        cells.pop()
    return cells


MAX_EMPTY_COLUMNS = 20  # pyxform stops reading headers after this many empty ones
MAX_EMPTY_ROWS = 60  # ... and rows after this many empty ones


def _header_width(header: list[str]) -> int:
    """Number of header cells pyxform reads (it stops after a run of empty ones)."""
    run = 0
    last = 0
    for i, h in enumerate(header):
        if h and h.strip():
            run = 0
            last = i + 1
        elif run == MAX_EMPTY_COLUMNS:
            break
        else:
            run += 1
    return last


def _sheet_from_rows(
    name: str, rows: Iterable[tuple[int, list[str]]], excel: bool = False
) -> RawSheet:
    rows = list(rows)
    sheet = RawSheet(name)
    if not rows:
        return sheet
    sheet.header_row, header = rows[0]
    headers = [" ".join(h.split()) for h in header]
    if excel:
        run = 0
        for i, h in enumerate(headers):
            if h:
                run = 0
            elif run == MAX_EMPTY_COLUMNS:
                headers = headers[:i]
                break
            else:
                run += 1
    sheet.headers = _trim(headers)
    width = len(sheet.headers)
    kept: list[tuple[int, list[str]]] = []
    run = 0
    for n, cells in rows[1:]:
        if any(cells[:width]) if excel else any(cells):
            run = 0
        elif excel:
            if run == MAX_EMPTY_ROWS:
                break
            run += 1
        if any(cells):
            kept.append((n, _trim(list(cells))))
    sheet.rows = kept
    return sheet


# An XLSForm is a few hundred rows; these leave room and refuse bombs (khaosat.safety).
XLSFORM_LIMITS = Limits(max_rows=20_000, max_columns=500, max_cells=300_000)


def _read_xlsx(data: bytes, name: str = "") -> list[RawSheet]:
    import openpyxl

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # "Unknown extension is not supported"
        wb = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    try:
        sheets = []
        for ws in wb.worksheets:
            first = next(ws.iter_rows(min_row=1, max_row=1, values_only=True), ())
            header = [_cell_text(v) for v in first]
            width = _header_width(header) + MAX_EMPTY_COLUMNS
            rows = [(1, header[:width])]
            run = 0
            body = capped_rows(ws, name, XLSFORM_LIMITS, min_row=2, max_col=max(width, 1))
            for n, row in enumerate(body, start=2):
                cells = [_cell_text(v) for v in row]
                rows.append((n, cells))
                run = 0 if any(cells) else run + 1
                if run > MAX_EMPTY_ROWS:
                    break
            sheets.append(_sheet_from_rows(ws.title, rows, excel=True))
        return sheets
    finally:
        wb.close()


def _read_xls(data: bytes) -> list[RawSheet]:
    import xlrd

    book = xlrd.open_workbook(file_contents=data)
    sheets = []
    for sh in book.sheets():
        rows = []
        width = sh.ncols
        run = 0
        for r in range(sh.nrows):
            cells = []
            for c in range(width):
                cell = sh.cell(r, c)
                cells.append(_xls_cell_text(cell, book.datemode, sh.name, r + 1, c + 1))
            rows.append((r + 1, cells))
            if r == 0:
                width = min(sh.ncols, _header_width(cells) + MAX_EMPTY_COLUMNS)
                rows[0] = (1, cells[:width])
                continue
            run = 0 if any(cells) else run + 1
            if run > MAX_EMPTY_ROWS:
                break
        sheets.append(_sheet_from_rows(sh.name, rows, excel=True))
    return sheets


def _xls_cell_text(cell: Any, datemode: int, sheet: str, row: int, col: int) -> str:
    import xlrd

    if cell.ctype == xlrd.XL_CELL_BOOLEAN:
        return "TRUE" if cell.value else "FALSE"
    if cell.ctype == xlrd.XL_CELL_NUMBER:
        return _cell_text(float(cell.value))
    if cell.ctype == xlrd.XL_CELL_DATE:
        try:
            parts = xlrd.xldate_as_tuple(cell.value, datemode)
        except xlrd.xldate.XLDateError as exc:
            raise XLSFormReadError(
                "Ô chứa một ngày tháng Excel không rõ ràng; hãy nhập ngày dưới dạng văn bản "
                "(đặt dấu nháy đơn ' ở đầu ô).",
                Place(sheet, row, column_letter(col)),
            ) from exc
        if parts[:3] == (0, 0, 0):
            return str(_dt.time(*parts[3:]))
        return str(_dt.datetime(*parts))
    if cell.ctype in (xlrd.XL_CELL_EMPTY, xlrd.XL_CELL_BLANK, xlrd.XL_CELL_ERROR):
        return ""
    return _cell_text(cell.value)


def _read_csv(text: str) -> list[RawSheet]:
    order: list[str] = []
    rows: dict[str, list[tuple[int, list[str]]]] = {}
    current: str | None = None
    for n, row in enumerate(csv.reader(io.StringIO(text, newline="")), start=1):
        if not row:
            continue
        first = row[0].strip()
        content = [c.replace("\xa0", " ").strip() for c in row[1:]]
        if first:
            current = first
            if current not in rows:
                order.append(current)
                rows[current] = []
        if current is not None and any(content):
            rows[current].append((n, content))
    return [_sheet_from_rows(name, rows[name]) for name in order]


_MD_SPLIT = re.compile(r"(?<!\\)\|")


def _read_md(text: str) -> list[RawSheet]:
    order: list[str] = []
    rows: dict[str, list[tuple[int, list[str]]]] = {}
    current: str | None = None
    for n, line in enumerate(text.splitlines(), start=1):
        s = line.strip()
        if not s.startswith("|") or s.startswith("#"):
            continue
        inner = s[1:-1] if s.endswith("|") and len(s) > 1 else s[1:]
        if re.fullmatch(r"[\s|:\-]+", inner or "-"):
            continue
        cells = [c.strip().replace(r"\|", "|") for c in _MD_SPLIT.split(inner)]
        first, content = cells[0], cells[1:]
        if first:
            current = first
            if current not in rows:
                order.append(current)
                rows[current] = []
        if current is not None and any(content):
            rows[current].append((n, content))
    return [_sheet_from_rows(name, rows[name]) for name in order]


def _source_bytes(source: Source, filename: str | None) -> tuple[bytes, str]:
    if isinstance(source, str | Path):
        path = Path(source)
        try:
            return path.read_bytes(), filename or path.name
        except FileNotFoundError as exc:
            raise XLSFormReadError(f"Không tìm thấy tệp «{path}».") from exc
        except IsADirectoryError as exc:
            raise XLSFormReadError(f"«{path}» là một thư mục, không phải tệp XLSForm.") from exc
        except OSError as exc:
            raise XLSFormReadError(f"Không đọc được tệp «{path}»: {exc.strerror}.") from exc
    if isinstance(source, bytes | bytearray):
        return bytes(source), filename or ""
    return source.read(), filename or getattr(source, "name", "") or ""


def sniff_format(data: bytes, filename: str = "") -> str:
    """'xlsx', 'xls', 'csv' or 'md' from the content (magic bytes), then the file name."""
    if data[:4] == b"PK\x03\x04":
        return "xlsx"
    if data[:8] == b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1":
        return "xls"
    ext = Path(filename).suffix.lower().lstrip(".")
    if ext in ("xlsx", "xlsm", "xls"):
        return ext if ext != "xlsm" else "xlsx"
    if ext in ("csv", "md"):
        return ext
    head = data[:4096].decode("utf-8", errors="replace")
    if "|" in head and any(line.strip().startswith("|") for line in head.splitlines()):
        return "md"
    return "csv"


def read_raw(source: Source, filename: str | None = None) -> tuple[list[RawSheet], str]:
    """Read any supported file into raw sheets; raises XLSFormReadError with a Vietnamese text."""
    data, name = _source_bytes(source, filename)
    if not data:
        raise XLSFormReadError(f"Tệp «{name or 'tải lên'}» rỗng; hãy chọn tệp XLSForm (.xlsx).")
    fmt = sniff_format(data, name)
    label = f"«{name}»" if name else "tải lên"
    try:
        if fmt in ("xlsx", "xls"):
            # size, rows, columns and macros from the zip directory, before any parsing
            check_xlsx(data, name or "", XLSFORM_LIMITS)
        if fmt == "xlsx":
            return _read_xlsx(data, name or ""), fmt
        if fmt == "xls":
            return _read_xls(data), fmt
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise XLSFormReadError(
                f"Tệp {label} không phải bảng tính Excel và không phải văn bản UTF-8; "
                "hãy lưu bảng hỏi dưới dạng .xlsx."
            ) from exc
        if "\x00" in text:
            raise XLSFormReadError(
                f"Tệp {label} không phải bảng tính XLSForm; hãy lưu bảng hỏi dưới dạng .xlsx."
            )
        return (_read_md(text) if fmt == "md" else _read_csv(text)), fmt
    except XLSFormReadError:
        raise
    except WorkbookRefused as exc:
        raise XLSFormReadError(exc.message) from exc
    except (zipfile.BadZipFile, KeyError, EOFError) as exc:
        raise XLSFormReadError(
            f"Tệp {label} bị hỏng hoặc không trọn vẹn (không mở được như tệp .xlsx); "
            "hãy mở lại bằng Excel, lưu lại rồi tải lên."
        ) from exc
    except Exception as exc:  # noqa: BLE001 - any reader failure is a bad file for the user
        raise XLSFormReadError(
            f"Không đọc được tệp {label} như một bảng tính ({fmt}): {exc}. "
            "Hãy mở bằng Excel, lưu lại dưới dạng .xlsx rồi thử lại."
        ) from exc


# -- headers -------------------------------------------------------------------------------
def _snake(text: str) -> str:
    return "_".join(text.split()).lower()


def header_key(header: str, sheet: str, use_double_colon: bool = True) -> str:
    """Canonical key of a column header: 'label::<lang>', 'relevant', or the header itself."""
    if not header:
        return ""
    if use_double_colon or "::" in header:
        tokens = [t.strip() for t in header.split("::")]
    else:
        tokens = [t.strip() for t in header.split(":")]
        if "jr" in tokens:
            i = tokens.index("jr")
            tokens = [*tokens[:i], f"jr:{tokens[i + 1]}" if i + 1 < len(tokens) else "jr"]
    first = _snake(tokens[0])
    if sheet == SURVEY:
        if first in ("bind", "control") and len(tokens) >= 2:
            sub = tokens[1].lower()
            canon = BIND_FIELDS.get(sub) or ("appearance" if sub == "appearance" else None)
            if sub == "jr:count":
                canon = "repeat_count"
            if canon and (len(tokens) == 2 or canon in TRANSLATABLE):
                rest = tokens[2:]
                return f"{canon}::{'::'.join(rest)}" if rest else canon
            return header
        canon = SURVEY_FIELDS.get(first) or SURVEY_FIELDS.get(tokens[0].lower())
    elif sheet in (CHOICES, "external_choices"):
        canon = CHOICE_FIELDS.get(first) or CHOICE_FIELDS.get(tokens[0].lower())
    elif sheet == SETTINGS:
        canon = SETTINGS_FIELDS.get(first)
    else:
        return header
    if canon is None:
        return header
    if len(tokens) == 1:
        return canon
    if canon in TRANSLATABLE:
        lang = "::".join(tokens[1:])
        return f"{canon}::{lang}" if lang else canon
    return header


def _split_lang(key: str) -> tuple[str, str]:
    base, _, lang = key.partition("::")
    return base, lang or DEFAULT_LANG


def _is_row_empty(cells: list[str]) -> bool:
    return not any(cells)


@dataclass
class _Sheet:
    """A raw sheet with its headers resolved to canonical keys."""

    raw: RawSheet
    keys: list[str]

    def records(self) -> Iterable[tuple[int, dict[str, str], dict[str, str]]]:
        """(row number, {key: value}, {key: column letter}) for each non-empty row."""
        for n, cells in self.raw.rows:
            rec: dict[str, str] = {}
            for i, key in enumerate(self.keys):
                if key and i < len(cells) and cells[i] != "":
                    rec[key] = cells[i]
            if rec:
                yield n, rec


def _resolve_headers(raw: RawSheet, sheet: str, issues: list[Issue]) -> _Sheet:
    use_double = any("::" in h for h in raw.headers)
    keys: list[str] = []
    seen: dict[str, str] = {}
    seen_raw: set[str] = set()
    label = raw.name
    for i, h in enumerate(raw.headers):
        place = Place(label, raw.header_row, column_letter(i + 1))
        if not h:
            keys.append("")
            continue
        if h in seen_raw:
            issues.append(
                Issue(
                    "error",
                    f"Tên cột «{h}» bị trùng trong trang «{label}»; hãy xóa hoặc đổi tên một cột.",
                    place,
                )
            )
            keys.append("")
            continue
        seen_raw.add(h)
        key = header_key(h, sheet, use_double)
        if key in seen:
            issues.append(
                Issue(
                    "error",
                    f"Cột «{h}» có cùng ý nghĩa với cột «{seen[key]}» trong trang «{label}»; "
                    "hãy giữ một cột.",
                    place,
                )
            )
            keys.append("")
            continue
        seen[key] = h
        keys.append(key)
    return _Sheet(raw, keys)


def _col(sheet: _Sheet, key: str) -> str | None:
    try:
        return column_letter(sheet.keys.index(key) + 1)
    except ValueError:
        return None


# -- parse ---------------------------------------------------------------------------------
def _bool_or_expr(value: str) -> bool | str:
    v = value.strip()
    if v.lower() in YES_NO:
        return YES_NO[v.lower()]
    return v


def _fill_common(obj: Question | Group, rec: dict[str, str], langs: list[str]) -> None:
    """Copy translatable and extra cells of a survey row into a question or group."""
    for key, value in rec.items():
        base, lang = _split_lang(key)
        if base in TRANSLATABLE:
            if lang not in langs:
                langs.append(lang)
            if base == "label":
                obj.labels[lang] = value
            elif base == "hint":
                obj.hints[lang] = value
            elif isinstance(obj, Question):
                target = obj.required_message if base == "required_message" else None
                if base == "constraint_message":
                    target = obj.constraint_message
                if target is not None:
                    target[lang] = value
                else:
                    obj.extra[key] = value
            else:
                obj.extra[key] = value


QUESTION_SCALARS = (
    "relevant",
    "constraint",
    "calculation",
    "choice_filter",
    "appearance",
    "default",
    "parameters",
)
GROUP_SCALARS = ("relevant", "appearance", "repeat_count")
_HANDLED = {"type", "name", *QUESTION_SCALARS, "required", "read_only", "repeat_count"}


def _parse_survey(
    sheet: _Sheet, issues: list[Issue], langs: list[str]
) -> tuple[list[Item], list[Group]]:
    name = sheet.raw.name
    root: list[Item] = []
    stack: list[tuple[Group, list[Item]]] = []
    type_col = _col(sheet, "type")
    if type_col is None:
        issues.append(
            Issue(
                "error",
                "Trang survey thiếu cột «type»; hãy thêm cột type ở hàng tiêu đề.",
                Place(name, sheet.raw.header_row),
            )
        )
        return root, []
    for n, rec in sheet.records():
        children = stack[-1][1] if stack else root
        type_cell = rec.get("type", "")
        parsed = parse_type(type_cell)
        if parsed.kind == "empty":
            if rec.get("name") or any(_split_lang(k)[0] == "label" for k in rec):
                issues.append(
                    Issue(
                        "error",
                        "Hàng có tên hoặc nhãn nhưng thiếu loại câu hỏi (cột type); "
                        "hãy ghi loại, ví dụ select_one, integer, text.",
                        Place(name, n, type_col),
                    )
                )
            continue
        if parsed.kind == "end":
            if not stack:
                issues.append(
                    Issue(
                        "error",
                        f"«{type_cell}» không có begin_group/begin_repeat tương ứng ở trên; "
                        "hãy xóa hàng này hoặc thêm hàng bắt đầu nhóm.",
                        Place(name, n, type_col),
                    )
                )
                continue
            group, _ = stack.pop()
            if group.repeat != (parsed.type == "end_repeat"):
                issues.append(
                    Issue(
                        "error",
                        f"«{type_cell}» đóng nhóm «{group.name}» mở bằng «{group.type_text}»; "
                        "hãy dùng end_group cho begin_group và end_repeat cho begin_repeat.",
                        Place(name, n, type_col),
                    )
                )
            group.end_type_text = type_cell
            for key, value in rec.items():
                if key != "type":
                    group.extra[f"end:{key}"] = value
            continue
        qname = rec.get("name", "")
        if parsed.kind == "begin":
            group = Group(
                name=qname,
                repeat=parsed.repeat,
                type_text=type_cell,
                source=(name, n),
            )
            _fill_common(group, rec, langs)
            for key in GROUP_SCALARS:
                if key in rec:
                    setattr(group, key, rec[key])
            for key, value in rec.items():
                base, _ = _split_lang(key)
                if key not in ("type", "name", *GROUP_SCALARS) and base not in (
                    "label",
                    "hint",
                ):
                    group.extra[key] = value
            children.append(group)
            stack.append((group, group.children))
            continue
        q = Question(
            name=qname,
            type=parsed.type,
            list_name=parsed.list_name,
            or_other=parsed.or_other,
            type_text=type_cell,
            source=(name, n),
        )
        _fill_common(q, rec, langs)
        for key in QUESTION_SCALARS:
            if key in rec:
                setattr(q, key, rec[key])
        if "required" in rec:
            q.required = _bool_or_expr(rec["required"])
        if "read_only" in rec:
            q.read_only = _bool_or_expr(rec["read_only"])
        for key, value in rec.items():
            base, _ = _split_lang(key)
            if key in _HANDLED or base in TRANSLATABLE:
                if key == "repeat_count":
                    q.extra[key] = value
                continue
            q.extra[key] = value
        children.append(q)
    for group, _ in stack:
        issues.append(
            Issue(
                "error",
                f"Nhóm «{group.name or group.type_text}» mở ở đây nhưng không có hàng "
                f"{'end_repeat' if group.repeat else 'end_group'} để đóng; hãy thêm hàng đó.",
                Place(name, group.source[1] if group.source else None, type_col),
            )
        )
    return root, [g for g, _ in stack]


def _parse_choices(sheet: _Sheet, issues: list[Issue], langs: list[str]) -> dict[str, ChoiceList]:
    lists: dict[str, ChoiceList] = {}
    name = sheet.raw.name
    ln_col = _col(sheet, "list_name")
    if ln_col is None and sheet.raw.rows:
        issues.append(
            Issue(
                "error",
                f"Trang «{name}» thiếu cột «list_name»; hãy thêm cột list_name ở hàng tiêu đề.",
                Place(name, sheet.raw.header_row),
            )
        )
        return lists
    for n, rec in sheet.records():
        list_name = rec.get("list_name", "")
        if not list_name:
            issues.append(
                Issue(
                    "error",
                    "Lựa chọn thiếu tên danh sách (cột list_name); hãy điền list_name.",
                    Place(name, n, ln_col),
                )
            )
            continue
        choice = Choice(name=rec.get("name", ""), source=(name, n))
        for key, value in rec.items():
            base, lang = _split_lang(key)
            if base == "label":
                if lang not in langs:
                    langs.append(lang)
                choice.labels[lang] = value
            elif key not in ("list_name", "name"):
                choice.extra[key] = value
        lists.setdefault(list_name, ChoiceList(list_name)).choices.append(choice)
    return lists


def load_xlsform(source: Source, filename: str | None = None) -> tuple[Questionnaire, list[Issue]]:
    """Read an XLSForm into a model plus the problems found while reading (with places).

    Raises XLSFormReadError only when the file cannot be read at all (not a spreadsheet,
    truncated, no survey sheet).
    """
    raw_sheets, _fmt = read_raw(source, filename)
    issues: list[Issue] = []
    by_key: dict[str, RawSheet] = {}
    q = Questionnaire()
    for raw in raw_sheets:
        low = raw.name.strip().lower()
        if low in KNOWN_SHEETS and low not in by_key:
            by_key[low] = raw
            q.sheet_names[low] = raw.name
        else:
            q.sheet_names[raw.name] = raw.name
    if SURVEY not in by_key:
        xls_like = [r for r in raw_sheets if r.name.strip().lower() not in XLSFORM_SHEETS]
        if len(raw_sheets) == 1 and raw_sheets[0].headers:
            only = raw_sheets[0]
            by_key[SURVEY] = only
            q.sheet_names = {SURVEY: only.name}
        else:
            names = ", ".join(f"«{r.name}»" for r in raw_sheets) or "không có trang nào"
            hint = ""
            for r in xls_like:
                if r.name.strip().lower().startswith("surv"):
                    hint = f" Có phải trang «{r.name}» là trang survey bị viết sai tên?"
            raise XLSFormReadError(
                f"Tệp không có trang «survey» (các trang: {names}).{hint} "
                "Hãy đặt tên trang câu hỏi là survey."
            )
    for raw in raw_sheets:
        low = raw.name.strip().lower()
        if by_key.get(low) is raw or by_key.get(SURVEY) is raw:
            continue
        if low in ("choice", "choices list", "choice list", "options") or (
            low.startswith("choice") and CHOICES not in by_key
        ):
            issues.append(
                Issue(
                    "warning",
                    f"Trang «{raw.name}» có vẻ là trang choices bị viết sai tên; pyxform sẽ "
                    "bỏ qua nó. Hãy đổi tên thành choices.",
                    Place(raw.name),
                )
            )
        q.other_sheets[raw.name] = [raw.headers, *[cells for _, cells in raw.rows]]

    langs: list[str] = []
    survey = _resolve_headers(by_key[SURVEY], SURVEY, issues)
    q.columns[SURVEY] = list(by_key[SURVEY].headers)
    q.items, _ = _parse_survey(survey, issues, langs)
    if CHOICES in by_key:
        choices = _resolve_headers(by_key[CHOICES], CHOICES, issues)
        q.columns[CHOICES] = list(by_key[CHOICES].headers)
        q.choice_lists = _parse_choices(choices, issues, langs)
    if SETTINGS in by_key:
        settings = _resolve_headers(by_key[SETTINGS], SETTINGS, issues)
        q.columns[SETTINGS] = list(by_key[SETTINGS].headers)
        recs = list(settings.records())
        if recs:
            _, rec = recs[0]
            for key, value in rec.items():
                if key in ("title", "form_id", "version", "default_language"):
                    setattr(q, key, value)
                else:
                    q.settings_extra[key] = value
    if CHECKS in by_key:
        raw = by_key[CHECKS]
        q.columns[CHECKS] = list(raw.headers)
        for _, cells in raw.rows:
            row = {h: cells[i] for i, h in enumerate(raw.headers) if h and i < len(cells)}
            row = {k: v for k, v in row.items() if v}
            if row:
                q.checks.append(row)
    if q.default_language and q.default_language not in langs and langs != [DEFAULT_LANG]:
        pass  # a default_language naming no column is reported by the checker
    q.languages = langs
    return q, issues


def read_xlsform(source: Source, filename: str | None = None) -> Questionnaire:
    """Read an XLSForm; raises QuestionnaireError (Vietnamese, with place) at the first error."""
    q, issues = load_xlsform(source, filename)
    for issue in issues:
        if issue.is_error:
            raise QuestionnaireError(issue.message, issue.place)
    return q


# -- write ---------------------------------------------------------------------------------
def _text_keys_of(obj: Question | Group | Choice) -> dict[str, str]:
    out: dict[str, str] = {}
    for lang, text in obj.labels.items():
        out["label" if lang == DEFAULT_LANG else f"label::{lang}"] = text
    if isinstance(obj, Question | Group):
        for lang, text in obj.hints.items():
            out["hint" if lang == DEFAULT_LANG else f"hint::{lang}"] = text
    if isinstance(obj, Question):
        for base, texts in (
            ("required_message", obj.required_message),
            ("constraint_message", obj.constraint_message),
        ):
            for lang, text in texts.items():
                out[base if lang == DEFAULT_LANG else f"{base}::{lang}"] = text
    return out


def _bool_cell(value: bool | str) -> str:
    if value is True:
        return "yes"
    if value is False:
        return ""
    return value


def _question_cells(q: Question) -> dict[str, str]:
    cells = {"type": type_text_for(q), "name": q.name}
    cells.update(_text_keys_of(q))
    for key in QUESTION_SCALARS:
        cells[key] = getattr(q, key)
    cells["required"] = _bool_cell(q.required)
    cells["read_only"] = _bool_cell(q.read_only)
    cells.update(q.extra)
    return {k: v for k, v in cells.items() if v not in ("", None)}


def _group_rows(g: Group) -> tuple[dict[str, str], dict[str, str]]:
    begin = {"type": g.type_text or g.type, "name": g.name}
    begin.update(_text_keys_of(g))
    for key in GROUP_SCALARS:
        begin[key] = getattr(g, key)
    end = {"type": g.end_type_text or ("end_repeat" if g.repeat else "end_group")}
    for key, value in g.extra.items():
        if key.startswith("end:"):
            end[key[4:]] = value
        else:
            begin[key] = value
    return (
        {k: v for k, v in begin.items() if v not in ("", None)},
        {k: v for k, v in end.items() if v not in ("", None)},
    )


def _survey_rows(items: list[Item]) -> list[dict[str, str]]:
    rows: list[dict[str, str]] = []
    for it in items:
        if isinstance(it, Group):
            begin, end = _group_rows(it)
            rows.append(begin)
            rows.extend(_survey_rows(it.children))
            rows.append(end)
        else:
            rows.append(_question_cells(it))
    return rows


def _choice_rows(q: Questionnaire) -> list[dict[str, str]]:
    rows = []
    for cl in q.choice_lists.values():
        for c in cl.choices:
            row = {"list_name": cl.name, "name": c.name}
            row.update(_text_keys_of(c))
            row.update(c.extra)
            rows.append({k: v for k, v in row.items() if v not in ("", None)})
    return rows


def _settings_row(q: Questionnaire) -> dict[str, str]:
    row = {
        "title": q.title,
        "form_id": q.form_id,
        "version": q.version,
        "default_language": q.default_language,
    }
    row.update(q.settings_extra)
    return {k: v for k, v in row.items() if v not in ("", None)}


CANONICAL_HEADER = {
    SURVEY: {"type": "type", "name": "name"},
    CHOICES: {"list_name": "list_name", "name": "name"},
    SETTINGS: {"title": "form_title", "form_id": "form_id"},
}


def _layout(sheet: str, headers: list[str], rows: list[dict[str, str]]) -> list[str]:
    """Headers to write: the designer's own, plus canonical ones for keys no column holds."""
    headers = list(headers)
    use_double = any("::" in h for h in headers) or not headers
    have = {header_key(h, sheet, use_double) for h in headers if h}
    for row in rows:
        for key in row:
            if key not in have:
                headers.append(CANONICAL_HEADER.get(sheet, {}).get(key, key))
                have.add(key)
    return headers


def _excel_value(header_key_: str, value: str) -> Any:
    if header_key_ == "name" and re.fullmatch(r"-?[1-9]\d{0,14}|0", value):
        return int(value)
    return value


def _sheet_matrix(sheet: str, headers: list[str], rows: list[dict[str, str]]) -> list[list[Any]]:
    use_double = any("::" in h for h in headers)
    keys = [header_key(h, sheet, use_double) if h else "" for h in headers]
    matrix: list[list[Any]] = [list(headers)]
    for row in rows:
        line = [
            _excel_value(k, row[k]) if k in row and sheet == CHOICES else row.get(k, "")
            for k in keys
        ]
        matrix.append(line)
    return matrix


def to_sheets(q: Questionnaire) -> dict[str, list[list[Any]]]:
    """The workbook as {sheet name as written: rows of cells (header first)}."""
    survey_rows = _survey_rows(q.items)
    choice_rows = _choice_rows(q)
    settings = _settings_row(q)
    content: dict[str, tuple[list[str], list[dict[str, str]]]] = {
        SURVEY: (_layout(SURVEY, q.columns.get(SURVEY, []), survey_rows), survey_rows)
    }
    if choice_rows or CHOICES in q.columns:
        content[CHOICES] = (_layout(CHOICES, q.columns.get(CHOICES, []), choice_rows), choice_rows)
    if settings or SETTINGS in q.columns:
        srows = [settings] if settings else []
        content[SETTINGS] = (_layout(SETTINGS, q.columns.get(SETTINGS, []), srows), srows)
    out: dict[str, list[list[Any]]] = {}
    order = list(q.sheet_names) or []
    for key in (*KNOWN_SHEETS, *q.other_sheets):
        if key not in order and (key in content or key in q.other_sheets or key == CHECKS):
            order.append(key)
    for key in order:
        title = q.sheet_names.get(key, key)
        if key in content:
            headers, rows = content[key]
            out[title] = _sheet_matrix(key, headers, rows)
        elif key == CHECKS and (q.checks or CHECKS in q.columns):
            headers = list(q.columns.get(CHECKS, []))
            for r in q.checks:
                for h in r:
                    if h not in headers:
                        headers.append(h)
            out[title] = [headers, *[[r.get(h, "") for h in headers] for r in q.checks]]
        elif key in q.other_sheets:
            out[title] = [list(r) for r in q.other_sheets[key]]
    return out


def write_xlsx(q: Questionnaire, target: str | Path | BinaryIO) -> None:
    """Write the model as an .xlsx XLSForm (the designer's sheet names and columns)."""
    import openpyxl
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
    from openpyxl.styles import Font

    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    for title, matrix in to_sheets(q).items():
        ws = wb.create_sheet(title=title[:31])
        for r, row in enumerate(matrix, start=1):
            for c, value in enumerate(row, start=1):
                if value == "" or value is None:
                    continue
                if isinstance(value, str):
                    value = ILLEGAL_CHARACTERS_RE.sub("", value)
                # text such as "=== A ===" or "=cmd|…" is never a formula (khaosat.safety);
                # the reader takes the apostrophe off again, as Excel does
                set_text(ws.cell(row=r, column=c), value)
        if matrix:
            for cell in ws[1]:
                cell.font = Font(bold=True)
            ws.freeze_panes = "A2"
    wb.save(target)


def to_xlsx_bytes(q: Questionnaire) -> bytes:
    """The model as .xlsx bytes."""
    buf = io.BytesIO()
    write_xlsx(q, buf)
    return buf.getvalue()


# -- XForm (pyxform) -----------------------------------------------------------------------
_RE_PYX_ROW = re.compile(r"\[row\s*:\s*(\d+)\]")
_RE_PYX_SHEET = re.compile(r"'(survey|choices|settings|entities|external_choices)' sheet", re.I)
_RE_PYX_COLUMN = re.compile(r"the '([^']+)' (?:value|column)", re.I)


def _pyxform_place(msg: str, q: Questionnaire | None) -> Place:
    row_m = _RE_PYX_ROW.search(msg)
    sheet_m = _RE_PYX_SHEET.search(msg)
    key = sheet_m.group(1).lower() if sheet_m else SURVEY
    sheet = (q.sheet_names.get(key) if q else None) or key
    col = None
    col_m = _RE_PYX_COLUMN.search(msg)
    if col_m and q is not None:
        headers = q.columns.get(key, [])
        use_double = any("::" in h for h in headers)
        want = header_key(col_m.group(1), key, True)
        for i, h in enumerate(headers):
            if h and header_key(h, key, use_double) == want:
                col = column_letter(i + 1)
                break
    if col is None and row_m and q is not None:
        low = msg.lower()
        for word, k in (
            ("calculation", "calculation"),
            ("no name", "name"),
            ("name", "name"),
            ("label", "label"),
            ("constraint", "constraint"),
            ("relevant", "relevant"),
            ("choice", "type"),
        ):
            if word in low:
                col = _column_of(q, key, k)
                if col:
                    break
        col = col or _column_of(q, key, "type" if key == SURVEY else "name") or "A"
    return Place(sheet, int(row_m.group(1)) if row_m else None, col)


def _column_of(q: Questionnaire, sheet: str, key: str) -> str | None:
    headers = q.columns.get(sheet, [])
    use_double = any("::" in h for h in headers)
    for i, h in enumerate(headers):
        if h and header_key(h, sheet, use_double).partition("::")[0] == key:
            return column_letter(i + 1)
    return None


def translate_pyxform_message(msg: str) -> str:
    """A Vietnamese sentence for a pyxform error or warning (the original kept in brackets)."""
    text = _RE_PYX_ROW.sub("", msg).strip()
    low = text.lower()
    if "unknown question type" in low:
        head = "Loại câu hỏi không hợp lệ"
    elif "duplicate" in low and "header" in low:
        head = "Tên cột bị trùng"
    elif "header" in low:
        head = "Tiêu đề cột không hợp lệ hoặc hai cột cùng nghĩa (ví dụ relevant và relevance)"
    elif "missing" in low and "calculation" in low:
        head = "Câu calculate thiếu công thức ở cột calculation"
    elif "list name not in choices sheet" in low or "list_name" in low and "not" in low:
        head = "Danh sách lựa chọn không có trong trang choices"
    elif "invalid" in low and "name" in low:
        head = "Tên không hợp lệ (chỉ dùng chữ không dấu, số, gạch dưới; bắt đầu bằng chữ)"
    elif "no end" in low or "unmatched" in low or "end_group" in low or "end group" in low:
        head = "Nhóm mở/đóng không khớp"
    elif "reference" in low or "${" in text:
        head = "Tham chiếu ${…} không hợp lệ"
    else:
        head = "pyxform không chuyển được bảng hỏi"
    return f"{head}. Chi tiết từ pyxform: {text}"


def translate_pyxform_warning(msg: str) -> str:
    """A Vietnamese sentence for a pyxform warning (the original kept)."""
    text = _RE_PYX_ROW.sub("", msg).strip()
    low = text.lower()
    if "machine-readable codes" in low:
        head = "Tên ngôn ngữ nên kèm mã ngôn ngữ, ví dụ «label::Tiếng Việt (vi)»"
    elif "is missing the" in low and "language" in low:
        head = "Một số ngôn ngữ thiếu cột nhãn/gợi ý tương ứng"
    elif "or_other" in low:
        head = "or_other cùng nhiều ngôn ngữ: nhãn «Other» sẽ không được dịch"
    elif "max-pixels" in low:
        head = "Nên đặt tham số max-pixels cho câu hỏi ảnh"
    elif "label" in low:
        head = "Thiếu nhãn"
    else:
        head = "Cảnh báo từ pyxform"
    return f"{head}. Chi tiết từ pyxform: {text}"


def _convert(xlsform: Any, filename: str | None) -> tuple[str, list[str]]:
    from pyxform import xls2xform
    from pyxform.errors import PyXFormError

    found: list[str] = []
    file_type = None
    if filename:
        ext = Path(filename).suffix.lower()
        file_type = ext if ext in (".xlsx", ".xlsm", ".xls", ".md") else None
    try:
        result = xls2xform.convert(
            xlsform=xlsform, warnings=found, pretty_print=True, file_type=file_type
        )
    except PyXFormError as exc:
        raise XFormConversionError(str(exc)) from exc
    except Exception as exc:  # noqa: BLE001 - pyxform may raise anything on odd input
        raise XFormConversionError(f"{type(exc).__name__}: {exc}") from exc
    return result.xform, found


def xform_issues(
    source: Source | Questionnaire, filename: str | None = None, q: Questionnaire | None = None
) -> tuple[str | None, list[Issue]]:
    """Run pyxform; return (XForm XML or None, issues). pyxform messages become Vietnamese."""
    if isinstance(source, Questionnaire):
        q = q or source
        data, filename = to_xlsx_bytes(source), "form.xlsx"
    else:
        data, filename = _source_bytes(source, filename)
        fmt = sniff_format(data, filename or "")
        if fmt == "csv":  # pyxform's csv support is partial: convert what we read instead
            model = q or read_xlsform(data, filename)
            return xform_issues(model, q=q)
        if not filename or Path(filename).suffix.lower() not in (".xlsx", ".xlsm", ".xls", ".md"):
            filename = "form." + fmt
    try:
        xml, found = _convert(data, filename)
    except XFormConversionError as exc:
        return None, [
            Issue("error", translate_pyxform_message(exc.message), _pyxform_place(exc.message, q))
        ]
    issues = [
        Issue("warning", translate_pyxform_warning(w), _pyxform_place(w, q))
        for w in found
        if w.strip()
    ]
    return xml, issues


def to_xform(q: Questionnaire) -> str:
    """XForm XML of the model via pyxform; raises XFormConversionError (Vietnamese, placed)."""
    xml, issues = xform_issues(q)
    if xml is None:
        err = issues[0]
        raise XFormConversionError(err.message, err.place)
    return xml
