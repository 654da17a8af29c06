"""Chart specs (plain JSON-able dicts) built from result tables, and their PNG rendering.

The same spec is drawn to PNG here (matplotlib, Agg, offline) for the DOCX and to inline SVG by
khaosat/web/static/khaosat/charts.js for the dashboard. Spec keys:

    type        "bar" (single choice / multiple choice), "diverging" (five-point scales) or
                "grouped" (one indicator or category set compared across groups)
    title       str
    categories  list[str]   bars (bar, grouped) or scale points from negative to positive (diverging)
    series      list[str]   one name for "bar"; groups for "grouped"; items (rows) for "diverging"
    values      list[list[float | None]]  percentages 0..100, one list per series, one value per
                category; None = suppressed or not available, never drawn
    n           list[int]   unweighted base per series
    notes       list[str]   shown under the chart
    negative    int         (diverging) how many categories are on the negative side
    neutral     int | None  (diverging) index of the middle category, split across zero
"""

from __future__ import annotations

import io
import json
from functools import lru_cache
from pathlib import Path
from typing import Any

from khaosat.report import vn
from khaosat.report.model import ResultTable

NOT_SHOWN_NOTE = "Ô có dấu “–” trong bảng không được vẽ (số người trả lời quá ít)."
PALETTE_DIVERGING = ["#b2182b", "#ef8a62", "#d9d9d9", "#67a9cf", "#2166ac"]
PALETTE = ["#1f4e79", "#c0504d", "#9bbb59", "#8064a2", "#f79646", "#4bacc6", "#7f7f7f"]


def _pct(x: float | None) -> float | None:
    return None if x is None else round(x * 100.0, 1)


def bar_spec(table: ResultTable, col: int = 0, title: str | None = None) -> dict[str, Any]:
    """Horizontal bars of one column of a table (single or multiple choice)."""
    values = [_pct(e.value) if e is not None else None for e in table.column(col)]
    notes = list(_base_notes(table, [col]))
    if any(v is None for v in values):
        notes.append(NOT_SHOWN_NOTE)
    if not table.additive:
        notes.append("Câu hỏi chọn nhiều phương án: tổng các tỷ lệ có thể lớn hơn 100%.")
    return {
        "type": "bar",
        "title": title or table.title,
        "categories": list(table.row_labels),
        "series": [table.col_labels[col]],
        "values": [values],
        "n": [int(table.bases[col])],
        "notes": notes,
    }


def grouped_spec(
    table: ResultTable, cols: list[int] | None = None, title: str | None = None
) -> dict[str, Any]:
    """Grouped bars: the table's categories compared across its columns (groups)."""
    cols = list(range(len(table.col_labels))) if cols is None else cols
    values = [[_pct(e.value) if e is not None else None for e in table.column(c)] for c in cols]
    notes = list(_base_notes(table, cols))
    if any(v is None for row in values for v in row):
        notes.append(NOT_SHOWN_NOTE)
    return {
        "type": "grouped",
        "title": title or table.title,
        "categories": list(table.row_labels),
        "series": [table.col_labels[c] for c in cols],
        "values": values,
        "n": [int(table.bases[c]) for c in cols],
        "notes": notes,
    }


def diverging_spec(
    items: list[tuple[str, ResultTable]],
    scale_codes: list[Any],
    scale_labels: list[str],
    title: str,
    col: int = 0,
    negative: int = 2,
    neutral: int | None = 2,
    excluded_label: str = "Không rõ / khó trả lời",
) -> dict[str, Any]:
    """Diverging stacked bars of five-point items; shares among answers on the scale (code 9 out)."""
    series, values, ns = [], [], []
    dropped: list[str] = []
    for label, table in items:
        by_code = {code: r for r, code in enumerate(table.row_codes)}
        cells = [table.cell(by_code[c], col) if c in by_code else None for c in scale_codes]
        present = [c for c in scale_codes if c in by_code]
        if any(table.cell(by_code[c], col) is None for c in present) or not present:
            # A hidden segment would make the others (and the total) recoverable: drop the item.
            dropped.append(label)
            continue
        total = sum(e.value for e in cells if e is not None)
        if total <= 0:
            dropped.append(label)
            continue
        series.append(label)
        values.append([round(100.0 * e.value / total, 1) if e is not None else 0.0 for e in cells])
        valid_n = sum(int(e.count or 0) for e in cells if e is not None)
        ns.append(valid_n or int(table.bases[col]))
    notes = [
        f"Tỷ lệ tính trên số ý kiến có đánh giá, không tính “{excluded_label}” (mã 9).",
    ]
    if dropped:
        notes.append("Không vẽ vì số người trả lời quá ít: " + "; ".join(dropped) + ".")
    return {
        "type": "diverging",
        "title": title,
        "categories": list(scale_labels),
        "series": series,
        "values": values,
        "n": ns,
        "notes": notes,
        "negative": negative,
        "neutral": neutral,
    }


