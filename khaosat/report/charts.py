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


TITLE_PT = 10
LABEL_PT = 9
NOTE_PT = 7
LEGEND_PT = 7


@lru_cache(maxsize=1)
def _measurer() -> Any:
    from matplotlib.backends.backend_agg import RendererAgg

    return RendererAgg(10, 10, 100)


@lru_cache(maxsize=8192)
def _text_width_in(text: str, family: str, size: float, bold: bool) -> float:
    """Width in inches of one line of text as the Agg renderer lays it out (with 3% to spare)."""
    from matplotlib.font_manager import FontProperties

    prop = FontProperties(family=family, size=size, weight="bold" if bold else "normal")
    w, _h, _d = _measurer().get_text_width_height_descent(text, prop, ismath=False)
    return 1.03 * w / 100.0


def _line_width_in(words: list[str], family: str, size: float, bold: bool) -> float:
    """Width of words joined by single spaces: words measured once each (cached), plus spaces."""
    space = _text_width_in("a a", family, size, bold) - _text_width_in("aa", family, size, bold)
    return sum(_text_width_in(w, family, size, bold) for w in words) + space * (len(words) - 1)


def fit_wrap(text: str, max_in: float, family: str, size: float, bold: bool = False) -> str:
    """Wrap text at word boundaries so that every line is at most max_in inches wide.

    A single word longer than the line is broken inside the word (never clipped)."""
    lines: list[str] = []
    for para in str(text).split("\n"):
        words = para.split()
        if not words:
            lines.append("")
            continue
        line: list[str] = []
        for word in words:
            if _line_width_in([*line, word], family, size, bold) <= max_in:
                line.append(word)
                continue
            if line:
                lines.append(" ".join(line))
            line = []
            if _text_width_in(word, family, size, bold) <= max_in:
                line = [word]
                continue
            # A word wider than the line on its own: split it by characters.
            part = ""
            for ch in word:
                if part and _text_width_in(part + ch, family, size, bold) > max_in:
                    lines.append(part)
                    part = ""
                part += ch
            line = [part]
        lines.append(" ".join(line))
    return "\n".join(lines)


def _max_width_in(text: str, family: str, size: float, bold: bool = False) -> float:
    return max((_text_width_in(t, family, size, bold) for t in text.split("\n")), default=0.0)


def render_png(spec: dict[str, Any], dpi: int = 200, width_in: float = 6.3) -> bytes:
    """Draw a chart spec to PNG bytes (deterministic: no timestamps or version in the file)."""
    key = json.dumps(spec, sort_keys=True, ensure_ascii=False, default=str)
    return _render_cached(key, int(dpi), float(width_in))


@lru_cache(maxsize=256)
def _render_cached(key: str, dpi: int, width_in: float) -> bytes:
    import matplotlib.pyplot as plt

    fig = build_figure(json.loads(key), width_in)
    buf = io.BytesIO()
    with plt.rc_context(RC):
        # Flat colours compress well even at a low zlib level, which is several times faster.
        fig.savefig(
            buf,
            format="png",
            dpi=dpi,
            metadata={"Software": None},
            pil_kwargs={"compress_level": 3},
        )
    plt.close(fig)
    return buf.getvalue()


# Glyphs without the FreeType auto-hinter: at 150–200 dpi the text looks the same and is drawn
# about a fifth faster. Measuring (fit_wrap) and drawing use the same setting.
RC = {"text.hinting": "no_hinting"}


