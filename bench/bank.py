"""Benchmark the question bank's core on the Hưng Yên Anket: every question saved to a bank,
picked into a new questionnaire (renamed), the waves matched, an earlier wave aligned, and a
trend computed through the matching, for a growing number of waves and a larger bank.

No database: the core (khaosat.questionnaire.bank) on the model alone.

Run: .venv/bin/python bench/bank.py [--repeat 3]
"""

from __future__ import annotations

import argparse
import copy
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def best(fn, repeat: int) -> tuple[float, object]:
    times, out = [], None
    for _ in range(repeat):
        t = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t)
    return min(times), out


def _waves(bank, anket, entries, k: int) -> dict:
    """k waves: the first the Anket with its ids, the others picked from the bank, renamed."""
    forms = {"1": anket}
    for w in range(2, k + 1):
        new = bank.new_questionnaire(f"dot_{w}", f"Đợt {w}", "1")
        picks = [bank.Pick(b, f"{e.name}_d{w}") for b, e in entries.items()]
        forms[str(w)] = bank.pick(entries, new, picks).questionnaire
    return forms


def _big_bank(bank, entries, n: int) -> dict:
    """A bank of about n entries: copies of the Anket's with fresh ids."""
    out = dict(entries)
    while len(out) < n:
        for e in entries.values():
            c = copy.deepcopy(e)
            c.bank_id = bank.new_bank_id()
            out[c.bank_id] = c
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    import numpy as np
    import pandas as pd

    from khaosat.questionnaire import bank
    from khaosat.questionnaire.xlsform import read_xlsform
    from khaosat.stats.design import Design
    from khaosat.stats.waves import trend

    anket = read_xlsform(ROOT / "surveys" / "hung-yen-2026" / "anket.xlsx")
    r = args.repeat
    rows = []
    t, added = best(lambda: bank.add({}, anket, None, "bench"), r)
    entries = {e.bank_id: e for e in added.added}
    rows.append((f"add: every question of the Anket ({len(entries)})", t))
    banked = added.questionnaire
    for n in (1_000, 10_000):
        big = _big_bank(bank, entries, n)
        t, _ = best(lambda big=big: bank.add(big, banked, None), r)
        size = f"{len(big):,}".replace(",", ".")
        rows.append((f"add again (all known), bank of {size} entries", t))
    t, _ = best(lambda: _waves(bank, banked, entries, 2), r)
    rows.append((f"pick: {len(entries)} questions renamed into a new questionnaire", t))
    for k in (2, 5, 10):
        forms = _waves(bank, banked, entries, k)
        t, m = best(lambda forms=forms: bank.match(forms), r)
        ok = sum(1 for v in m.variables if v.how == "bank" and v.comparable)
        rows.append((f"match: {k} waves ({ok} questions by bank id)", t))
    big = copy.deepcopy(_big_bank(bank, entries, 500))
    for i, e in enumerate(big.values()):
        e.question.name = f"{e.name}_{i}"
    base = bank.pick(big, bank.new_questionnaire("lon", "Lớn"), [bank.Pick(b) for b in big])
    forms = _waves(bank, base.questionnaire, big, 10)
    t, m = best(lambda: bank.match(forms), r)
    rows.append((f"match: 10 waves of {len(big)} questions each", t))
    forms = _waves(bank, banked, entries, 2)
    t, _ = best(lambda: bank.align_to(forms["1"], forms["2"], "đợt I"), r)
    rows.append(("align an earlier wave to the current names", t))
    rng = np.random.default_rng(1)
    designs = {
        w: Design(pd.DataFrame({n: rng.integers(1, 6, 1000)}))
        for w, n in (("1", "b3"), ("2", "b3_d2"))
    }
    t, _ = best(lambda: trend(designs, "b3_d2", category=4, questionnaires=forms), r)
    rows.append(("trend of a renamed question, 2 waves × 1.000 rows (with matching)", t))
    t, _ = best(lambda: trend({"1": designs["1"]}, "b3", category=4), r)
    rows.append(("the same estimate without matching, 1 wave", t))
    width = max(len(a) for a, _ in rows)
    print(f"{'step'.ljust(width)}  best of {r} (ms)")
    for label, secs in rows:
        print(f"{label.ljust(width)}  " + f"{secs * 1000:10.1f}".replace(".", ","))


if __name__ == "__main__":
    main()
