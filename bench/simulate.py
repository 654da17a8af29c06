"""Benchmark the simulator and the validator on the Hưng Yên Anket (or the mini test form).

Prints, for each size, CPU seconds to simulate, to validate every response, and to build the
flat data set, with responses per second.

Run: .venv/bin/python bench/simulate.py [--n 1000 10000] [--form surveys/hung-yen-2026/anket.xlsx]
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from rich.console import Console
from rich.table import Table

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from khaosat.questionnaire.simulate import responses_frame, simulate  # noqa: E402
from khaosat.questionnaire.validate import compile_logic, validate  # noqa: E402


def _form(path: str | None):
    if path:
        from khaosat.questionnaire.xlsform import read_xlsform

        return read_xlsform(path), Path(path).name
    anket = ROOT / "surveys" / "hung-yen-2026" / "anket.xlsx"
    if anket.exists():
        from khaosat.questionnaire.xlsform import read_xlsform

        return read_xlsform(anket), anket.name
    from tests.questionnaire.simforms import mini_anket

    return mini_anket(), "mini_anket (tests)"


def _cpu(fn):
    t = time.process_time()
    out = fn()
    return out, time.process_time() - t


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--n", type=int, nargs="+", default=[1000, 10000])
    parser.add_argument("--form", default=None)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    q, label = _form(args.form)
    logic = compile_logic(q)
    table = Table(title=f"khaosat simulate — {label}, {len(logic.rules)} biến")
    for col in (
        "phiếu",
        "mô phỏng (s)",
        "phiếu/s",
        "kiểm tra (s)",
        "phiếu/s",
        "bảng dữ liệu (s)",
        "lỗi",
    ):
        table.add_column(col, justify="right")
    for n in args.n:
        responses, t_sim = _cpu(lambda n=n: simulate(logic, n, seed=args.seed))
        problems, t_val = _cpu(
            lambda rs=responses: [validate(logic, r.answers, "2026-07-01") for r in rs]
        )
        _, t_df = _cpu(lambda rs=responses: responses_frame(logic, rs))
        bad = sum(1 for p in problems if p)
        table.add_row(
            f"{n:,}".replace(",", "."),
            f"{t_sim:.2f}",
            f"{n / max(t_sim, 1e-9):,.0f}".replace(",", "."),
            f"{t_val:.2f}",
            f"{n / max(t_val, 1e-9):,.0f}".replace(",", "."),
            f"{t_df:.2f}",
            str(bad),
        )
    Console().print(table)


if __name__ == "__main__":
    main()
