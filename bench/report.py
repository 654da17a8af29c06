"""Benchmark of the report: build_report and the writers at several sample sizes.

    .venv/bin/python bench/report.py [--sizes 1000,5000,20000] [--dpi 100]

Uses surveys/hung-yen-2026/anket.xlsx with the questionnaire simulator when present, else the
small test questionnaire of tests/report. Prints a table; never a timed test.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def load(n: int, seed: int = 1):
    anket = ROOT / "surveys" / "hung-yen-2026" / "anket.xlsx"
    if anket.exists():
        from khaosat.questionnaire.simulate import responses_frame, simulate
        from khaosat.questionnaire.xlsform import read_xlsform

        q = read_xlsform(str(anket))
        df = responses_frame(q, simulate(q, n, seed=seed))
        rng = np.random.default_rng(seed)
        units = [f"{12400 + k}" for k in range(40)]
        df["unit"] = rng.choice(units, size=n)
        df["psu"] = df["unit"]
        df["stratum"] = np.where(df["unit"] < units[20], "HY", "TB")
        df["weight"] = rng.uniform(600, 1200, size=n)
        return q, df, "anket.xlsx (mô phỏng)"
    from tests.report.conftest import make_data, make_questionnaire

    return make_questionnaire(), make_data(n=n, seed=seed), "bảng hỏi thử"


def main() -> None:
    from rich.console import Console
    from rich.table import Table

    from khaosat.report.builder import build_report
    from khaosat.report.docx_writer import write_docx

    ap = argparse.ArgumentParser()
    ap.add_argument("--sizes", default="1000,5000,20000")
    ap.add_argument("--dpi", type=int, default=100)
    args = ap.parse_args()
    table = Table(title="khaosat.report — thời gian (giây)")
    for col in ("n", "nguồn", "build_report", "docx", "xlsx", "sav", "csv", "docx (KB)"):
        table.add_column(col, justify="right")
    for n in [int(s) for s in args.sizes.split(",")]:
        q, df, source = load(n)
        t0 = time.perf_counter()
        built = build_report(q, df, settings={"chart": {"dpi": args.dpi}})
        t1 = time.perf_counter()
        data = write_docx(built.doc)
        t2 = time.perf_counter()
        times = []
        with tempfile.TemporaryDirectory() as tmp:
            for fmt in ("xlsx", "sav", "csv"):
                s = time.perf_counter()
                built.write(tmp, formats=(fmt,))
                times.append(time.perf_counter() - s)
        table.add_row(
            f"{n:,}".replace(",", "."),
            source,
            f"{t1 - t0:.2f}",
            f"{t2 - t1:.2f}",
            *(f"{t:.2f}" for t in times),
            f"{len(data) / 1024:.0f}",
        )
    Console().print(table)


if __name__ == "__main__":
    main()
