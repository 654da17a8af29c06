"""A small inline SVG bar chart (forms per day with the cumulative count against the pace);
no JavaScript, no CDN."""

from __future__ import annotations

import datetime as dt
from html import escape


def _n(x: int) -> str:
    return f"{x:,}".replace(",", ".")


def per_day_chart(
    series: list[tuple[dt.date, int]],
    expected: list[int] | None = None,
    width: int = 640,
    height: int = 220,
) -> str:
    """SVG: one bar per day (forms received), a line for the cumulative count and, when
    given, a dashed line for the cumulative count expected by each day."""
    if not series:
        return ""
    pad_l, pad_r, pad_t, pad_b = 36, 36, 14, 34
    w, h = width - pad_l - pad_r, height - pad_t - pad_b
    top = max(max(n for _, n in series), 1)
    cum, running = [], 0
    for _, n in series:
        running += n
        cum.append(running)
    cum_top = max(cum[-1], max(expected or [0]), 1)
    k = len(series)
    bw = w / k
    parts = [
        f'<svg class="chart" viewBox="0 0 {width} {height}" role="img" '
        f'xmlns="http://www.w3.org/2000/svg" aria-label="Số phiếu nhận theo ngày">',
        f"<title>Số phiếu nhận theo ngày: tổng {_n(cum[-1])}</title>",
        f'<line x1="{pad_l}" y1="{pad_t + h}" x2="{pad_l + w}" y2="{pad_t + h}" class="axis"/>',
    ]
    for i, (day, n) in enumerate(series):
        bh = h * n / top
        x = pad_l + i * bw + bw * 0.15
        y = pad_t + h - bh
        parts.append(
            f'<rect class="bar" x="{x:.1f}" y="{y:.1f}" width="{bw * 0.7:.1f}" height="{bh:.1f}">'
            f"<title>{day:%d/%m/%Y}: {_n(n)} phiếu</title></rect>"
        )
        if n and k <= 12:  # more bars: the values would overlap (each bar's title has it)
            parts.append(
                f'<text class="val" x="{x + bw * 0.35:.1f}" y="{y - 2:.1f}" '
                f'text-anchor="middle">{_n(n)}</text>'
            )
        step = max(1, -(-k // 6))  # at most 6 dates, readable on a phone
        if i % step == 0 or (i == k - 1 and (k - 1) % step >= step / 2):
            parts.append(
                f'<text class="lbl" x="{pad_l + (i + 0.5) * bw:.1f}" y="{height - 14}" '
                f'text-anchor="middle">{day:%d/%m}</text>'
            )
    pts = " ".join(
        f"{pad_l + (i + 0.5) * bw:.1f},{pad_t + h - h * c / cum_top:.1f}" for i, c in enumerate(cum)
    )
    parts.append(f'<polyline class="cum" points="{pts}" fill="none"/>')
    if expected:
        pts = " ".join(
            f"{pad_l + (i + 0.5) * bw:.1f},{pad_t + h - h * e / cum_top:.1f}"
            for i, e in enumerate(expected)
        )
        parts.append(f'<polyline class="pace" points="{pts}" fill="none"/>')
    parts.append(
        f'<text class="lbl" x="{pad_l + w + 4}" y="{pad_t + h - h * cum[-1] / cum_top + 4:.1f}">'
        f"{escape(_n(cum[-1]))}</text>"
    )
    parts.append("</svg>")
    return "".join(parts)
