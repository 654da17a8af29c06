"""Start Django from the CLI with configuration checked first: one sentence on failure."""

from __future__ import annotations

import os
import sys


def check_database() -> None:
    """Fail with one Vietnamese sentence when the configured database cannot be reached."""
    from django.db import connections
    from django.db.utils import OperationalError

    from khaosat.web.config import ConfigError

    conn = connections["default"]
    try:
        conn.ensure_connection()
    except OperationalError as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise ConfigError(
            f"Không kết nối được cơ sở dữ liệu {conn.vendor} ({first}); "
            "hãy kiểm tra DATABASE_URL và máy chủ cơ sở dữ liệu."
        ) from exc


def setup() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "khaosat.web.settings")
    import django

    django.setup()


def run_django_command(argv: list[str]) -> int:
    """Run `django-admin argv…`; return an exit code, printing config errors as one line."""
    from khaosat.web.config import ConfigError

    try:
        setup()
        if argv and argv[0] not in {"help", "--help", "version", "makemessages", "compilemessages"}:
            check_database()
        from django.core.management import execute_from_command_line

        execute_from_command_line(["khaosat manage", *argv])
    except ConfigError as exc:
        print(f"Lỗi cấu hình: {exc}", file=sys.stderr)
        return 2
    except SystemExit as exc:  # Django's commands exit this way
        return int(exc.code or 0) if not isinstance(exc.code, str) else 1
    return 0
