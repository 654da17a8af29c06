"""Commands that need the database: `khaosat demo` and `khaosat report build --survey`."""

from __future__ import annotations

import datetime as dt
import os
import shutil
from pathlib import Path

import typer

from khaosat.web.config import ConfigError


def _setup() -> None:
    from khaosat.web.boot import check_database, setup

    setup()
    check_database()


def _fail(message: str) -> None:
    typer.echo(f"Lỗi: {message}", err=True)
    raise typer.Exit(1)


def report_build(
    survey: str = typer.Option(..., "--survey", help="Mã khảo sát, ví dụ hung-yen-2026."),
    out: Path = typer.Option(Path("bao-cao.docx"), "-o", "--output", help="Tệp DOCX cần ghi."),
    formats: str = typer.Option(
        "docx,pdf,xlsx",
        "-f",
        "--formats",
        help="Các định dạng: docx, pdf, xlsx, sav, dta, csv, json.",
    ),
    date: str = typer.Option("", "--date", help="Ngày báo cáo dd/mm/yyyy (mặc định: hôm nay)."),
) -> None:
    """Lập báo cáo của một khảo sát từ cơ sở dữ liệu (ghi lại mã dữ liệu để tái lập)."""
    try:
        _setup()
    except ConfigError as exc:
        _fail(str(exc))
    from rich.progress import Progress

    from khaosat.report.errors import ReportError
    from khaosat.web.core.models import AuditEvent, Survey
    from khaosat.web.results.reporting import build_survey_report

    s = Survey.objects.filter(code=survey).first()
    if s is None:
        _fail(
            f"Không có khảo sát mã «{survey}». Các mã hiện có: "
            + ", ".join(Survey.objects.values_list("code", flat=True))
        )
    report_date = None
    if date:
        try:
            report_date = dt.datetime.strptime(date, "%d/%m/%Y").date()
        except ValueError:
            _fail(f"Ngày «{date}» không đúng dạng dd/mm/yyyy.")
    fmts = [f.strip() for f in formats.split(",") if f.strip()]
    tmp = out.parent / f".{out.stem}-build"
    with Progress(transient=True) as bar:
        task = bar.add_task("Lập báo cáo", total=3)

        def progress(done, total, message=""):
            bar.update(task, completed=done, total=total, description=message or "Lập báo cáo")

        try:
            result = build_survey_report(
                s, tmp, formats=fmts, progress=progress, report_date=report_date
            )
        except (ReportError, LookupError) as exc:
            _fail(getattr(exc, "message", None) or str(exc))
    written = []
    for fmt, path in result["files"].items():
        target = (
            out
            if fmt == "docx"
            else out.with_name(out.stem + Path(path).name.split("bao-cao", 1)[-1])
        )
        shutil.move(path, target)
        written.append(target)
    shutil.rmtree(tmp, ignore_errors=True)
    AuditEvent.record(
        "report.build",
        s,
        survey=s,
        new={"data_sha256": result["manifest"]["data_sha256"], "rows": result["n"], "cli": True},
    )
    for p in written:
        typer.echo(f"Đã ghi {p}")
    typer.echo(
        f"Mã dữ liệu (SHA-256): {result['manifest']['data_sha256']}; {result['n']} phiếu"
        + (" MÔ PHỎNG" if result["simulated"] else "")
    )


def demo(
    n: int = typer.Option(1000, "-n", help="Số phiếu mô phỏng (chia theo chỉ tiêu các đơn vị)."),
    seed: int = typer.Option(2026, "--seed", help="Hạt giống chọn mẫu và mô phỏng."),
    out: Path = typer.Option(
        None,
        "-o",
        "--output",
        help="Thư mục riêng cho bản trình diễn (mặc định: $KHAOSAT_DATA_DIR/demo).",
    ),
    formats: str = typer.Option("docx,pdf,xlsx", "-f", "--formats"),
    files_only: bool = typer.Option(
        False,
        "--files-only",
        help="Chỉ dùng các tệp của khảo sát (bảng hỏi, thiết kế mẫu, khung mẫu), không có cơ sở "
        "dữ liệu: mô phỏng phiếu và ghi báo cáo mẫu.",
    ),
    survey_dir: Path = typer.Option(
        Path("surveys/hung-yen-2026"),
        "--survey",
        help="Thư mục khảo sát (anket.xlsx, design.toml, frame.csv, survey.toml).",
    ),
) -> None:
    """Trình diễn trọn quy trình trên dữ liệu MÔ PHỎNG, trong một cơ sở dữ liệu riêng."""
    from khaosat.web.config import data_dir

    out = (out or data_dir() / "demo").resolve()
    if files_only:
        _demo_files(survey_dir, out, n, seed, formats)
        return
    os.environ["KHAOSAT_DATA_DIR"] = str(out)
    os.environ.pop("DATABASE_URL", None)  # never touch the real database
    try:
        _setup()
    except ConfigError as exc:
        _fail(str(exc))
    from django.core.management import call_command
    from rich.progress import Progress

    from khaosat.questionnaire.simulate import simulate
    from khaosat.web.capture import door
    from khaosat.web.core.models import Response
    from khaosat.web.core.surveydef import load_survey
    from khaosat.web.results.dataset import questionnaire_of
    from khaosat.web.sampling.services import run_selection

    call_command("migrate", verbosity=0, interactive=False)
    survey, _ = load_survey(survey_dir)
    if not survey.sampling_runs.exists():
        run_selection(survey, seed, None)
    units = list(survey.units.order_by("code"))
    quota = sum(u.quota for u in units)
    q = questionnaire_of(survey)
    sims = simulate(q, n, seed)
    with Progress() as bar:
        task = bar.add_task("Lưu phiếu mô phỏng", total=n)
        i = 0
        for u in units:
            share = round(n * u.quota / quota) if u is not units[-1] else n - i
            for k in range(share):
                if i >= n:
                    break
                door.submit(
                    survey=survey,
                    source=Response.Source.SIMULATED,
                    unit=u,
                    serial=f"{u.code}-{k + 1:04d}",
                    answers=sims[i].answers,
                    simulated=True,
                )
                i += 1
                bar.advance(task)
    survey.responses.filter(simulated=True).update(status=Response.Status.APPROVED)
    typer.echo(f"Cơ sở dữ liệu trình diễn: {out}; {survey.responses.count()} phiếu mô phỏng.")
    report_build(survey=survey.code, out=out / "bao-cao.docx", formats=formats, date="")


