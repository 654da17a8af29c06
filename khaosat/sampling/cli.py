"""`khaosat sample …`: frames, sizes, selection and expected precision from the command line."""

from __future__ import annotations

import secrets
from pathlib import Path

import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import Progress
from rich.table import Table

from khaosat.sampling.design import CertaintyUnit, Design, load_design
from khaosat.sampling.errors import SamplingError
from khaosat.sampling.frame import (
    frame_from_province,
    import_sizes,
    list_provinces,
    missing_sizes,
    normalise_code,
    normalise_name,
    provinces_package_version,
    read_frame,
    read_table,
    write_frame,
)
from khaosat.sampling.plan import read_plan, select, write_plan_csv
from khaosat.sampling.precision import plan_precision, required_sample_size, simple_precision

app = typer.Typer(
    help="Chọn mẫu: khung mẫu, quy mô, chọn đơn vị (phân tầng, PPS), sai số dự kiến.",
    no_args_is_help=True,
)


def _console() -> Console:
    """A console made at use, so it follows the terminal width (COLUMNS) of that moment."""
    return Console()


def _err() -> Console:
    return Console(stderr=True)


def register(root: typer.Typer) -> None:
    """Add the `sample` group to the root command."""
    root.add_typer(app, name="sample")


def vi_number(x: float, decimals: int = 0) -> str:
    """1234.5 -> '1.234,5' (Vietnamese separators)."""
    text = f"{x:,.{decimals}f}"
    return text.replace(",", "\0").replace(".", ",").replace("\0", ".")


def vi_percent(x: float, decimals: int = 1) -> str:
    """0.0554 -> '5,5%'."""
    return f"{vi_number(100 * x, decimals)}%"


def _fail(exc: SamplingError) -> None:
    _err().print(f"[bold red]Lỗi:[/] {escape(exc.message)}", highlight=False)
    raise typer.Exit(2)


@app.command(
    "frame", help="Lập khung mẫu xã/phường của một tỉnh từ gói tùy chọn vietnam-provinces."
)
def frame_cmd(
    province: str = typer.Option(
        None, "--province", help="Mã tỉnh (ví dụ 33) hoặc tên mã (hung_yen)."
    ),
    output: Path = typer.Option(None, "-o", "--output", help="Tệp CSV khung mẫu cần ghi."),
    list_all: bool = typer.Option(False, "--list", help="Liệt kê 34 tỉnh, thành phố và mã."),
) -> None:
    try:
        if list_all:
            table = Table("Mã", "Tỉnh, thành phố", "Tên mã", title="Các tỉnh, thành phố")
            for code, name, codename in list_provinces():
                table.add_row(f"{code:02d}", name, codename)
            _console().print(table)
            return
        if not province or not output:
            raise SamplingError("Cần --province MÃ và -o TỆP.CSV (xem --list để biết mã tỉnh).")
        with Progress(transient=True, console=_err()) as progress:
            progress.add_task("Đọc danh mục đơn vị hành chính…", total=None)
            frame = frame_from_province(province)
        counts = {
            t: sum(1 for r in frame.rows if r["type"] == t) for t in ("xa", "phuong", "dac_khu")
        }
        header = [
            f"Khung mẫu: {frame.source.split(': ', 1)[-1]} — {len(frame)} đơn vị "
            f"({counts['xa']} xã, {counts['phuong']} phường"
            + (f", {counts['dac_khu']} đặc khu" if counts["dac_khu"] else "")
            + ").",
            f"Sinh một lần bằng `khaosat sample frame --province {province}` từ gói PyPI "
            f"vietnam-provinces {provinces_package_version()}.",
            "Gói đó theo giấy phép GPL-3.0: chỉ là phần tùy chọn `khaosat[provinces]` để sinh tệp, "
            "không bắt buộc khi chạy; tệp này không cần gói đó.",
            "Cột: code = mã đơn vị hành chính (GSO), type = xa/phuong, quy mô (population, "
            "households, voters, cadres) để trống — nhập bằng `khaosat sample sizes`.",
        ]
        if "former_province" in frame.columns:
            header.append(
                "former_province: Hưng Yên (cũ) với mã ≤ 12427, Thái Bình (cũ) với mã ≥ 12452."
            )
        write_frame(frame, output, header=header)
    except SamplingError as exc:
        _fail(exc)
    extra = f", {counts['dac_khu']} đặc khu" if counts["dac_khu"] else ""
    _console().print(
        f"Đã ghi {len(frame)} đơn vị ({counts['xa']} xã, {counts['phuong']} phường{extra}) "
        f"vào {output}."
    )


