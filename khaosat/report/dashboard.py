"""Data for the web dashboard: per question, a suppressed result table as text rows and its chart
spec (drawn in the browser by khaosat/web/static/khaosat/charts.js). JSON-serialisable."""

from __future__ import annotations

from typing import Any

import pandas as pd

from khaosat.report import charts, vn
from khaosat.report.backend import Estimator, estimator_for
from khaosat.report.docx_writer import result_table_rows
from khaosat.report.privacy import suppress_table, suppression_limits
from khaosat.report.settings import load_settings
from khaosat.report.tables import describe_questionnaire, frequency_table


def dashboard_data(
    questionnaire: Any,
    data: pd.DataFrame,
    settings: dict[str, Any] | str | None = None,
    estimator: Estimator | None = None,
    by: str | None = None,
    by_levels: list[tuple[Any, str]] | None = None,
    variables: list[str] | None = None,
    include_total: bool = True,
) -> dict[str, Any]:
    """{"n": rows, "items": [{variable, number, title, group, kind, n, rows, chart, notes}]}.

    `rows` are the table's text cells (header first, Vietnamese number format, "–" for
    suppressed cells); `chart` is a chart spec. With `by`, columns are "Chung" and the groups;
    with include_total=False only the groups (one level = a filter: the group's own base,
    header and margins, as a domain of the whole sample's design). Suppression is the report's
    base rule (privacy.suppress_table)."""
    cfg = settings if isinstance(settings, dict) and "page" in settings else load_settings(settings)
    est = estimator or estimator_for(cfg, data)
    min_cell, caution = suppression_limits(cfg)
    items = []
    for info in describe_questionnaire(questionnaire):
        if info.kind not in ("single", "scale5", "multiple"):
            continue
        if variables is not None and info.name not in variables:
            continue
        table = frequency_table(
            info, data, est, by=by, by_levels=by_levels, include_total=include_total
        )
        table = suppress_table(table, min_cell, caution)
        if table.bases[0] == 0:
            continue
        if by is not None and len(table.col_labels) > 1:
            spec = charts.grouped_spec(table)
        elif info.kind == "scale5":
            scale = sorted(c for c in info.codes if c != 9)
            labels = [info.labels[info.codes.index(c)] for c in scale]
            spec = charts.diverging_spec([(info.label, table)], scale, labels, table.title)
        else:
            spec = charts.bar_spec(table)
        items.append(
            {
                "variable": info.name,
                "number": info.number,
                "title": table.title,
                "group": info.group_label,
                "kind": info.kind,
                "n": int(table.bases[0]),
                "n_text": vn.fmt_int(table.bases[0]),
                "rows": result_table_rows(table),
                "chart": spec,
                "notes": list(table.notes),
                "test_p": None if table.test is None else table.test.p_value,
            }
        )
    return {"n": len(data), "n_text": vn.fmt_int(len(data)), "items": items}
