"""`khaosat paper …`: print forms, export their layout, read scans."""

from __future__ import annotations

import json
import tomllib
from pathlib import Path

import typer
from rich.console import Console
from rich.table import Table

from khaosat.paper.errors import PaperError

app = typer.Typer(
    help="Phiếu giấy: in phiếu có mã QR và ô định vị, xuất bố cục, đọc phiếu đã quét.",
    no_args_is_help=True,
)
console = Console()
err = Console(stderr=True)


def register(root: typer.Typer) -> None:
    """Add the `paper` sub-command group to the root CLI."""
    root.add_typer(app, name="paper")


def _fail(message: str) -> None:
    err.print(f"[bold red]Lỗi:[/] {message}")
    raise typer.Exit(1)


def _layout_for(form: Path):
    from khaosat.paper.layout import compute_layout
    from khaosat.questionnaire.errors import QuestionnaireError
    from khaosat.questionnaire.xlsform import read_xlsform

    if not form.is_file():
        _fail(f"Không tìm thấy tệp bảng hỏi «{form}».")
    try:
        q = read_xlsform(form)
        return compute_layout(q)
    except QuestionnaireError as exc:
        _fail(f"Bảng hỏi «{form.name}»: {exc}")
    except PaperError as exc:
        _fail(exc.message)


def _survey_toml(form: Path) -> dict:
    try:
        return tomllib.loads((form.parent / "survey.toml").read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError):
        return {}


def _unit_name(form: Path, unit: str) -> str:
    """Name of the unit from survey.toml or frame.csv next to the questionnaire, if any."""
    for u in _survey_toml(form).get("unit", []):
        if str(u.get("code")) == unit:
            return str(u.get("name", ""))
    import csv

    try:
        with (form.parent / "frame.csv").open(encoding="utf-8") as f:
            rows = csv.DictReader(line for line in f if not line.startswith("#"))
            for row in rows:
                code = row.get("code") or row.get("ma") or row.get("unit") or ""
                if code.strip() == unit:
                    return (row.get("name") or row.get("ten") or "").strip()
    except (OSError, csv.Error):
        pass
    return ""


def _commissioner(form: Path) -> str:
    """The commissioning body from survey.toml next to the questionnaire, if any."""
    return str(_survey_toml(form).get("survey", {}).get("commissioner", ""))


def _write_json(doc: dict, out: Path) -> None:
    out.write_text(json.dumps(doc, ensure_ascii=False, indent=1), encoding="utf-8")


@app.command("print")
def print_cmd(
    form: Path = typer.Argument(..., help="Bảng hỏi (XLSForm .xlsx)."),
    unit: str = typer.Option(..., "--unit", help="Mã đơn vị (ví dụ 12427, T01)."),
    count: int = typer.Option(..., "--count", help="Số phiếu cần in."),
    start: int = typer.Option(1, "--start", help="Số thứ tự của phiếu đầu tiên."),
    out: Path = typer.Option(..., "-o", "--out", help="Tệp PDF kết quả."),
    layout: Path | None = typer.Option(None, "--layout", help="Ghi thêm bố cục JSON ra tệp này."),
    master: bool = typer.Option(
        False,
        "--master",
        help="In phiếu mẫu không có số phiếu (để đơn vị sao chụp); số phiếu cấp khi đọc.",
    ),
) -> None:
    """In một lô phiếu cho một đơn vị (PDF A4, in hai mặt; mỗi phiếu một số phiếu riêng)."""
    from khaosat.paper.printing import print_forms

    lay = _layout_for(form)
    try:
        res = print_forms(
            lay,
            unit,
            count,
            out,
            start=start,
            unit_name=_unit_name(form, unit),
            commissioner=_commissioner(form),
            master=master,
        )
    except PaperError as exc:
        _fail(exc.message)
    if layout:
        _write_json(res.layout, layout)
    console.print(
        f"Đã in {len(res.serials):,} phiếu".replace(",", ".")
        + f" ({res.serials[0]} … {res.serials[-1]}), mỗi phiếu {lay.page_count} trang, "
        f"tổng {res.pdf_pages} trang PDF (gồm bìa lô) → {out}"
    )


