"""Benchmark the questionnaire editor's work per page on the Hưng Yên Anket (two languages,
matrices, a calculation): what one edit costs the server (the draft written as XLSForm bytes,
checked by the upload's checker with pyxform, the preview spec) and how big the draft kept in
the session is. No database: the services run on the model alone.

Run: .venv/bin/python bench/editor.py [--repeat 5]
"""

from __future__ import annotations

import argparse
import json
import os
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


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=5)
    args = ap.parse_args()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "khaosat.web.settings")
    import django

    django.setup()
    from khaosat.questionnaire.xlsform import read_xlsform, to_xlsx_bytes
    from khaosat.web.questionnaires import editor_services as E

    q = read_xlsform(ROOT / "surveys" / "hung-yen-2026" / "anket.xlsx")
    r = args.repeat
    rows = []
    t, draft = best(lambda: E.draft_from(q, "base"), r)
    rows.append(("draft from a version", t))
    t, model = best(lambda: E.to_questionnaire(draft), r)
    rows.append(("draft -> questionnaire model", t))
    t, data = best(lambda: to_xlsx_bytes(model), r)
    rows.append(("model -> XLSForm bytes", t))

    def fresh_check():
        E._VERDICTS.clear()
        return E.check_draft(draft)

    t, _ = best(fresh_check, r)
    rows.append(("check after an edit (checker + pyxform)", t))
    t, _ = best(lambda: E.check_draft(draft), r)
    rows.append(("check of a page shown again (kept verdict)", t))
    t, _ = best(lambda: E.preview_spec(model), r)
    rows.append(("preview spec", t))
    print(
        f"Hưng Yên Anket: {len(list(q.value_questions()))} questions, {len(draft['items'])} items"
    )
    print(
        f"draft in the session: {len(json.dumps(draft, ensure_ascii=False).encode()) / 1024:.0f} KB"
    )
    print(f"{'step':<46}{'best of ' + str(r):>12}")
    for name, secs in rows:
        print(f"{name:<46}{secs * 1000:>9.0f} ms")


if __name__ == "__main__":
    main()
