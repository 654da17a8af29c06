"""CLI verbs `khaosat estimate` and `khaosat crosstab` on CSV/XLSX/SAV/Parquet files."""

from __future__ import annotations

import json
import sys
from typing import Any

import typer

from khaosat.stats.errors import StatsError

DESIGN_HELP = {
    "strata": "Cột tầng.",
    "psu": "Cột đơn vị mẫu cấp 1 (PSU, ví dụ xã/phường).",
    "ssu": "Cột đơn vị mẫu cấp 2 (SSU), cần --psu.",
    "weight": "Cột trọng số.",
    "fpc": "Cột fpc cấp 1: cỡ tổng thể của tầng (số PSU) hoặc tỉ lệ chọn.",
    "fpc2": "Cột fpc cấp 2: cỡ tổng thể trong PSU hoặc tỉ lệ chọn.",
    "lonely": "Quy tắc tầng chỉ có một PSU: fail, certainty, remove, adjust, average.",
    "certainty": "Cột 0/1 đánh dấu đơn vị chọn chắc chắn (người trả lời là đơn vị mẫu).",
}


def _fail(msg: str) -> None:
    typer.secho(f"Lỗi: {msg}", fg=typer.colors.RED, err=True)
    raise typer.Exit(2)


def _design(
    file: str | None,
    strata,
    psu,
    ssu,
    weight,
    fpc,
    fpc2,
    lonely,
    certainty,
    db: str | None = None,
    table: str | None = None,
    lazy_ok: bool = True,
):
    """The design: in the database (--db/--table, or a Parquet file read lazily by DuckDB when
    the design allows it), otherwise the file read into memory."""
    from khaosat.stats.design import Design
    from khaosat.stats.io import read_table

    if db or table:
        if not (db and table):
            _fail("Hãy dùng cả --db (địa chỉ cơ sở dữ liệu) và --table (tên bảng).")
        if file:
            _fail("Hãy chọn một nguồn: tệp dữ liệu hoặc --db/--table, không dùng cả hai.")
        if ssu or fpc2 or certainty:
            _fail(
                "Ước lượng trong cơ sở dữ liệu chưa hỗ trợ --ssu, --fpc2, --certainty; hãy xuất "
                "bảng ra tệp để ước lượng trong bộ nhớ."
            )
        from khaosat.stats.sqldesign import SqlDesign

        return SqlDesign(
            db, table, strata=strata, psu=psu, weight=weight, fpc=fpc, lonely_psu=lonely
        )
    if not file:
        _fail("Hãy cho biết tệp dữ liệu, hoặc --db và --table.")
    lazy = (
        lazy_ok
        and str(file).lower().endswith((".parquet", ".pq"))
        and psu
        and not (ssu or fpc2 or certainty)
    )
    if lazy:  # Parquet: the rows stay in the file, DuckDB aggregates them per PSU
        from khaosat.stats.sqldesign import SqlDesign

        return SqlDesign(file, strata=strata, psu=psu, weight=weight, fpc=fpc, lonely_psu=lonely)
    df = read_table(file)
    return Design(
        df,
        strata=strata,
        psu=psu,
        ssu=ssu,
        weight=weight,
        fpc=fpc,
        fpc2=fpc2,
        lonely_psu=lonely,
        certainty=certainty,
    )


def _design_json(d) -> dict[str, Any]:
    return {
        **d.spec,
        "lonely_psu": d.lonely_psu,
        "n": d.n,
        "n_strata": d.n_strata,
        "n_psu": d.n_psu,
        "df": d.degf(),
        "in_database": bool(getattr(d, "is_sql", False)),
    }


