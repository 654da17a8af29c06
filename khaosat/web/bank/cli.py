"""`khaosat bank add|list|pick|match`: the question bank of the database from the command line.

`add`, `list` and `pick` use the app's database (DATABASE_URL), the same bank as the web page;
`match` reads XLSForm files only.
"""

from __future__ import annotations

from pathlib import Path

import typer

app = typer.Typer(
    help="Ngân hàng câu hỏi dùng chung giữa các cuộc khảo sát.",
    no_args_is_help=True,
    add_completion=False,
)


def _fail(lines: list[str]) -> None:
    for line in lines:
        typer.echo(f"Lỗi: {line}", err=True)
    raise typer.Exit(1)


def _db() -> None:
    from khaosat.web.boot import check_database, setup
    from khaosat.web.config import ConfigError

    try:
        setup()
        check_database()
    except ConfigError as exc:
        _fail([str(exc)])


def _read(file: Path):
    from khaosat.questionnaire.cli import _load

    return _load(file)


@app.command("add")
def add_command(
    file: Path = typer.Argument(..., help="Tệp bảng hỏi XLSForm."),
    names: list[str] = typer.Option(
        None, "-q", "--question", help="Tên biến của câu cần lưu (lặp lại); mặc định: mọi câu."
    ),
    output: Path = typer.Option(
        None, "-o", "--output", help="Tệp XLSForm ghi mã ngân hàng (mặc định: ghi đè FILE)."
    ),
) -> None:
    """Lưu câu hỏi của một bảng hỏi vào ngân hàng; mã ngân hàng được ghi vào cột bank_id."""
    target = output or file
    if target.suffix.lower() != ".xlsx":
        _fail([f"Mã ngân hàng được ghi vào một tệp .xlsx; hãy thêm -o {file.stem}.xlsx."])
    form = _read(file)
    _db()
    from khaosat.questionnaire.xlsform import write_xlsx
    from khaosat.web.bank.services import BankRefused, add_form

    try:
        result = add_form(form, names or None, origin=file.name)
    except BankRefused as exc:
        _fail(exc.messages)
    for line in result.lines():
        typer.echo(line)
    if result.added:
        write_xlsx(result.questionnaire, target)
        typer.echo(f"Đã ghi mã ngân hàng vào cột bank_id của {target}.")


@app.command("list")
def list_command(
    search: str = typer.Option("", "--tim", help="Tìm theo số câu, tên biến hoặc nội dung."),
) -> None:
    """Liệt kê câu hỏi trong ngân hàng."""
    _db()
    from rich.console import Console
    from rich.table import Table

    from khaosat.questionnaire.bank import type_words
    from khaosat.web.bank.services import search as find

    rows = find(search)
    table = Table(title=f"Ngân hàng câu hỏi — {len(rows)} câu")
    for col in ("Mã", "Câu", "Biến", "Loại", "Câu hỏi", "Lấy từ"):
        table.add_column(col, overflow="fold")
    for r in rows:
        table.add_row(r.bank_id[:8], r.number, r.name, type_words(r.type), r.label, r.origin)
    Console(width=160).print(table)


@app.command("pick")
def pick_command(
    picks: list[str] = typer.Argument(
        ...,
        help="Câu cần lấy: số câu, tên biến hoặc mã ngân hàng; «b3=q_dongtinh» để đổi tên, "
        "«b3=q_dongtinh:C4» để đổi cả số câu.",
    ),
    output: Path = typer.Option(..., "-o", "--output", help="Tệp XLSForm cần ghi."),
    into: Path = typer.Option(None, "--into", help="Bảng hỏi để thêm vào (mặc định: bảng mới)."),
    title: str = typer.Option("Bảng hỏi mới", "--title", help="Tên bảng hỏi mới."),
    form_id: str = typer.Option("bang_hoi", "--form-id", help="Mã (form_id) của bảng hỏi mới."),
) -> None:
    """Lấy câu hỏi từ ngân hàng vào một bảng hỏi; câu lấy ra giữ mã ngân hàng dù đổi tên."""
    from khaosat.questionnaire import bank as core

    form = _read(into) if into else core.new_questionnaire(form_id, title, "1")
    _db()
    from khaosat.questionnaire.xlsform import write_xlsx
    from khaosat.web.bank.services import BankRefused, load_bank, resolve

    try:
        chosen = [resolve(p) for p in picks]
        result = core.pick(load_bank([p.bank_id for p in chosen]), form, chosen)
    except BankRefused as exc:
        _fail(exc.messages)
    except core.BankError as exc:
        _fail([exc.message])
    write_xlsx(result.questionnaire, output)
    typer.echo(f"Đã thêm {len(result.added)} câu từ ngân hàng vào {output}.")


@app.command("match")
def match_command(
    files: list[Path] = typer.Argument(..., help="Bảng hỏi của các đợt, theo thứ tự thời gian."),
) -> None:
    """Ghép câu hỏi của các đợt: theo mã ngân hàng, nếu không có thì theo tên biến."""
    from khaosat.questionnaire.bank import match

    if len(files) < 2:
        _fail(["Cần bảng hỏi của ít nhất hai đợt."])
    typer.echo(match({f.stem: _read(f) for f in files}).summary())


def register(root: typer.Typer) -> None:
    """Add `khaosat bank …`."""
    root.add_typer(app, name="bank")