@app.command(
    "sizes", help="Nhập quy mô (dân số, số hộ, cử tri, cán bộ) theo mã đơn vị từ CSV/XLSX."
)
def sizes_cmd(
    frame_path: Path = typer.Argument(..., metavar="FRAME", help="Khung mẫu (CSV/XLSX)."),
    sizes_path: Path = typer.Argument(..., metavar="SIZES", help="Tệp quy mô có cột code."),
    output: Path = typer.Option(..., "-o", "--output", help="Khung mẫu mới (CSV) cần ghi."),
    columns: str = typer.Option(
        None, "--columns", help="Các cột quy mô cần nhập, cách nhau dấu phẩy."
    ),
) -> None:
    try:
        frame = read_frame(frame_path)
        cols = [c.strip() for c in columns.split(",")] if columns else None
        new = import_sizes(frame, sizes_path, columns=cols)
        write_frame(
            new, output, header=[f"Khung mẫu {frame_path.name} + quy mô từ {sizes_path.name}."]
        )
    except SamplingError as exc:
        _fail(exc)
    for c in cols or list(new.size_columns):
        gaps = missing_sizes(new, c)
        if c in new.columns and len(gaps) < len(new):
            note = f"thiếu {len(gaps)} đơn vị" if gaps else "đủ cho mọi đơn vị"
            _console().print(f"Cột {c}: {note}.")
    _console().print(f"Đã ghi {output}.")


def _read_certainty(path: Path, quota: int) -> list[CertaintyUnit]:
    cols, rows = read_table(path)
    if "code" not in cols or "name" not in cols:
        raise SamplingError(f"Tệp {path.name}: cần các cột code, name (và có thể quota, size).")
    out = []
    problems = []
    for place, raw in rows:
        code, name = normalise_code(raw.get("code")), normalise_name(raw.get("name"))
        if not code or not name:
            problems.append(f"{place}: thiếu mã hoặc tên đơn vị chọn chắc chắn.")
            continue
        try:
            q = int(float(raw.get("quota") or quota))
            size = float(raw["size"]) if raw.get("size") not in (None, "") else None
        except ValueError:
            problems.append(f"{place}, cột quota/size: phải là số.")
            continue
        extra = {"group": normalise_name(raw["group"])} if raw.get("group") else {}
        out.append(CertaintyUnit(code=code, name=name, quota=q, size=size, **extra))
    if problems:
        raise SamplingError(problems)
    return out


@app.command("select", help="Chọn đơn vị mẫu (phân tầng, hệ thống hoặc PPS) với hạt giống ghi lại.")
def select_cmd(
    frame_path: Path = typer.Argument(..., metavar="FRAME", help="Khung mẫu (CSV/XLSX)."),
    design_path: Path = typer.Option(
        None, "--design", help="Tệp thiết kế TOML (mặc định của khảo sát)."
    ),
    n: int = typer.Option(None, "--n", help="Số đơn vị cần chọn (không kể đơn vị chọn chắc chắn)."),
    strata: str = typer.Option(None, "--strata", help="Cột phân tầng, cách nhau dấu phẩy."),
    size: str = typer.Option(None, "--size", help="Cột quy mô cho PPS (ví dụ population)."),
    method: str = typer.Option(None, "--method", help="pps | srs | auto (PPS khi đủ quy mô)."),
    seed: int = typer.Option(None, "--seed", help="Hạt giống ngẫu nhiên (ghi vào kết quả)."),
    certainty: Path = typer.Option(
        None, "--certainty", help="CSV đơn vị chọn chắc chắn: code,name,quota."
    ),
    quota: int = typer.Option(None, "--quota", help="Số phiếu mỗi đơn vị được chọn (mặc định 45)."),
    sort_by: str = typer.Option(None, "--sort-by", help="Cột sắp xếp trước khi chọn hệ thống."),
    allocation: str = typer.Option(None, "--allocation", help="proportional | equal | given."),
    output: Path = typer.Option(..., "-o", "--output", help="Tệp CSV kế hoạch chọn mẫu."),
    json_path: Path = typer.Option(
        None, "--json", help="Tệp JSON kế hoạch đầy đủ (mặc định cạnh CSV)."
    ),
) -> None:
    try:
        base = load_design(design_path).to_dict() if design_path else {"n": 0}
        overrides = {
            "n": n,
            "strata": [c.strip() for c in strata.split(",") if c.strip()] if strata else None,
            "size": size,
            "method": method,
            "quota": quota,
            "sort_by": sort_by,
            "allocation": allocation,
        }
        base.update({k: v for k, v in overrides.items() if v is not None})
        if not design_path and n is None:
            raise SamplingError("Cần --n (số đơn vị cần chọn) hoặc --design TỆP.toml.")
        if certainty:
            base["certainty"] = [vars(c) for c in _read_certainty(certainty, 50)]
        design = Design.from_dict(base)
        frame = read_frame(frame_path, size_columns=[design.size] if design.size else ())
        if seed is None:
            seed = secrets.randbelow(1_000_000)
            _console().print(
                f"Không có --seed: dùng hạt giống ngẫu nhiên {seed} (đã ghi vào kết quả)."
            )
        with Progress(console=_err(), transient=True) as progress:
            task = progress.add_task("Chọn mẫu theo tầng", total=None)
            plan = select(
                frame, design, seed, progress=lambda h: progress.update(task, description=h)
            )
        write_plan_csv(plan, output)
        json_out = json_path or output.with_suffix(".json")
        json_out.write_text(plan.to_json(), encoding="utf-8")
    except SamplingError as exc:
        _fail(exc)
    _print_plan(plan)
    _console().print(f"Đã ghi {output} và {json_out}.")