def _print_table(tab) -> None:
    from rich.console import Console
    from rich.table import Table

    from khaosat.stats.format import fmt_number, fmt_percent
    from khaosat.stats.results import STAT_LABELS

    pct = tab.statistic == "proportion"

    def f(x):
        return fmt_percent(x) if pct else fmt_number(x, 3)

    title = f"{STAT_LABELS.get(tab.statistic, tab.statistic)} — {tab.variable}"
    if tab.by:
        title += f" theo {tab.by}"
    t = Table(title=title)
    if tab.by:
        t.add_column(tab.by)
    if any(e.category is not None for e in tab) or tab.statistic == "quantile":
        t.add_column("Phương án" if tab.statistic != "quantile" else "Phân vị")
    for col in (
        "Ước lượng",
        "Sai số chuẩn",
        "KTC 95% dưới",
        "KTC 95% trên",
        "Biên sai số",
        "deff",
        "Bậc tự do",
        "n",
    ):
        t.add_column(col, justify="right")
    notes = []
    for e in tab:
        row = []
        if tab.by:
            row.append(str(e.domain))
        if tab.statistic == "quantile":
            row.append(fmt_number(e.quantile, 2))
        elif any(x.category is not None for x in tab):
            row.append(str(e.category))
        row += [
            f(e.value),
            f(e.se),
            f(e.ci_low),
            f(e.ci_high),
            f(e.margin),
            fmt_number(e.deff, 2),
            fmt_number(e.df, 0),
            fmt_number(e.n, 0),
        ]
        t.add_row(*row)
        if e.note:
            notes.append(f"{e.domain if e.domain is not None else ''} {e.category or ''}: {e.note}")
    console = Console()
    console.print(t)
    for n in notes + tab.notes:
        console.print(f"[yellow]Ghi chú:[/yellow] {n.strip()}")


DB_HELP = "Địa chỉ cơ sở dữ liệu (postgres://…, sqlite:///tệp, duckdb:///tệp); cần --table."
TABLE_HELP = "Tên bảng dữ liệu trong cơ sở dữ liệu --db (ước lượng ngay trong cơ sở dữ liệu)."


def estimate(
    file: str = typer.Argument(
        None, help="Tệp dữ liệu: CSV, XLSX, SPSS .sav hoặc Parquet (đọc dần qua DuckDB)."
    ),
    db: str = typer.Option(None, "--db", help=DB_HELP),
    table: str = typer.Option(None, "--table", help=TABLE_HELP),
    strata: str = typer.Option(None, "--strata", help=DESIGN_HELP["strata"]),
    psu: str = typer.Option(None, "--psu", help=DESIGN_HELP["psu"]),
    ssu: str = typer.Option(None, "--ssu", help=DESIGN_HELP["ssu"]),
    weight: str = typer.Option(None, "--weight", help=DESIGN_HELP["weight"]),
    fpc: str = typer.Option(None, "--fpc", help=DESIGN_HELP["fpc"]),
    fpc2: str = typer.Option(None, "--fpc2", help=DESIGN_HELP["fpc2"]),
    lonely: str = typer.Option("fail", "--lonely-psu", help=DESIGN_HELP["lonely"]),
    certainty: str = typer.Option(None, "--certainty", help=DESIGN_HELP["certainty"]),
    mean: str = typer.Option(None, "--mean", help="Ước lượng trung bình của cột."),
    total: str = typer.Option(None, "--total", help="Ước lượng tổng của cột."),
    prop: str = typer.Option(None, "--prop", help="Tỉ lệ của mọi phương án của cột."),
    quantile: str = typer.Option(None, "--quantile", help="Phân vị, dạng COT:Q (ví dụ diem:0.5)."),
    by: str = typer.Option(None, "--by", help="Ước lượng theo từng nhóm của cột này."),
    ci: str = typer.Option("logit", "--ci", help="Khoảng tin cậy của tỉ lệ: logit, beta, wald."),
    as_json: bool = typer.Option(False, "--json", help="In một đối tượng JSON."),
) -> None:
    """Ước lượng có sai số chuẩn theo thiết kế mẫu (trung bình, tổng, tỉ lệ, phân vị)."""
    from khaosat.stats import estimators as est

    chosen = [x for x in (mean, total, prop, quantile) if x]
    if len(chosen) != 1:
        _fail("Hãy chọn đúng một trong --mean, --total, --prop, --quantile.")
    try:
        d = _design(
            file,
            strata,
            psu,
            ssu,
            weight,
            fpc,
            fpc2,
            lonely,
            certainty,
            db,
            table,
            lazy_ok=not quantile,
        )
        if quantile and getattr(d, "is_sql", False):
            _fail("Phân vị cần đọc dữ liệu vào bộ nhớ; hãy dùng tệp dữ liệu thay cho --db.")
        if mean:
            tab = est.mean(d, mean, by=by)
        elif total:
            tab = est.total(d, total, by=by)
        elif prop:
            tab = est.proportions(d, prop, by=by, ci=ci)
        else:
            col, _, q = quantile.rpartition(":")
            try:
                qv = float(q.replace(",", "."))
            except ValueError:
                _fail(f"Phân vị '{quantile}' không hợp lệ; dùng dạng COT:Q, ví dụ diem:0.5.")
            if not col:
                _fail("Thiếu tên cột trong --quantile; dùng dạng COT:Q, ví dụ diem:0.5.")
            tab = est.quantile(d, col, qv, by=by)
    except StatsError as exc:
        _fail(exc.message)
    if as_json:
        out = {"file": file, "design": _design_json(d), **tab.to_dict()}
        if db:
            out.update(file=None, table=table, in_database=True)
        sys.stdout.write(json.dumps(out, ensure_ascii=False) + "\n")
    else:
        _print_table(tab)


