"""A synthetic scanner: fill printed forms with known answers in pen styles and scan them badly.

Used by the tests and bench/omr.py. Pen styles: tick, cross, dot (a heavy filled blob inside
the box), scribble, hatch (dense parallel strokes); a correction fills the wrong box solid and
marks the right one. Pens (`Pen.kind`): ballpoint, gel (wide, smooth, blotchy), pencil (grainy)
at any opacity (light 0,5–0,65, faint 0,35–0,5). Faults: scanner (rotation to ±10°, scale, blur,
noise, JPEG, upside down, a covered marker, keystone perspective, shadow, show-through, 1-bit
threshold or dither), photocopies, and phone photos (perspective to 20°, uneven light, a hand's
shadow, background around the page, JPEG).

Ink is laid on paper multiplicatively (ink over a printed line stays dark), as real pens do.
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
PEN_KINDS = ("ballpoint", "gel", "pencil")


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
    """How a respondent marks: style, stroke width (mm), ink grey level, opacity and kind."""

    style: str
    width: float = 0.5
    ink: int = 40
    opacity: float = 1.0  # light pens 0,5-0,65, faint 0,35-0,5
    kind: str = "ballpoint"  # ballpoint | gel | pencil


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


def _lay_ink(
    img: np.ndarray, mask: np.ndarray, x0: int, y0: int, pen: Pen, rng: np.random.Generator
) -> None:
    """Lay ink (mask 0..1 of a region at x0, y0) on the page: multiply, pen kind and opacity."""
    h, w = mask.shape
    H, W = img.shape[:2]
    if x0 < 0 or y0 < 0 or x0 + w > W or y0 + h > H:
        return
    a = mask.astype(np.float32) * pen.opacity
    if pen.kind == "pencil":  # graphite: grainy, greyer
        grain = rng.uniform(0.35, 1.0, mask.shape).astype(np.float32)
        a *= cv2.GaussianBlur(grain, (0, 0), 0.6)
    elif pen.kind == "gel":  # blots where the pen rests
        blot = 1.0 + 0.25 * cv2.GaussianBlur(
            rng.normal(0, 1, mask.shape).astype(np.float32), (0, 0), 2.0
        )
        a = np.clip(a * blot, 0, 1)
    region = img[y0 : y0 + h, x0 : x0 + w].astype(np.float32)
    factor = 1.0 - a * (1.0 - pen.ink / 255.0)
    img[y0 : y0 + h, x0 : x0 + w] = np.clip(region * factor, 0, 255).astype(np.uint8)


def draw_mark(
    img: np.ndarray,
    rect_mm: tuple[float, float, float, float],
    dpi: float,
    pen: Pen,
    rng: np.random.Generator,
) -> None:
    """Draw one pen mark into a box (rectangle in mm) on a page image rendered at `dpi`."""
    ppm = dpi / 25.4
    bx, by, bw, bh = (v * ppm for v in rect_mm)
    pad = round(3.0 * ppm)
    x0, y0 = int(bx) - pad, int(by) - pad
    mask = np.zeros((int(bh) + 2 * pad + 2, int(bw) + 2 * pad + 2), np.uint8)
    x, y, w, h = bx - x0, by - y0, bw, bh
    if pen.style not in ("solid", "faint", "pale_solid"):  # hands miss the centre of the box
        x += rng.normal(0, 0.07) * w
        y += rng.normal(0, 0.07) * h
    r = (x, y, w, h)
    wpx = pen.width * ppm
    if pen.kind == "gel":
        wpx *= 1.4
    if pen.style == "tick":
        _poly(mask, _pts(r, [(0.18, 0.5), (0.42, 0.82), (0.88, 0.12)], rng, 0.05), wpx, 255)
    elif pen.style == "cross":
        _poly(mask, _pts(r, [(0.15, 0.15), (0.85, 0.85)], rng, 0.05), wpx, 255)
        _poly(mask, _pts(r, [(0.85, 0.15), (0.15, 0.85)], rng, 0.05), wpx, 255)
    elif pen.style == "dot":
        cx, cy = x + w * (0.5 + rng.normal(0, 0.04)), y + h * (0.5 + rng.normal(0, 0.04))
        rad = w * rng.uniform(0.17, 0.22)
        cv2.circle(mask, (round(cx * 16), round(cy * 16)), round(rad * 16), 255, -1, cv2.LINE_AA, 4)
    elif pen.style == "scribble":
        n = 3
        rel = [(0.22 if k % 2 == 0 else 0.78, 0.2 + 0.6 * k / n) for k in range(n + 1)]
        _poly(mask, _pts(r, rel, rng, 0.04), wpx, 255)
    elif pen.style == "hatch":  # dense parallel strokes over most of the box
        n = int(rng.integers(5, 9))
        for k in range(n):
            t = 0.1 + 0.8 * k / (n - 1)
            _poly(mask, _pts(r, [(0.08, t + 0.08), (0.92, t - 0.08)], rng, 0.03), wpx, 255)
    elif pen.style in ("solid", "pale_solid"):  # cancels a box: filled over its edges
        m = rng.uniform(0.0, 0.35) * ppm
        cv2.rectangle(
            mask, (round(x - m), round(y - m)), (round(x + w + m), round(y + h + m)), 255, -1
        )
        if pen.style == "pale_solid":  # a pale pen or highlighter, not quite covering
            holes = rng.random(mask.shape) < 0.08
            mask[holes] = 120
            pen = Pen("solid", pen.width, max(pen.ink, 150), pen.opacity * 0.8, pen.kind)
    elif pen.style == "faint":  # a light hesitant touch: the reader must not guess
        cx, cy = x + w * 0.5, y + h * 0.5
        cv2.line(
            mask,
            (round(cx - w * 0.2), round(cy)),
            (round(cx + w * 0.2), round(cy)),
            255,
            max(1, round(0.35 * ppm)),
            cv2.LINE_AA,
        )
        pen = Pen("faint", pen.width, 150, 1.0, "ballpoint")
    elif pen.style == "stray":  # a stroke that only grazes the box (a slip of the pen)
        side = int(rng.integers(4))
        pts = [(-0.4, -0.15), (1.4, 0.1)] if side == 0 else [(-0.3, 1.12), (1.3, 0.95)]
        if side >= 2:
            pts = [(u, v) for v, u in pts]
        _poly(mask, _pts(r, pts, rng, 0.02), wpx, 255)
    else:
        raise ValueError(pen.style)
    _lay_ink(img, mask.astype(np.float32) / 255.0, x0, y0, pen, rng)


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
    kinds: tuple[str, ...] = ("ballpoint",),
    opacity: tuple[float, float] = (1.0, 1.0),
    ink: tuple[int, int] = (20, 130),
    correction_style: str = "solid",
) -> Filled:
    """Mark `answers` on the clean page images of one form (copies are returned).

    `overrides` maps (variable, code) -> a pen style for boxes that must look a certain way
    (e.g. 'faint' to test review, or a second mark); a correction fills a wrong box solid
    (`correction_style` 'pale_solid': with a pale pen that does not quite cover). A
    correction marks the wrong box first with the same pen, then fills it (as people do).
    `kinds`, `opacity` and `ink` are what the respondent's pen is drawn from.
    """
    imgs = [p.copy() for p in pages]
    cancelled: list[tuple[str, Any]] = []
    by_var: dict[str, list[tuple[int, Any]]] = {}
    for pl in layout.pages:
        for b in pl.boxes:
            by_var.setdefault(b.variable, []).append((pl.number, b))
    # ballpoint to felt tip; black to light blue ink as a grey scan sees it
    pen = Pen(
        str(rng.choice(styles)),
        float(rng.uniform(0.35, 0.7)),
        int(rng.integers(*ink)),
        float(rng.uniform(*opacity)),
        str(rng.choice(kinds)),
    )
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
                draw_mark(imgs[page - 1], (b.x, b.y, b.w, b.h), dpi, pen, rng)
                fix = Pen(correction_style, pen.width, pen.ink, pen.opacity, pen.kind)
                draw_mark(imgs[page - 1], (b.x, b.y, b.w, b.h), dpi, fix, rng)
                cancelled.append((var, b.code))
        for page, b in boxes:
            if b.code in codes:
                draw_mark(imgs[page - 1], (b.x, b.y, b.w, b.h), dpi, pen, rng)
    for (var, code), style in (overrides or {}).items():
        for page, b in by_var.get(var, []):
            if b.code == code:
                over = Pen(style, pen.width, pen.ink, pen.opacity, pen.kind)
                draw_mark(imgs[page - 1], (b.x, b.y, b.w, b.h), dpi, over, rng)
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
    keystone: float = 0.0  # perspective: one edge shorter by this share (0,01 = 1%)
    shadow: float = 0.0  # darkening towards one edge (book-fold / lid shadow), 0..1
    show_through: float = 0.0  # the back side's print, seen through the paper, 0..1
    contrast: float = 1.0  # < 1: a dark, low-contrast scan
    bilevel: str = ""  # "threshold" | "dither": a 1-bit scan
    photocopy: bool = False  # toner speckle, darker grey, slightly scaled and shifted
    margin: bool = True  # scan area larger than the sheet


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


def _keystone(out: np.ndarray, k: float, rng: np.random.Generator, fill: int) -> np.ndarray:
    h, w = out.shape
    src = np.float32([[0, 0], [w, 0], [w, h], [0, h]])
    d = k * w / 2
    side = int(rng.integers(4))
    dst = src.copy()
    if side == 0:  # top edge shorter
        dst[0, 0] += d
        dst[1, 0] -= d
    elif side == 1:  # bottom
        dst[3, 0] += d
        dst[2, 0] -= d
    elif side == 2:  # left
        dst[0, 1] += d
        dst[3, 1] -= d
    else:
        dst[1, 1] += d
        dst[2, 1] -= d
    m = cv2.getPerspectiveTransform(src, dst)
    return cv2.warpPerspective(out, m, (w, h), flags=cv2.INTER_LINEAR, borderValue=fill)


def _gradient(shape: tuple[int, int], rng: np.random.Generator) -> np.ndarray:
    """A smooth 0..1 field rising towards a random edge."""
    h, w = shape
    ang = rng.uniform(0, 2 * np.pi)
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    t = (np.cos(ang) * (xx / w - 0.5) + np.sin(ang) * (yy / h - 0.5)) + 0.5
    return np.clip(t, 0, 1)


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
    if faults.show_through > 0:  # the back page, mirrored, faint
        back = cv2.flip(img, 1).astype(np.float32)
        ghost = 255 - (255 - back) * faults.show_through * 0.35
        out = np.minimum(out.astype(np.float32), ghost).astype(np.uint8)
    if faults.photocopy:
        out = _photocopy(out, rng, ppm)
    # the scan area is a little larger than the sheet (ADF/flatbed margins)
    pad = round(5.0 * ppm) if faults.margin else 0
    if pad:
        out = cv2.copyMakeBorder(out, pad, pad, pad, pad, cv2.BORDER_CONSTANT, value=235)
    h, w = out.shape
    if faults.keystone:
        out = _keystone(out, faults.keystone, rng, 235)
    if faults.rotate or faults.scale != 1.0:
        # a large skew: the scan area grows so that the corners stay on it (feeders do)
        big = abs(faults.rotate) > 3.5
        if big:
            c, s_ = abs(np.cos(np.radians(faults.rotate))), abs(np.sin(np.radians(faults.rotate)))
            nw, nh = int(w * c + h * s_), int(w * s_ + h * c)
            out = cv2.copyMakeBorder(
                out,
                (nh - h) // 2,
                (nh - h) // 2,
                (nw - w) // 2,
                (nw - w) // 2,
                cv2.BORDER_CONSTANT,
                value=235,
            )
            h, w = out.shape
        m = cv2.getRotationMatrix2D((w / 2, h / 2), faults.rotate, faults.scale)
        m[:, 2] += rng.normal(0, 1.0 * ppm, 2)
        out = cv2.warpAffine(out, m, (w, h), flags=cv2.INTER_LINEAR, borderValue=245)
    if faults.blur > 0.05:
        out = cv2.GaussianBlur(out, (0, 0), faults.blur)
    out = out.astype(np.float32) * rng.uniform(0.9, 1.0) + rng.uniform(0, 10)
    if faults.shadow > 0:
        out *= 1.0 - faults.shadow * 0.55 * _gradient(out.shape, rng) ** 2
    if faults.contrast != 1.0:
        out = 128 + (out - 128) * faults.contrast - 35 * (1 - faults.contrast)
    if faults.noise > 0:
        out += rng.normal(0, faults.noise, out.shape).astype(np.float32)
    out = np.clip(out, 0, 255).astype(np.uint8)
    if faults.bilevel:
        out = bilevel(out, faults.bilevel)
    if faults.upside_down:
        out = cv2.rotate(out, cv2.ROTATE_180)
    if faults.jpeg and not faults.bilevel:
        ok, buf = cv2.imencode(".jpg", out, [cv2.IMWRITE_JPEG_QUALITY, faults.jpeg])
        out = cv2.imdecode(buf, cv2.IMREAD_GRAYSCALE)
    return out


def bilevel(img: np.ndarray, mode: str = "threshold") -> np.ndarray:
    """A 1-bit scan (0 or 255): a fixed threshold or error-diffusion-like ordered dither."""
    if mode == "threshold":
        return np.where(img < 160, 0, 255).astype(np.uint8)
    bayer = np.array([[0, 8, 2, 10], [12, 4, 14, 6], [3, 11, 1, 9], [15, 7, 13, 5]])
    h, w = img.shape
    t = (np.tile(bayer, (h // 4 + 1, w // 4 + 1))[:h, :w] + 0.5) * 16
    return np.where(img < t, 0, 255).astype(np.uint8)


def _photocopy(img: np.ndarray, rng: np.random.Generator, ppm: float) -> np.ndarray:
    """A photocopy of a printed form: darker greys, toner speckle, a little scale and shift."""
    out = img.astype(np.float32)
    out = 255 * (out / 255) ** 1.25  # copiers darken mid-greys
    h, w = out.shape
    m = cv2.getRotationMatrix2D((w / 2, h / 2), rng.uniform(-0.6, 0.6), rng.uniform(0.98, 1.0))
    m[:, 2] += rng.normal(0, 0.8 * ppm, 2)
    out = cv2.warpAffine(out, m, (w, h), borderValue=250)
    speck = rng.random(out.shape) < 0.0008
    out[speck] = rng.uniform(40, 160, int(speck.sum()))
    out = cv2.GaussianBlur(out, (0, 0), 0.5)
    return np.clip(out, 0, 255).astype(np.uint8)


@dataclass
class Photo:
    """How a phone photographs a page."""

    tilt: float = 10.0  # perspective, degrees (up to 20)
    light: float = 0.4  # uneven light: 0 flat .. 1 strong
    hand_shadow: bool = True
    blur: float = 0.0  # px sigma at the photo's scale (shake / focus)
    dark: float = 1.0  # exposure factor (< 0.5: too dark)
    megapixels: float = 8.0
    jpeg: int = 85
    colour: bool = True
    glare: float = (
        0.0  # light reflected off the paper (sun, lamp), grey levels added: washes out ink
    )


def phone_photo(img: np.ndarray, photo: Photo, rng: np.random.Generator) -> np.ndarray:
    """A phone photo of a page (clean grey page image): BGR or grey JPEG-decoded array."""
    h, w = img.shape
    # the photo frame: 4:3, the page filling ~75-90% of it, on a darker desk
    mp = photo.megapixels * 1e6
    ph = int(np.sqrt(mp * 4 / 3))
    pw = int(mp / ph)
    if h > w:
        ph, pw = max(ph, pw), min(ph, pw)
    fill = rng.uniform(0.72, 0.88)
    sc = fill * min(pw / w, ph / h)
    cw, ch = w * sc, h * sc
    cx, cy = pw / 2 + rng.normal(0, 0.03) * pw, ph / 2 + rng.normal(0, 0.03) * ph
    corners = np.float32(
        [
            [cx - cw / 2, cy - ch / 2],
            [cx + cw / 2, cy - ch / 2],
            [cx + cw / 2, cy + ch / 2],
            [cx - cw / 2, cy + ch / 2],
        ]
    )
    # tilt: the far edge is shorter by about tan(tilt)*0.6 of it; in a random direction
    k = np.tan(np.radians(photo.tilt)) * 0.55
    side = int(rng.integers(4))
    d = corners.copy()
    a, b = [(0, 1), (1, 2), (2, 3), (3, 0)][side]
    mid = (d[a] + d[b]) / 2
    d[a] += (mid - d[a]) * k
    d[b] += (mid - d[b]) * k
    d += rng.normal(0, 0.01 * min(pw, ph), d.shape).astype(np.float32)
    rot = rng.uniform(-8, 8)
    rm = cv2.getRotationMatrix2D((pw / 2, ph / 2), rot, 1.0)
    d = cv2.transform(d.reshape(-1, 1, 2), rm).reshape(-1, 2)
    m = cv2.getPerspectiveTransform(np.float32([[0, 0], [w, 0], [w, h], [0, h]]), d)
    desk = rng.uniform(60, 140)
    page = cv2.warpPerspective(
        img,
        m,
        (pw, ph),
        flags=cv2.INTER_AREA if sc < 1 else cv2.INTER_LINEAR,
        borderMode=cv2.BORDER_CONSTANT,
        borderValue=int(desk),
    ).astype(np.float32)
    # desk texture, uneven light, a hand's shadow
    page += rng.normal(0, 4, page.shape).astype(np.float32)
    light = 1.0 - photo.light * 0.5 * _gradient(page.shape, rng)
    page *= light
    if photo.hand_shadow:
        sh = np.zeros(page.shape, np.float32)
        ex, ey = rng.uniform(0, pw), rng.choice([0.0, float(ph)])
        cv2.ellipse(
            sh,
            (int(ex), int(ey)),
            (int(pw * 0.25), int(ph * 0.22)),
            rng.uniform(0, 180),
            0,
            360,
            1.0,
            -1,
        )
        small = cv2.resize(sh, (pw // 8, ph // 8), interpolation=cv2.INTER_AREA)
        small = cv2.GaussianBlur(small, (0, 0), pw * 0.005)
        sh = cv2.resize(small, (pw, ph), interpolation=cv2.INTER_LINEAR)
        page *= 1.0 - 0.35 * sh
    page *= photo.dark
    if photo.glare > 0:  # veiling glare over the page, strongest at a hotspot
        spot = 1.0 - 0.4 * _gradient(page.shape, rng)
        page += photo.glare * spot
    if photo.blur > 0.05:
        page = cv2.GaussianBlur(page, (0, 0), photo.blur)
    page += rng.normal(0, 3, page.shape).astype(np.float32)
    page = np.clip(page, 0, 255).astype(np.uint8)
    if photo.colour:
        bgr = cv2.merge(
            [
                np.clip(page.astype(np.int16) - 8, 0, 255).astype(np.uint8),
                page,
                np.clip(page.astype(np.int16) + 6, 0, 255).astype(np.uint8),
            ]
        )
        ok, buf = cv2.imencode(".jpg", bgr, [cv2.IMWRITE_JPEG_QUALITY, photo.jpeg])
        return cv2.imdecode(buf, cv2.IMREAD_COLOR)
    ok, buf = cv2.imencode(".jpg", page, [cv2.IMWRITE_JPEG_QUALITY, photo.jpeg])
    return cv2.imdecode(buf, cv2.IMREAD_GRAYSCALE)
