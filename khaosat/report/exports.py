"""Writers for the other outputs: XLSX tables, SPSS .sav, Stata .dta, CSV (+ codebook), PDF."""

from __future__ import annotations

import math
import os
import re
import shutil
import subprocess
import tempfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from khaosat.report import vn
from khaosat.report.errors import ReportError
from khaosat.report.model import ResultTable
from khaosat.safety.cells import escape_workbook, safe_frame


@dataclass
class CodebookEntry:
    """One variable of the flat data set: label, type and value labels (code -> label)."""

    variable: str
    label: str = ""
    type: str = ""
    values: dict[Any, str] = field(default_factory=dict)
    missing: list[Any] = field(default_factory=list)  # user-missing codes (9 "Không rõ")
    measure: str = ""  # nominal | ordinal | scale (SPSS)


def codebook_from_questionnaire(
    questionnaire: Any, df: pd.DataFrame | None = None, lang: str = "vi"
) -> list[CodebookEntry]:
    """Codebook of the questionnaire area (khaosat.questionnaire.codebook) when available, else
    built here; plus entries for design columns found in df."""
    try:
        from khaosat.questionnaire.codebook import codebook as area_codebook

        out = coerce_codebook(area_codebook(questionnaire, lang))
    except ImportError:
        out = _own_codebook(questionnaire, lang)
    if df is not None:
        known = {e.variable for e in out}
        for col in df.columns:
            if col not in known:
                out.append(
                    CodebookEntry(
                        str(col),
                        _DESIGN_LABELS.get(str(col), str(col)),
                        "design" if col in _DESIGN_LABELS else "",
                    )
                )
    return out


def _own_codebook(questionnaire: Any, lang: str) -> list[CodebookEntry]:
    from khaosat.report.tables import describe_questionnaire

    out: list[CodebookEntry] = []
    for info in describe_questionnaire(questionnaire, lang):
        if info.kind == "multiple":
            for code, label in zip(info.codes, info.labels, strict=True):
                out.append(
                    CodebookEntry(
                        f"{info.name}_{code}",
                        f"{info.number}. {info.label}: {label}",
                        "select_multiple",
                        {0: "Không chọn", 1: "Có chọn"},
                    )
                )
        else:
            values = dict(zip(info.codes, info.labels, strict=True))
            out.append(CodebookEntry(info.name, f"{info.number}. {info.label}", info.kind, values))
    return out


_DESIGN_LABELS = {
    "serial": "Số phiếu",
    "unit": "Đơn vị",
    "stratum": "Tầng",
    "psu": "Đơn vị mẫu bậc một",
    "weight": "Trọng số",
    "fpc": "Hiệu chỉnh quần thể hữu hạn",
    "nhom": "Nhóm đối tượng",
    "mo_phong": "Dữ liệu mô phỏng (1 = mô phỏng)",
    "region": "Địa bàn (tỉnh cũ)",
}


def coerce_codebook(codebook: Any) -> list[CodebookEntry]:
    """Accept our entries, a list of dicts or a DataFrame (variable, label, type, value labels)."""
    if codebook is None:
        return []
    if isinstance(codebook, pd.DataFrame):
        codebook = codebook.to_dict("records")
    if isinstance(codebook, dict):
        codebook = [
            {"variable": k, **(v if isinstance(v, dict) else {"label": v})}
            for k, v in codebook.items()
        ]
    out = []
    for item in codebook:
        if isinstance(item, CodebookEntry):
            out.append(item)
            continue
        if not isinstance(item, dict):
            item = vars(item)
        values = item.get("values") or item.get("value_labels") or item.get("labels_map") or {}
        out.append(
            CodebookEntry(
                str(item.get("variable") or item.get("name")),
                str(item.get("label") or ""),
                str(item.get("type") or ""),
                dict(values),
                list(item.get("missing_codes") or item.get("missing") or []),
                str(item.get("measure") or ""),
            )
        )
    return out


# --- CSV ---------------------------------------------------------------------------------


