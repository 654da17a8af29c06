"""Template filters shared by every page: Vietnamese percentages and margins, dict lookup."""

from django import template
from django.utils import translation

from khaosat.report import vn

register = template.Library()


def _english() -> bool:
    return (translation.get_language() or "vi").startswith("en")


@register.filter
def pct(value, decimals=1):
    """0.455 -> '45,5%' (English: '45.5%')."""
    if value is None or value == "":
        return "–"
    out = vn.fmt_pct(float(value), int(decimals))
    return out.replace(",", ".") if _english() else out


@register.filter
def moe(value, decimals=1):
    """0.032 -> '±3,2%'."""
    if value is None or value == "":
        return "–"
    out = vn.fmt_moe(float(value), int(decimals))
    return out.replace(",", ".") if _english() else out


@register.filter
def get_item(mapping, key):
    return mapping.get(key) if hasattr(mapping, "get") else None
