"""Flatten answer dicts (docs/data-contract.md) into one pandas DataFrame plus its codebook.

One row per response, one column per variable in form order; a select_multiple question
becomes one 0/1 column per option, `{name}_{code}`, NaN when the question was not answered or
not relevant; an `or_other` question is followed by its text column `{name}_other`. Integer-coded columns use pandas' nullable Int64. Keys of the answers that are not
variables of the form (e.g. `_simulated`, design columns) are kept after the form's columns.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import numpy as np
import pandas as pd

from khaosat.questionnaire.codebook import CodebookEntry, codebook, other_variable
from khaosat.questionnaire.errors import CoercionError, QuestionnaireError
from khaosat.questionnaire.model import Question, Questionnaire


class DatasetError(QuestionnaireError):
    """An answer that does not fit its question (Vietnamese message names response and field)."""


def data_columns(q: Questionnaire) -> list[str]:
    """Column names of the flat data set, in form order."""
    return [e.variable for e in codebook(q)]


def _flatten_one(
    q: Questionnaire,
    questions: list[Question],
    orders: dict[str, list[int | str]],
    answers: Mapping[str, Any],
    index: int,
    strict: bool,
) -> dict[str, Any]:
    row: dict[str, Any] = {}
    for item in questions:
        raw = answers.get(item.name)
        try:
            value = item.coerce(raw, orders.get(item.name))
        except CoercionError as exc:
            if strict:
                raise DatasetError(
                    f"Phiếu thứ {index + 1}, câu {item.name}: {exc.message}"
                ) from exc
            value = None
        if item.is_multiple:
            codes = orders.get(item.name, [])
            for code in codes:
                row[f"{item.name}_{code}"] = (
                    np.nan if value is None else (1 if code in value else 0)
                )
        else:
            row[item.name] = np.nan if value is None else value
        if item.or_other and item.is_select:
            text = answers.get(other_variable(item.name))
            row[other_variable(item.name)] = text if isinstance(text, str) and text else np.nan
    return row


def to_dataframe(
    q: Questionnaire,
    responses: Iterable[Mapping[str, Any]],
    keep_extra: bool = True,
    strict: bool = True,
) -> pd.DataFrame:
    """The flat data set of `responses` (answer dicts keyed by variable name).

    strict=True raises DatasetError on an answer that does not fit its type; False leaves
    it empty (NaN).
    """
    questions = [it for it in q.iter_questions() if it.has_value and it.name]
    orders = {
        it.name: q.choice_lists[it.list_name].codes()
        for it in questions
        if it.is_multiple and it.list_name in q.choice_lists
    }
    names = {it.name for it in questions} | {
        other_variable(it.name) for it in questions if it.or_other and it.is_select
    }
    cols = data_columns(q)
    rows = []
    extra_cols: list[str] = []
    for i, answers in enumerate(responses):
        row = _flatten_one(q, questions, orders, answers, i, strict)
        if keep_extra:
            for key, value in answers.items():
                if key not in names and key not in row:
                    if key not in extra_cols:
                        extra_cols.append(key)
                    row[key] = value
        rows.append(row)
    df = pd.DataFrame.from_records(rows, columns=cols + extra_cols)
    return _set_dtypes(df, codebook(q))


def _integral(values: pd.Series) -> bool:
    for v in values:
        if isinstance(v, bool) or not isinstance(v, int | float | np.integer | np.floating):
            return False
        if not float(v).is_integer():
            return False
    return True


def _set_dtypes(df: pd.DataFrame, entries: list[CodebookEntry]) -> pd.DataFrame:
    for e in entries:
        if e.variable not in df.columns:
            continue
        col = df[e.variable]
        if e.type == "select_multiple_option":
            df[e.variable] = col.astype("Int64")
        elif e.type in ("decimal", "range"):
            df[e.variable] = pd.to_numeric(col, errors="coerce").astype("float64")
        elif e.type in ("integer", "calculate") or e.value_labels:
            if _integral(col.dropna()):
                df[e.variable] = col.astype("Int64")
        elif e.type in ("text", "date", "datetime", "time") and col.isna().all():
            df[e.variable] = col.astype("object")
    return df


def codebook_frame(q: Questionnaire, lang: str | None = None) -> pd.DataFrame:
    """The codebook as a DataFrame: variable, question, type, label, value_labels, ..."""
    return pd.DataFrame([e.to_dict() for e in codebook(q, lang)])
