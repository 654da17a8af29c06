"""`khaosat capture ...`: the spreadsheet template and checking filled files, on files alone."""

from __future__ import annotations

import json
from pathlib import Path

import typer

from khaosat.capture import serials as S
from khaosat.capture.errors import CaptureError
from khaosat.capture.rules import FormRules

app = typer.Typer(
    help="Nhập liệu: mẫu bảng tính theo đơn vị, kiểm tra tệp đã điền.", no_args_is_help=True
)


def register(root: typer.Typer) -> None:
    """Add the `capture` group to the root command."""
    root.add_typer(app, name="capture")


def _rules(form: Path) -> FormRules:
    from khaosat.questionnaire.errors import QuestionnaireError
    from khaosat.questionnaire.xlsform import read_xlsform

    try:
        return FormRules(read_xlsform(form))
    except QuestionnaireError as exc:
        typer.echo(f"Bảng hỏi {form}: {exc}", err=True)
        raise typer.Exit(2) from exc


@app.command("template", help="Tạo bảng tính mẫu cho một đơn vị (số phiếu điền sẵn theo chỉ tiêu).")
def template(
    form: Path = typer.Argument(..., help="Tệp XLSForm của bảng hỏi (.xlsx)."),
    unit: str = typer.Option(..., "--unit", help="Mã đơn vị, ví dụ 12427 hoặc T01."),
    quota: int = typer.Option(45, "--quota", help="Số phiếu (số phiếu điền sẵn)."),
    name: str = typer.Option("", "--name", help="Tên đơn vị."),
    out: Path = typer.Option(
        None, "--out", "-o", help="Tệp kết quả (mặc định phieu-<đơn vị>.xlsx)."
    ),
) -> None:
    """Write the unit's XLSX template."""
    from khaosat.capture.spreadsheet import template_xlsx

    rules = _rules(form)
    target = out or Path(f"phieu-{unit}.xlsx")
    target.write_bytes(
        template_xlsx(
            rules, unit, name or unit, S.unit_serials(unit, quota), rules.questionnaire.title
        )
    )
    typer.echo(f"Đã ghi {target} ({quota} số phiếu của đơn vị {unit}).")


@app.command(
    "check", help="Kiểm tra một bảng tính đã điền (XLSX hoặc CSV): mọi lỗi theo dòng, cột."
)
def check(
    form: Path = typer.Argument(..., help="Tệp XLSForm của bảng hỏi (.xlsx)."),
    data: Path = typer.Argument(..., help="Bảng tính đã điền (.xlsx hoặc .csv UTF-8)."),
    unit: str = typer.Option(..., "--unit", help="Mã đơn vị của tệp."),
    out: Path = typer.Option(
        None, "--out", help="Ghi các phiếu hợp lệ ra tệp JSON Lines (serial, answers)."
    ),
) -> None:
    """Print every problem; exit 1 when there is any."""
    from rich.console import Console
    from rich.table import Table

    from khaosat.capture.spreadsheet import check_upload

    rules = _rules(form)
    try:
        result = check_upload(data.read_bytes(), data.name, rules, unit)
    except CaptureError as exc:
        typer.echo(exc.message, err=True)
        raise typer.Exit(2) from exc
    console = Console()
    if result.problems:
        t = Table(title=f"{len(result.problems)} lỗi trong {data.name}")
        for col in ("Dòng", "Cột", "Biến", "Lỗi"):
            t.add_column(col)
        for p in result.problems:
            t.add_row(str(p.row or ""), p.column, p.variable, p.message)
        console.print(t)
    console.print(
        f"{len(result.rows)} phiếu đã điền, {len(result.valid_rows)} hợp lệ, "
        f"{result.blank_rows} dòng trống bỏ qua."
    )
    if out is not None:
        with out.open("w", encoding="utf-8") as fh:
            for r in result.valid_rows:
                fh.write(
                    json.dumps({"serial": r.serial, "answers": r.answers}, ensure_ascii=False)
                    + "\n"
                )
    if result.problems:
        raise typer.Exit(1)
