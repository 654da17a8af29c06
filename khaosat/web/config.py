"""Configuration from the environment, checked before Django starts.

Every problem a user can cause here ends in one clear Vietnamese sentence (ConfigError),
never a traceback.
"""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass
from pathlib import Path


class ConfigError(Exception):
    """A configuration problem, explained in one sentence."""


TRUE = {"1", "true", "yes", "on", "có"}


def env_bool(name: str, default: bool) -> bool:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    return raw.strip().lower() in TRUE


@dataclass(frozen=True)
class Config:
    data_dir: Path
    database_url: str
    secret_key: str
    debug: bool
    allowed_hosts: list[str]
    audit_key: str = ""


def data_dir() -> Path:
    return Path(os.environ.get("KHAOSAT_DATA_DIR") or "data").expanduser().resolve()


def ensure_data_dir(path: Path) -> Path:
    try:
        path.mkdir(parents=True, exist_ok=True)
        (path / "static").mkdir(exist_ok=True)
        probe = path / ".write-test"
        probe.write_text("ok")
        probe.unlink()
    except OSError as exc:
        raise ConfigError(
            f"Không ghi được vào thư mục dữ liệu {path} ({exc.strerror or exc}); "
            "hãy đặt KHAOSAT_DATA_DIR tới một thư mục có quyền ghi."
        ) from exc
    return path


def secret_key(path: Path) -> str:
    """SECRET_KEY from the environment, else one generated once and kept in the data dir."""
    key = os.environ.get("SECRET_KEY")
    if key:
        return key
    f = path / "secret_key"
    if f.exists():
        return f.read_text().strip()
    key = secrets.token_urlsafe(50)
    f.write_text(key)
    try:
        f.chmod(0o600)
    except OSError:
        pass
    return key


def audit_key(path: Path) -> str:
    """The key of the audit log's HMAC chain: generated once, kept in the data directory beside
    secret_key (mode 600), never in the database. Back it up with the data directory."""
    f = path / "audit_key"
    if f.exists():
        return f.read_text().strip()
    key = secrets.token_hex(32)
    tmp = path / f".audit_key.{os.getpid()}.{secrets.token_hex(4)}"
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as out:
        out.write(key)
    try:
        os.link(tmp, f)  # atomic: of two processes starting at once, one key wins
    except FileExistsError:
        key = f.read_text().strip()
    finally:
        tmp.unlink()
    return key


def load() -> Config:
    path = ensure_data_dir(data_dir())
    url = os.environ.get("DATABASE_URL") or f"sqlite:///{path / 'khaosat.sqlite3'}"
    debug = env_bool("DEBUG", False)
    hosts = [h.strip() for h in os.environ.get("ALLOWED_HOSTS", "").split(",") if h.strip()]
    if not hosts:
        hosts = ["127.0.0.1", "localhost", "[::1]"]
    return Config(path, url, secret_key(path), debug, hosts, audit_key(path))
