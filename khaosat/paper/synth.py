"""A synthetic scanner: fill printed forms with known answers in pen styles and scan them badly.

Used by the tests and bench/omr.py. Pen styles: tick, cross, dot (a heavy filled blob inside
the box), scribble; a correction fills the wrong box solid and marks the right one.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import cv2
import numpy as np

from khaosat.paper import logic
from khaosat.paper.layout import MARKER_SIZE, MARKERS, FormLayout

PEN_STYLES = ("tick", "cross", "dot", "scribble")


def render_pdf(
    pdf: bytes | str | Path, dpi: int, pages: list[int] | None = None
) -> list[np.ndarray]:
    """Grey images of PDF pages (all or the given 0-based indices) at `dpi`."""
    import pypdfium2 as pdfium

    doc = pdfium.PdfDocument(pdf if not isinstance(pdf, Path) else str(pdf))
    out = []
    for i in pages if pages is not None else range(len(doc)):
        arr = doc[i].render(scale=dpi / 72.0, grayscale=True).to_numpy()
        if arr.ndim == 3:
            arr = cv2.cvtColor(arr[:, :, :3], cv2.COLOR_BGR2GRAY)
        out.append(np.ascontiguousarray(arr))
    return out


def random_answers(layout: FormLayout, rng: np.random.Generator) -> dict[str, Any]:
    """Random valid answers (codes) that follow the layout's skip logic and limits."""
    answers: dict[str, Any] = {}
    for var, info in layout.questions.items():
        if info.kind == "write" or not info.codes:
            continue
        if not all(logic.evaluate(r, answers) for r in info.relevant):
            continue
        if rng.random() < 0.04:  # some questions are left blank
            continue
        codes = list(info.codes)
        if info.kind == "one":
            answers[var] = codes[int(rng.integers(len(codes)))]
            continue
        for _ in range(20):
            k = int(rng.integers(1, min(len(codes), info.max_choices or 4) + 1))
            pick = sorted(rng.choice(len(codes), size=k, replace=False).tolist())
            value = [codes[i] for i in pick]
            if logic.constraint_ok(info.constraint, value, {**answers, var: value}):
                answers[var] = value
                break
    return answers


def markable(layout: FormLayout, answers: Mapping[str, Any]) -> dict[str, Any]:
    """The part of an answer dict that paper carries as marks (select questions with boxes)."""
    out = {}
    for var, info in layout.questions.items():
        if info.kind in ("one", "multi") and var in answers and answers[var] not in (None, []):
            out[var] = answers[var]
    return out


def answer_sets(
    layout: FormLayout, n: int, seed: int, questionnaire: Any = None
) -> list[dict[str, Any]]:
    """`n` answer dicts to fill forms with: the questionnaire simulator when available."""
    if questionnaire is not None:
        try:
            from khaosat.questionnaire.simulate import simulate

            return [markable(layout, r.answers) for r in simulate(questionnaire, n, seed)]
        except ImportError:
            pass
    rng = np.random.default_rng(seed)
    return [random_answers(layout, rng) for _ in range(n)]


@dataclass
class Pen:
    """How a respondent marks: style, stroke width (mm) and ink grey level."""

    style: str
    width: float = 0.5
    ink: int = 40


def _pts(
    rect_px: tuple[float, float, float, float],
    rel: list[tuple[float, float]],
    rng: np.random.Generator,
    jitter: float,
) -> np.ndarray:
    x, y, w, h = rect_px
    return np.array(
        [
            (x + (u + rng.normal(0, jitter)) * w, y + (v + rng.normal(0, jitter)) * h)
            for u, v in rel
        ],
        dtype=np.float64,
    )


def _poly(img: np.ndarray, pts: np.ndarray, width_px: float, ink: int) -> None:
    shift = 4
    p = np.round(pts * (1 << shift)).astype(np.int32).reshape(-1, 1, 2)
    cv2.polylines(img, [p], False, int(ink), max(1, round(width_px)), cv2.LINE_AA, shift)


