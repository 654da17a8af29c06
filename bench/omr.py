"""OMR benchmark: print Anket forms, fill them with known answers, scan them badly, read back.

    .venv/bin/python bench/omr.py [--forms 40] [--dpi 150 200 300] [--seed 1] [--form anket.xlsx]

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


def run(q, dpi: int, n: int, seed: int, planted: float = 0.0) -> dict:
    """One resolution: returns the measures of the table."""
    lay = compute_layout(q)
    buf = io.BytesIO()
    printed = print_forms(lay, "12427", n, buf)
    clean = synth.render_pdf(buf.getvalue(), dpi)
    truth = synth.answer_sets(lay, n, seed, q)
    rng = np.random.default_rng(seed + dpi)
    pages: list[ScanPage] = []
    cancelled: dict[str, set] = {}
    plants: dict[str, tuple[str, str]] = {}
    for k, serial in enumerate(printed.serials):
        imgs = clean[COVER_PAGES + k * lay.page_count : COVER_PAGES + (k + 1) * lay.page_count]
        style = synth.PEN_STYLES[k % len(synth.PEN_STYLES)]
        overrides: dict = {}
        if rng.random() < planted:
            overrides, plant = _plant(lay, truth[k], rng)
            if plant:
                plants[serial] = plant
        filled = synth.fill_form(
            imgs,
            lay,
            truth[k],
            dpi,
            rng,
            styles=(style,),
            correction_rate=0.04,
            overrides=overrides,
        )
        cancelled[serial] = set(filled.cancelled)
        for p, img in enumerate(filled.images):
            faults = synth.random_faults(rng, dpi, hard=0.06)
            pages.append(ScanPage(synth.scan(img, faults, rng), f"{serial}#{p + 1}"))
    order = rng.permutation(len(pages))
    pages = [pages[i] for i in order]
    t0, c0 = time.perf_counter(), time.process_time()
    result = read_pages(pages, lay, crops=True)
    elapsed, cpu = time.perf_counter() - t0, time.process_time() - c0
    by_serial = dict(zip(printed.serials, truth, strict=True))
    boxes = wrong_boxes = uncertain = wrong_answers = wrong_serials = 0
    caught = review_clean = 0
    for form in result.forms:
        plant = plants.get(form.serial)
        if plant:
            caught += any((r.variable, r.kind) == plant for r in form.review) and (
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
        for m in form.marks:
            if plant and m.variable == plant[0]:
                continue  # the planted box is judged by `caught`
            value = ans.get(m.variable)
            chosen = m.code in (value if isinstance(value, list) else [value])
            if m.state == "uncertain":
                uncertain += 1
                continue
            boxes += 1
            if m.state == "filled":
                ok = (m.variable, m.code) in cancelled[form.serial] and not chosen
            else:
                ok = (m.state == "marked") == chosen
            wrong_boxes += not ok
        doubtful = {r.variable for r in form.review}
        for var, value in form.answers.items():
            if var not in doubtful and ans.get(var) != value:
                wrong_answers += 1
    return {
        "dpi": dpi,
        "pages": len(pages),
        "forms": len(result.forms),
        "boxes": boxes,
        "wrong_boxes": wrong_boxes,
        "uncertain": uncertain,
        "wrong_answers": wrong_answers,
        "review": review_clean,
        "clean_forms": len(result.forms) - len(plants),
        "planted": len(plants),
        "caught": caught,
        "wrong_serials": wrong_serials,
        "unreadable": len(result.unreadable),
        "reasons": sorted({u.kind for u in result.unreadable}),
        "pps": len(pages) / cpu,  # CPU time of one thread: the machine may be shared
        "pps_wall": len(pages) / elapsed,
        "kinds": sorted({r.kind for f in result.forms for r in f.review}),
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--forms", type=int, default=40)
    ap.add_argument("--dpi", type=int, nargs="+", default=[150, 200, 300])
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--form", type=Path, default=None)
    ap.add_argument(
        "--planted",
        type=float,
        default=0.1,
        help="share of forms given a hesitant or double mark that must go to review",
    )
    args = ap.parse_args()
    cv2.setNumThreads(1)  # speed is per core
    q, name = _questionnaire(args.form)
    console = Console(width=200)
    lay = compute_layout(q)
    console.print(
        f"{name}: {lay.page_count} trang/phiếu, {sum(len(p.boxes) for p in lay.pages)} ô; "
        f"{args.forms} phiếu mỗi độ phân giải; bút: {', '.join(synth.PEN_STYLES)} + sửa (tô kín)"
    )
    t = Table(
        title="OMR: đọc lại phiếu mô phỏng (lỗi quét: xoay ±3°, co giãn, mờ, nhiễu, JPEG, "
        "lộn ngược, che ô định vị)"
    )
    for col in (
        "dpi",
        "trang",
        "phiếu",
        "ô chấp nhận",
        "ô sai",
        "lỗi/10.000 ô",
        "ô không chắc",
        "câu sai",
        "phiếu cần xem (không cài lỗi)",
        "lỗi cài → xem lại",
        "sai số phiếu",
        "trang không đọc",
        "trang/giây/lõi",
        "trang/giây (đồng hồ)",
    ):
        t.add_column(col, justify="right")
    for dpi in args.dpi:
        r = run(q, dpi, args.forms, args.seed, args.planted)
        rate = 10_000 * r["wrong_boxes"] / max(1, r["boxes"])
        t.add_row(
            str(r["dpi"]),
            str(r["pages"]),
            str(r["forms"]),
            f"{r['boxes']:,}".replace(",", "."),
            str(r["wrong_boxes"]),
            f"{rate:.2f}".replace(".", ","),
            str(r["uncertain"]),
            str(r["wrong_answers"]),
            f"{r['review']} ({100 * r['review'] / max(1, r['clean_forms']):.1f}%)".replace(
                ".", ","
            ),
            f"{r['caught']}/{r['planted']}",
            str(r["wrong_serials"]),
            f"{r['unreadable']} {' '.join(r['reasons'])}".strip(),
            f"{r['pps']:.1f}".replace(".", ","),
            f"{r['pps_wall']:.1f}".replace(".", ","),
        )
        console.print(f"  {dpi} dpi: loại cần xem lại: {', '.join(r['kinds']) or '—'}")
    console.print(t)


if __name__ == "__main__":
    main()
