"""Sampling frames: the list of units (communes/wards, …) with code, name, type and sizes."""

from __future__ import annotations

import csv
import hashlib
import json
import math
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from khaosat.safety import cells
from khaosat.safety.workbooks import Limits, WorkbookRefused, capped_rows, check_xlsx
from khaosat.sampling.errors import FrameError, OptionalPackageMissing

if TYPE_CHECKING:
    import pandas as pd

SIZE_COLUMNS = ("population", "households", "voters", "cadres")
UNIT_TYPES = {"xa": "xã", "phuong": "phường", "dac_khu": "đặc khu", "tinh": "cấp tỉnh"}
_TYPE_ALIASES = {
    "xa": "xa",
    "xã": "xa",
    "phuong": "phuong",
    "phường": "phuong",
    "dac_khu": "dac_khu",
    "dac khu": "dac_khu",
    "đặc khu": "dac_khu",
    "tinh": "tinh",
}
# Vietnamese headers an office spreadsheet may use, mapped to the frame's column names.
_COLUMN_ALIASES = {
    "mã": "code",
    "ma": "code",
    "mã đơn vị": "code",
    "mã xã": "code",
    "tên": "name",
    "ten": "name",
    "tên đơn vị": "name",
    "loại": "type",
    "loai": "type",
    "tỉnh cũ": "former_province",
    "dân số": "population",
    "số hộ": "households",
    "cử tri": "voters",
    "số cử tri": "voters",
    "cán bộ": "cadres",
    "số cán bộ": "cadres",
}
# How the frame's columns are named for people (pages, plan notes).
COLUMN_LABELS = {
    "code": "Mã",
    "name": "Tên đơn vị",
    "type": "Loại",
    "former_province": "Tỉnh cũ",
    "population": "dân số",
    "households": "số hộ",
    "voters": "số cử tri",
    "cadres": "số cán bộ",
}


def column_label(column: str) -> str:
    """A frame column as people read it ("population" -> "dân số"); unknown names unchanged."""
    return COLUMN_LABELS.get(column, column)


HUNG_YEN_PROVINCE_CODE = 33
# GSO codes of the new Hưng Yên: old Hưng Yên up to 12427, old Thái Bình from 12452.
_HUNG_YEN_LAST_OLD_CODE = 12427
_THAI_BINH_FIRST_CODE = 12452
MAX_PROBLEMS = 50


@dataclass
class Frame:
    """A list of units: `rows` are dicts keyed by `columns`; sizes are float or None."""

    columns: list[str]
    rows: list[dict[str, Any]]
    size_columns: tuple[str, ...] = ()
    source: str = ""
    places: list[str] = field(default_factory=list, compare=False, repr=False)

    def __post_init__(self) -> None:
        if len(self.places) != len(self.rows):
            self.places = [f"đơn vị mã {r['code']}" for r in self.rows]

    def __len__(self) -> int:
        return len(self.rows)

    def codes(self) -> list[str]:
        """Unit codes in frame order."""
        return [r["code"] for r in self.rows]

    def unit(self, code: str) -> dict[str, Any]:
        """The row of one unit by code."""
        for r in self.rows:
            if r["code"] == code:
                return r
        raise FrameError(f"Khung mẫu không có đơn vị mã {code}.")

    def has_sizes(self, column: str) -> bool:
        """True when `column` is a size column known (not empty) for every unit."""
        return (
            column in self.size_columns
            and bool(self.rows)
            and all(r.get(column) is not None for r in self.rows)
        )

    def sha256(self) -> str:
        """Checksum of the content (columns and rows), independent of the file it came from."""
        blob = json.dumps(
            {"columns": self.columns, "rows": self.rows}, ensure_ascii=False, sort_keys=True
        )
        return hashlib.sha256(blob.encode("utf-8")).hexdigest()

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe form."""
        return {
            "columns": list(self.columns),
            "size_columns": list(self.size_columns),
            "source": self.source,
            "rows": [dict(r) for r in self.rows],
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Frame:
        """Inverse of `to_dict`."""
        return cls(
            columns=list(data["columns"]),
            rows=[dict(r) for r in data["rows"]],
            size_columns=tuple(data.get("size_columns", ())),
            source=data.get("source", ""),
        )

    def to_dataframe(self) -> pd.DataFrame:
        """The frame as a pandas DataFrame (one row per unit)."""
        import pandas as pd

        return pd.DataFrame(self.rows, columns=self.columns)


# --- reading ---------------------------------------------------------------------------------


def parse_number(value: Any) -> float | None:
    """A size from a cell: None when empty; accepts 12345, 12.345 / 12,345 (thousands), 1,5."""
    if value is None:
        return None
    if isinstance(value, bool):
        raise ValueError(value)
    if isinstance(value, int | float):
        if isinstance(value, float) and math.isnan(value):
            return None
        return float(value)
    text = str(value).strip().replace("\u00a0", "").replace(" ", "")
    if not text:
        return None
    if re.fullmatch(r"\d{1,3}([.,]\d{3})+", text):
        # Grouped digits are counts of people/households: "12.345" and "12,345" are 12345.
        return float(re.sub(r"[.,]", "", text))
    if re.fullmatch(r"-?\d+,\d+", text):
        text = text.replace(",", ".")
    number = float(text)  # raises ValueError for text
    if math.isnan(number) or math.isinf(number):
        raise ValueError(value)
    return number


def normalise_code(value: Any) -> str:
    """A unit code as text: numbers from spreadsheets lose '.0'; short digit codes get 5 digits."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = str(value).strip()
    if re.fullmatch(r"\d+\.0", text):
        text = text[:-2]
    if text.isdigit() and len(text) < 5:
        text = text.zfill(5)  # GSO commune codes are 5 digits; Excel drops leading zeros.
    return text