def draw_mark(
    img: np.ndarray,
    rect_mm: tuple[float, float, float, float],
    dpi: float,
    pen: Pen,
    rng: np.random.Generator,
) -> None:
    """Draw one pen mark into a box (rectangle in mm) on a page image rendered at `dpi`."""
    ppm = dpi / 25.4
    x, y, w, h = (v * ppm for v in rect_mm)
    if pen.style not in ("solid", "faint"):  # hands do not hit the centre of the box
        x += rng.normal(0, 0.07) * w
        y += rng.normal(0, 0.07) * h
    r = (x, y, w, h)
    wpx = pen.width * ppm
    if pen.style == "tick":
        _poly(img, _pts(r, [(0.18, 0.5), (0.42, 0.82), (0.88, 0.12)], rng, 0.05), wpx, pen.ink)
    elif pen.style == "cross":
        _poly(img, _pts(r, [(0.15, 0.15), (0.85, 0.85)], rng, 0.05), wpx, pen.ink)
        _poly(img, _pts(r, [(0.85, 0.15), (0.15, 0.85)], rng, 0.05), wpx, pen.ink)
    elif pen.style == "dot":
        cx, cy = x + w * (0.5 + rng.normal(0, 0.04)), y + h * (0.5 + rng.normal(0, 0.04))
        rad = w * rng.uniform(0.17, 0.22)
        cv2.circle(
            img, (round(cx * 16), round(cy * 16)), round(rad * 16), int(pen.ink), -1, cv2.LINE_AA, 4
        )
    elif pen.style == "scribble":
        n = 3
        rel = []
        for k in range(n + 1):
            rel.append((0.22 if k % 2 == 0 else 0.78, 0.2 + 0.6 * k / n))
        _poly(img, _pts(r, rel, rng, 0.04), wpx, pen.ink)
    elif pen.style == "solid":  # cancels a box: filled over its edges
        m = 0.25 * ppm
        cv2.rectangle(
            img,
            (round(x - m), round(y - m)),
            (round(x + w + m), round(y + h + m)),
            int(pen.ink),
            -1,
        )
    elif pen.style == "faint":  # a light hesitant touch: the reader must not guess
        cx, cy = x + w * 0.5, y + h * 0.5
        cv2.line(
            img,
            (round(cx - w * 0.2), round(cy)),
            (round(cx + w * 0.2), round(cy)),
            150,
            max(1, round(0.35 * ppm)),
            cv2.LINE_AA,
        )
    else:
        raise ValueError(pen.style)


