"""Anonymity: small-cell suppression (with complementary suppression) and scrubbing of quotes."""

from __future__ import annotations

import re
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

_UPPER = "A-ZĐÀ-ỸÁÂÃÈÉÊÌÍÒÓÔÕÙÚĂĨŨƠƯẠ-ỹ"
_HONORIFIC = r"(?:ông|bà|anh|chị|cô|chú|bác|em|cháu|đồng chí|đ/c|đc)"
_TITLES = (
    r"(?:(?:chủ tịch|phó chủ tịch|bí thư|phó bí thư|trưởng|phó|cán bộ|công chức|trưởng thôn|"
    r"trưởng công an|công an|giám đốc|kế toán|địa chính|văn phòng|tư pháp|xã|phường|thôn|"
    r"tổ trưởng)\s+)*"
)
_NAME_RE = re.compile(
    rf"\b({_HONORIFIC}\s+{_TITLES})((?:\w+)(?:\s+\w+){{0,3}})",
    re.UNICODE | re.IGNORECASE,
)
_EMAIL_RE = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+", re.UNICODE)
# Phones: 0xx… or +84 / 84, 9–11 digits, digits optionally grouped by space, dot or dash.
_PHONE_RE = re.compile(r"(?<![\w+])(?:\+?84|0)(?:[\s.\-]?\d){8,10}(?!\d)")
# CMND (9 digits) and CCCD (12 digits), also written with spaces or dots between groups.
_ID_RE = re.compile(r"(?<!\d)\d(?:[\s.\-]?\d){8}(?:(?:[\s.\-]?\d){3})?(?![\d])")
_LONG_DIGITS_RE = re.compile(r"\d{9,}")

NAME_MASK = "[họ tên]"
PHONE_MASK = "[số điện thoại]"
ID_MASK = "[số giấy tờ]"
EMAIL_MASK = "[email]"


def _mask_name(m: re.Match[str]) -> str:
    # Only the leading words that start with a capital letter are a name ("anh Nguyễn Văn Nam"),
    # not "anh ấy", "bà con", "chị em".
    words = re.split(r"(\s+)", m.group(2))
    taken = 0
    for i in range(0, len(words), 2):
        w = words[i]
        if w[:1].isupper() and not w.isupper() or (len(w) == 1 and w.isupper()):
            taken = i + 1
        else:
            break
    if taken == 0:
        return m.group(0)
    return m.group(1) + NAME_MASK + "".join(words[taken:])


def scrub_text(text: str) -> str:
    """Remove what could identify a person from an open-ended answer: names after ông/bà/anh/chị…,
    phone numbers, CMND/CCCD numbers (9/12 digits) and e-mail addresses."""
    if not text:
        return text
    out = _EMAIL_RE.sub(EMAIL_MASK, text)
    out = _PHONE_RE.sub(PHONE_MASK, out)
    out = _ID_RE.sub(ID_MASK, out)
    out = _LONG_DIGITS_RE.sub(ID_MASK, out)
    out = _NAME_RE.sub(_mask_name, out)
    return out