def write_csv(df: pd.DataFrame, path: str | Path, codebook: Any = None) -> list[Path]:
    """Data as UTF-8 CSV with BOM (opens correctly in Excel), plus `<name>_codebook.csv`."""
    path = Path(path)
    safe_frame(df).to_csv(path, index=False, encoding="utf-8-sig", lineterminator="\n")
    written = [path]
    entries = coerce_codebook(codebook)
    if entries:
        rows = []
        for e in entries:
            if e.values:
                for code, label in e.values.items():
                    rows.append([e.variable, e.label, e.type, code, label])
            else:
                rows.append([e.variable, e.label, e.type, "", ""])
        cb = pd.DataFrame(rows, columns=["bien", "nhan", "kieu", "ma", "nhan_gia_tri"])
        cb_path = path.with_name(path.stem + "_codebook.csv")
        safe_frame(cb).to_csv(cb_path, index=False, encoding="utf-8-sig", lineterminator="\n")
        written.append(cb_path)
    return written


# --- SPSS / Stata ------------------------------------------------------------------------

_NAME_OK = re.compile(r"^[A-Za-z][A-Za-z0-9_]{0,31}$")


def _numeric_frame(df: pd.DataFrame) -> pd.DataFrame:
    """Columns that hold only numbers become float; others stay text (empty for missing)."""
    out = pd.DataFrame(index=df.index)
    for col in df.columns:
        s = df[col]
        num = pd.to_numeric(s, errors="coerce")
        if s.notna().sum() == num.notna().sum():
            out[col] = num.astype(float)
        else:
            out[col] = s.map(
                lambda v: "" if v is None or (isinstance(v, float) and math.isnan(v)) else str(v)
            )
    return out


def _labels_for(
    df: pd.DataFrame, entries: list[CodebookEntry], max_label: int | None
) -> tuple[list[str], dict[str, dict[float, str]]]:
    by_var = {e.variable: e for e in entries}
    col_labels, value_labels = [], {}
    for col in df.columns:
        e = by_var.get(col)
        label = e.label if e else _DESIGN_LABELS.get(str(col), "")
        col_labels.append(label[:max_label] if max_label else label)
        if e and e.values and pd.api.types.is_numeric_dtype(df[col]):
            vals = {}
            for code, text in e.values.items():
                try:
                    vals[float(code)] = text[:max_label] if max_label else text
                except (TypeError, ValueError):
                    continue
            if vals:
                value_labels[col] = vals
    return col_labels, value_labels


def _check_names(df: pd.DataFrame, fmt: str) -> None:
    bad = [c for c in df.columns if not _NAME_OK.match(str(c))]
    if bad:
        raise ReportError(
            f"Tên biến không hợp lệ cho tệp {fmt}: {', '.join(map(str, bad[:5]))}. "
            "Tên biến phải bắt đầu bằng chữ cái, chỉ gồm chữ không dấu, số, dấu gạch dưới, tối đa 32 ký tự; "
            "hãy đổi tên trong bảng hỏi."
        )


def write_sav(df: pd.DataFrame, path: str | Path, codebook: Any = None) -> Path:
    """SPSS .sav with variable labels and value labels (pyreadstat)."""
    import pyreadstat

    _check_names(df, "SPSS (.sav)")
    data = _numeric_frame(df)
    entries = coerce_codebook(codebook)
    col_labels, value_labels = _labels_for(data, entries, None)
    missing: dict[str, list[float]] = {}
    measure: dict[str, str] = {}
    for e in entries:
        if e.variable not in data or not pd.api.types.is_numeric_dtype(data[e.variable]):
            continue
        codes = [float(c) for c in e.missing if isinstance(c, int | float)]
        if codes:
            missing[e.variable] = codes[:3]  # SPSS takes up to three discrete missing values
        if e.measure in ("nominal", "ordinal", "scale"):
            measure[e.variable] = e.measure
    pyreadstat.write_sav(
        data,
        str(path),
        column_labels=col_labels,
        variable_value_labels=value_labels,
        missing_ranges=missing or None,
        variable_measure=measure or None,
    )
    return Path(path)


