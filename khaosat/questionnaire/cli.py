"""`khaosat questionnaire check|xform|codebook|json FILE` (and `khaosat simulate`)."""

from __future__ import annotations

import json
from pathlib import Path

import typer

from khaosat.safety.cells import safe_frame

app = typer.Typer(
    help="Bảng hỏi XLSForm: kiểm tra, chuyển sang XForm, in sổ mã (codebook).",
    no_args_is_help=True,
    add_completion=False,
)

FILE_HELP = "Tệp bảng hỏi XLSForm (.xlsx, .xls, .csv, .md)."


def _vi_count(n: int) -> str:
    return f"{n:,}".replace(",", ".")


def _load(file: Path):
    """Read a form for the commands that need a clean one; exit 1 with the errors otherwise."""
    from khaosat.questionnaire.check import check_source

    q, issues = check_source(file, run_pyxform=False)
    errors = [i for i in issues if i.is_error]
    if q is None or errors:
        for issue in errors:
            typer.echo(_line(issue, file), err=True)
        typer.echo(
            "Bảng hỏi có lỗi; hãy chạy «khaosat questionnaire check» để xem chi tiết.", err=True
        )
        raise typer.Exit(1)
    return q


def _line(issue, file: Path) -> str:
    tag = "lỗi" if issue.is_error else "cảnh báo"
    where = str(issue.place) if issue.place else file.name
    return f"{where}: [{tag}] {issue.message}"


@app.command("check")
def check_command(
    file: Path = typer.Argument(..., help=FILE_HELP),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="Chỉ in lỗi, bỏ cảnh báo."),
) -> None:
    """Kiểm tra bảng hỏi: in mọi lỗi và cảnh báo kèm vị trí (trang!cột+hàng); mã thoát 1 khi có lỗi."""
    from khaosat.questionnaire.check import check_source

    q, issues = check_source(file)
    errors = [i for i in issues if i.is_error]
    warnings = [i for i in issues if not i.is_error]
    for issue in issues:
        if quiet and not issue.is_error:
            continue
        typer.echo(_line(issue, file))
    if q is not None and not errors:
        n = sum(1 for it in q.iter_questions() if it.has_value)
        typer.echo(
            f"{file.name}: hợp lệ — {_vi_count(n)} biến, {_vi_count(len(warnings))} cảnh báo."
        )
    else:
        typer.echo(
            f"{file.name}: {_vi_count(len(errors))} lỗi, {_vi_count(len(warnings))} cảnh báo. "
            "Hãy sửa các lỗi rồi kiểm tra lại."
        )
    raise typer.Exit(1 if errors else 0)


@app.command("xform")
def xform_command(
    file: Path = typer.Argument(..., help=FILE_HELP),
    output: Path = typer.Option(
        None, "-o", "--output", help="Tệp XForm XML để ghi (mặc định: in ra)."
    ),
) -> None:
    """Chuyển bảng hỏi sang XForm XML (ODK Collect, Enketo) bằng pyxform."""
    from khaosat.questionnaire.xlsform import xform_issues

    q = _load(file)
    xml, issues = xform_issues(file, q=q)
    if xml is None:
        for issue in issues:
            typer.echo(_line(issue, file), err=True)
        raise typer.Exit(1)
    if output is None:
        typer.echo(xml)
    else:
        output.write_text(xml, encoding="utf-8")
        typer.echo(f"Đã ghi XForm vào {output}.")