def _base_notes(table: ResultTable, cols: list[int]) -> list[str]:
    if len(cols) == 1:
        return [f"n = {vn.fmt_int(table.bases[cols[0]])} người trả lời; tỷ lệ có trọng số."]
    parts = [f"{table.col_labels[c]}: n = {vn.fmt_int(table.bases[c])}" for c in cols]
    return ["Số người trả lời: " + "; ".join(parts) + ". Tỷ lệ có trọng số."]


# --- rendering ----------------------------------------------------------------------------


@lru_cache(maxsize=1)
def _fonts() -> tuple[str, str, frozenset[int]]:
    """(primary family, fallback family, code points of the primary font)."""
    import matplotlib

    matplotlib.use("Agg")
    from fontTools.ttLib import TTFont
    from matplotlib import font_manager

    fallback = "DejaVu Sans"
    try:
        import fontpkg_be_vietnam_pro as bvp

        files = Path(bvp.ROOT) / "files"
        regular = files / "BeVietnamPro-Regular.ttf"
        for name in ("BeVietnamPro-Regular.ttf", "BeVietnamPro-Bold.ttf"):
            font_manager.fontManager.addfont(str(files / name))
        cmap = frozenset(TTFont(str(regular), lazy=True).getBestCmap().keys())
        return bvp.FAMILY, fallback, cmap
    except Exception:  # the package is optional at run time; DejaVu covers Vietnamese too
        return fallback, fallback, frozenset()


def font_covers(text: str) -> bool:
    """True when the chart font has a glyph for every character of text."""
    family, fallback, cmap = _fonts()
    if family == fallback:
        return True
    return all(ord(ch) in cmap or ch.isspace() for ch in text)


def _family_for(texts: list[str]) -> str:
    family, fallback, _ = _fonts()
    return family if all(font_covers(t) for t in texts) else fallback


def _wrap(text: str, width: int) -> str:
    import textwrap

    return "\n".join(textwrap.wrap(text, width=width)) or text


def render_png(spec: dict[str, Any], dpi: int = 200, width_in: float = 6.3) -> bytes:
    """Draw a chart spec to PNG bytes (deterministic: no timestamps or version in the file)."""
    key = json.dumps(spec, sort_keys=True, ensure_ascii=False, default=str)
    return _render_cached(key, int(dpi), float(width_in))


@lru_cache(maxsize=256)
def _render_cached(key: str, dpi: int, width_in: float) -> bytes:
    return _render(json.loads(key), dpi, width_in)


def _render(spec: dict[str, Any], dpi: int, width_in: float) -> bytes:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    texts = [spec.get("title", "")] + list(spec.get("categories", []))
    texts += list(spec.get("series", [])) + list(spec.get("notes", []))
    family = _family_for([str(t) for t in texts])
    kind = spec["type"]
    cats = [str(c) for c in spec["categories"]]
    series = [str(s) for s in spec["series"]]
    rows = len(series) if kind == "diverging" else len(cats)
    per = 0.32 if kind != "grouped" else 0.22 * max(1, len(series)) + 0.1
    height = min(11.0, 1.5 + per * max(rows, 1) + 0.22 * len(spec.get("notes", [])))
    if kind == "diverging":
        height += 0.4
    with plt.rc_context(
        {
            "font.family": family,
            "font.size": 9,
            "svg.hashsalt": "khaosat",
            "axes.unicode_minus": False,
        }
    ):
        # About 11 characters per inch of bold 10 pt text.
        title = _wrap(str(spec.get("title", "")), max(40, int(width_in * 11)))
        height += 0.18 * title.count("\n")
        fig, ax = plt.subplots(figsize=(width_in, height))
        if kind == "bar":
            _draw_bar(ax, cats, spec["values"][0])
        elif kind == "grouped":
            _draw_grouped(ax, cats, series, spec["values"])
        elif kind == "diverging":
            _draw_diverging(
                ax, cats, series, spec["values"], spec.get("negative", 2), spec.get("neutral")
            )
        else:
            raise ValueError(f"unknown chart type {kind!r}")
        fig.text(
            0.015,
            1 - 0.1 / height,
            title,
            fontsize=10,
            fontweight="bold",
            va="top",
            ha="left",
        )
        handles, labels = ax.get_legend_handles_labels()
        if handles:
            # Legend across the figure under the title, so it never covers bars or labels.
            fig.legend(
                handles,
                labels,
                loc="upper center",
                bbox_to_anchor=(0.5, 1 - 0.36 / height),
                ncol=min(5, len(labels)),
                fontsize=7,
                frameon=False,
                columnspacing=0.8,
                handlelength=1.2,
            )
        for side in ("top", "right"):
            ax.spines[side].set_visible(False)
        notes = "\n".join(_wrap(str(n), 110) for n in spec.get("notes", []))
        # Fixed margins (in inches) instead of tight_layout, which costs a full extra draw.
        ylabels = series if kind == "diverging" else cats
        longest = max((min(len(t), 38 if kind != "diverging" else 34) for t in ylabels), default=10)
        left_in = 0.35 + 0.068 * longest
        n_notes = notes.count("\n") + 1 if notes else 0
        top_in = 0.45 + (0.3 if kind in ("diverging", "grouped") else 0.0)
        top_in += 0.18 * title.count("\n")
        bottom_in = 0.45 + 0.14 * n_notes
        fig.subplots_adjust(
            left=min(0.5, left_in / width_in),
            right=0.95,
            top=1 - top_in / height,
            bottom=min(0.6, bottom_in / height),
        )
        if notes:
            fig.text(0.01, 0.01, notes, fontsize=7, va="bottom", ha="left", color="#444444")
        buf = io.BytesIO()
        fig.savefig(buf, format="png", dpi=dpi, metadata={"Software": None})
        plt.close(fig)
    return buf.getvalue()