def write_dta(df: pd.DataFrame, path: str | Path, codebook: Any = None) -> Path:
    """Stata .dta (version 15, UTF-8) with variable and value labels (labels cut to 80 chars)."""
    import pyreadstat

    _check_names(df, "Stata (.dta)")
    data = _numeric_frame(df)
    # Stata has no infinity: an infinite fpc (a unit counted as drawn with replacement, e.g. a
    # certainty unit's respondents) is written as missing, which Stata's svyset reads the same.
    for col in data.columns:
        if pd.api.types.is_float_dtype(data[col]):
            data[col] = data[col].where(np.isfinite(data[col]) | data[col].isna())
    col_labels, value_labels = _labels_for(data, coerce_codebook(codebook), 80)
    # Stata value labels take integer codes only.
    value_labels = {
        k: {int(c): t for c, t in v.items() if float(c).is_integer()}
        for k, v in value_labels.items()
    }
    try:
        pyreadstat.write_dta(
            data,
            str(path),
            column_labels=col_labels,
            variable_value_labels=value_labels,
            version=15,
        )
    except Exception as exc:  # pyreadstat.ReadstatError and friends: one sentence, no traceback
        Path(path).unlink(missing_ok=True)
        raise ReportError(
            f"Không ghi được tệp Stata (.dta): {str(exc).strip() or type(exc).__name__}. "
            "Hãy xuất dạng SPSS (.sav) hoặc CSV."
        ) from exc
    return Path(path)


# --- XLSX -------------------------------------------------------------------------------

PCT_FORMAT = "0.0"  # Excel shows the decimal separator of the user's locale (vi-VN: 45,5)
INT_FORMAT = "#,##0"  # vi-VN: 1.234


def _sheet_name(base: str, used: set[str]) -> str:
    name = re.sub(r"[\[\]:*?/\\]", "-", base)[:31] or "Bang"
    k = 2
    candidate = name
    while candidate.lower() in used:
        suffix = f" ({k})"
        candidate = name[: 31 - len(suffix)] + suffix
        k += 1
    used.add(candidate.lower())
    return candidate


