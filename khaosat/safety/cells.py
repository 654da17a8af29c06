"""Formula escaping for every cell khaosat writes to CSV or XLSX (OWASP "CSV injection").

A spreadsheet program runs a cell that starts with `= + - @`, a tab or a carriage return as a
formula: a keyer's `=HYPERLINK(…)` or a label `=cmd|' /C calc'!A0` would run on the manager's
machine. Such text gets a leading apostrophe, which Excel and LibreOffice show as plain text.
A plain number written as text (`-1`, `+84`, `2,5`) is left alone: it is not a formula, and
answer codes such as `-1` must stay what they are.

Use `safe_cell` / `safe_row` for csv.writer rows and openpyxl cells, `safe_frame` before a
pandas `to_csv` / `to_excel`, and `writer(fh)` for a csv.writer that escapes by itself.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterable
from typing import Any

TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
_PLAIN_NUMBER = re.compile(r"[+-]?\d+(?:[.,]\d+)?")


def needs_escape(value: Any) -> bool:
    return (
        isinstance(value, str) and value.startswith(TRIGGERS) and not _PLAIN_NUMBER.fullmatch(value)
    )


def safe_cell(value: Any) -> Any:
    """`value` as written to a spreadsheet cell: text that would run as a formula is quoted."""
    if needs_escape(value):
        return "'" + value
    return value


def safe_row(row: Iterable[Any]) -> list[Any]:
    return [safe_cell(v) for v in row]


def safe_frame(frame):
    """A copy of a pandas DataFrame with every text cell (and column name) escaped."""
    import pandas as pd
    from pandas.api import types

    out = frame.copy()
    for col in out.columns:
        dtype = out[col].dtype
        if types.is_numeric_dtype(dtype) or types.is_datetime64_any_dtype(dtype):
            continue  # numbers and dates cannot hold a formula
        if isinstance(dtype, pd.CategoricalDtype):
            out[col] = out[col].astype(object)
        out[col] = out[col].map(safe_cell, na_action="ignore")
    out.columns = [safe_cell(c) for c in out.columns]
    return out


class _SafeWriter:
    def __init__(self, w):
        self._w = w

    def writerow(self, row):
        return self._w.writerow(safe_row(row))

    def writerows(self, rows):
        for row in rows:
            self.writerow(row)

    @property
    def dialect(self):
        return self._w.dialect


def writer(fh, *args, **kwargs) -> _SafeWriter:
    """`csv.writer(fh, …)` whose rows are escaped with `safe_row`."""
    return _SafeWriter(csv.writer(fh, *args, **kwargs))


def set_text(cell, value: Any) -> None:
    """Put `value` into an openpyxl cell; text is escaped and always stored as text."""
    value = safe_cell(value)
    cell.value = value
    if isinstance(value, str):
        cell.data_type = "s"  # openpyxl would otherwise store "=…" as a formula


def escape_workbook(wb) -> None:
    """Escape every text cell of an openpyxl workbook in place; call it just before `save`.

    openpyxl stores a string that starts with "=" as a formula: every such cell is made text.
    """
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                if isinstance(cell.value, str) and (
                    cell.data_type == "f" or needs_escape(cell.value)
                ):
                    set_text(cell, cell.value)


def unescape(value: Any) -> Any:
    """Undo `safe_cell` on text read back from a file khaosat wrote (as Excel itself does)."""
    if isinstance(value, str) and value.startswith("'") and needs_escape(value[1:]):
        return value[1:]
    return value
