"""The `khaosat` command: sub-commands grouped by area, Django's commands under `manage`."""

from __future__ import annotations

import importlib
import os
import sys

import typer

app = typer.Typer(
    name="khaosat",
    help="khaosat — điều tra dư luận xã hội: bảng hỏi, chọn mẫu, nhập liệu, phiếu giấy, ước lượng, báo cáo.",
    no_args_is_help=True,
    add_completion=False,
)

# Each area registers its own Typer app in khaosat/<area>/cli.py as `app` (a group) or
# `register(root)` (top-level verbs such as `estimate`, `simulate`). A missing module is
# skipped so that the areas can grow independently.
AREAS = (
    "questionnaire",
    "sampling",
    "paper",
    "capture",
    "quality",
    "stats",
    "text",
    "report",
    "web",
)


def _register_areas() -> None:
    for area in AREAS:
        try:
            mod = importlib.import_module(f"khaosat.{area}.cli")
        except ModuleNotFoundError as exc:
            if exc.name == f"khaosat.{area}.cli":
                continue
            raise
        if hasattr(mod, "register"):
            mod.register(app)


@app.command(
    "manage",
    context_settings={"allow_extra_args": True, "ignore_unknown_options": True},
    help="Chạy một lệnh quản trị Django (migrate, check, createsuperuser, …).",
)
def manage(ctx: typer.Context) -> None:
    from khaosat.web.boot import run_django_command

    raise typer.Exit(run_django_command(list(ctx.args)))


@app.command("serve", help="Chạy ứng dụng web (mặc định http://127.0.0.1:8000) bằng gunicorn.")
def serve(
    addr: str = typer.Option("127.0.0.1:8000", help="Địa chỉ:cổng để phục vụ."),
    setup: bool = typer.Option(True, help="Migrate và nạp khảo sát mẫu trước khi chạy."),
    workers: int = typer.Option(0, help="Số tiến trình (mặc định theo số lõi và bộ nhớ máy)."),
    timeout: int = typer.Option(0, help="Giây tối đa cho một yêu cầu (mặc định 60)."),
    dev: bool = typer.Option(False, "--dev", help="Máy chủ phát triển của Django (chỉ để thử)."),
) -> None:
    from khaosat.web.boot import run_django_command
    from khaosat.web.config import ConfigError

    os.umask(0o077)  # scans, reports and the database are for this service's user only
    if setup:
        for cmd in (["migrate", "--noinput"], ["load_survey", "surveys/hung-yen-2026"]):
            if not (cmd[0] == "load_survey" and not os.path.isdir(cmd[1])):
                code = run_django_command(cmd)
                if code:
                    raise typer.Exit(code)
    try:
        from khaosat.web.boot import check_database
        from khaosat.web.boot import setup as django_setup
        from khaosat.web.server import gunicorn_argv, print_setup_link

        django_setup()
        check_database()
        print_setup_link(addr)
        argv = gunicorn_argv(addr, workers, timeout)
    except ConfigError as exc:
        typer.echo(f"Lỗi cấu hình: {exc}", err=True)
        raise typer.Exit(2) from exc
    if dev:
        raise typer.Exit(run_django_command(["runserver", addr, "--noreload"]))
    sys.stdout.flush()
    os.execv(argv[0], argv)


@app.command("version", help="In phiên bản.")
def version() -> None:
    from khaosat import __version__

    typer.echo(__version__)


_register_areas()


def main() -> None:
    app(prog_name="khaosat")


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
