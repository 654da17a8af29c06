"""Composite 0–100 indices from a block of 5-point items, and Cronbach's alpha."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from khaosat.stats.design import Design
from khaosat.stats.errors import StatsError
from khaosat.stats.estimators import mean
from khaosat.stats.format import fmt_number
from khaosat.stats.results import EstimateTable


@dataclass
class IndexResult:
    """The index estimate(s) with design SEs, Cronbach's alpha and the items used."""

    name: str
    items: list[str]
    table: EstimateTable
    alpha: float | None
    n_complete: int
    min_items: int
    notes: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict."""
        return {
            "name": self.name,
            "items": self.items,
            "alpha": self.alpha,
            "n_complete": self.n_complete,
            "min_items": self.min_items,
            "estimates": self.table.to_dict()["estimates"],
            "notes": list(self.notes),
        }

    def summary(self) -> str:
        """Vietnamese summary."""
        lines = [
            f"Chỉ số {self.name} (thang 0–100) từ {len(self.items)} câu: {', '.join(self.items)}",
            f"Hệ số Cronbach's alpha: {fmt_number(self.alpha, 3)} "
            f"(trên {self.n_complete} phiếu trả lời đủ mọi câu)",
            self.table.summary(),
        ]
        lines += [f"Ghi chú: {t}" for t in self.notes]
        return "\n".join(lines)


def item_matrix(
    design: Design,
    items: Sequence[str],
    missing_codes: Sequence[Any] = (9,),
    scale: tuple[int, int] = (1, 5),
) -> np.ndarray:
    """Items as floats in design row order; missing codes and out-of-scale values -> NaN."""
    cols = []
    for it in items:
        x = pd.to_numeric(pd.Series(design.align(it)), errors="coerce").to_numpy(
            dtype=float, copy=True
        )
        x[np.isin(x, np.asarray(missing_codes, dtype=float))] = np.nan
        x[(x < scale[0]) | (x > scale[1])] = np.nan
        cols.append(x)
    return np.column_stack(cols)


def cronbach_alpha(X: np.ndarray, w: np.ndarray | None = None) -> float | None:
    """Cronbach's alpha on complete rows, weighted covariance as R's cov.wt (unbiased)."""
    cc = ~np.isnan(X).any(axis=1)
    if w is not None:
        cc &= w > 0
    X = X[cc]
    k = X.shape[1]
    if k < 2 or len(X) < 2:
        return None
    ww = np.ones(len(X)) if w is None else w[cc]
    ww = ww / ww.sum()
    m = ww @ X
    D = X - m
    cov = (D * ww[:, None]).T @ D / (1 - np.sum(ww**2))
    tot = cov.sum()
    if tot <= 0:
        return None
    return float(k / (k - 1) * (1 - np.trace(cov) / tot))


def composite_index(
    design: Design,
    items: Sequence[str],
    by: Any = None,
    name: str = "chỉ số",
    missing_codes: Sequence[Any] = (9,),
    min_items: int | None = None,
    scale: tuple[int, int] = (1, 5),
    level: float = 0.95,
) -> IndexResult:
    """Index 0–100 = (mean of answered items − 1) / 4 × 100, with a design-based SE.

    A respondent with fewer than `min_items` answered items (default: half, rounded up) is
    missing for the index. Code 9 ("không rõ") counts as not answered.
    """
    items = list(items)
    if not items:
        raise StatsError("Cần ít nhất một câu hỏi để tính chỉ số.")
    X = item_matrix(design, items, missing_codes, scale)
    k = len(items)
    mi = math.ceil(k / 2) if min_items is None else int(min_items)
    count = (~np.isnan(X)).sum(axis=1)
    with np.errstate(invalid="ignore"):
        avg = np.nanmean(np.where(count[:, None] > 0, X, 0.0), axis=1)
    score = np.where(count >= mi, (avg - scale[0]) / (scale[1] - scale[0]) * 100, np.nan)
    if np.isnan(score).all():
        raise StatsError(
            f"Không phiếu nào trả lời đủ {mi} câu của chỉ số {name}; không tính được chỉ số."
        )
    orig = np.empty_like(score)
    orig[design._order] = score
    byv = by
    table = mean(design, orig, by=byv, level=level)
    table.statistic, table.variable = "index", name
    if isinstance(by, str):
        table.by = by
    alpha = cronbach_alpha(X, design.weights)
    n_complete = int((~np.isnan(X).any(axis=1)).sum())
    notes = []
    if alpha is not None and alpha < 0.7:
        notes.append("Cronbach's alpha dưới 0,7: các câu hỏi chưa đo cùng một khái niệm ổn định.")
    return IndexResult(name, items, table, alpha, n_complete, mi, notes)