def normalise_name(value: Any) -> str:
    """A unit name with surrounding and doubled spaces removed."""
    return re.sub(r"\s+", " ", str(value or "")).strip()


def _column_name(header: Any) -> str:
    text = normalise_name(header).lower()
    return _COLUMN_ALIASES.get(text, text)


def read_table(path: str | Path) -> tuple[list[str], list[tuple[str, dict[str, Any]]]]:
    """Rows of a CSV (lines starting with '#' skipped) or XLSX (first sheet) with their places."""
    path = Path(path)
    if not path.exists():
        raise FrameError(f"Không tìm thấy tệp {path}. Kiểm tra lại đường dẫn.")
    suffix = path.suffix.lower()
    if suffix in (".xlsx", ".xlsm"):
        return _read_xlsx(path)
    if suffix in (".csv", ".txt", ""):
        return _read_csv(path)
    raise FrameError(f"Tệp {path.name}: chỉ đọc được CSV hoặc XLSX (đuôi .csv, .xlsx).")


def _read_csv(path: Path) -> tuple[list[str], list[tuple[str, dict[str, Any]]]]:
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as exc:
        raise FrameError(
            f"Tệp {path.name} không phải UTF-8. Hãy lưu lại dưới dạng 'CSV UTF-8'."
        ) from exc
    lines = text.splitlines(keepends=True)
    first = 0
    while first < len(lines) and (
        lines[first].lstrip().startswith("#") or not lines[first].strip()
    ):
        first += 1
    reader = csv.reader(lines[first:])
    try:
        header = next(reader)
    except StopIteration as exc:
        raise FrameError(f"Tệp {path.name} trống: cần một dòng tiêu đề (code,name,…).") from exc
    columns = [_column_name(h) for h in header]
    rows: list[tuple[str, dict[str, Any]]] = []
    for values in reader:
        line = first + reader.line_num
        if not any(v.strip() for v in values):
            continue
        if len(values) > len(columns):
            raise FrameError(
                f"Tệp {path.name}, dòng {line}: có {len(values)} cột, nhiều hơn dòng tiêu đề "
                f"({len(columns)} cột). Kiểm tra dấu phẩy trong tên."
            )
        row = {c: (values[i] if i < len(values) else "") for i, c in enumerate(columns)}
        rows.append((f"tệp {path.name}, dòng {line}", row))
    return columns, rows


# A frame lists communes/wards: a province has a few hundred, the country about 10.000.
FRAME_LIMITS = Limits(max_rows=50_000, max_columns=200, max_cells=300_000)


def _read_xlsx(path: Path) -> tuple[list[str], list[tuple[str, dict[str, Any]]]]:
    import openpyxl

    try:  # size, rows, columns and macros from the zip directory, before any parsing
        check_xlsx(path.read_bytes(), path.name, FRAME_LIMITS)
    except WorkbookRefused as exc:
        raise FrameError(exc.message) from exc
    try:
        wb = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for a damaged file
        raise FrameError(f"Không mở được tệp Excel {path.name}: {exc}") from exc
    ws = wb.worksheets[0]
    columns: list[str] | None = None
    rows: list[tuple[str, dict[str, Any]]] = []
    try:
        width = min(ws.max_column or FRAME_LIMITS.max_columns, FRAME_LIMITS.max_columns)
        raw = capped_rows(ws, path.name, FRAME_LIMITS, max_col=max(width, 1), stop_after_empty=1000)
        table = list(enumerate(raw, start=1))
    except WorkbookRefused as exc:
        wb.close()
        raise FrameError(exc.message) from exc
    for r, values in table:
        if not any(v is not None and str(v).strip() for v in values):
            continue
        if columns is None:
            columns = [_column_name(v) for v in values]
            continue
        row = {c: (values[i] if i < len(values) else None) for i, c in enumerate(columns) if c}
        rows.append((f"trang tính '{ws.title}', dòng {r}", row))
    wb.close()
    if columns is None:
        raise FrameError(f"Tệp {path.name} trống: cần một dòng tiêu đề (code, name, …).")
    return [c for c in columns if c], rows


