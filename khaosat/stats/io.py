"""Read a data file for analysis: CSV, XLSX, SPSS .sav or Parquet."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from khaosat.stats.errors import StatsError


def read_table(path: str | Path) -> pd.DataFrame:
    """Read a data set by extension (.csv, .xlsx/.xls, .sav, .parquet) into a DataFrame."""
    p = Path(path)
    if not p.exists():
        raise StatsError(f"Không tìm thấy tệp '{p}'; hãy kiểm tra đường dẫn.")
    ext = p.suffix.lower()
    try:
        if ext in (".csv", ".txt"):
            df = pd.read_csv(p, encoding="utf-8-sig")
            if df.shape[1] == 1 and ";" in str(df.columns[0]):  # Excel's Vietnamese CSV
                df = pd.read_csv(p, sep=";", decimal=",", encoding="utf-8-sig")
            return df
        if ext in (".xlsx", ".xlsm", ".xls"):
            return pd.read_excel(p, sheet_name=0)
        if ext == ".sav":
            import pyreadstat

            df, _meta = pyreadstat.read_sav(str(p))
            return df
        if ext in (".parquet", ".pq"):
            return pd.read_parquet(p)
    except StatsError:
        raise
    except Exception as exc:  # noqa: BLE001 - any reader failure is a bad file for the user
        raise StatsError(
            f"Không đọc được tệp '{p.name}' ({type(exc).__name__}: {exc}); hãy kiểm tra định "
            "dạng và nội dung tệp."
        ) from exc
    raise StatsError(
        f"Định dạng tệp '{ext}' chưa được hỗ trợ; hãy dùng CSV, XLSX, SPSS (.sav) hoặc Parquet."
    )
