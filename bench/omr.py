"""OMR benchmark: print Anket forms, fill them with known answers, scan them badly, read back.

    .venv/bin/python bench/omr.py [--forms 4] [--dpi 150 200 300] [--faults 0 3 …] [--seed 1]

Every fault of FAULTS (pens: light, faint, gel, pencil, hatching, pale corrections, stray
strokes; scans: 3-marker perspective, skew to 10°, 1-bit TIFF, shadow/show-through/dark,
photocopies; phone photos with perspective to 20°, uneven light and a hand's shadow) is run
at each resolution (phone photos from a 300 dpi render) and a row printed per fault and
resolution, then the totals per resolution.

Reports per resolution: per-box error rate among accepted (not uncertain) boxes, answers
accepted but wrong, share of forms with anything to review (among forms without a planted
problem), planted problems (a hesitant mark or a second mark in a single choice, on
--planted of the forms) that went to review instead of being guessed, wrong serials, unreadable pages,
and reading speed (pages per second of CPU time on one thread, QR decoding and crops
included; rasterising the test PDF and the synthetic faults are not timed).
Targets at 200/300 dpi: <= 1 wrong accepted box in 10.000, <= 5% forms to review, 0 wrong
serials, >= 4 pages/s/core.
"""

from __future__ import annotations

import argparse
import io
import sys
import time
from pathlib import Path

import cv2
import numpy as np
from rich.console import Console
from rich.table import Table

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from khaosat.paper import synth  # noqa: E402
from khaosat.paper.layout import compute_layout  # noqa: E402
from khaosat.paper.printing import COVER_PAGES, print_forms  # noqa: E402
from khaosat.paper.reading import ScanPage, read_pages  # noqa: E402

ANKET = ROOT / "surveys" / "hung-yen-2026" / "anket.xlsx"


def _questionnaire(path: Path | None):
    from khaosat.questionnaire.xlsform import read_xlsform

    if path and path.exists():
        return read_xlsform(path), path.name
    if ANKET.exists():
        return read_xlsform(ANKET), "Anket Hưng Yên 2026"
    from tests.paper.anket_outline import outline_anket

    return outline_anket(), "Anket theo đề cương (chưa có anket.xlsx)"


def _plant(lay, answers: dict, rng: np.random.Generator) -> tuple[dict, tuple[str, str] | None]:
    """Maybe plant a problem a reader must not guess: a hesitant mark or a double mark."""
    singles = [v for v, i in lay.questions.items() if i.kind == "one" and v in answers]
    if not singles:
        return {}, None
    var = singles[int(rng.integers(len(singles)))]
    other = [c for c in lay.questions[var].codes if c != answers[var]]
    code = other[int(rng.integers(len(other)))]
    if rng.random() < 0.5:
        return {(var, code): "faint"}, (var, "uncertain")
    return {(var, code): "cross"}, (var, "multiple")


# name -> (fill_form options, scan faults, phone photo options); None = the mild random faults
FAULTS: dict[str, tuple[dict, dict | None, dict | None]] = {
    "nhẹ (xoay ±3°, mờ, nhiễu, JPEG)": ({}, None, None),
    "phối cảnh, chỉ 3 ô định vị": ({}, {"keystone": (0.01, 0.035), "cover_marker": True}, None),
    "bút nhạt (0,5–0,65)": ({"opacity": (0.5, 0.65)}, {}, None),
    "bút rất nhạt (0,35–0,5)": ({"opacity": (0.35, 0.5)}, {}, None),
    "bút nhạt + 12% sửa": ({"opacity": (0.5, 0.65), "correction_rate": 0.12}, {}, None),
    "bút gel": ({"kinds": ("gel",), "ink": (50, 110)}, {}, None),
    "bút chì": ({"kinds": ("pencil",), "ink": (70, 120)}, {}, None),
    "gạch chéo dày (hatch)": ({"styles": ("hatch",)}, {}, None),
    "sửa bằng bút nhạt (tô không kín)": (
        {"correction_rate": 0.12, "correction_style": "pale_solid"},
        {},
        None,
    ),
    "nét vương (stray)": ({"stray": 0.05}, {}, None),
    "nghiêng 4–10°": ({}, {"rotate": (4.0, 10.0)}, None),
    "TIFF 1 bit": ({}, {"bilevel": "threshold"}, None),
    "bóng, thấu mặt sau, tối": (
        {},
        {"shadow": (0.3, 0.8), "show_through": (0.2, 0.6), "contrast": (0.6, 0.9)},
        None,
    ),
    "bản photocopy": ({}, {"photocopy": True}, None),
    "ảnh điện thoại": ({}, None, {"tilt": (0.0, 20.0), "light": (0.0, 0.7)}),
}


def _draw(v, rng):
    if isinstance(v, tuple) and len(v) == 2 and all(isinstance(x, float) for x in v):
        return float(rng.uniform(*v))
    return v