def parse_frame(
    columns: Sequence[str],
    rows: Iterable[tuple[str, dict[str, Any]]],
    *,
    source: str = "",
    size_columns: Sequence[str] = (),
) -> Frame:
    """Validate raw rows into a Frame; every problem names its row and column."""
    columns = list(columns)
    problems: list[str] = []
    for required, label in (("code", "mã đơn vị"), ("name", "tên đơn vị")):
        if required not in columns:
            raise FrameError(
                f"{source or 'Khung mẫu'}: thiếu cột '{required}' ({label}). "
                "Dòng tiêu đề phải có ít nhất các cột code, name."
            )
    sizes = [c for c in columns if c in SIZE_COLUMNS or c in size_columns]
    for c in size_columns:
        if c not in columns:
            raise FrameError(f"{source or 'Khung mẫu'}: không có cột quy mô '{c}'.")
    out_rows: list[dict[str, Any]] = []
    places: list[str] = []
    seen: dict[str, str] = {}
    for place, raw in rows:
        row: dict[str, Any] = {}
        code = normalise_code(raw.get("code"))
        if not code:
            problems.append(f"{place}, cột code: thiếu mã đơn vị. Điền mã (ví dụ 12427).")
        elif code in seen:
            problems.append(
                f"{place}, cột code: mã {code} bị trùng với {seen[code]}. Mỗi đơn vị một mã."
            )
        else:
            seen[code] = place
        row["code"] = code
        name = normalise_name(raw.get("name"))
        if not name:
            problems.append(f"{place}, cột name: thiếu tên đơn vị. Điền tên xã/phường.")
        row["name"] = name
        for c in columns:
            if c in ("code", "name"):
                continue
            value = raw.get(c)
            if c in sizes:
                row[c] = _size_value(value, place, c, problems)
            elif c == "type":
                text = normalise_name(value)
                row[c] = _TYPE_ALIASES.get(text.lower(), text)
            else:
                row[c] = normalise_name(value) if value is not None else ""
        out_rows.append(row)
        places.append(place)
    if not out_rows:
        problems.append(f"{source or 'Khung mẫu'}: không có đơn vị nào (chỉ có dòng tiêu đề).")
    if problems:
        raise FrameError(_cap(problems))
    return Frame(
        columns=columns, rows=out_rows, size_columns=tuple(sizes), source=source, places=places
    )


def _size_value(value: Any, place: str, column: str, problems: list[str]) -> float | None:
    try:
        number = parse_number(value)
    except ValueError:
        problems.append(
            f"{place}, cột {column}: '{value}' không phải là số. Nhập số (ví dụ 12345) hoặc để trống."
        )
        return None
    if number is not None and number < 0:
        problems.append(f"{place}, cột {column}: quy mô âm ({value}). Quy mô phải ≥ 0.")
        return None
    return number


def _cap(problems: list[str]) -> list[str]:
    if len(problems) > MAX_PROBLEMS:
        more = len(problems) - MAX_PROBLEMS
        return problems[:MAX_PROBLEMS] + [f"… và {more} lỗi khác."]
    return problems


def read_frame(path: str | Path, *, size_columns: Sequence[str] = ()) -> Frame:
    """Read and validate a frame from CSV or XLSX (`size_columns` beyond the standard ones)."""
    columns, rows = read_table(path)
    return parse_frame(columns, rows, source=Path(path).name, size_columns=size_columns)


def write_frame(frame: Frame, path: str | Path, *, header: Sequence[str] = ()) -> None:
    """Write a frame as UTF-8 CSV; `header` lines are written first as '# ' comments."""
    path = Path(path)
    with path.open("w", encoding="utf-8", newline="") as fh:
        for line in header:
            fh.write(f"# {line}\n")
        writer = cells.writer(fh, lineterminator="\n")
        writer.writerow(frame.columns)
        for row in frame.rows:
            writer.writerow([_cell(row.get(c)) for c in frame.columns])


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    return str(value)


# --- sizes -------------------------------------------------------------------------------------


