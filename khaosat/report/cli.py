"""CLI of the report area: `khaosat report build-file` (from files, no database) and `settings`."""

from __future__ import annotations

import datetime as dt
from importlib import resources
from pathlib import Path

import typer
from rich.markup import escape

from khaosat.report.errors import ReportError

app = typer.Typer(
    name="report",
    help="Báo cáo kết quả khảo sát: DOCX theo thể thức văn bản của Đảng, PDF, XLSX, SPSS, Stata, CSV.",
    no_args_is_help=True,
)

FORMATS = ("docx", "pdf", "xlsx", "sav", "dta", "csv", "json")


def _fail(message: str) -> None:
    typer.secho(f"Lỗi: {message}", fg=typer.colors.RED, err=True)
    raise typer.Exit(1)


def _date(text: str | None, what: str) -> dt.date | None:
    if not text:
        return None
    for fmt in ("%d/%m/%Y", "%Y-%m-%d"):
        try:
            return dt.datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    _fail(f"{what} «{text}» không đúng dạng ngày; hãy ghi dd/mm/yyyy, ví dụ 05/06/2026.")
    return None


def _wave_forms(items: list[str]) -> dict[str, Path]:
    out = {}
    for item in items:
        label, sep, path = item.partition("=")
        if not sep:
            raise ReportError(
                f"--wave-form «{item}» cần dạng NHÃN=bang-hoi.xlsx, "
                'ví dụ --wave-form "đợt I"=bang-hoi-dot1.xlsx.'
            )
        out[label] = Path(path)
    return out


def _wave_data(label: str, path: str, q, form_path: Path | None, read_data):
    """An earlier wave's data under the current names (khaosat.questionnaire.bank.align_to)."""
    if form_path is None:
        return read_data(path, q)
    from khaosat.questionnaire.bank import align_to
    from khaosat.questionnaire.errors import QuestionnaireError
    from khaosat.questionnaire.xlsform import read_xlsform

    if not form_path.exists():
        raise ReportError(f"Không tìm thấy tệp bảng hỏi {form_path} của {label}.")
    try:
        earlier = read_xlsform(str(form_path))
    except QuestionnaireError as exc:
        raise ReportError(f"Bảng hỏi {form_path.name} của {label}: {exc}") from exc
    aligned = align_to(earlier, q, label)
    for line in aligned.lines:
        typer.echo(f"{label}: {line}", err=True)
    d = read_data(path, earlier)
    return d.drop(columns=aligned.drops, errors="ignore").rename(columns=aligned.renames)


