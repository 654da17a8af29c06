"""Where to refuse a photo before reading it: the measures of khaosat.paper.photo over sharp
scans and photos, and over blurred, dark and over-exposed photos, with what reading them
anyway would give.

    .venv/bin/python bench/photo_quality.py [--forms 2] [--seed 1] [--only scans|photos]

Each condition is read by bench/omr.py's `run` with the photo check switched off (every page
is measured, then read; a photo whose corner markers are not found is measured whole), so the
table shows, side by side, the measures' spread (smallest,
5th percentile, median) and the harm: boxes read wrong among those accepted, forms sent to
review, pages lost to registration or QR. The last columns count the pages the thresholds of
khaosat.paper.photo refuse. Good thresholds refuse none of the scans or sharp photos and
every photo whose reading goes wrong or mostly to review.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import cv2
import numpy as np
from rich.console import Console
from rich.table import Table

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import omr  # noqa: E402

from khaosat.paper import photo, reading  # noqa: E402
from khaosat.paper.layout import compute_layout  # noqa: E402

PENS = {"opacity": (0.5, 1.0)}  # light and ordinary pens: light ink is what a bad photo loses
SHARP = {"tilt": (0.0, 20.0), "light": (0.0, 0.7)}

# label -> (kind, dpi, fill options, scan options, photo options)
CONDITIONS: list[tuple[str, str, int, dict, dict | None, dict | None]] = [
    ("quét, lỗi nhẹ", "scan", 150, PENS, None, None),
    ("quét, lỗi nhẹ", "scan", 200, PENS, None, None),
    ("quét, lỗi nhẹ", "scan", 300, PENS, None, None),
    ("quét tối, bóng, thấu", "scan", 150, PENS, omr.FAULTS["bóng, thấu mặt sau, tối"][1], None),
    ("quét tối, bóng, thấu", "scan", 200, PENS, omr.FAULTS["bóng, thấu mặt sau, tối"][1], None),
    ("quét TIFF 1 bit", "scan", 200, PENS, {"bilevel": "threshold"}, None),
    ("quét photocopy", "scan", 200, PENS, {"photocopy": True}, None),
    ("quét mờ σ=1,5 px", "scan", 150, PENS, {"blur": 1.5}, None),
    ("ảnh rõ", "photo", 300, PENS, None, SHARP),
    ("ảnh rõ, 12 MP", "photo", 300, PENS, None, {**SHARP, "megapixels": 12.0}),
    ("ảnh rõ, JPEG 60", "photo", 300, PENS, None, {**SHARP, "jpeg": 60}),
    ("ảnh hơi tối ×0,6", "photo", 300, PENS, None, {**SHARP, "dark": 0.6}),
    ("ảnh hơi sáng ×1,3", "photo", 300, PENS, None, {**SHARP, "dark": 1.3}),
]
for s in (1.0, 2.0, 2.5, 3.0, 4.0, 6.0):
    CONDITIONS.append(
        (f"ảnh mờ σ={s:g} px".replace(".", ","), "photo", 300, PENS, None, {**SHARP, "blur": s})
    )
for d in (0.45, 0.35, 0.3, 0.25, 0.15):
    CONDITIONS.append(
        (f"ảnh tối ×{d:g}".replace(".", ","), "photo", 300, PENS, None, {**SHARP, "dark": d})
    )
for g in (40.0, 80.0, 120.0, 160.0):
    CONDITIONS.append((f"ảnh lóa +{g:g}", "photo", 300, PENS, None, {**SHARP, "glare": g}))
for d in (1.6, 2.0, 2.5, 3.5):
    CONDITIONS.append(
        (f"ảnh chói ×{d:g}".replace(".", ","), "photo", 300, PENS, None, {**SHARP, "dark": d})
    )


def _pct(values: list[float], q: float) -> float:
    return float(np.percentile(values, q)) if values else float("nan")


def _f(v: float, digits: int = 2) -> str:
    return "—" if v != v else f"{v:.{digits}f}".replace(".", ",")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--forms", type=int, default=2, help="forms per condition")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--only", choices=["scans", "photos"], default=None)
    ap.add_argument("--match", default="", help="only conditions whose label contains this")
    args = ap.parse_args()
    cv2.setNumThreads(1)
    q, name = omr._questionnaire(None)
    lay = compute_layout(q)
    seen: list[photo.Quality] = []

    def record(measured: photo.Quality) -> str:  # measure every page, refuse none
        seen.append(measured)
        return ""

    photo.problem, judge = record, photo.problem
    lost: list[float] = []  # frame sharpness of photos whose markers were not found
    register = reading._register

    def registered(grey):
        reg = register(grey)
        if reg is None:
            lost.append(photo.frame_sharpness(grey))
        return reg

    reading._register = registered
    console = Console(width=220)
    console.print(f"{name}: {lay.page_count} trang/phiếu; {args.forms} phiếu mỗi điều kiện")
    t = Table(title="Ảnh chụp / bản quét: các số đo trước khi đọc, và đọc ra sao nếu không từ chối")
    for col in (
        "điều kiện",
        "dpi",
        "trang",
        "nét: nhỏ nhất",
        "nét: p5",
        "nét: trung vị",
        "giấy: p5",
        "tương phản: p5",
        "trắng bão hòa: trung vị",
        "đen in: nhỏ nhất–lớn nhất",
        "ô sai / chấp nhận",
        "phiếu cần xem",
        "trang không đọc",
        "không định vị: nét khung lớn nhất",
        "từ chối: mờ",
        "tối",
        "chói",
    ):
        t.add_column(col, justify="right")
    for label, kind, dpi, fill, scan_opts, photo_opts in CONDITIONS:
        if (args.only and not args.only.startswith(kind)) or args.match not in label:
            continue
        key = f"bench: {label} {dpi}"
        omr.FAULTS[key] = (fill, scan_opts if scan_opts is not None else {}, photo_opts)
        if scan_opts is None and photo_opts is None:
            omr.FAULTS[key] = (fill, None, None)
        seen.clear()
        lost.clear()
        r = omr.run(q, dpi, args.forms, args.seed, 0.0, key)
        sharp = [m.sharp for m in seen]
        verdicts = [judge(m) for m in seen]
        t.add_row(
            label,
            "ảnh ĐT" if kind == "photo" else str(dpi),
            str(r["pages"]),
            _f(min(sharp) if sharp else float("nan"), 3),
            _f(_pct(sharp, 5), 3),
            _f(_pct(sharp, 50), 3),
            _f(_pct([m.paper for m in seen], 5), 0),
            _f(_pct([m.contrast for m in seen], 5), 0),
            _f(_pct([m.clipped for m in seen], 50), 2),
            f"{_f(_pct([m.black for m in seen], 0), 0)}–{_f(_pct([m.black for m in seen], 100), 0)}",
            f"{r['wrong_boxes']} / {r['boxes']:,}".replace(",", "."),
            f"{r['review']}/{r['clean_forms']}",
            f"{r['unreadable']} {' '.join(r['reasons'])}".strip(),
            _f(max(lost), 4) if lost else "—",
            str(verdicts.count("blurred") + sum(v < photo.FRAME_SHARP_MIN for v in lost)),
            str(verdicts.count("dark")),
            str(verdicts.count("bright")),
        )
        console.print(f"  {label} @ {dpi}: {len(seen)} trang đo")
    console.print(t)
    console.print(
        f"Ngưỡng (khaosat.paper.photo): nét < {photo.SHARP_MIN} → mờ; giấy < {photo.PAPER_MIN} "
        f"hoặc tương phản < {photo.CONTRAST_MIN} → tối; trắng bão hòa > {photo.CLIPPED_MAX} và "
        f"đen in > {photo.BLACK_MAX} → chói; không thấy ô định vị và nét khung < "
        f"{photo.FRAME_SHARP_MIN} → mờ."
    )


if __name__ == "__main__":
    main()
