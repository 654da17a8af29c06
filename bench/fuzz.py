"""Fuzz the readers of user files and text (nightly): the XLSForm reader, the spreadsheet
import, the expression parser, the OMR reader's file intake and the Word Anket reader
(tests/fuzzing.py).

Every case must succeed or raise the area's own error (shown to users as a Vietnamese
sentence); anything else is printed with the input that caused it (hypothesis shrinks it).

Run: .venv/bin/python bench/fuzz.py [--cases 10000] [--only xlsform,spreadsheet,expression,scan,word]
Prints one row per target: cases run, seconds, cases/s, and failures.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
import traceback
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def _case(fn, count):
    def case(argtuple):
        count[0] += 1
        fn(*argtuple)

    return case


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--cases", type=int, default=10000, help="cases per target")
    ap.add_argument("--only", default="", help="comma-separated targets")
    ap.add_argument("--seed", type=int, default=None)
    args = ap.parse_args()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "khaosat.web.settings")

    from hypothesis import HealthCheck, given, seed, settings
    from rich.console import Console
    from rich.table import Table

    from tests.fuzzing import strategies

    targets = strategies()
    only = [t for t in args.only.split(",") if t] or list(targets)
    table = Table(title=f"Fuzzing, {args.cases} cases per target")
    for col in ("target", "cases", "seconds", "cases/s", "result"):
        table.add_column(col, justify="right" if col != "result" else "left")
    failed = 0
    for name in only:
        fn, strat = targets[name]
        count = [0]
        case = _case(fn, count)

        test = settings(
            max_examples=args.cases,
            deadline=None,
            database=None,
            suppress_health_check=list(HealthCheck),
        )(given(strat)(case))
        if args.seed is not None:
            test = seed(args.seed)(test)
        t0 = time.perf_counter()
        try:
            test()
            result = "no exception escaped"
        except Exception as exc:  # noqa: BLE001 - report and go on with the next target
            failed += 1
            result = f"FAILED: {type(exc).__name__}: {str(exc)[:200]}"
            traceback.print_exc()
        dt = time.perf_counter() - t0
        table.add_row(name, f"{count[0]}", f"{dt:.1f}", f"{count[0] / dt:.0f}", result)
    Console().print(table)
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
