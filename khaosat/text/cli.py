"""`khaosat text …`: frequent terms, automatic coding into themes, suggested themes — on files.

The data file is CSV/XLSX (or .sav/.parquet) with the open answer in the column named by
`--variable`; the Anket (XLSForm) says that the variable is an open question.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import typer

app = typer.Typer(
    help="Ý kiến trả lời mở: từ ngữ thường gặp, mã hóa theo chủ đề, gợi ý chủ đề mới.",
    no_args_is_help=True,
)


def _fail(msg: str) -> None:
    typer.secho(f"Lỗi: {msg}", fg=typer.colors.RED, err=True)
    raise typer.Exit(2)


def _answers(anket: Path, data: Path, variable: str) -> tuple[pd.DataFrame, list[str | None]]:
    from khaosat.questionnaire.errors import QuestionnaireError
    from khaosat.questionnaire.xlsform import read_xlsform
    from khaosat.stats.errors import StatsError
    from khaosat.stats.io import read_table

    try:
        q = read_xlsform(anket)
    except (QuestionnaireError, OSError, ValueError) as e:
        _fail(f"không đọc được bảng hỏi {anket.name}: {e}")
    try:
        question = q.question(variable)
    except KeyError:
        _fail(f"bảng hỏi {anket.name} không có câu «{variable}».")
    if question.type not in ("text",):
        _fail(
            f"câu {question.label() or variable} không phải câu trả lời mở (loại «{question.type}»)."
        )
    try:
        df = read_table(data)
    except StatsError as e:
        _fail(str(e))
    if variable not in df.columns:
        _fail(
            f"tệp {data.name} không có cột «{variable}»; các cột có: "
            + ", ".join(map(str, df.columns[:20]))
            + "."
        )
    texts = [None if pd.isna(v) or not str(v).strip() else str(v) for v in df[variable]]
    return df, texts


@app.command("terms", help="In các từ, cụm từ thường gặp trong một câu trả lời mở.")
def terms_command(
    anket: Path = typer.Argument(..., help="Bảng hỏi (XLSForm)."),
    data: Path = typer.Argument(..., help="Tệp dữ liệu CSV/XLSX."),
    variable: str = typer.Option(..., "--variable", "-v", help="Tên câu hỏi mở, ví dụ g2."),
    top: int = typer.Option(30, help="Số từ, cụm từ in ra."),
) -> None:
    from rich.console import Console
    from rich.table import Table

    from khaosat.report import vn
    from khaosat.text.words import terms

    _df, texts = _answers(anket, data, variable)
    written = [t for t in texts if t]
    table = Table(title=f"Từ ngữ thường gặp ở câu {variable} — {vn.fmt_int(len(written))} ý kiến")
    table.add_column("từ, cụm từ")
    table.add_column("số ý kiến", justify="right")
    table.add_column("tỉ lệ", justify="right")
    for word, n in terms(written, top=top):
        table.add_row(word, vn.fmt_int(n), vn.fmt_pct(n / max(1, len(written))))
    Console().print(table)


@app.command("code", help="Mã hóa ý kiến theo bộ chủ đề; ghi cột 0/1 cho từng chủ đề.")
def code_command(
    anket: Path = typer.Argument(..., help="Bảng hỏi (XLSForm)."),
    data: Path = typer.Argument(..., help="Tệp dữ liệu CSV/XLSX."),
    variable: str = typer.Option(..., "--variable", "-v", help="Tên câu hỏi mở, ví dụ g2."),
    themes: Path = typer.Option(..., "--themes", "-t", help="Bộ chủ đề (TOML)."),
    output: Path = typer.Option(..., "--output", "-o", help="Tệp CSV kết quả."),
    model: str = typer.Option("tfidf", help="Mô hình tương đồng: tfidf hoặc e5."),
) -> None:
    from rich.progress import Progress

    from khaosat.text.coding import Coder, to_columns
    from khaosat.text.themes import CodebookError, load

    df, texts = _answers(anket, data, variable)
    try:
        book = load(themes, variable=variable)
    except (CodebookError, OSError) as e:
        _fail(f"{themes.name}: {e}")
    idx = [i for i, t in enumerate(texts) if t]
    try:
        coder = Coder(book, model=model)
    except ValueError as e:
        _fail(str(e))
    with Progress() as bar:
        task = bar.add_task("Mã hóa ý kiến", total=max(1, len(idx)))

        def progress(done: int, total: int, _msg: str = "") -> None:
            bar.update(task, completed=done, total=max(1, total))

        try:
            got = coder.code([texts[i] for i in idx], progress)
        except RuntimeError as e:
            _fail(str(e))
    assignments = [None] * len(texts)
    for i, a in zip(idx, got, strict=True):
        assignments[i] = a
    key = "serial" if "serial" in df.columns else None
    out = pd.DataFrame({key or "row": df[key] if key else range(1, len(df) + 1)})
    for col, values in to_columns(variable, book, assignments).items():
        out[col] = pd.array(values, dtype="Float64" if col.endswith("confidence") else "Int64")
    output.parent.mkdir(parents=True, exist_ok=True)
    from khaosat.report.exports import write_csv

    write_csv(out, output)
    low = sum(1 for a in got if a.confidence < coder.queue_below)
    typer.echo(
        f"Đã mã hóa {len(idx)} ý kiến vào {output} ({len(book.themes)} chủ đề); "
        f"{low} ý kiến độ tin cậy thấp cần người xem lại."
    )


@app.command("suggest", help="Gợi ý chủ đề mới từ các ý kiến chưa thuộc chủ đề nào.")
def suggest_command(
    anket: Path = typer.Argument(..., help="Bảng hỏi (XLSForm)."),
    data: Path = typer.Argument(..., help="Tệp dữ liệu CSV/XLSX."),
    variable: str = typer.Option(..., "--variable", "-v", help="Tên câu hỏi mở, ví dụ g2."),
    output: Path = typer.Option(..., "--output", "-o", help="Tệp TOML các chủ đề gợi ý."),
    themes: Path | None = typer.Option(
        None, "--themes", "-t", help="Bộ chủ đề hiện có: chỉ gợi ý từ ý kiến chưa thuộc chủ đề nào."
    ),
    max_themes: int = typer.Option(6, help="Số chủ đề gợi ý tối đa."),
) -> None:
    from khaosat.text.coding import Coder
    from khaosat.text.suggest import suggest_themes
    from khaosat.text.themes import OTHER, Codebook, CodebookError, dumps, load

    _df, texts = _answers(anket, data, variable)
    written = [t for t in texts if t]
    book = Codebook(variable=variable)
    if themes is not None:
        try:
            book = load(themes, variable=variable)
        except (CodebookError, OSError) as e:
            _fail(f"{themes.name}: {e}")
        got = Coder(book).code(written)
        written = [t for t, a in zip(written, got, strict=True) if a.themes == (OTHER,)]
    found = suggest_themes(written, max_themes=max_themes, taken_codes=book.codes)
    out = Codebook(tuple(s.theme for s in found), variable=variable, title=f"Gợi ý cho {variable}")
    output.write_text(dumps(out), "utf-8")
    for s in found:
        typer.echo(f"- {s.theme.label} ({s.size} ý kiến): {', '.join(s.top_words)}")
    typer.echo(f"Đã ghi {len(found)} chủ đề gợi ý vào {output}.")


def register(root: typer.Typer) -> None:
    """Add `khaosat text …`."""
    root.add_typer(app, name="text")