def build_figure(spec: dict[str, Any], width_in: float = 6.3) -> Any:
    """The matplotlib Figure of a chart spec (Agg); every text is wrapped to fit the figure."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    with plt.rc_context(RC):
        return _build_figure(spec, width_in)


def _build_figure(spec: dict[str, Any], width_in: float) -> Any:
    import matplotlib.pyplot as plt

    texts = [spec.get("title", "")] + list(spec.get("categories", []))
    texts += list(spec.get("series", [])) + list(spec.get("notes", []))
    family = _family_for([str(t) for t in texts])
    kind = spec["type"]
    if kind not in ("bar", "grouped", "diverging"):
        raise ValueError(f"unknown chart type {kind!r}")
    series = [str(s) for s in spec["series"]]
    margin_in = 0.1  # left and right of the title and the notes
    usable = width_in - 2 * margin_in
    title = fit_wrap(str(spec.get("title", "")), usable, family, TITLE_PT, bold=True)
    notes = "\n".join(fit_wrap(str(n), usable, family, NOTE_PT) for n in spec.get("notes", []))
    # Axis labels (categories, or items of a diverging chart) get at most 40% of the width.
    label_max = 0.4 * width_in
    ylabels_raw = series if kind == "diverging" else [str(c) for c in spec["categories"]]
    ylabels = [fit_wrap(t, label_max, family, LABEL_PT) for t in ylabels_raw]
    rows = len(ylabels)
    per = 0.32 if kind != "grouped" else 0.22 * max(1, len(series)) + 0.1
    n_title = title.count("\n") + 1
    n_notes = notes.count("\n") + 1 if notes else 0
    legend_labels = (
        [str(c) for c in spec["categories"]]
        if kind == "diverging"
        else series
        if kind == "grouped"
        else []
    )
    ncol, legend_rows = _legend_layout(legend_labels, usable, family)
    title_in = 0.12 + 0.19 * n_title
    legend_in = 0.2 * legend_rows + (0.08 if legend_rows else 0.0)
    top_in = title_in + legend_in + 0.12
    bottom_in = 0.42 + 0.135 * n_notes
    # Rows are evenly spaced: each must hold the label with the most lines.
    max_lines = max((t.count("\n") + 1 for t in ylabels), default=1)
    body_in = max(rows, 1) * max(per, 0.16 * max_lines + 0.1)
    height = min(14.0, top_in + body_in + bottom_in)
    with plt.rc_context(
        {
            "font.family": family,
            "font.size": LABEL_PT,
            "svg.hashsalt": "khaosat",
            "axes.unicode_minus": False,
        }
    ):
        fig, ax = plt.subplots(figsize=(width_in, height))
        cats = [str(c) for c in spec["categories"]]
        if kind == "bar":
            _draw_bar(ax, cats, ylabels, spec["values"][0])
        elif kind == "grouped":
            _draw_grouped(ax, cats, ylabels, series, spec["values"])
        else:
            _draw_diverging(
                ax,
                cats,
                series,
                ylabels,
                spec["values"],
                spec.get("negative", 2),
                spec.get("neutral"),
            )
        fig.text(
            margin_in / width_in,
            1 - 0.1 / height,
            title,
            fontsize=TITLE_PT,
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
                bbox_to_anchor=(0.5, 1 - title_in / height),
                ncol=ncol,
                fontsize=LEGEND_PT,
                frameon=False,
                columnspacing=0.8,
                handlelength=1.2,
            )
        for side in ("top", "right"):
            ax.spines[side].set_visible(False)
        # Fixed margins (in inches, from measured label widths) instead of tight_layout, which
        # costs a full extra draw.
        longest = max((_max_width_in(t, family, LABEL_PT) for t in ylabels), default=0.5)
        left_in = 0.2 + longest
        fig.subplots_adjust(
            left=min(0.5, left_in / width_in),
            right=1 - 0.45 / width_in,
            top=1 - top_in / height,
            bottom=bottom_in / height,
        )
        if notes:
            fig.text(
                margin_in / width_in,
                0.04 / height,
                notes,
                fontsize=NOTE_PT,
                va="bottom",
                ha="left",
                color="#444444",
            )
    return fig


def _legend_layout(labels: list[str], usable_in: float, family: str) -> tuple[int, int]:
    """(columns, rows) of a legend whose columns all fit across usable_in inches."""
    if not labels:
        return 1, 0
    widths = [_text_width_in(lab, family, LEGEND_PT, False) + 0.45 for lab in labels]
    for ncol in range(min(5, len(labels)), 0, -1):
        rows = -(-len(labels) // ncol)
        cols = [max(widths[c::ncol]) for c in range(ncol)]
        if sum(cols) <= usable_in:
            return ncol, rows
    return 1, len(labels)


def _pct_label(v: float) -> str:
    return vn.fmt_num(v, 1) + "%"


def _draw_bar(ax: Any, cats: list[str], ylabels: list[str], values: list[float | None]) -> None:
    ys = list(range(len(cats)))[::-1]
    for y, v in zip(ys, values, strict=True):
        if v is None:
            ax.text(0.5, y, "–", va="center", ha="left", fontsize=8)
            continue
        ax.barh(y, v, color=PALETTE[0], height=0.6)
        ax.text(v + 0.8, y, _pct_label(v), va="center", ha="left", fontsize=8)
    ax.set_yticks(ys, ylabels)
    ax.set_ylim(-0.6, len(cats) - 0.4)
    top = max([v for v in values if v is not None] or [1.0])
    ax.set_xlim(0, min(100.0, top * 1.18 + 2) if top < 85 else 110)
    ax.xaxis.set_major_formatter(_pct_formatter())


def _draw_grouped(
    ax: Any,
    cats: list[str],
    ylabels: list[str],
    series: list[str],
    values: list[list[float | None]],
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
    ax.set_yticks(ys, ylabels)
    ax.set_ylim(-0.6, len(cats) - 0.4)
    top = max([v for row in values for v in row if v is not None] or [1.0])
    ax.set_xlim(0, min(110.0, top * 1.2 + 2))
    ax.xaxis.set_major_formatter(_pct_formatter())


def _draw_diverging(
    ax: Any,
    cats: list[str],
    series: list[str],
    ylabels: list[str],
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
    ax.set_yticks(ys, ylabels)
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