def _scanned(img, dpi, scan_opts, phone_opts, rng):
    if phone_opts is not None:
        photo = synth.Photo(**{k: _draw(v, rng) for k, v in phone_opts.items()})
        return synth.phone_photo(img, photo, rng)
    faults = synth.random_faults(rng, dpi, hard=0.06)
    if scan_opts:
        faults.upside_down = False
        faults.cover_marker = None
    for k, v in (scan_opts or {}).items():
        if k == "cover_marker":
            v = int(rng.integers(4))
        elif k == "rotate":
            v = _draw(v, rng) * (1 if rng.random() < 0.5 else -1)
        setattr(faults, k, _draw(v, rng))
    return synth.scan(img, faults, rng)


def run(q, dpi: int, n: int, seed: int, planted: float = 0.0, fault: str = "") -> dict:
    """One resolution and fault: returns the measures of the table."""
    fill_opts, scan_opts, phone_opts = FAULTS[fault] if fault else ({}, None, None)
    lay = compute_layout(q)
    buf = io.BytesIO()
    printed = print_forms(lay, "12427", n, buf)
    clean = _render(buf.getvalue(), dpi, n)
    truth = synth.answer_sets(lay, n, seed, q)
    rng = np.random.default_rng(seed + dpi + len(fault))
    pages: list[ScanPage] = []
    cancelled: dict[str, set] = {}
    plants: dict[str, tuple[str, str]] = {}
    for k, serial in enumerate(printed.serials):
        imgs = clean[COVER_PAGES + k * lay.page_count : COVER_PAGES + (k + 1) * lay.page_count]
        opts = dict(fill_opts)
        styles = opts.pop("styles", (synth.PEN_STYLES[k % len(synth.PEN_STYLES)],))
        stray = opts.pop("stray", 0.0)
        overrides: dict = {}
        if rng.random() < planted:
            overrides, plant = _plant(lay, truth[k], rng)
            if plant:
                plants[serial] = plant
        if stray:  # slips of the pen grazing empty boxes
            for var, info in lay.questions.items():
                for c in info.codes:
                    value = truth[k].get(var)
                    chosen = c in (value if isinstance(value, list) else [value])
                    if not chosen and rng.random() < stray:
                        overrides[(var, c)] = "stray"
        opts.setdefault("correction_rate", 0.04)
        filled = synth.fill_form(
            imgs, lay, truth[k], dpi, rng, styles=styles, overrides=overrides, **opts
        )
        cancelled[serial] = set(filled.cancelled)
        for p, img in enumerate(filled.images):
            pages.append(
                ScanPage(_scanned(img, dpi, scan_opts, phone_opts, rng), f"{serial}#{p + 1}")
            )
    order = rng.permutation(len(pages))
    pages = [pages[i] for i in order]
    t0, c0 = time.perf_counter(), time.process_time()
    result = read_pages(pages, lay, crops=True)
    elapsed, cpu = time.perf_counter() - t0, time.process_time() - c0
    by_serial = dict(zip(printed.serials, truth, strict=True))
    boxes = wrong_boxes = uncertain = wrong_answers = wrong_serials = 0
    caught = review_clean = 0
    accounted = len(result.unreadable)
    for form in result.forms:
        accounted += len(form.pages)
        plant = plants.get(form.serial)
        if plant:
            # caught: the question goes to a person and nothing is guessed for it (a faint
            # touch read as a second mark goes to review as "multiple", which is as good)
            caught += any(r.variable == plant[0] for r in form.review) and (
                plant[0] not in form.answers
            )
        elif form.needs_review:
            review_clean += 1
        if form.serial not in by_serial:
            wrong_serials += 1
            continue
        for page, source in form.pages.items():
            if source.split("#")[0] != form.serial or int(source.split("#")[1]) != page:
                wrong_serials += 1
        ans = by_serial[form.serial]
        doubtful = {r.variable for r in form.review}
        bad_pages = {r.page for r in form.review if r.kind == "misaligned_page"}
        for m in form.marks:
            if plant and m.variable == plant[0]:
                continue  # the planted box is judged by `caught`
            if m.variable in doubtful or m.page in bad_pages:
                uncertain += 1  # a person decides this question: not accepted
                continue
            value = ans.get(m.variable)
            chosen = m.code in (value if isinstance(value, list) else [value])
            boxes += 1
            if m.state in ("filled", "pale"):
                ok = (m.variable, m.code) in cancelled[form.serial] and not chosen
            else:
                ok = (m.state == "marked") == chosen
            wrong_boxes += not ok
        for var, value in form.answers.items():
            if var not in doubtful and ans.get(var) != value:
                wrong_answers += 1
    return {
        "dpi": dpi,
        "fault": fault,
        "pages": len(pages),
        "forms": len(result.forms),
        "boxes": boxes,
        "wrong_boxes": wrong_boxes,
        "uncertain": uncertain,
        "wrong_answers": wrong_answers,
        "review": review_clean,
        # planted problems on forms that were read (a refused file reads no form)
        "clean_forms": len(result.forms) - sum(f.serial in plants for f in result.forms),
        "planted": sum(f.serial in plants for f in result.forms),
        "caught": caught,
        "wrong_serials": wrong_serials,
        "unreadable": len(result.unreadable),
        "lost": len(pages) - accounted,
        "reasons": sorted({u.kind for u in result.unreadable}),
        "pps": len(pages) / cpu,  # CPU time of one thread: the machine may be shared
        "pps_wall": len(pages) / elapsed,
        "kinds": sorted({r.kind for f in result.forms for r in f.review}),
        # for diagnostics (not printed): what was planted, cancelled and meant, per serial
        "detail": {"plants": plants, "cancelled": cancelled, "truth": by_serial, "result": result},
    }