@app.command("layout")
def layout_cmd(
    form: Path = typer.Argument(..., help="Bảng hỏi (XLSForm .xlsx)."),
    out: Path = typer.Option(..., "-o", "--out", help="Tệp JSON kết quả."),
    unit: str | None = typer.Option(None, "--unit", help="Mã đơn vị: liệt kê cả các trang của lô."),
    count: int = typer.Option(0, "--count", help="Số phiếu của lô (cùng --unit)."),
    start: int = typer.Option(1, "--start", help="Số thứ tự của phiếu đầu tiên."),
) -> None:
    """Xuất bố cục phiếu (mọi ô và vùng viết, tính bằng mm) ra JSON (docs/paper-layout.md)."""
    from khaosat.paper.layout import layout_to_json
    from khaosat.paper.printing import COVER_PAGES, check_unit, make_serial

    lay = _layout_for(form)
    serials: list[str] = []
    if unit:
        try:
            check_unit(unit)
        except PaperError as exc:
            _fail(exc.message)
        serials = [make_serial(unit, n) for n in range(start, start + count)]
    doc = layout_to_json(lay, unit, serials, COVER_PAGES if serials else 0)
    _write_json(doc, out)
    n_boxes = sum(len(p.boxes) for p in lay.pages)
    console.print(
        f"Bố cục {lay.page_count} trang, {n_boxes} ô, mã bố cục {lay.fingerprint} → {out}"
    )


@app.command("read")
def read_cmd(
    scans: list[Path] = typer.Argument(..., help="Tệp quét: PDF, PNG, JPEG, TIFF."),
    form: Path = typer.Option(..., "--form", help="Bảng hỏi đã dùng để in phiếu (.xlsx)."),
    as_json: bool = typer.Option(False, "--json", help="In kết quả dạng JSON."),
    out: Path | None = typer.Option(None, "-o", "--out", help="Ghi kết quả JSON ra tệp."),
    crops: Path | None = typer.Option(
        None, "--crops", help="Thư mục lưu ảnh ô cần xem lại, ô viết."
    ),
    dpi: int = typer.Option(200, "--dpi", help="Độ phân giải khi chuyển PDF thành ảnh."),
) -> None:
    """Đọc phiếu đã quét: số phiếu, câu trả lời (mã), các ô cần xem lại, trang không đọc được."""
    from khaosat.paper.reading import load_scans, read_pages

    lay = _layout_for(form)
    try:
        pages = load_scans(scans, dpi=dpi)
    except PaperError as exc:
        _fail(exc.message)
    result = read_pages(pages, lay, crops=crops is not None)
    doc = result.to_dict()
    if crops:
        crops.mkdir(parents=True, exist_ok=True)
        for f in result.forms:
            for k, r in enumerate(f.review):
                if r.crop_png:
                    name = f"{f.serial}_{k + 1:02d}_{r.kind}_{r.variable}.png"
                    (crops / name).write_bytes(r.crop_png)
            for w in f.writeins:
                if w.has_ink:
                    (crops / f"{f.serial}_{w.variable}.png").write_bytes(w.png)
    if out:
        _write_json(doc, out)
    if as_json:
        typer.echo(json.dumps(doc, ensure_ascii=False, indent=1))
        return
    t = Table(title=f"Kết quả đọc {len(pages)} trang")
    for col in ("Số phiếu", "Đơn vị", "Câu đã đọc", "Cần xem lại", "Thiếu trang"):
        t.add_column(col)
    for f in result.forms:
        t.add_row(
            f.serial,
            f.unit,
            str(len(f.answers)),
            str(len(f.review)),
            ", ".join(map(str, f.missing_pages)) or "—",
        )
    console.print(t)
    for f in result.forms:
        for r in f.review:
            console.print(f"[yellow]{f.serial}[/] trang {r.page}: {r.message}")
    for u in result.unreadable:
        console.print(f"[red]{u.source}[/]: {u.reason}")
