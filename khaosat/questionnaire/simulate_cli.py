"""`khaosat simulate FILE -n N --seed S -o out.csv|.xlsx|.parquet` (called from cli.register)."""

from __future__ import annotations

import time
from pathlib import Path

import typer

from khaosat.questionnaire.errors import QuestionnaireError


def _vi_int(n: int) -> str:
    return f"{n:,}".replace(",", ".")


def simulate_command(
    file: Path = typer.Argument(..., help="Bảng hỏi XLSForm (.xlsx, .xls, .csv, .md)."),
    n: int = typer.Option(1000, "-n", "--number", help="Số phiếu mô phỏng cần tạo."),
    seed: int = typer.Option(
        0, "--seed", help="Hạt giống ngẫu nhiên (cùng hạt giống → cùng dữ liệu)."
    ),
    output: Path = typer.Option(
        ..., "-o", "--output", help="Tệp kết quả: .csv, .xlsx hoặc .parquet."
    ),
    nonresponse: float = typer.Option(0.03, help="Tỷ lệ bỏ trống ở câu không bắt buộc (0–1)."),
    dont_know: float = typer.Option(0.05, help="Tỷ lệ trả lời «không rõ» ở câu thang đo (0–1)."),
    check: bool = typer.Option(True, help="Kiểm tra lại từng phiếu mô phỏng bằng validate()."),
) -> None:
    """Tạo phiếu trả lời MÔ PHỎNG hợp lệ với bảng hỏi (mỗi dòng có cột _simulated = 1)."""
    from rich.console import Console

    from khaosat.questionnaire.simulate import SimulationError, simulate, write_responses
    from khaosat.questionnaire.validate import compile_logic, validate
    from khaosat.questionnaire.xlsform import read_xlsform

    console = Console()
    err = Console(stderr=True)
    if not file.exists():
        err.print(f"[red]Không tìm thấy tệp bảng hỏi «{file}».[/red] Hãy kiểm tra đường dẫn.")
        raise typer.Exit(1)
    if output.suffix.lower() not in (".csv", ".xlsx", ".parquet"):
        err.print(
            f"[red]Không ghi được «{output.name}»:[/red] tệp kết quả phải có đuôi .csv, .xlsx "
            "hoặc .parquet."
        )
        raise typer.Exit(1)
    try:
        questionnaire = read_xlsform(file)
    except QuestionnaireError as exc:
        err.print(f"[red]Không đọc được bảng hỏi:[/red] {exc}")
        raise typer.Exit(1) from None
    logic = compile_logic(questionnaire)
    if logic.problems:
        for p in logic.problems:
            err.print(f"[red]{p.variable}:[/red] {p.message_vi}")
        raise typer.Exit(1)
    started = time.perf_counter()
    try:
        responses = simulate(
            logic, n, seed, nonresponse=nonresponse, dont_know=dont_know, today=None
        )
    except SimulationError as exc:
        err.print(f"[red]{exc}[/red]")
        raise typer.Exit(1) from None
    invalid = 0
    if check:
        invalid = sum(1 for r in responses if validate(logic, r.answers, today="2026-07-01"))
    unanswerable = sorted({name for r in responses for name in r.unanswerable})
    try:
        write_responses(logic, responses, output)
    except (OSError, SimulationError) as exc:
        err.print(f"[red]Không ghi được tệp «{output}»:[/red] {exc}")
        raise typer.Exit(1) from None
    secs = time.perf_counter() - started
    console.print(
        f"Đã tạo {_vi_int(len(responses))} phiếu MÔ PHỎNG (hạt giống {seed}) từ «{file.name}» "
        f"vào «{output}» trong {f'{secs:.1f}'.replace('.', ',')} giây. "
        "Cột _simulated = 1 đánh dấu dữ liệu mô phỏng."
    )
    if check:
        console.print(
            f"Kiểm tra: {_vi_int(len(responses) - invalid)} phiếu hợp lệ, "
            f"{_vi_int(invalid)} phiếu có lỗi."
        )
    if unanswerable:
        err.print(
            "[yellow]Không tạo được câu trả lời hợp lệ cho câu bắt buộc:[/yellow] "
            + ", ".join(unanswerable)
            + ". Hãy xem lại ràng buộc (constraint) của các câu này."
        )
    if invalid:
        raise typer.Exit(2)


def register(root: typer.Typer) -> None:
    """Add the top-level `simulate` command to the khaosat CLI."""
    root.command(
        "simulate",
        help="Tạo phiếu trả lời mô phỏng hợp lệ với một bảng hỏi XLSForm (để thử quy trình).",
    )(simulate_command)


register_simulate = register
