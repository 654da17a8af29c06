"""Vietnamese number formatting: 1.234,5 and 45,5%."""

from __future__ import annotations

import math


def fmt_number(x: float | None, digits: int = 1) -> str:
    """Format a number the Vietnamese way (dot for thousands, comma for decimals)."""
    if x is None or (isinstance(x, float) and not math.isfinite(x)):
        return "–"
    s = f"{x:,.{digits}f}"
    return s.replace(",", "\0").replace(".", ",").replace("\0", ".")


def fmt_percent(p: float | None, digits: int = 1) -> str:
    """Format a proportion 0..1 as a Vietnamese percentage, e.g. 45,5%."""
    if p is None or (isinstance(p, float) and not math.isfinite(p)):
        return "–"
    return fmt_number(100.0 * p, digits) + "%"


def fmt_p(p: float | None) -> str:
    """Format a p-value."""
    if p is None or not math.isfinite(p):
        return "–"
    if p < 0.001:
        return "< 0,001"
    return fmt_number(p, 3)
