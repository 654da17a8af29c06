"""The signature block and "Nơi nhận", at the end of the body (before the appendices)."""

from __future__ import annotations

from khaosat.report.sections.context import Context


def build(ctx: Context) -> None:
    ctx.add("closing")
