"""Result tables (weighted %, base n, margins of error) built from a questionnaire and the flat data."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from khaosat.report.backend import Estimator
from khaosat.report.model import Estimate, ResultTable

TOTAL_LABEL = "Chung"
DONT_KNOW_CODE = 9
LANG = "vi"


@dataclass(frozen=True)
class QuestionInfo:
    """What the report needs to know about one question, independent of the questionnaire API."""

    name: str
    number: str  # "B1", "C7.3"
    label: str
    kind: str  # single | multiple | scale5 | numeric | text | other
    codes: list[Any]
    labels: list[str]
    group: str = ""  # block name (a..g)
    group_label: str = ""
    matrix: str = ""  # name of the table-list group for matrix rows
    matrix_label: str = ""


def _label(item: Any, lang: str, default_language: str) -> str:
    try:
        return item.label(lang, default_language) or item.name
    except TypeError:
        return item.label(lang) or item.name


_NUMBER_PREFIX = re.compile(r"^\s*(?:[A-Z]\d+[a-z]?(?:\.\d+)*|[A-Z])[.:)]\s+")


def clean_label(text: str) -> str:
    """A label without the printed number ("B1. Ông/Bà …" -> "Ông/Bà …", "B. HIỂU BIẾT …" ->
    "Hiểu biết …"); an all-capitals section title becomes sentence case."""
    out = _NUMBER_PREFIX.sub("", text or "").strip()
    if out.isupper():
        out = out[:1] + out[1:].lower()
    return out or text


def describe_questionnaire(questionnaire: Any, lang: str = LANG) -> list[QuestionInfo]:
    """Questions in form order with kind, codes and labels (questionnaire area's model)."""
    dl = getattr(questionnaire, "default_language", "") or ""
    out: list[QuestionInfo] = []
    for q in questionnaire.iter_questions():
        if not getattr(q, "has_value", True) or getattr(q, "is_metadata", False):
            continue
        if q.type == "calculate":
            continue
        groups = questionnaire.ancestors(q.name)
        block = groups[0] if groups else None
        matrix = next((g for g in groups if "table-list" in (g.appearance or "")), None)
        choices = questionnaire.choices_of(q) if q.is_select else []
        codes = [c.code for c in choices]
        labels = [_label(c, lang, dl) for c in choices]
        if q.is_multiple:
            kind = "multiple"
        elif q.is_select:
            # CONTRACT: five-point scales code 1..5 (1 = most negative) plus 9 "Không rõ".
            kind = "scale5" if set(codes) == {1, 2, 3, 4, 5, 9} else "single"
        elif q.type in ("integer", "decimal", "range"):
            kind = "numeric"
        elif q.type == "text":
            kind = "text"
        else:
            kind = "other"
        number = q.name.upper()
        if matrix is not None and "_" in q.name:
            head, _, tail = q.name.rpartition("_")
            number = f"{head.upper()}.{tail}"
        out.append(
            QuestionInfo(
                name=q.name,
                number=number,
                label=clean_label(_label(q, lang, dl)),
                kind=kind,
                codes=codes,
                labels=labels,
                group=block.name if block is not None else "",
                group_label=clean_label(_label(block, lang, dl)) if block is not None else "",
                matrix=matrix.name if matrix is not None else "",
                matrix_label=clean_label(_label(matrix, lang, dl)) if matrix is not None else "",
            )
        )
    return out


def _with_label(est: Estimate, label: str) -> Estimate:
    from dataclasses import replace

    return replace(est, label=label)


def frequency_table(
    info: QuestionInfo,
    df: pd.DataFrame,
    estimator: Estimator,
    by: str | None = None,
    by_levels: list[tuple[Any, str]] | None = None,
    include_total: bool = True,
    title: str | None = None,
) -> ResultTable:
    """Weighted shares of each answer of a select question, overall and by a group variable.

    The estimates (cells, bases, test) of a question by a group are computed once per data
    frame when the estimator keeps a memo (StatsEstimator.memo): the report's sections, its
    XLSX annex and the web dashboard then share them, and the "Chung" column of every table by
    group is the question's overall table."""
    levels = [lv for lv, _ in by_levels or []]
    cells, bases, test = frequency_cells_of(info, df, estimator, by, levels, include_total)
    labels = ([TOTAL_LABEL] if by is None or include_total else []) + [
        lab for _, lab in by_levels or []
    ]
    table = ResultTable(
        variable=info.name,
        title=title or f"Câu {info.number}. {info.label}",
        row_labels=list(info.labels),
        col_labels=labels if by is not None else [TOTAL_LABEL],
        cells=[list(r) for r in cells],
        bases=list(bases),
        additive=info.kind != "multiple",
        row_codes=list(info.codes),
        group_variable=by,
        total_col=0 if (by is not None and include_total) else None,
    )
    if test is not None:
        table.test = test
        if test.failed:
            table.notes.append(f"Không tính được kiểm định Rao–Scott cho bảng này ({test.error}).")
    return table


def _frequency_cells(
    info: QuestionInfo,
    df: pd.DataFrame,
    estimator: Estimator,
    by: str | None,
    levels: list[Any],
    include_total: bool,
) -> tuple[list[list[Estimate | None]], list[int], Any]:
    """(cells [row][column], unweighted bases per column, the by-group test or None)."""
    total = by is None or include_total
    if by is not None and total:
        # The "Chung" column is the question's overall table (computed once).
        head, head_bases, _ = frequency_cells_of(info, df, estimator, None, [], True)
        first = [[row[0]] for row in head]
        first_bases = head_bases[:1]
    masks = _level_masks(df, by, levels) if by is not None else []
    start = 1 if (by is None or total) else 0
    ncol = start + len(masks)
    cells: list[list[Estimate | None]] = [[None] * ncol for _ in info.codes]
    bases: list[int] = [0] * ncol
    fast = by is not None and hasattr(estimator, "proportions_by")
    if info.kind == "multiple":
        _multiple_cells(info, df, estimator, by, levels, masks, start, fast, cells, bases)
    else:
        _single_cells(info, df, estimator, by, levels, masks, start, fast, cells, bases)
    if by is not None and total:
        for i, row in enumerate(first):
            cells[i][0] = row[0]
        bases[0] = first_bases[0]
    test = None
    if by is not None and info.kind != "multiple" and info.name in df:
        # A domain test on the whole sample's design: rows outside the levels are out.
        grp = df[by].where(df[by].isin(levels))
        test = estimator.crosstab_test(df, _as_codes(df[info.name]), grp)
    return cells, bases, test


def frequency_cells_of(
    info: QuestionInfo,
    df: pd.DataFrame,
    estimator: Estimator,
    by: str | None,
    levels: list[Any],
    include_total: bool,
) -> tuple[list[list[Estimate | None]], list[int], Any]:
    """_frequency_cells through the estimator's memo when it has one (never mutate the result:
    frequency_table copies it into a new ResultTable)."""
    memo = getattr(estimator, "memo", None)
    if memo is None:
        return _frequency_cells(info, df, estimator, by, levels, include_total)
    total = by is None or include_total
    key = (
        "freq",
        info.name,
        info.kind,
        tuple(info.codes),
        tuple(info.labels),
        by,
        tuple(levels) if by is not None else (),
        total,
    )
    return memo(df, key, lambda: _frequency_cells(info, df, estimator, by, levels, total))


def _level_masks(df: pd.DataFrame, by: str, levels: list[Any]) -> list[np.ndarray]:
    """Boolean row mask of each level of df[by] (as `df[by] == level`, a missing value is in
    no level), from one pass over the column."""
    col = df[by]
    if len(set(map(_hashable, levels))) == len(levels):
        try:
            pos = pd.Index(levels, dtype=object).get_indexer(col.astype(object))
            return [pos == k for k in range(len(levels))]
        except (TypeError, ValueError):
            pass
    return [(col == lv).fillna(False).to_numpy(dtype=bool) for lv in levels]


def _hashable(v: Any) -> Any:
    try:
        hash(v)
    except TypeError:
        return id(v)
    return v


def _single_cells(info, df, estimator, by, levels, masks, start, fast, cells, bases) -> None:
    y = df[info.name] if info.name in df else pd.Series(pd.NA, index=df.index)
    y = _as_codes(y)
    answered = y.notna().to_numpy(dtype=bool)
    if by is None or start:
        bases[0] = int(answered.sum())
        if by is None:
            for i, est in enumerate(estimator.proportions(df, y, info.codes, domain=None)):
                cells[i][0] = _with_label(est, info.labels[i])
    for k, mask in enumerate(masks):
        bases[start + k] = int((answered & mask).sum())
    if fast:
        per = estimator.proportions_by(df, y, info.codes, df[by].where(df[by].isin(levels)), levels)
        for k, ests in enumerate(per):
            for i, est in enumerate(ests):
                cells[i][start + k] = _with_label(est, info.labels[i])
        return
    for k, mask in enumerate(masks):
        dom = pd.Series(mask, index=df.index)
        for i, est in enumerate(estimator.proportions(df, y, info.codes, domain=dom)):
            cells[i][start + k] = _with_label(est, info.labels[i])


def _multiple_cells(info, df, estimator, by, levels, masks, start, fast, cells, bases) -> None:
    answered = np.zeros(len(df), dtype=bool)
    for code in info.codes:
        col = f"{info.name}_{code}"
        if col in df:
            answered |= df[col].notna().to_numpy(dtype=bool)
    if by is None or start:
        bases[0] = int(answered.sum())
    for k, mask in enumerate(masks):
        bases[start + k] = int((answered & mask).sum())
    answered_s = pd.Series(answered, index=df.index)
    grp = df[by].where(answered_s & df[by].isin(levels)) if fast else None
    for i, code in enumerate(info.codes):
        col = f"{info.name}_{code}"
        if col not in df:
            continue
        y = pd.to_numeric(df[col], errors="coerce")
        if by is None:
            est = estimator.proportions(df, y, [1], domain=answered_s)[0]
            cells[i][0] = _with_label(est, info.labels[i])
            continue
        if fast:
            # Every group at once (the same domain estimates, one stats call).
            per = estimator.proportions_by(df, y, [1], grp, levels)
            for k, ests in enumerate(per):
                cells[i][start + k] = _with_label(ests[0], info.labels[i])
            continue
        for k, mask in enumerate(masks):
            dom = pd.Series(answered & mask, index=df.index)
            est = estimator.proportions(df, y, [1], domain=dom)[0]
            cells[i][start + k] = _with_label(est, info.labels[i])


def _as_codes(y: pd.Series) -> pd.Series:
    """Integer-like floats (1.0 from CSV) back to int codes; other values untouched."""
    if pd.api.types.is_numeric_dtype(y.dtype) and not pd.api.types.is_bool_dtype(y.dtype):
        arr = pd.to_numeric(y, errors="coerce").to_numpy(dtype=float, na_value=np.nan)
        ok = np.isfinite(arr)
        if np.all(arr[ok] == np.round(arr[ok])):  # the usual case, vectorised
            out = np.full(len(arr), None, dtype=object)
            out[ok] = arr[ok].astype(np.int64).astype(object)
            return pd.Series(out, index=y.index, dtype=object)

    def conv(v: Any) -> Any:
        if v is None or (isinstance(v, float) and v != v):
            return pd.NA
        if isinstance(v, float) and v.is_integer():
            return int(v)
        if isinstance(v, str) and v.strip().lstrip("-").isdigit():
            return int(v)
        return v

    return y.map(conv).astype(object).where(y.notna(), None)


def top_share(table: ResultTable, codes: list[Any], col: int = 0) -> float | None:
    """Sum of the shown shares of some codes in a column (None when any of them is hidden)."""
    total = 0.0
    for r, code in enumerate(table.row_codes):
        if code in codes:
            e = table.cell(r, col)
            if e is None:
                return None
            total += e.value
    return total