def _print_plan(plan) -> None:
    _console().print(
        f"[bold]Hạt giống (seed):[/] {plan.seed} — {plan.method_note}", highlight=False
    )
    strata = Table("Tầng", "Số đơn vị", "Số chọn", title="Phân bổ mẫu theo tầng")
    for s in plan.strata:
        strata.add_row(s.label, vi_number(s.units), vi_number(s.n))
    _console().print(strata)
    table = Table(
        "TT",
        "Tầng",
        "Mã",
        "Tên đơn vị",
        "Xác suất π",
        "Trọng số",
        "Chỉ tiêu",
        title=f"Đơn vị được chọn ({len(plan.units)} đơn vị, {vi_number(plan.total_quota)} phiếu)",
    )
    for u in plan.units:
        table.add_row(
            str(u.selection_order),
            u.stratum,
            u.code,
            u.name,
            vi_number(u.pi, 4),
            vi_number(u.base_weight, 4) if u.base_weight is not None else "",
            vi_number(u.quota),
        )
    _console().print(table)
    rule = "theo quy mô" if plan.weight_rule == "size" else "tương đối (bằng nhau trong tầng)"
    _console().print(f"Trọng số cơ sở: {rule}.")


@app.command(
    "precision", help="Sai số dự kiến (p = 0,5, độ tin cậy 95%) và cỡ mẫu cần cho một biên sai số."
)
def precision_cmd(
    plan_path: Path = typer.Argument(
        None, metavar="[PLAN]", help="Kế hoạch JSON (từ `sample select`)."
    ),
    rho: float = typer.Option(None, "--rho", help="Hệ số tương quan nội cụm ρ (mặc định 0,05)."),
    units: int = typer.Option(20, "--units", help="Không có PLAN: số đơn vị (cụm) được chọn."),
    quota: int = typer.Option(45, "--quota", help="Không có PLAN: số phiếu mỗi cụm."),
    certainty_forms: int = typer.Option(
        100, "--certainty-forms", help="Không có PLAN: tổng số phiếu ở các đơn vị chọn chắc chắn."
    ),
    certainty_units: int = typer.Option(
        2, "--certainty-units", help="Không có PLAN: số đơn vị chọn chắc chắn."
    ),
    target: float = typer.Option(
        None, "--target", help="Biên sai số mục tiêu (ví dụ 0.04) để tính cỡ mẫu cần."
    ),
    confidence: float = typer.Option(0.95, "--confidence", help="Độ tin cậy."),
) -> None:
    try:
        if plan_path:
            if plan_path.suffix.lower() != ".json":
                raise SamplingError(
                    f"{plan_path.name}: cần kế hoạch dạng JSON (tệp .json do `sample select` ghi)."
                )
            plan = read_plan(plan_path)
            r = plan.design.rho if rho is None else rho
            rows = plan_precision(plan, rho=r, confidence=confidence)
            m = plan.design.quota
        else:
            r = 0.05 if rho is None else rho
            rows = [
                simple_precision(
                    units,
                    quota,
                    certainty_forms=certainty_forms,
                    certainty_units=certainty_units,
                    rho=r,
                    confidence=confidence,
                )
            ]
            m = quota
        table = Table(
            "Nhóm",
            "Số phiếu",
            "Số đơn vị",
            "deff cụm",
            "Hiệu ứng trọng số",
            "deff",
            "Cỡ mẫu hiệu dụng",
            "Biên sai số ±",
            title=f"Sai số dự kiến (p = 0,5; độ tin cậy {vi_percent(confidence, 0)}; ρ = {vi_number(r, 2)})",
        )
        for row in rows:
            table.add_row(
                row.group,
                vi_number(row.respondents),
                vi_number(row.units),
                vi_number(row.deff_cluster, 2),
                vi_number(row.weighting_effect, 2),
                vi_number(row.deff, 2),
                vi_number(row.effective_n),
                vi_percent(row.margin),
            )
        _console().print(table)
        if target is not None:
            n_needed, k = required_sample_size(
                target, m=m, rho=r, weighting_effect=rows[0].weighting_effect, confidence=confidence
            )
            _console().print(
                f"Để biên sai số ±{vi_percent(target)} cần khoảng {vi_number(n_needed)} phiếu "
                f"= {vi_number(k)} đơn vị × {m} phiếu."
            )
    except SamplingError as exc:
        _fail(exc)
