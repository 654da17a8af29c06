"""WSGI entry point (gunicorn khaosat.web.wsgi)."""

import os
import sys

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "khaosat.web.settings")

from django.core.wsgi import get_wsgi_application  # noqa: E402

from khaosat.web.config import ConfigError  # noqa: E402

try:
    application = get_wsgi_application()
except ConfigError as exc:  # pragma: no cover - exercised via the CLI tests
    print(f"Lỗi cấu hình: {exc}", file=sys.stderr)
    raise SystemExit(2) from None