audit_app = typer.Typer(help="Nhật ký kiểm tra (audit log).", no_args_is_help=True)


@audit_app.command("verify")
def audit_verify(
    checkpoints: Path = typer.Option(
        None,
        "--checkpoints",
        help="Tệp điểm kiểm tra khác (ví dụ lấy từ bản sao lưu); mặc định của thư mục dữ liệu.",
    ),
) -> None:
    """Kiểm tra chuỗi mã băm có khóa của nhật ký và các điểm kiểm tra; nêu sự kiện hỏng đầu tiên."""
    try:
        _setup()
    except ConfigError as exc:
        _fail(str(exc))
    from khaosat.web.core import audit

    verdict = audit.verify(checkpoints_path=checkpoints)
    for note in verdict.notes:
        typer.echo(f"Lưu ý: {note}")
    if not verdict.ok:
        typer.echo(f"KHÔNG TOÀN VẸN: {verdict.message}", err=True)
        raise typer.Exit(1)
    typer.echo(verdict.message)


def _progress_bar(bar, label: str):
    task = bar.add_task(label, total=1)

    def progress(done, total, message=""):
        bar.update(task, completed=done, total=total or 1, description=message or label)

    return progress


def backup_cmd(
    out: Path = typer.Option(
        None,
        "-o",
        "--output",
        help="Tệp sao lưu (mặc định data/backups/khaosat-<ngày giờ>.tar.gz).",
    ),
) -> None:
    """Sao lưu cơ sở dữ liệu, các tệp dữ liệu và điểm kiểm tra nhật ký vào một tệp (chạy được
    khi ứng dụng đang phục vụ)."""
    try:
        _setup()
    except ConfigError as exc:
        _fail(str(exc))
    from rich.progress import Progress

    from khaosat.report.vn import fmt_int
    from khaosat.web.core.backup import BackupError, backup

    with Progress(transient=True) as bar:
        try:
            result = backup(out, progress=_progress_bar(bar, "Sao lưu"))
        except BackupError as exc:
            _fail(str(exc))
    typer.echo(
        f"Đã sao lưu vào {result.path} ({fmt_int(result.size // 1024)} KB, "
        f"{fmt_int(result.files)} tệp dữ liệu, {fmt_int(result.events)} sự kiện nhật ký); "
        f"SHA-256 {result.sha256}"
    )


def restore_cmd(
    archive: Path = typer.Argument(..., help="Tệp sao lưu do `khaosat backup` ghi."),
) -> None:
    """Khôi phục một bản sao lưu vào thư mục dữ liệu và cơ sở dữ liệu TRỐNG; kiểm tra bảng kê
    và chuỗi nhật ký."""
    try:
        _setup()
    except ConfigError as exc:
        _fail(str(exc))
    from rich.progress import Progress

    from khaosat.web.core.backup import BackupError, restore

    with Progress(transient=True) as bar:
        try:
            verdict = restore(archive, progress=_progress_bar(bar, "Khôi phục"))
        except BackupError as exc:
            _fail(str(exc))
    typer.echo(f"Đã khôi phục {archive}: bảng kê SHA-256 khớp.")
    if not verdict.ok:
        typer.echo(f"Nhật ký KHÔNG TOÀN VẸN: {verdict.message}", err=True)
        raise typer.Exit(1)
    typer.echo(verdict.message)


def _demo_files(survey_dir: Path, out: Path, n: int, seed: int, formats: str) -> None:
    """`khaosat demo --files-only`: the demonstration report from the survey's files alone."""
    from rich.console import Console

    from khaosat.report.demo import demo_report
    from khaosat.report.errors import ReportError

    wanted = tuple(f.strip().lower() for f in formats.split(",") if f.strip())
    try:
        with Console(stderr=True).status("Đang mô phỏng phiếu và lập báo cáo…"):
            paths = demo_report(survey_dir, out, n=n, seed=seed, formats=wanted)
    except ReportError as exc:
        _fail(exc.message)
    for fmt, path in paths.items():
        typer.echo(f"{fmt}: {path}")
    typer.echo(f"Báo cáo mẫu từ {n} phiếu MÔ PHỎNG (không có cơ sở dữ liệu): {out}")


def register(root: typer.Typer) -> None:
    for group in root.registered_groups:
        if group.name == "report" and group.typer_instance is not None:
            group.typer_instance.command("build")(report_build)
            break
    else:  # the report area is absent: still offer the command at the top level
        root.command("report-build")(report_build)
    root.command("demo")(demo)
    root.add_typer(audit_app, name="audit")
    root.command("backup")(backup_cmd)
    root.command("restore")(restore_cmd)
    from khaosat.web.bank.cli import register as register_bank

    register_bank(root)