def import_sizes(frame: Frame, path: str | Path, *, columns: Sequence[str] | None = None) -> Frame:
    """A copy of `frame` with size columns filled from a CSV/XLSX keyed by unit code."""
    cols, rows = read_table(path)
    name = Path(path).name
    if "code" not in cols:
        raise FrameError(f"Tệp {name}: thiếu cột 'code' (mã đơn vị) để ghép quy mô với khung mẫu.")
    wanted = list(columns) if columns else [c for c in cols if c in SIZE_COLUMNS]
    if not wanted:
        raise FrameError(
            f"Tệp {name}: không có cột quy mô nào ({', '.join(SIZE_COLUMNS)}). "
            "Đặt tên cột theo một trong các tên đó hoặc chỉ rõ cột cần nhập."
        )
    for c in wanted:
        if c not in cols:
            raise FrameError(f"Tệp {name}: không có cột quy mô '{c}'.")
    known = set(frame.codes())
    problems: list[str] = []
    values: dict[str, dict[str, float | None]] = {}
    seen: dict[str, str] = {}
    for place, raw in rows:
        code = normalise_code(raw.get("code"))
        if not code:
            problems.append(f"{place}, cột code: thiếu mã đơn vị.")
            continue
        if code not in known:
            problems.append(
                f"{place}, cột code: mã {code} không có trong khung mẫu. Kiểm tra lại mã."
            )
            continue
        if code in seen:
            problems.append(f"{place}, cột code: mã {code} bị trùng với {seen[code]}.")
            continue
        seen[code] = place
        values[code] = {c: _size_value(raw.get(c), place, c, problems) for c in wanted}
    if problems:
        raise FrameError(_cap(problems))
    new_columns = list(frame.columns) + [c for c in wanted if c not in frame.columns]
    new_rows = []
    for row in frame.rows:
        new = dict(row)
        for c in wanted:
            if row["code"] in values:
                new[c] = values[row["code"]][c]
            else:
                new.setdefault(c, None)
        new_rows.append(new)
    sizes = tuple(dict.fromkeys([*frame.size_columns, *wanted]))
    return Frame(
        columns=new_columns,
        rows=new_rows,
        size_columns=sizes,
        source=frame.source,
        places=list(frame.places),
    )


def missing_sizes(frame: Frame, column: str) -> list[str]:
    """Codes of units whose size in `column` is empty."""
    return [r["code"] for r in frame.rows if r.get(column) is None]


# --- frames from the `vietnam-provinces` package (optional, GPL) -------------------------------

PROVINCES_HINT = (
    "Cần gói tùy chọn 'vietnam-provinces' (giấy phép GPL, không cài mặc định). "
    "Cài bằng: pip install 'khaosat[provinces]' rồi chạy lại lệnh."
)


def _provinces_module():
    try:
        import vietnam_provinces
    except ImportError as exc:
        raise OptionalPackageMissing(PROVINCES_HINT) from exc
    return vietnam_provinces


def list_provinces() -> list[tuple[int, str, str]]:
    """(code, name, codename) of every province, from the optional package."""
    vp = _provinces_module()
    return sorted((int(p.code), p.name, p.codename) for p in vp.Province.iter_all())


def provinces_package_version() -> str:
    """Version and data date of the installed `vietnam-provinces` package."""
    vp = _provinces_module()
    return f"{vp.__version__} (dữ liệu {getattr(vp, '__data_version__', '?')})"


def frame_from_province(province: str | int) -> Frame:
    """The communes/wards of one province (GSO code or codename) from `vietnam-provinces`."""
    vp = _provinces_module()
    wanted = str(province).strip().lower()
    chosen = None
    for p in vp.Province.iter_all():
        if wanted in (str(int(p.code)), f"{int(p.code):02d}", p.codename, p.name.lower()):
            chosen = p
    if chosen is None:
        codes = ", ".join(f"{c:02d} {n}" for c, n, _ in list_provinces())
        raise FrameError(f"Không có tỉnh/thành phố '{province}'. Các mã hợp lệ: {codes}.")
    wards = sorted(vp.Ward.iter_by_province(chosen.code), key=lambda w: int(w.code))
    is_hung_yen = int(chosen.code) == HUNG_YEN_PROVINCE_CODE
    columns = ["code", "name", "type"]
    if is_hung_yen:
        columns.append("former_province")
    columns += list(SIZE_COLUMNS)
    rows = []
    for w in wards:
        code = int(w.code)
        row: dict[str, Any] = {
            "code": f"{code:05d}",
            "name": normalise_name(w.name),
            "type": _TYPE_ALIASES.get(w.division_type.value, w.division_type.value),
        }
        if is_hung_yen:
            row["former_province"] = _hung_yen_former_province(code)
        row.update(dict.fromkeys(SIZE_COLUMNS))
        rows.append(row)
    return Frame(
        columns=columns,
        rows=rows,
        size_columns=SIZE_COLUMNS,
        source=f"vietnam-provinces {vp.__version__}: {chosen.name}",
    )


def _hung_yen_former_province(code: int) -> str:
    if code <= _HUNG_YEN_LAST_OLD_CODE:
        return "Hưng Yên"
    if code >= _THAI_BINH_FIRST_CODE:
        return "Thái Bình"
    raise FrameError(f"Mã {code} nằm giữa hai dải mã của Hưng Yên cũ và Thái Bình cũ.")