def write_xlsx(
    sheets: Sequence[tuple[str, Sequence[ResultTable]]],
    path: str | Path,
    info: Iterable[tuple[str, str]] = (),
) -> Path:
    """Workbook of tables: one sheet per question (its overall table and cross-tabs with n, %, CI)."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font
    from openpyxl.utils import get_column_letter

    wb = Workbook()
    index = wb.active
    index.title = "Mục lục"
    used = {"mục lục"}
    index.append(["Bảng kết quả khảo sát (tỷ lệ % có trọng số; n = số người trả lời)"])
    index["A1"].font = Font(bold=True, size=13)
    for key, value in info:
        index.append([key, value])
    index.append([])
    index.append(["Trang tính", "Câu hỏi"])
    bold = Font(bold=True)
    for name, tables in sheets:
        if not tables:
            continue
        title = _sheet_name(name, used)
        index.append([title, tables[0].title])
        ws = wb.create_sheet(title)
        row = 1
        for table in tables:
            ws.cell(row=row, column=1, value=table.title).font = Font(bold=True, size=12)
            row += 1
            if table.group_variable:
                ws.cell(
                    row=row,
                    column=1,
                    value="Chia theo: "
                    + ", ".join(table.col_labels[1:] if table.total_col == 0 else table.col_labels),
                )
                row += 1
            header = [table.row_header]
            for c in table.col_labels:
                header += [
                    f"{c}: n",
                    f"{c}: %",
                    f"{c}: CI dưới (%)",
                    f"{c}: CI trên (%)",
                    f"{c}: sai số (±%)",
                ]
            for j, h in enumerate(header, start=1):
                cell = ws.cell(row=row, column=j, value=h)
                cell.font = bold
                cell.alignment = Alignment(wrap_text=True, vertical="center")
            row += 1
            for r, label in enumerate(table.row_labels):
                ws.cell(row=row, column=1, value=label)
                for c in range(len(table.col_labels)):
                    est = table.cell(r, c)
                    base_col = 2 + 5 * c
                    if est is None:
                        for k in range(5):
                            ws.cell(row=row, column=base_col + k, value=vn.DASH)
                        continue
                    count = est.count if est.count is not None else None
                    vals = [
                        count,
                        est.value * 100,
                        None if est.ci_low is None else est.ci_low * 100,
                        None if est.ci_high is None else est.ci_high * 100,
                        None if est.moe is None else est.moe * 100,
                    ]
                    for k, v in enumerate(vals):
                        cell = ws.cell(row=row, column=base_col + k, value=v)
                        cell.number_format = INT_FORMAT if k == 0 else PCT_FORMAT
                row += 1
            ws.cell(row=row, column=1, value="Số người trả lời (n)").font = bold
            for c in range(len(table.col_labels)):
                cell = ws.cell(
                    row=row,
                    column=2 + 5 * c,
                    value=vn.DASH if c in table.suppressed_cols else table.bases[c],
                )
                cell.number_format = INT_FORMAT
            row += 1
            if table.test is not None and table.test.p_value == table.test.p_value:
                ws.cell(
                    row=row,
                    column=1,
                    value=f"Kiểm định ({table.test.method}): p = {vn.fmt_num(table.test.p_value, 3)}",
                )
                row += 1
            for note in table.notes:
                ws.cell(row=row, column=1, value=note).font = Font(italic=True)
                row += 1
            row += 1
        ws.column_dimensions["A"].width = 45
        for j in range(2, ws.max_column + 1):
            ws.column_dimensions[get_column_letter(j)].width = 12
        ws.freeze_panes = "B1"
    index.column_dimensions["A"].width = 22
    index.column_dimensions["B"].width = 90
    wb.properties.creator = "khaosat"
    escape_workbook(wb)  # labels and open answers never run as formulas
    wb.save(str(path))
    return Path(path)


# --- PDF ---------------------------------------------------------------------------------

PDF_MISSING = (
    "Máy chủ chưa cài LibreOffice (không có lệnh soffice hoặc libreoffice) nên không tạo được tệp PDF. "
    "Hãy cài gói libreoffice-writer-nogui (apt-get install libreoffice-writer-nogui), "
    "hoặc mở tệp DOCX bằng Word/LibreOffice rồi lưu thành PDF."
)


def soffice_path() -> str | None:
    """Path of the LibreOffice binary, or None when it is not installed."""
    for name in ("soffice", "libreoffice"):
        found = shutil.which(name)
        if found:
            return found
    return None


def docx_to_pdf(
    docx_path: str | Path, out_dir: str | Path | None = None, timeout: int = 180
) -> Path:
    """Convert a DOCX to PDF with LibreOffice headless; ReportError (Vietnamese) when not possible."""
    exe = soffice_path()
    if exe is None:
        raise ReportError(PDF_MISSING)
    docx_path = Path(docx_path).resolve()
    out_dir = Path(out_dir or docx_path.parent).resolve()
    out_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="khaosat-lo-") as profile:
        # A private profile lets several conversions run at once without locking each other.
        cmd = [
            exe,
            f"-env:UserInstallation=file://{profile}",
            "--headless",
            "--norestore",
            "--convert-to",
            "pdf",
            "--outdir",
            str(out_dir),
            str(docx_path),
        ]
        try:
            proc = subprocess.run(
                cmd, capture_output=True, timeout=timeout, env={**os.environ, "HOME": profile}
            )
        except subprocess.TimeoutExpired as exc:
            raise ReportError(
                f"LibreOffice chuyển {docx_path.name} sang PDF quá {timeout} giây. Hãy thử lại khi máy chủ bớt tải."
            ) from exc
    pdf = out_dir / (docx_path.stem + ".pdf")
    if proc.returncode != 0 or not pdf.exists():
        msg = (proc.stderr or proc.stdout or b"").decode("utf-8", "replace").strip()[:300]
        raise ReportError(
            f"LibreOffice không chuyển được {docx_path.name} sang PDF: {msg or 'không rõ lỗi'}."
        )
    return pdf
