"""Anonymity: suppression by base (one rule for the report, the XLSX and the dashboard) and
scrubbing of quotes."""

from __future__ import annotations

from dataclasses import replace

from khaosat.report.model import ResultTable

SUPPRESSION_NOTE = (
    "Dấu “–”: nhóm có dưới {k} người trả lời nên không công bố số liệu để bảo đảm bí mật "
    "người trả lời."
)
CAUTION_NOTE = (
    "Dấu (*): nhóm có dưới {k} người trả lời, số liệu cần thận trọng khi sử dụng (sai số lớn)."
)

HIDE, CAUTION, SHOW = "hide", "caution", "show"


def base_status(n: int, min_base: int = 10, caution_base: int = 30) -> str:
    """The one suppression rule of the report, the XLSX and the dashboard, by unweighted base:
    "hide" below min_base, "caution" below caution_base, else "show"."""
    if n < min_base:
        return HIDE
    if n < caution_base:
        return CAUTION
    return SHOW


def suppression_limits(settings: dict) -> tuple[int, int]:
    """(min_base, caution_base) from the settings' [privacy] table."""
    p = settings.get("privacy", {})
    return int(p.get("min_cell", 10)), int(p.get("caution_base", 30))


def suppress_table(table: ResultTable, min_cell: int = 10, caution: int = 30) -> ResultTable:
    """Apply the base rule to every column of a table: a column whose unweighted base is below
    min_cell is hidden, below `caution` flagged. Cells inside a shown column are shown whatever
    their count (a share of a base of 10 or more identifies no one), so no complementary cell
    is ever hidden."""
    hidden_cols: set[int] = set()
    caution_cols: set[int] = set()
    for c, n in enumerate(table.bases):
        status = base_status(int(n), min_cell, caution)
        if status == HIDE:
            hidden_cols.add(c)
        elif status == CAUTION:
            caution_cols.add(c)
    hidden = {
        (r, c)
        for c in hidden_cols
        for r in range(len(table.row_labels))
        if table.cells[r][c] is not None
    }
    notes = [n for n in table.notes if n not in (SUPPRESSION_NOTE.format(k=min_cell),)]
    # A column with no respondents at all is simply empty, not suppressed.
    if any(table.bases[c] > 0 for c in hidden_cols):
        notes.append(SUPPRESSION_NOTE.format(k=min_cell))
    if caution_cols:
        notes.append(CAUTION_NOTE.format(k=caution))
    return replace(
        table,
        suppressed=hidden,
        suppressed_cols=hidden_cols,
        caution_cols=caution_cols,
        notes=notes,
    )


# --- scrubbing of open-ended quotes -------------------------------------------------------
# One implementation, in the text area (names after titles, phones, ID and party-card numbers,
# e-mails, addresses below commune level).
from khaosat.text.scrub import (  # noqa: E402,F401
    EMAIL_MASK,
    ID_MASK,
    NAME_MASK,
    PHONE_MASK,
    PLACE_MASK,
    scrub_text,
)
