"""What reading and writing a Word Anket costs: `from-docx` (without and with the checker, which
runs pyxform) and `to-docx`, on the test Ankets, the Hưng Yên Anket and synthetic Ankets up to
the paragraph limit (5.000). Also the share of the Hưng Yên Anket that comes back the same.

    .venv/bin/python bench/worddoc.py [--repeat 3]

Prints one row per document: paragraphs, questions read, review lines, best seconds of N.
"""

from __future__ import annotations

import argparse
import io
import sys
import time
from pathlib import Path

from rich.console import Console
from rich.table import Table

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from khaosat.questionnaire.worddoc import read_docx  # noqa: E402
from khaosat.questionnaire.xlsform import read_xlsform  # noqa: E402
from khaosat.report.anket_docx import write_anket_docx  # noqa: E402
from tests.questionnaire.word.ankets import ANKETS  # noqa: E402


def synthetic(questions: int) -> bytes:
    """An Anket of `questions` questions of 5 options each, a skip every 10 and a matrix every 25."""
    import docx

    doc = docx.Document()
    doc.add_paragraph("PHIẾU KHẢO SÁT")
    for k in range(1, questions + 1):
        if k % 25 == 0:
            doc.add_paragraph(f"Câu {k}. Ông/Bà đánh giá từng nội dung sau thế nào?")
            t = doc.add_table(rows=4, cols=4)
            for j, text in enumerate(["Nội dung", "Tốt", "Trung bình", "Kém"]):
                t.rows[0].cells[j].text = text
            for i in range(1, 4):
                t.rows[i].cells[0].text = f"{i}. Nội dung {i}"
            continue
        doc.add_paragraph(f"Câu {k}. Ông/Bà có ý kiến thế nào về nội dung số {k}?")
        for c in range(1, 6):
            doc.add_paragraph(f"☐ {c}. Phương án {c}")
        if k % 10 == 0 and k + 2 <= questions:
            doc.add_paragraph(f"(Nếu chọn 5, chuyển sang Câu {k + 2})")
    buf = io.BytesIO()
    doc.save(buf)
    return buf.getvalue()


def best(fn, repeat: int) -> tuple[float, object]:
    times, out = [], None
    for _ in range(repeat):
        t0 = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t0)
    return min(times), out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    hy = read_xlsform(ROOT / "surveys" / "hung-yen-2026" / "anket.xlsx")
    t_write, hy_docx = best(lambda: write_anket_docx(hy), args.repeat)
    docs = {name: make() for name, make in ANKETS.items()}
    docs["hung-yen (to-docx)"] = hy_docx
    for n in (100, 300, 650):
        docs[f"synthetic {n} câu"] = synthetic(n)
    table = Table(title="Word Anket -> bảng hỏi nháp (giây, tốt nhất của N lần)")
    for col in ("tệp", "đoạn", "câu đọc được", "mục xem lại", "đọc", "đọc + kiểm tra"):
        table.add_column(col, justify="right")
    for name, data in docs.items():
        t_read, draft = best(lambda d=data: read_docx(d, "a.docx", check=False), args.repeat)
        t_check, _ = best(lambda d=data: read_docx(d, "a.docx"), 1)
        import docx as _docx

        paras = len(_docx.Document(io.BytesIO(data)).paragraphs)
        n = sum(1 for q in draft.questionnaire.iter_questions() if q.has_value)
        table.add_row(
            name,
            str(paras),
            str(n),
            str(len(draft.to_check)),
            f"{t_read:.3f}",
            f"{t_check:.3f}",
        )
    Console(width=140).print(table)
    print(f"to-docx, Hưng Yên Anket: {t_write:.3f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