def _pct_label(v: float) -> str:
    return vn.fmt_num(v, 1) + "%"


def _draw_bar(ax: Any, cats: list[str], values: list[float | None]) -> None:
    ys = list(range(len(cats)))[::-1]
    for y, v in zip(ys, values, strict=True):
        if v is None:
            ax.text(0.5, y, "–", va="center", ha="left", fontsize=8)
            continue
        ax.barh(y, v, color=PALETTE[0], height=0.6)
        ax.text(v + 0.8, y, _pct_label(v), va="center", ha="left", fontsize=8)
    ax.set_yticks(ys, [_wrap(c, 38) for c in cats])
    ax.set_ylim(-0.6, len(cats) - 0.4)
    top = max([v for v in values if v is not None] or [1.0])
    ax.set_xlim(0, min(100.0, top * 1.18 + 2) if top < 85 else 110)
    ax.xaxis.set_major_formatter(_pct_formatter())


def _draw_grouped(
    ax: Any, cats: list[str], series: list[str], values: list[list[float | None]]
) -> None:
    k = max(1, len(series))
    h = 0.8 / k
    ys = list(range(len(cats)))[::-1]
    for j, (name, vals) in enumerate(zip(series, values, strict=True)):
        for y, v in zip(ys, vals, strict=True):
            yy = y + 0.4 - h * (j + 0.5)
            if v is None:
                ax.text(0.5, yy, "–", va="center", fontsize=7)
                continue
            ax.barh(
                yy,
                v,
                height=h * 0.9,
                color=PALETTE[j % len(PALETTE)],
                label=name if y == ys[0] else None,
            )
            ax.text(v + 0.8, yy, _pct_label(v), va="center", fontsize=7)
    ax.set_yticks(ys, [_wrap(c, 38) for c in cats])
    ax.set_ylim(-0.6, len(cats) - 0.4)
    top = max([v for row in values for v in row if v is not None] or [1.0])
    ax.set_xlim(0, min(110.0, top * 1.2 + 2))
    ax.xaxis.set_major_formatter(_pct_formatter())


def _draw_diverging(
    ax: Any,
    cats: list[str],
    series: list[str],
    values: list[list[float]],
    negative: int,
    neutral: int | None,
) -> None:
    ys = list(range(len(series)))[::-1]
    colors = PALETTE_DIVERGING if len(cats) == 5 else PALETTE
    for y, vals in zip(ys, values, strict=True):
        neg = sum(vals[:negative]) + (vals[neutral] / 2 if neutral is not None else 0.0)
        left = -neg
        for i, v in enumerate(vals):
            label = cats[i] if y == ys[0] else None
            ax.barh(y, v, left=left, height=0.6, color=colors[i % len(colors)], label=label)
            if v >= 6:
                ax.text(left + v / 2, y, vn.fmt_num(v, 0), ha="center", va="center", fontsize=7)
            left += v
    ax.axvline(0, color="#333333", linewidth=0.8)
    ax.set_yticks(ys, [_wrap(s, 34) for s in series])
    ax.set_xlim(-100, 100)
    ax.xaxis.set_major_formatter(_pct_formatter(absolute=True))
    if not series:
        ax.text(0, 0.5, "Không đủ số liệu để vẽ", ha="center", va="center", transform=ax.transData)
        ax.set_yticks([])
        return
    ax.set_ylim(-0.6, len(series) - 0.4)


def _pct_formatter(absolute: bool = False) -> Any:
    from matplotlib.ticker import FuncFormatter

    return FuncFormatter(lambda x, _pos: vn.fmt_num(abs(x) if absolute else x, 0) + "%")
