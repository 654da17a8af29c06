"""The one-time set-up link: the only way to create the first administrator in the browser.

While no account exists, `khaosat serve` issues a random token and prints the link on the
server's console. Only a digest of the token is kept (a file in the data directory, mode 600),
so every worker process sees the same one; creating the administrator deletes it. Issuing a
new link replaces the old one. `khaosat manage createsuperuser` needs no link.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
from pathlib import Path

from django.conf import settings

FILENAME = "setup-token"


def _path() -> Path:
    custom = getattr(settings, "KHAOSAT_SETUP_TOKEN_FILE", None)  # tests: one per process
    return Path(custom) if custom else Path(settings.DATA_DIR) / FILENAME


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def issue() -> str:
    """A new token (the previous one stops working); returns the token itself."""
    token = secrets.token_urlsafe(32)
    path = _path()
    tmp = path.with_suffix(".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as fh:
        fh.write(_digest(token))
    os.replace(tmp, path)
    return token


def check(token: str | None) -> bool:
    """True when `token` is the live set-up token (constant-time comparison)."""
    if not token:
        return False
    try:
        stored = _path().read_text().strip()
    except OSError:
        return False
    return bool(stored) and hmac.compare_digest(stored, _digest(token))


def use_up() -> None:
    _path().unlink(missing_ok=True)


def needed() -> bool:
    from django.contrib.auth import get_user_model

    return not get_user_model().objects.exists()


def url(token: str, addr: str) -> str:
    """The link to print for a server listening on `addr` ("host:port")."""
    from django.urls import reverse

    host = addr
    if host.startswith(("0.0.0.0:", "[::]:")):
        host = "127.0.0.1:" + host.rsplit(":", 1)[1]
    return f"http://{host}{reverse('setup_token', args=[token])}"