@app.command("codebook")
def codebook_command(
    file: Path = typer.Argument(..., help=FILE_HELP),
    lang: str = typer.Option(None, "--lang", help="Ngôn ngữ nhãn, ví dụ vi hoặc en."),
    output: Path = typer.Option(
        None, "-o", "--output", help="Ghi ra .csv hoặc .json thay vì bảng."
    ),
) -> None:
    """In sổ mã: biến, loại, nhãn, nhãn giá trị (mỗi phương án của câu nhiều lựa chọn là một biến 0/1)."""
    from rich.console import Console
    from rich.table import Table

    from khaosat.questionnaire.codebook import codebook

    q = _load(file)
    entries = codebook(q, lang)
    if output is not None:
        if output.suffix.lower() == ".json":
            data = [e.to_dict() for e in entries]
            output.write_text(json.dumps(data, ensure_ascii=False, indent=1), encoding="utf-8")
        else:
            from khaosat.questionnaire.dataset import codebook_frame

            safe_frame(codebook_frame(q, lang)).to_csv(output, index=False)
        typer.echo(f"Đã ghi sổ mã ({_vi_count(len(entries))} biến) vào {output}.")
        return
    table = Table(title=f"Sổ mã — {q.title or q.form_id or file.name}", show_lines=False)
    for col in ("Biến", "Loại", "Nhãn", "Nhãn giá trị"):
        table.add_column(col, overflow="fold")
    for e in entries:
        values = "; ".join(f"{k} = {v}" for k, v in e.value_labels.items())
        table.add_row(e.variable, e.type, e.label, values)
    Console(width=160).print(table)


@app.command("json")
def json_command(
    file: Path = typer.Argument(..., help=FILE_HELP),
    output: Path = typer.Option(None, "-o", "--output", help="Tệp JSON để ghi (mặc định: in ra)."),
) -> None:
    """Xuất mô hình bảng hỏi dạng JSON (như lưu trong cơ sở dữ liệu)."""
    q = _load(file)
    text = json.dumps(q.to_dict(), ensure_ascii=False, indent=1)
    if output is None:
        typer.echo(text)
    else:
        output.write_text(text, encoding="utf-8")
        typer.echo(f"Đã ghi mô hình vào {output}.")


@app.command("from-docx")
def from_docx_command(
    file: Path = typer.Argument(..., help="Phiếu khảo sát Word (.docx)."),
    output: Path = typer.Option(
        None, "-o", "--output", help="Tệp XLSForm nháp để ghi (mặc định: cùng tên, đuôi .xlsx)."
    ),
) -> None:
    """Đọc phiếu Word thành bảng hỏi XLSForm nháp và in danh sách cần xem lại (docs/questionnaire.md)."""
    from khaosat.questionnaire.worddoc import DocumentRefused, DocxReadError, read_docx
    from khaosat.questionnaire.xlsform import write_xlsx

    try:
        draft = read_docx(file.read_bytes(), file.name)
    except (DocumentRefused, DocxReadError, OSError) as exc:
        typer.echo(getattr(exc, "message", None) or f"Không đọc được tệp {file}.", err=True)
        raise typer.Exit(1) from None
    output = output or file.with_suffix(".xlsx")
    write_xlsx(draft.questionnaire, output)
    _print_review(draft, file.name)
    n = sum(1 for q in draft.questionnaire.iter_questions() if q.has_value)
    typer.echo(
        f"Đã ghi bảng hỏi nháp ({_vi_count(n)} biến) vào {output}; "
        f"{_vi_count(len(draft.to_check))} mục cần xem lại."
    )


def _print_review(draft, name: str) -> None:
    from rich.console import Console
    from rich.markup import escape
    from rich.table import Table

    if not draft.review:
        typer.echo(f"{name}: đã đọc hết, không có gì cần xem lại.")
        return
    table = Table(title=f"Cần xem lại — {name}", show_lines=True)
    for col in ("Mức", "Vị trí", "Đoạn văn", "Việc cần làm"):
        table.add_column(col, overflow="fold")
    order = {"error": 0, "check": 1, "note": 2}
    for item in sorted(draft.review, key=lambda r: order.get(r.level, 3)):
        table.add_row(item.level_name, item.place, escape(item.text), escape(item.message))
    Console(width=160).print(table)


def register(root: typer.Typer) -> None:
    """Add `khaosat questionnaire ...` and the top-level `khaosat simulate`."""
    root.add_typer(app, name="questionnaire")
    try:
        from khaosat.questionnaire.simulate_cli import simulate_command
    except ImportError:  # pragma: no cover - the simulator is optional
        return
    root.command("simulate")(simulate_command)
