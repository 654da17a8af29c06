"""Vietnamese formatting of numbers, percentages, margins, dates and quantifiers."""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping, Sequence
from decimal import ROUND_HALF_UP, Decimal

DASH = "–"  # shown for suppressed or missing cells

# Thresholds (share of respondents) for the verbal quantifiers; overridable in settings.toml
# [quantifiers]. Read as "at least this share" from the top down.
DEFAULT_QUANTIFIERS: tuple[tuple[float, str], ...] = (
    (0.80, "tuyệt đại đa số"),
    (0.50, "đa số"),
    (0.30, "nhiều"),
    (0.10, "một số ý kiến"),
    (0.0, "ít ý kiến"),
)


def _round(x: float, decimals: int) -> Decimal:
    # Half-up on the decimal representation, so 0.4555 shows as 45,6 (not float's 45,5).
    q = Decimal(1).scaleb(-decimals)
    return Decimal(repr(float(x))).quantize(q, rounding=ROUND_HALF_UP)


def fmt_num(x: float | int | None, decimals: int = 1) -> str:
    """Format a number the Vietnamese way: 1.234,5 (dot for thousands, comma for decimals)."""
    if x is None or (isinstance(x, float) and not math.isfinite(x)):
        return DASH
    d = _round(x, decimals)
    sign = "-" if d < 0 else ""
    d = abs(d)
    text = f"{d:.{decimals}f}" if decimals > 0 else f"{d:.0f}"
    whole, _, frac = text.partition(".")
    groups = []
    while len(whole) > 3:
        groups.insert(0, whole[-3:])
        whole = whole[:-3]
    groups.insert(0, whole)
    out = ".".join(groups)
    if frac:
        out += "," + frac
    if sign and any(c not in "0.," for c in out):
        out = sign + out
    return out


def fmt_int(x: float | int | None) -> str:
    """Format a count: 1.000."""
    return fmt_num(x, 0)


def fmt_pct(p: float | None, decimals: int = 1) -> str:
    """Format a proportion (0..1) as a percentage: 0.4553 -> "45,5%"."""
    if p is None or (isinstance(p, float) and not math.isfinite(p)):
        return DASH
    return fmt_num(p * 100.0, decimals) + "%"


def fmt_moe(m: float | None, decimals: int = 1) -> str:
    """Format a margin of error given as a proportion: 0.032 -> "±3,2%"."""
    if m is None or (isinstance(m, float) and not math.isfinite(m)):
        return DASH
    return "±" + fmt_pct(abs(m), decimals)


def fmt_pct_value(p: float | None, decimals: int = 1) -> str:
    """Format a proportion as a percentage number without the sign: 0.4553 -> "45,5"."""
    if p is None or (isinstance(p, float) and not math.isfinite(p)):
        return DASH
    return fmt_num(p * 100.0, decimals)


def parse_num(text: str) -> float:
    """Parse a number written the Vietnamese way ("1.234,5", "45,5%", "±3,2%") back to float."""
    t = text.strip().replace("±", "").replace("%", "").replace(".", "").replace(",", ".")
    return float(t)


def _two(n: int) -> str:
    return f"{n:02d}"


def day_str(day: int) -> str:
    """Day of month as written in Party and State documents: 05, 10, 31."""
    # Hướng dẫn 36-HD/VPTW (03/4/2018) of the Văn phòng Trung ương Đảng, mục thể thức "địa
    # điểm, ngày tháng năm ban hành", and Nghị định 30/2020/NĐ-CP, Phụ lục I, mục II.4: "đối với
    # những số chỉ ngày nhỏ hơn 10 và tháng 1, 2 thì phải ghi thêm số 0 ở trước".
    return _two(day) if day < 10 else str(day)


def month_str(month: int) -> str:
    """Month as written in Party and State documents: 01, 02, 3, …, 12 (zero only for 1 and 2)."""
    # Same rule as day_str: only months 1 and 2 get a leading zero (so "tháng 01" cannot be
    # altered into "tháng 11"/"tháng 12"); months 3..9 are written without it.
    return _two(month) if month in (1, 2) else str(month)


def fmt_doc_date(date: dt.date, place: str | None = None) -> str:
    """Place-and-date line of a document: "Hưng Yên, ngày 05 tháng 6 năm 2026"."""
    text = f"ngày {day_str(date.day)} tháng {month_str(date.month)} năm {date.year}"
    return f"{place}, {text}" if place else text


def fmt_date(date: dt.date | str | None) -> str:
    """Short date dd/mm/yyyy as in the UI and tables: 05/06/2026."""
    if date is None or date == "":
        return DASH
    if isinstance(date, str):
        date = dt.date.fromisoformat(date[:10])
    return f"{date.day:02d}/{date.month:02d}/{date.year}"


def fmt_date_range(start: dt.date | str, end: dt.date | str) -> str:
    """ "từ ngày 05/6/2026 đến ngày 20/6/2026" style range with dd/mm/yyyy dates."""
    return f"từ ngày {fmt_date(start)} đến ngày {fmt_date(end)}"


def quantifier(
    share: float,
    thresholds: Sequence[tuple[float, str]] | Mapping[str, float] | None = None,
) -> str:
    """Verbal quantifier for a share (0..1): "tuyệt đại đa số", "đa số", "nhiều", …"""
    if thresholds is None:
        table = list(DEFAULT_QUANTIFIERS)
    elif isinstance(thresholds, Mapping):
        table = [(float(v), k) for k, v in thresholds.items()]
    else:
        table = [(float(a), b) for a, b in thresholds]
    table.sort(key=lambda t: t[0], reverse=True)
    for limit, word in table:
        if share >= limit:
            return word
    return table[-1][1]


def capitalize_first(text: str) -> str:
    """Upper-case the first letter only (keeps "Nhân dân", "xã/phường" as they are)."""
    return text[:1].upper() + text[1:] if text else text
