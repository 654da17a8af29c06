"""Benchmark of the report: build_report and the writers at several sample sizes.

    .venv/bin/python bench/report.py [--sizes 1000,5000] [--dpi 200] [--profile out.prof]

Uses surveys/hung-yen-2026/anket.xlsx with simulated answers and design columns from the
sampling plan (khaosat.report.demo.simulated_survey_data) when present, else the small test
questionnaire of tests/report. Prints wall-clock and CPU seconds (the machine may be shared: CPU
time is the fairer number). Never a timed test.
"""

from __future__ import annotations

import argparse
import cProfile
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def load(n: int, seed: int = 1):
    folder = ROOT / "surveys" / "hung-yen-2026"
    if (folder / "anket.xlsx").exists():
        from khaosat.report.demo import simulated_survey_data

        q, df = simulated_survey_data(folder, n, seed)
        return q, df, "anket.xlsx (mô phỏng)"
    from tests.report.conftest import make_data, make_questionnaire

    return make_questionnaire(), make_data(n=n, seed=seed), "bảng hỏi thử"


class Clock:
    """Wall-clock and process CPU time of a block."""

    def __enter__(self) -> Clock:
        self.w, self.c = time.perf_counter(), time.process_time()
        return self

    def __exit__(self, *exc: object) -> None:
        self.wall = time.perf_counter() - self.w
        self.cpu = time.process_time() - self.c

    def __str__(self) -> str:
        return f"{self.wall:.2f} ({self.cpu:.2f})"


def main() -> None:
    from rich.console import Console
    from rich.table import Table

    from khaosat.report.builder import build_report
    from khaosat.report.docx_writer import write_docx

    ap = argparse.ArgumentParser()
    ap.add_argument("--sizes", default="1000,5000")
    ap.add_argument("--dpi", type=int, default=200, help="chart dpi (report default 200)")
    ap.add_argument("--profile", default="", help="write a cProfile of build+docx (first size)")
    args = ap.parse_args()
    table = Table(title="khaosat.report — giây: thực (CPU)")
    cols = ("n", "nguồn", "build_report", "docx", "tổng báo cáo", "xlsx", "sav", "csv", "KB")
    for col in cols:
        table.add_column(col, justify="right")
    for k, n in enumerate(int(s) for s in args.sizes.split(",")):
        q, df, source = load(n)
        prof = cProfile.Profile() if args.profile and k == 0 else None
        if prof:
            prof.enable()
        with Clock() as total:
            with Clock() as tb:
                built = build_report(q, df, settings={"chart": {"dpi": args.dpi}})
            with Clock() as td:
                data = write_docx(built.doc)
        if prof:
            prof.disable()
            prof.dump_stats(args.profile)
        times = []
        with tempfile.TemporaryDirectory() as tmp:
            for fmt in ("xlsx", "sav", "csv"):
                with Clock() as t:
                    built.write(tmp, formats=(fmt,))
                times.append(t)
        table.add_row(
            f"{n:,}".replace(",", "."),
            source,
            str(tb),
            str(td),
            str(total),
            *(str(t) for t in times),
            f"{len(data) / 1024:.0f}",
        )
    Console().print(table)


if __name__ == "__main__":
    main()