_CLEAN: dict[tuple[int, int], list] = {}


def _render(pdf: bytes, dpi: int, n: int) -> list:
    key = (dpi, n)
    if key not in _CLEAN:
        _CLEAN[key] = synth.render_pdf(pdf, dpi)
    return _CLEAN[key]


def _row(t: Table, label: str, dpi: str, r: dict) -> None:
    rate = 10_000 * r["wrong_boxes"] / max(1, r["boxes"])
    t.add_row(
        label,
        dpi,
        str(r["pages"]),
        str(r["forms"]),
        f"{r['boxes']:,}".replace(",", "."),
        str(r["wrong_boxes"]),
        f"{rate:.2f}".replace(".", ","),
        str(r["wrong_answers"]),
        f"{r['review']}/{r['clean_forms']} ({100 * r['review'] / max(1, r['clean_forms']):.1f}%)".replace(
            ".", ","
        ),
        f"{r['caught']}/{r['planted']}",
        str(r["wrong_serials"]),
        f"{r['unreadable']} {' '.join(r['reasons'])}".strip(),
        str(r["lost"]),
        f"{r['pps']:.1f}".replace(".", ","),
    )


def _add(total: dict, r: dict) -> None:
    for k in (
        "pages",
        "forms",
        "boxes",
        "wrong_boxes",
        "wrong_answers",
        "review",
        "clean_forms",
        "planted",
        "caught",
        "wrong_serials",
        "unreadable",
        "lost",
    ):
        total[k] = total.get(k, 0) + r[k]
    total["cpu"] = total.get("cpu", 0.0) + r["pages"] / r["pps"]
    total.setdefault("reasons", set()).update(r["reasons"])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--forms", type=int, default=4, help="forms per fault and resolution")
    ap.add_argument("--dpi", type=int, nargs="+", default=[150, 200, 300])
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--form", type=Path, default=None)
    ap.add_argument("--faults", nargs="*", default=None, help="numbers of the faults to run")
    ap.add_argument(
        "--planted",
        type=float,
        default=0.1,
        help="share of forms given a hesitant or double mark that must go to review",
    )
    args = ap.parse_args()
    cv2.setNumThreads(1)  # speed is per core
    q, name = _questionnaire(args.form)
    console = Console(width=220)
    lay = compute_layout(q)
    names = list(FAULTS)
    chosen = [names[int(i)] for i in args.faults] if args.faults else names
    console.print(
        f"{name}: {lay.page_count} trang/phiếu, {sum(len(p.boxes) for p in lay.pages)} ô; "
        f"{args.forms} phiếu mỗi lỗi và độ phân giải; bút: {', '.join(synth.PEN_STYLES)} + sửa"
    )
    t = Table(title="OMR: đọc lại phiếu mô phỏng, theo lỗi và độ phân giải")
    for col in (
        "lỗi",
        "dpi",
        "trang",
        "phiếu",
        "ô chấp nhận",
        "ô sai",
        "lỗi/10.000 ô",
        "câu sai",
        "phiếu cần xem (không cài lỗi)",
        "lỗi cài → xem lại",
        "sai số phiếu",
        "trang không đọc",
        "trang mất",
        "trang/giây/lõi",
    ):
        t.add_column(col, justify="right")
    totals: dict[str, dict] = {}
    for fault in chosen:
        phone = FAULTS[fault][2] is not None
        for dpi in [300] if phone else args.dpi:
            r = run(q, dpi, args.forms, args.seed, args.planted, fault)
            label = "ảnh ĐT" if phone else str(dpi)
            _row(t, f"{names.index(fault)}. {fault}", label, r)
            _add(totals.setdefault(label, {}), r)
            console.print(f"  {fault} @ {label}: cần xem: {', '.join(r['kinds']) or '—'}")
    for label, tot in totals.items():
        tot["pps"] = tot["pages"] / max(tot["cpu"], 1e-9)
        tot["reasons"] = sorted(tot["reasons"])
        _row(t, "[b]tất cả lỗi[/b]", label, tot)
    console.print(t)


if __name__ == "__main__":
    main()
