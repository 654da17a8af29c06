"""Reading a flat data file for the report (CSV with or without BOM, XLSX, SAV, Parquet)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd

from khaosat.report.errors import ReportError


def read_data(path: str | Path, questionnaire: Any | None = None) -> pd.DataFrame:
    """The flat data set from a file; select_multiple given as "1 3" is split into 0/1 columns,
    and `unit`/`psu` are taken from the form serial ("12427-0007") when missing."""
    path = Path(path)
    if not path.exists():
        raise ReportError(f"Không tìm thấy tệp dữ liệu {path}. Hãy kiểm tra đường dẫn.")
    suffix = path.suffix.lower()
    try:
        if suffix in (".csv", ".txt"):
            df = pd.read_csv(path, encoding="utf-8-sig", dtype_backend="numpy_nullable")
        elif suffix in (".xlsx", ".xlsm", ".xls"):
            df = pd.read_excel(path)
        elif suffix == ".sav":
            import pyreadstat

            df, _ = pyreadstat.read_sav(str(path))
        elif suffix == ".parquet":
            df = pd.read_parquet(path)
        else:
            raise ReportError(
                f"Không đọc được tệp {path.name}: chỉ nhận CSV, XLSX, SAV hoặc Parquet. Hãy lưu dữ liệu sang một trong các dạng đó."
            )
    except ReportError:
        raise
    except Exception as exc:  # a broken file: say which one, never a traceback
        raise ReportError(
            f"Tệp dữ liệu {path.name} không đọc được ({exc}). Hãy mở lại và lưu thành CSV UTF-8."
        ) from exc
    if questionnaire is not None:
        df = expand_multiple(df, questionnaire)
    if "unit" not in df and "serial" in df:
        df["unit"] = df["serial"].astype(str).str.split("-").str[0]
    if "psu" not in df and "unit" in df:
        df["psu"] = df["unit"]
    return df


def expand_multiple(df: pd.DataFrame, questionnaire: Any) -> pd.DataFrame:
    """Turn a select_multiple column of space-separated codes into `{name}_{code}` 0/1 columns."""
    from khaosat.report.tables import describe_questionnaire

    out = df.copy()
    for info in describe_questionnaire(questionnaire):
        if info.kind != "multiple" or info.name not in out:
            continue
        if any(f"{info.name}_{c}" in out for c in info.codes):
            continue
        raw = out[info.name]

        def has(v: Any, code: Any) -> float | None:
            if v is None or v is pd.NA or (isinstance(v, float) and v != v) or str(v).strip() == "":
                return None
            items = str(v).replace(",", " ").split()
            return 1.0 if str(code) in items else 0.0

        for code in info.codes:
            out[f"{info.name}_{code}"] = pd.to_numeric(
                raw.map(lambda v, c=code: has(v, c)), errors="coerce"
            )
        out = out.drop(columns=[info.name])
    return out
