"""Benchmark of the report: build_report and the writers at several sample sizes.

    .venv/bin/python bench/report.py [--sizes 1000,5000] [--dpi 200] [--profile out.prof] [--pdf]
    .venv/bin/khaosat demo -o /tmp/kq-demo -f docx && \
        .venv/bin/python bench/report.py --web /tmp/kq-demo    # the web results page

Targets: the full report (build + DOCX + XLSX, charts at 200 dpi) for 1.000 responses within
10 s (PDF timed apart); the results page (by unit, any breakdown) below 1 s for 1.000
responses once its data version is cached (the first request of a version computes it).

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
    ap.add_argument("--pdf", action="store_true", help="also time the PDF (LibreOffice)")
    ap.add_argument("--web", default="", help="data directory of `khaosat demo`: time the web page")
    args = ap.parse_args()
    if args.web:
        web(Path(args.web))
        return
    table = Table(title="khaosat.report — giây: thực (CPU)")
    cols = (
        "n",
        "nguồn",
        "build_report",
        "docx",
        "xlsx",
        "báo cáo đủ (build+docx+xlsx)",
        "pdf",
        "sav",
        "csv",
        "KB",
    )
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
            with tempfile.TemporaryDirectory() as tmp, Clock() as tx:
                built.write(tmp, formats=("xlsx",))
        if prof:
            prof.disable()
            prof.dump_stats(args.profile)
        times = []
        with tempfile.TemporaryDirectory() as tmp:
            pdf = "–"
            if args.pdf:
                with Clock() as tp:
                    built.write(tmp, formats=("pdf",))
                pdf = str(tp)
            for fmt in ("sav", "csv"):
                with Clock() as t:
                    built.write(tmp, formats=(fmt,))
                times.append(t)
        table.add_row(
            f"{n:,}".replace(",", "."),
            source,
            str(tb),
            str(td),
            str(tx),
            str(total),
            pdf,
            *(str(t) for t in times),
            f"{len(data) / 1024:.0f}",
        )
    Console().print(table)


def web(data_dir: Path) -> None:
    """Time the results page of the demo database: each breakdown cold (first request of the
    data version) and warm (cached per data version)."""
    import os

    from rich.console import Console
    from rich.table import Table

    os.environ["KHAOSAT_DATA_DIR"] = str(data_dir.resolve())
    os.environ.pop("DATABASE_URL", None)
    os.environ["ALLOWED_HOSTS"] = "testserver,127.0.0.1,localhost"
    from khaosat.web.cli import _setup

    _setup()
    from django.contrib.auth import get_user_model
    from django.test import Client
    from django.urls import reverse

    from khaosat.web.core.models import Survey

    survey = Survey.objects.filter(code="hung-yen-2026").first()
    if survey is None:
        raise SystemExit(f"{data_dir}: chưa có khảo sát hung-yen-2026 (chạy khaosat demo -o DIR).")
    user_model = get_user_model()
    user = user_model.objects.filter(is_superuser=True).first()
    if user is None:
        user = user_model.objects.create_superuser("bench", password=None)
    client = Client()
    client.force_login(user)
    url = reverse("results_dashboard", args=[survey.code])
    n = survey.responses.count()
    table = Table(title=f"Trang kết quả ({n:,} phiếu) — giây: thực (CPU)".replace(",", "."))
    for col in ("phân tích", "lần đầu của phiên bản dữ liệu", "lần sau", "mã"):
        table.add_column(col, justify="right")
    for label, params in (
        ("toàn bộ", {}),
        ("theo đơn vị", {"by": "unit"}),
        ("theo nhóm tuổi", {"by": "a2"}),
        ("chỉ nhóm tuổi 1", {"by": "a2", "only": "1"}),
        ("bảng chéo F4 × A6", {"row": "f4", "col": "a6"}),
    ):
        with Clock() as cold:
            r = client.get(url, params)
        with Clock() as warm:
            r = client.get(url, params)
        table.add_row(label, str(cold), str(warm), str(r.status_code))
    Console().print(table)


if __name__ == "__main__":
    main()
