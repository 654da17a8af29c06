"""Anonymity: small-cell suppression (with complementary suppression) and scrubbing of quotes."""

from __future__ import annotations

from dataclasses import replace

from khaosat.report.model import ResultTable

SUPPRESSION_NOTE = (
    "Dấu “–”: số người trả lời dưới {k} nên không công bố để bảo đảm bí mật người trả lời; "
    "một số ô khác cũng được ẩn để không suy ra được ô đã ẩn từ tổng."
)


def _count(table: ResultTable, r: int, c: int) -> int:
    est = table.cells[r][c]
    if est is None:
        return 0
    if est.count is not None:
        return int(est.count)
    return int(round(est.value * est.n)) if est.kind == "proportion" else int(est.n)


def suppress_table(table: ResultTable, min_cell: int = 10) -> ResultTable:
    """Hide cells with 1..min_cell-1 respondents (and columns whose base is small), then hide
    complementary cells so no hidden cell can be recovered from column or row totals."""
    nrows, ncols = len(table.row_labels), len(table.col_labels)
    hidden: set[tuple[int, int]] = set()
    hidden_cols: set[int] = set()
    for c in range(ncols):
        if table.bases[c] < min_cell:
            hidden_cols.add(c)
            hidden.update((r, c) for r in range(nrows) if table.cells[r][c] is not None)
    for r in range(nrows):
        for c in range(ncols):
            if table.cells[r][c] is None:
                continue
            k = _count(table, r, c)
            if 0 < k < min_cell:
                hidden.add((r, c))

    # Constraint sets: cells whose sum is published (a column of a single-choice table adds to
    # its base / 100%; a row adds up to the "Chung" column when that column is shown).
    sets: list[list[tuple[int, int]]] = []
    if table.additive:
        for c in range(ncols):
            sets.append([(r, c) for r in range(nrows) if table.cells[r][c] is not None])
    if table.total_col is not None:
        for r in range(nrows):
            sets.append([(r, c) for c in range(ncols) if table.cells[r][c] is not None])

    changed = True
    while changed:
        changed = False
        for cells in sets:
            inside = [rc for rc in cells if rc in hidden]
            if len(inside) != 1:
                continue
            free = [rc for rc in cells if rc not in hidden]
            if not free:
                continue
            # Prefer the smallest non-zero cell: hiding a zero protects less.
            free.sort(key=lambda rc: (_count(table, *rc) == 0, _count(table, *rc), rc))
            hidden.add(free[0])
            changed = True

    notes = list(table.notes)
    if hidden:
        note = SUPPRESSION_NOTE.format(k=min_cell)
        if note not in notes:
            notes.append(note)
    return replace(table, suppressed=set(hidden), suppressed_cols=hidden_cols, notes=notes)


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
