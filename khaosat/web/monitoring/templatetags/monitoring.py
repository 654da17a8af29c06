"""Template filters of the monitoring pages."""

from django import template

register = template.Library()


@register.filter
def pct(value) -> str:
    """0.455 -> '45,5%' (Vietnamese); '—' for None."""
    if value is None:
        return "—"
    return f"{100 * value:.1f}".replace(".", ",") + "%"
