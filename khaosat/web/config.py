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
    trusted_proxies: tuple = ()
    https: bool = False


def data_dir() -> Path:
    return Path(os.environ.get("KHAOSAT_DATA_DIR") or "data").expanduser().resolve()


def ensure_data_dir(path: Path) -> Path:
    """The data directory, created private (0700): it holds the database, keys and scans."""
    try:
        if not path.exists():
            path.mkdir(parents=True, mode=0o700)
            path.chmod(0o700)  # mkdir's mode is cut by the umask
        (path / "static").mkdir(exist_ok=True)
        probe = path / f".write-test-{os.getpid()}"  # workers start side by side
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
    fd = os.open(f, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)  # never readable by others
    with os.fdopen(fd, "w") as fh:
        fh.write(key)
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


def private_file(path: Path) -> None:
    """Create `path` empty with mode 0600 if it is absent, and take group/other access away."""
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT, 0o600)
        os.close(fd)
        if path.stat().st_mode & 0o077:
            path.chmod(0o600)
    except OSError:
        pass  # ensure_data_dir has already said whether the directory is writable


def trusted_proxies() -> tuple:
    from khaosat.web.core.clientip import parse_networks

    raw = os.environ.get("KHAOSAT_TRUSTED_PROXIES", "")
    try:
        return tuple(parse_networks(raw))
    except ValueError as exc:
        raise ConfigError(
            f"KHAOSAT_TRUSTED_PROXIES có mục «{exc}» không phải địa chỉ IP hay mạng "
            "(ví dụ 127.0.0.1 hoặc 10.0.0.0/24); hãy sửa lại danh sách, cách nhau bằng dấu phẩy."
        ) from exc


def load() -> Config:
    path = ensure_data_dir(data_dir())
    url = os.environ.get("DATABASE_URL") or f"sqlite:///{path / 'khaosat.sqlite3'}"
    if url.startswith("sqlite:///"):
        # The database holds password hashes and sessions: never readable by other users.
        # SQLite gives its -wal and -shm files the database file's mode.
        db = Path(url.removeprefix("sqlite:///"))
        if db.parent.is_dir():
            private_file(db)
    proxies = trusted_proxies()
    https = env_bool("KHAOSAT_HTTPS", False)
    if https and not proxies:
        raise ConfigError(
            "KHAOSAT_HTTPS=1 cần KHAOSAT_TRUSTED_PROXIES (địa chỉ của máy chủ nginx/Apache "
            "giữ TLS, ví dụ 127.0.0.1) để biết yêu cầu nào thật sự đến qua HTTPS."
        )
    debug = env_bool("DEBUG", False)
    hosts = [h.strip() for h in os.environ.get("ALLOWED_HOSTS", "").split(",") if h.strip()]
    if not hosts:
        hosts = ["127.0.0.1", "localhost", "[::1]"]
    return Config(path, url, secret_key(path), debug, hosts, audit_key(path), proxies, https)