def _writein(
    img: np.ndarray,
    rect_mm: tuple[float, float, float, float],
    dpi: float,
    rng: np.random.Generator,
) -> None:
    ppm = dpi / 25.4
    x, y, w, h = rect_mm
    lines = max(1, int(h // 7))
    for k in range(lines):
        yy = y + 5.5 + k * 7.0
        xs = np.linspace(x + 3, x + 3 + w * rng.uniform(0.4, 0.9), 40)
        ys = yy + np.sin(xs * rng.uniform(1.5, 3)) * 1.2
        _poly(img, np.stack([xs * ppm, ys * ppm], 1), 0.4 * ppm, 50)


@dataclass
class Filled:
    """Pages of one filled form and what was written, to compare with the reader's output."""

    images: list[np.ndarray]
    answers: dict[str, Any]
    cancelled: list[tuple[str, Any]]


def fill_form(
    pages: list[np.ndarray],
    layout: FormLayout,
    answers: Mapping[str, Any],
    dpi: float,
    rng: np.random.Generator,
    styles: tuple[str, ...] = PEN_STYLES,
    correction_rate: float = 0.02,
    overrides: Mapping[tuple[str, Any], str] | None = None,
    write: bool = True,
) -> Filled:
    """Mark `answers` on the clean page images of one form (copies are returned).

    `overrides` maps (variable, code) -> a pen style for boxes that must look a certain way
    (e.g. 'faint' to test review, or a second mark); a correction fills a wrong box solid.
    """
    imgs = [p.copy() for p in pages]
    cancelled: list[tuple[str, Any]] = []
    by_var: dict[str, list[tuple[int, Any]]] = {}
    for pl in layout.pages:
        for b in pl.boxes:
            by_var.setdefault(b.variable, []).append((pl.number, b))
    # ballpoint to felt tip; black to light blue ink as a grey scan sees it
    pen = Pen(str(rng.choice(styles)), float(rng.uniform(0.35, 0.7)), int(rng.integers(20, 130)))
    for var, value in answers.items():
        if var not in by_var:
            continue
        codes = value if isinstance(value, list) else [value]
        boxes = by_var[var]
        if rng.random() < correction_rate:
            wrong = [b for _, b in boxes if b.code not in codes]
            if wrong:
                b = wrong[int(rng.integers(len(wrong)))]
                page = next(n for n, bb in boxes if bb is b)
                draw_mark(
                    imgs[page - 1], (b.x, b.y, b.w, b.h), dpi, Pen("solid", pen.width, pen.ink), rng
                )
                cancelled.append((var, b.code))
        for page, b in boxes:
            if b.code in codes:
                draw_mark(imgs[page - 1], (b.x, b.y, b.w, b.h), dpi, pen, rng)
    for (var, code), style in (overrides or {}).items():
        for page, b in by_var.get(var, []):
            if b.code == code:
                draw_mark(
                    imgs[page - 1], (b.x, b.y, b.w, b.h), dpi, Pen(style, pen.width, pen.ink), rng
                )
    if write:
        for pl in layout.pages:
            for w in pl.writeins:
                if rng.random() < 0.7:
                    _writein(imgs[pl.number - 1], (w.x, w.y, w.w, w.h), dpi, rng)
    return Filled(imgs, dict(answers), cancelled)


@dataclass
class Faults:
    """Scanner faults to apply to a page image."""

    rotate: float = 0.0  # degrees
    scale: float = 1.0
    blur: float = 0.0  # gaussian sigma in px
    noise: float = 0.0  # gaussian noise sigma in grey levels
    jpeg: int = 0  # JPEG quality, 0 = none
    upside_down: bool = False
    cover_marker: int | None = None  # id of a marker hidden by a sticker
    dpi: float = 200.0


def random_faults(rng: np.random.Generator, dpi: float, hard: float = 0.1) -> Faults:
    """Typical faults of an office scanner; `hard` is the share of upside-down / covered marker."""
    return Faults(
        rotate=float(rng.uniform(-3, 3)),
        scale=float(rng.uniform(0.985, 1.015)),
        blur=float(rng.uniform(0.0, 1.0)),
        noise=float(rng.uniform(0, 8)),
        jpeg=int(rng.integers(60, 92)) if rng.random() < 0.6 else 0,
        upside_down=bool(rng.random() < hard),
        cover_marker=int(rng.integers(4)) if rng.random() < hard else None,
        dpi=dpi,
    )


def scan(img: np.ndarray, faults: Faults, rng: np.random.Generator) -> np.ndarray:
    """Apply scanner faults to a clean grey page image rendered at faults.dpi."""
    out = img.copy()
    ppm = faults.dpi / 25.4
    if faults.cover_marker is not None:
        mx, my = MARKERS[faults.cover_marker]
        m = 1.5
        cv2.rectangle(
            out,
            (int((mx - m) * ppm), int((my - m) * ppm)),
            (int((mx + MARKER_SIZE + m) * ppm), int((my + MARKER_SIZE + m) * ppm)),
            235,
            -1,
        )
    # the scan area is a little larger than the sheet (ADF/flatbed margins)
    pad = round(5.0 * ppm)
    out = cv2.copyMakeBorder(out, pad, pad, pad, pad, cv2.BORDER_CONSTANT, value=235)
    h, w = out.shape
    if faults.rotate or faults.scale != 1.0:
        m = cv2.getRotationMatrix2D((w / 2, h / 2), faults.rotate, faults.scale)
        m[:, 2] += rng.normal(0, 1.0 * ppm, 2)
        out = cv2.warpAffine(out, m, (w, h), flags=cv2.INTER_LINEAR, borderValue=245)
    if faults.blur > 0.05:
        out = cv2.GaussianBlur(out, (0, 0), faults.blur)
    out = out.astype(np.float32) * rng.uniform(0.9, 1.0) + rng.uniform(0, 10)
    if faults.noise > 0:
        out += rng.normal(0, faults.noise, out.shape).astype(np.float32)
    out = np.clip(out, 0, 255).astype(np.uint8)
    if faults.upside_down:
        out = cv2.rotate(out, cv2.ROTATE_180)
    if faults.jpeg:
        ok, buf = cv2.imencode(".jpg", out, [cv2.IMWRITE_JPEG_QUALITY, faults.jpeg])
        out = cv2.imdecode(buf, cv2.IMREAD_GRAYSCALE)
    return out