@app.command("build-file")
def build_file(
    questionnaire: Path = typer.Argument(..., help="Bảng hỏi XLSForm (.xlsx)."),
    data: Path = typer.Argument(
        ..., help="Dữ liệu phẳng: CSV (UTF-8), XLSX, SAV hoặc Parquet; một dòng một phiếu."
    ),
    out: Path = typer.Option(Path("bao-cao"), "--out", "-o", help="Thư mục ghi kết quả."),
    formats: str = typer.Option(
        "docx,xlsx",
        "--format",
        "-f",
        help=f"Các định dạng, cách nhau dấu phẩy: {', '.join(FORMATS)}.",
    ),
    settings: Path | None = typer.Option(
        None, "--settings", help="Tệp report.toml ghi đè cấu hình mặc định."
    ),
    date: str | None = typer.Option(
        None, "--date", help="Ngày báo cáo (dd/mm/yyyy); mặc định hôm nay."
    ),
    field_start: str | None = typer.Option(
        None, "--field-start", help="Ngày bắt đầu khảo sát (dd/mm/yyyy)."
    ),
    field_end: str | None = typer.Option(
        None, "--field-end", help="Ngày kết thúc khảo sát (dd/mm/yyyy)."
    ),
    wave: list[str] = typer.Option(
        [],
        "--wave",
        help="Đợt trước để so sánh: NHÃN=đường/dẫn.csv (lặp lại được, theo thứ tự thời gian).",
    ),
    wave_form: list[str] = typer.Option(
        [],
        "--wave-form",
        help="Bảng hỏi của một đợt trước: NHÃN=bang-hoi.xlsx; câu hỏi được ghép theo mã ngân "
        "hàng câu hỏi (đổi tên vẫn ghép), câu có mã phương án khác thì không so sánh.",
    ),
    stem: str = typer.Option("bao-cao", "--name", help="Tên tệp (không có đuôi)."),
    survey_file: Path | None = typer.Option(
        None,
        "--survey",
        help="survey.toml của cuộc khảo sát (tên, kế hoạch, đơn vị, thời gian; frame.csv bên cạnh nếu có).",
    ),
) -> None:
    """Lập báo cáo từ tệp bảng hỏi và tệp dữ liệu, không cần cơ sở dữ liệu."""
    from rich.console import Console
    from rich.table import Table

    from khaosat.report.builder import SurveyInfo, build_report, survey_info_from_files
    from khaosat.report.io import read_data
    from khaosat.report.settings import load_settings, merge_settings

    wanted = tuple(f.strip().lower() for f in formats.split(",") if f.strip())
    bad = [f for f in wanted if f not in FORMATS]
    if bad:
        _fail(f"Định dạng không hỗ trợ: {', '.join(bad)}. Chọn trong: {', '.join(FORMATS)}.")
    try:
        from khaosat.questionnaire.xlsform import read_xlsform

        try:
            q = read_xlsform(str(questionnaire))
        except Exception as exc:  # QuestionnaireError carries a Vietnamese message with the place
            if isinstance(exc, FileNotFoundError):
                raise ReportError(f"Không tìm thấy tệp bảng hỏi {questionnaire}.") from exc
            if exc.__class__.__name__.endswith("Error") and str(exc):
                raise ReportError(f"Bảng hỏi {questionnaire.name}: {exc}") from exc
            raise
        df = read_data(data, q)
        waves = []
        forms = _wave_forms(wave_form)
        for item in wave:
            label, sep, path = item.partition("=")
            if not sep:
                raise ReportError(
                    f'--wave «{item}» cần dạng NHÃN=đường/dẫn.csv, ví dụ --wave "đợt I"=dot1.csv.'
                )
            waves.append((label, _wave_data(label, path, q, forms.get(label), read_data)))
        if waves:
            waves.append(("đợt này", df))
        cfg = load_settings(settings)
        if survey_file is not None:
            survey, overrides = survey_info_from_files(survey_file)
            cfg = merge_settings(cfg, overrides)
        else:
            survey = SurveyInfo(report_date=dt.date.today())
        survey.report_date = _date(date, "--date") or survey.report_date
        survey.field_start = _date(field_start, "--field-start") or survey.field_start
        survey.field_end = _date(field_end, "--field-end") or survey.field_end
        console = Console(stderr=True)
        from khaosat.report import vn

        busy = f"Đang tính các ước lượng và soạn báo cáo ({vn.fmt_int(len(df))} phiếu)…"
        with console.status(busy) as st:
            built = build_report(q, df, survey=survey, settings=cfg, waves=waves or None)
            paths = built.write(out, formats=wanted, stem=stem, progress=st.update)
    except ReportError as exc:
        _fail(exc.message)
        return
    table = Table(title="Đã ghi các tệp")
    table.add_column("Định dạng")
    table.add_column("Tệp")
    for fmt, path in paths.items():
        table.add_row(fmt, str(path))
    Console().print(table)
    if built.log:
        # What the build assumed (missing design columns, no frame sizes, deff < 1, …).
        warn = Console(stderr=True)
        warn.print("[yellow]Giả định và cảnh báo khi lập báo cáo:[/yellow]")
        for line in built.log:
            warn.print(f"- {escape(line)}")


@app.command("settings")
def show_settings() -> None:
    """In cấu hình mặc định (settings.toml) để sao chép và sửa cho từng cuộc khảo sát."""
    typer.echo(resources.files("khaosat.report").joinpath("settings.toml").read_text("utf-8"))


def to_docx_command(
    file: Path = typer.Argument(..., help="Bảng hỏi XLSForm (.xlsx, .xls, .csv, .md)."),
    output: Path = typer.Option(
        None, "-o", "--output", help="Tệp Word để ghi (mặc định: cùng tên, đuôi .docx)."
    ),
    settings: Path | None = typer.Option(
        None, "--settings", help="Tệp report.toml (cơ quan ban hành, phông chữ) ghi đè mặc định."
    ),
) -> None:
    """Ghi bảng hỏi thành phiếu khảo sát Word theo thể thức của Ban (để lãnh đạo duyệt trước khi in)."""
    from khaosat.questionnaire.check import check_source
    from khaosat.report.anket_docx import write_anket_docx

    q, issues = check_source(file, run_pyxform=False)
    errors = [i for i in issues if i.is_error]
    if q is None or errors:
        for issue in errors:
            typer.echo(f"{issue.place or file.name}: [lỗi] {issue.message}", err=True)
        _fail("Bảng hỏi có lỗi; hãy chạy «khaosat questionnaire check» để xem chi tiết.")
    output = output or file.with_suffix(".docx")
    try:
        write_anket_docx(q, output, settings=settings)
    except ReportError as exc:
        _fail(exc.message)
    typer.echo(f"Đã ghi phiếu khảo sát vào {output}.")


def register(root: typer.Typer) -> None:
    """Add `khaosat report …` to the root CLI, and `khaosat questionnaire to-docx` (the Word
    Anket is written in the report's Party format, which the questionnaire area may not import)."""
    root.add_typer(app, name="report")
    from khaosat.questionnaire.cli import app as questionnaire_app

    questionnaire_app.command("to-docx")(to_docx_command)
