"""`khaosat quality check FORM DATA`: every quality rule over a table of responses, offline."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import typer
from rich.console import Console
from rich.table import Table

from khaosat.quality.checks import CheckConfig, ResponseRecord, check_survey, plan_of
from khaosat.quality.flags import RULES, SEVERITY_LABELS
from khaosat.safety import cells

app = typer.Typer(
    help="Kiểm tra chất lượng phiếu: trùng số phiếu, phiếu gần trùng, trả lời một kiểu, "
    "vi phạm điều kiện, đơn vị bất thường.",
    no_args_is_help=True,
)


def register(root: typer.Typer) -> None:
    """Add the `quality` group to the root command."""
    root.add_typer(app, name="quality")


def _read_table(path: Path):
    import pandas as pd

    suffix = path.suffix.lower()
    if suffix == ".csv":
        return pd.read_csv(path, dtype=object, keep_default_na=True)
    if suffix in (".xlsx", ".xls"):
        return pd.read_excel(path, dtype=object)
    if suffix == ".parquet":
        return pd.read_parquet(path)
    raise typer.BadParameter(f"Tệp «{path.name}»: chỉ đọc được .csv, .xlsx hoặc .parquet.")


@app.command("check")
def check(
    form: Path = typer.Argument(..., exists=True, help="Bảng hỏi XLSForm (.xlsx)."),
    data: Path = typer.Argument(..., exists=True, help="Bảng phiếu: mỗi dòng một phiếu."),
    unit_column: str = typer.Option("unit", help="Cột mã đơn vị."),
    serial_column: str = typer.Option("serial", help="Cột số phiếu."),
    output: Path = typer.Option(None, "-o", "--output", help="Ghi các cảnh báo ra tệp CSV."),
    missing_share: float = typer.Option(0.3, help="Ngưỡng tỷ lệ câu bỏ trống."),
) -> None:
    """Run every rule over the responses in DATA and print the flags by rule."""
    from khaosat.questionnaire.errors import QuestionnaireError
    from khaosat.questionnaire.simulate import answers_from_row
    from khaosat.questionnaire.xlsform import read_xlsform

    try:
        q = read_xlsform(form)
    except QuestionnaireError as exc:
        typer.echo(f"Lỗi bảng hỏi: {exc}", err=True)
        raise typer.Exit(2) from exc
    frame = _read_table(data)
    if unit_column not in frame.columns:
        typer.echo(
            f"Tệp {data.name} không có cột «{unit_column}» (mã đơn vị); "
            "thêm cột này hoặc chỉ tên cột bằng --unit-column.",
            err=True,
        )
        raise typer.Exit(2)
    plan = plan_of(q)
    recs = []
    for i, row in enumerate(frame.to_dict("records"), start=2):
        answers = answers_from_row(plan.logic, _typed(plan, row))
        serial = row.get(serial_column)
        serial = None if serial is None or str(serial) == "nan" else str(serial)
        recs.append(
            ResponseRecord(
                key=serial or f"dòng {i}",
                unit=str(row[unit_column]),
                answers=answers,
                serial=serial,
            )
        )
    flags = check_survey(plan, recs, CheckConfig(missing_share=missing_share))
    counts = Counter((f.rule, f.severity) for f in flags)
    table = Table(title=f"{len(recs):,} phiếu, {len(flags):,} cảnh báo".replace(",", "."))
    table.add_column("Quy tắc")
    table.add_column("Mức độ")
    table.add_column("Số cảnh báo", justify="right")
    for (rule, sev), n in sorted(counts.items()):
        table.add_row(RULES[rule].title if rule in RULES else rule, SEVERITY_LABELS[sev], str(n))
    Console().print(table)
    if output:
        with open(output, "w", newline="", encoding="utf-8-sig") as fh:
            w = cells.writer(fh)
            w.writerow(["phieu", "don_vi", "quy_tac", "muc_do", "cau", "ly_do", "lien_quan"])
            for f in flags:
                w.writerow(
                    [
                        f.key or "",
                        f.unit or "",
                        f.rule,
                        f.severity,
                        " ".join(f.fields),
                        f.why,
                        " ".join(f.related),
                    ]
                )
        typer.echo(f"Đã ghi {len(flags)} cảnh báo vào {output}.")


def _typed(plan, row: dict) -> dict:
    """Cells read as text -> numbers where the form expects numbers or numeric codes."""
    out = {}
    for k, v in row.items():
        if v is None or (isinstance(v, float) and v != v) or (isinstance(v, str) and not v.strip()):
            out[k] = None
            continue
        if isinstance(v, str):
            text = v.strip()
            try:
                num = float(text)
                v = int(num) if num.is_integer() else num
            except ValueError:
                v = text
        out[k] = v
    return out