def crosstab(
    file: str = typer.Argument(
        None, help="Tệp dữ liệu: CSV, XLSX, SPSS .sav hoặc Parquet (đọc dần qua DuckDB)."
    ),
    db: str = typer.Option(None, "--db", help=DB_HELP),
    table: str = typer.Option(None, "--table", help=TABLE_HELP),
    rows: str = typer.Option(..., "--rows", help="Biến hàng."),
    cols: str = typer.Option(..., "--cols", help="Biến cột."),
    strata: str = typer.Option(None, "--strata", help=DESIGN_HELP["strata"]),
    psu: str = typer.Option(None, "--psu", help=DESIGN_HELP["psu"]),
    ssu: str = typer.Option(None, "--ssu", help=DESIGN_HELP["ssu"]),
    weight: str = typer.Option(None, "--weight", help=DESIGN_HELP["weight"]),
    fpc: str = typer.Option(None, "--fpc", help=DESIGN_HELP["fpc"]),
    fpc2: str = typer.Option(None, "--fpc2", help=DESIGN_HELP["fpc2"]),
    lonely: str = typer.Option("fail", "--lonely-psu", help=DESIGN_HELP["lonely"]),
    certainty: str = typer.Option(None, "--certainty", help=DESIGN_HELP["certainty"]),
    ci: str = typer.Option("logit", "--ci", help="Khoảng tin cậy của tỉ lệ: logit, beta, wald."),
    as_json: bool = typer.Option(False, "--json", help="In một đối tượng JSON."),
) -> None:
    """Bảng chéo có trọng số và kiểm định Rao–Scott."""
    from khaosat.stats.crosstab import crosstab as ct

    try:
        d = _design(file, strata, psu, ssu, weight, fpc, fpc2, lonely, certainty, db, table)
        x = ct(d, rows, cols, ci=ci)
    except StatsError as exc:
        _fail(exc.message)
    if as_json:
        out = {"file": file, "design": _design_json(d), **x.to_dict()}
        out.update(F=x.F, ndf=x.ndf, ddf=x.ddf, p=x.p)
        sys.stdout.write(json.dumps(out, ensure_ascii=False) + "\n")
    else:
        from rich.console import Console

        Console().print(x.summary())


def register(root: typer.Typer) -> None:
    """Add the top-level verbs `estimate` and `crosstab` to the khaosat CLI."""
    root.command("estimate", help="Ước lượng có sai số chuẩn theo thiết kế mẫu.")(estimate)
    root.command("crosstab", help="Bảng chéo có trọng số và kiểm định Rao–Scott.")(crosstab)
