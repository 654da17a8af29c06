"""`khaosat serve`: gunicorn sized to this machine, WhiteNoise for static files.

Workers: two per core plus one, fewer when memory is short (a worker holding a large import
or report may use a few hundred MB), never fewer than two. A request that runs longer than the
timeout gets its worker restarted, so one slow upload cannot hold the server. The development
server (no timeout, one process) runs only with `--dev`.
"""

from __future__ import annotations

import os
import sys

WORKER_MEMORY = 350 * 1024 * 1024  # what one busy worker may need, to size the pool
DEFAULT_TIMEOUT = 60  # seconds; uploads are capped (khaosat.web.core.limits) to fit in it


def cpu_count() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        return os.cpu_count() or 1


def available_memory() -> int | None:
    try:
        with open("/proc/meminfo") as fh:
            for line in fh:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        return None
    return None


def default_workers(cpus: int | None = None, memory: int | None = None) -> int:
    cpus = cpus or cpu_count()
    n = 2 * cpus + 1
    memory = memory if memory is not None else available_memory()
    if memory:
        n = min(n, memory // WORKER_MEMORY)
    return max(2, min(n, 12))


def env_int(name: str) -> int | None:
    raw = os.environ.get(name, "").strip()
    return int(raw) if raw.isdigit() and int(raw) > 0 else None


def gunicorn_argv(addr: str, workers: int = 0, timeout: int = 0) -> list[str]:
    """The command line that `serve` replaces itself with."""
    from django.conf import settings

    workers = workers or env_int("KHAOSAT_WORKERS") or default_workers()
    timeout = timeout or env_int("KHAOSAT_TIMEOUT") or DEFAULT_TIMEOUT
    proxies = ",".join(str(n) for n in settings.KHAOSAT_TRUSTED_PROXIES)
    return [
        sys.executable,
        "-m",
        "gunicorn",
        "khaosat.web.wsgi:application",
        "--bind",
        addr,
        "--workers",
        str(workers),
        "--timeout",
        str(timeout),
        "--graceful-timeout",
        "30",
        # gunicorn's own reading of X-Forwarded-Proto follows the same trusted proxies
        "--forwarded-allow-ips",
        proxies,
        "--limit-request-line",
        "8190",
        "--error-logfile",
        "-",
        "--no-control-socket",  # one per user's home otherwise: two servers would share it
    ]


def print_setup_link(addr: str) -> str | None:
    """While no account exists: issue the one-time set-up link and print it. Returns it."""
    from django.db import DatabaseError

    from khaosat.web.config import ConfigError
    from khaosat.web.core import setup_link

    try:
        if not setup_link.needed():
            return None
    except DatabaseError as exc:
        raise ConfigError(
            "Cơ sở dữ liệu chưa có bảng của khaosat; hãy chạy «khaosat manage migrate» "
            "(hoặc «khaosat serve» không kèm --no-setup)."
        ) from exc
    link = setup_link.url(setup_link.issue(), addr)
    bar = "=" * 72
    print(
        f"{bar}\nChưa có tài khoản nào. Mở đường dẫn này (một lần) để tạo tài khoản quản trị:\n"
        f"    {link}\n{bar}",
        flush=True,
    )
    return link
