"""Backup and restore: one archive with the database, the data directory's files, the audit
checkpoints and a manifest of SHA-256 sums.

Backup takes, in this order (so that the archive is consistent while the app serves):

1. the audit checkpoints (every checkpoint names events committed before it was written, so
   all of them are in the database snapshot taken next);
2. the database: SQLite's online backup API (a consistent copy while others write) or
   `pg_dump -Fc` (one snapshot transaction) on PostgreSQL;
3. the data directory's files (scans, reports, exports, keys): files are written before any row
   names them, so every file the snapshot names is there.

Restore goes into an empty data directory and an empty database only; it checks the manifest
(every member's SHA-256, nothing missing, nothing extra, no path outside the archive), loads
the database, puts the files back and verifies the audit chain with the archive's checkpoints.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import json
import os
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

FORMAT = "khaosat-backup/1"
MANIFEST = "manifest.json"
DB_SQLITE = "database/khaosat.sqlite3"
DB_PG = "database/khaosat.pgdump"
CHECKPOINTS = "audit/checkpoints.log"
BACKUP_DIR = "backups"
# Never copied from the data directory: the database itself (taken by the backup API), files
# rebuilt at start-up, other databases (tests, the demo) and the backups themselves.
SKIP_TOP = {"static", BACKUP_DIR, "demo", "audit", ".write-test"}
SKIP_SUFFIXES = (".sqlite3", ".sqlite3-wal", ".sqlite3-shm", ".sqlite3-journal", ".part")

Progress = Callable[[int, int, str], None]


class BackupError(Exception):
    """A backup or restore that cannot go on, explained in one Vietnamese sentence."""


@dataclass
class BackupResult:
    path: Path
    sha256: str
    size: int
    files: int
    events: int


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def _nothing(done: int, total: int, message: str = "") -> None:
    pass


def _db():
    from django.db import connections

    return connections["default"]


def _pg_args(settings_dict) -> tuple[list[str], dict[str, str]]:
    args, env = [], dict(os.environ)
    if settings_dict.get("HOST"):
        args += ["-h", str(settings_dict["HOST"])]
    if settings_dict.get("PORT"):
        args += ["-p", str(settings_dict["PORT"])]
    if settings_dict.get("USER"):
        args += ["-U", str(settings_dict["USER"])]
    if settings_dict.get("PASSWORD"):
        env["PGPASSWORD"] = str(settings_dict["PASSWORD"])
    return args, env


def _tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        raise BackupError(
            f"Không tìm thấy chương trình {name} (gói postgresql-client): cài gói này trên máy "
            "chủ rồi chạy lại."
        )
    return path


def data_files(data_dir: Path, db_file: Path | None) -> list[Path]:
    """The data directory's files that belong in a backup, relative to it, sorted."""
    out = []
    for root, dirs, files in os.walk(data_dir):
        rel_root = Path(root).relative_to(data_dir)
        if rel_root == Path("."):
            dirs[:] = [d for d in dirs if d not in SKIP_TOP]
        dirs.sort()
        for name in sorted(files):
            p = Path(root) / name
            rel = p.relative_to(data_dir)
            if rel_root == Path(".") and name in SKIP_TOP:
                continue
            if name.endswith(SKIP_SUFFIXES) or name.startswith(".audit_key."):
                continue
            if db_file is not None and p.resolve() == db_file.resolve():
                continue
            if p.is_symlink() or not p.is_file():
                continue
            out.append(rel)
    return out


def _snapshot_database(work: Path) -> tuple[str, Path]:
    conn = _db()
    if conn.vendor == "sqlite":
        target = work / "khaosat.sqlite3"
        src = sqlite3.connect(str(conn.settings_dict["NAME"]), timeout=30)
        dst = sqlite3.connect(str(target))
        try:
            src.backup(dst, pages=1024)  # in steps: writers are never held for long
        finally:
            dst.close()
            src.close()
        return DB_SQLITE, target
    if conn.vendor == "postgresql":
        target = work / "khaosat.pgdump"
        args, env = _pg_args(conn.settings_dict)
        cmd = [_tool("pg_dump"), "-Fc", "--no-owner", "-f", str(target), *args]
        cmd.append(str(conn.settings_dict["NAME"]))
        run = subprocess.run(cmd, env=env, capture_output=True, text=True)
        if run.returncode != 0:
            raise BackupError(f"pg_dump không chạy được: {run.stderr.strip()[:300]}")
        return DB_PG, target
    raise BackupError(f"Chưa hỗ trợ sao lưu cơ sở dữ liệu {conn.vendor}.")


def default_archive(data_dir: Path) -> Path:
    stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S")
    return data_dir / BACKUP_DIR / f"khaosat-{stamp}.tar.gz"


def backup(archive: Path | None = None, progress: Progress = _nothing, user=None) -> BackupResult:
    """Write one consistent archive of the running instance (see the module docstring)."""
    from django.conf import settings

    from khaosat import __version__
    from khaosat.web.core import audit
    from khaosat.web.core.models import AuditEvent

    data_dir = Path(settings.DATA_DIR)
    archive = Path(archive) if archive else default_archive(data_dir)
    archive.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    conn = _db()
    db_file = Path(conn.settings_dict["NAME"]) if conn.vendor == "sqlite" else None
    with tempfile.TemporaryDirectory(prefix=".khaosat-backup-", dir=archive.parent) as tmp:
        work = Path(tmp)
        progress(0, 3, "Chép điểm kiểm tra nhật ký")
        cp_src = audit.checkpoint_file()
        cp_copy = work / "checkpoints.log"
        if cp_src.exists():
            shutil.copyfile(cp_src, cp_copy)
        else:
            cp_copy.write_bytes(b"")
        progress(1, 3, "Sao lưu cơ sở dữ liệu")
        db_member, db_copy = _snapshot_database(work)
        progress(2, 3, "Chép các tệp dữ liệu")
        files = data_files(data_dir, db_file)
        members: list[tuple[str, Path]] = [(db_member, db_copy), (CHECKPOINTS, cp_copy)]
        members += [(f"data/{rel.as_posix()}", data_dir / rel) for rel in files]
        entries = []
        for name, path in members:
            entries.append({"name": name, "size": path.stat().st_size, "sha256": _sha256(path)})
        manifest = {
            "format": FORMAT,
            "created_at": dt.datetime.now(dt.UTC).isoformat(),
            "khaosat": __version__,
            "database": conn.vendor,
            "events": AuditEvent.objects.count(),
            "members": entries,
        }
        tmp_archive = work / "archive.tar.gz"
        with tarfile.open(tmp_archive, "w:gz", compresslevel=1) as tar:
            raw = json.dumps(manifest, ensure_ascii=False, indent=1).encode()
            info = tarfile.TarInfo(MANIFEST)
            info.size, info.mode, info.mtime = len(raw), 0o600, int(dt.datetime.now().timestamp())
            tar.addfile(info, io.BytesIO(raw))
            for i, (name, path) in enumerate(members):
                tar.add(str(path), arcname=name, recursive=False)
                progress(2, 3, f"Chép các tệp dữ liệu ({i + 1}/{len(members)})")
        os.chmod(tmp_archive, 0o600)  # it holds password hashes and the keys
        os.replace(tmp_archive, archive)
    progress(3, 3, "Xong")
    result = BackupResult(archive, _sha256(archive), archive.stat().st_size, len(files), 0)
    result.events = manifest["events"]
    AuditEvent.record(
        "backup.create",
        user=user,
        object_type="backup",
        new={
            "file": archive.name,
            "sha256": result.sha256,
            "size": result.size,
            "files": len(files),
            "events": result.events,
        },
    )
    return result


def last_backup():
    """The newest `backup.create` event, or None."""
    from khaosat.web.core.models import AuditEvent

    return AuditEvent.objects.filter(action="backup.create").order_by("-id").first()


def backup_status(now: dt.datetime | None = None) -> dict:
    """What administrators are shown: the last backup's time and age, and whether it is old."""
    from django.utils import timezone

    ev = last_backup()
    if ev is None:
        return {"at": None, "age": "", "stale": True}
    now = now or timezone.now()
    seconds = max(0, int((now - ev.at).total_seconds()))
    if seconds < 3600:
        age = f"{seconds // 60} phút"
    elif seconds < 2 * 86400:
        age = f"{seconds // 3600} giờ"
    else:
        age = f"{seconds // 86400} ngày"
    return {
        "at": ev.at,
        "age": age,
        "stale": seconds > STALE_AFTER,
        "file": (ev.new or {}).get("file", ""),
    }


STALE_AFTER = 24 * 3600  # older than a day: shown as a warning


# -- restore ------------------------------------------------------------------------------------


def _safe_name(name: str) -> bool:
    p = PurePosixPath(name)
    return not p.is_absolute() and ".." not in p.parts and name == p.as_posix()


def read_manifest(tar: tarfile.TarFile, archive: Path) -> dict:
    try:
        f = tar.extractfile(MANIFEST)
        manifest = json.loads(f.read()) if f else None
    except (KeyError, ValueError) as exc:
        raise BackupError(f"Tệp {archive.name} không có bảng kê (manifest.json) đọc được.") from exc
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise BackupError(f"Tệp {archive.name} không phải bản sao lưu của khaosat.")
    return manifest


def check_archive(archive: Path, progress: Progress = _nothing) -> dict:
    """Check every member against the manifest; BackupError naming the first problem."""
    try:
        tar = tarfile.open(archive, "r:*")
    except (OSError, tarfile.TarError) as exc:
        raise BackupError(f"Không mở được tệp sao lưu {archive}: {exc}.") from exc
    with tar:
        manifest = read_manifest(tar, archive)
        expected = {m["name"]: m for m in manifest.get("members", [])}
        seen = set()
        for member in tar:
            if member.name == MANIFEST:
                continue
            if not _safe_name(member.name) or not member.isfile():
                raise BackupError(
                    f"Tệp sao lưu có mục «{member.name}» không hợp lệ (đường dẫn lạ hoặc liên "
                    "kết): không khôi phục."
                )
            want = expected.get(member.name)
            if want is None:
                raise BackupError(f"Mục «{member.name}» không có trong bảng kê: tệp đã bị sửa.")
            h = hashlib.sha256()
            f = tar.extractfile(member)
            for chunk in iter(lambda f=f: f.read(1 << 20), b""):
                h.update(chunk)
            if h.hexdigest() != want["sha256"]:
                raise BackupError(
                    f"Mục «{member.name}» không khớp mã SHA-256 trong bảng kê: tệp sao lưu bị "
                    "hỏng hoặc bị sửa."
                )
            seen.add(member.name)
            progress(len(seen), len(expected), "Kiểm tra bảng kê")
        missing = sorted(set(expected) - seen)
        if missing:
            raise BackupError(f"Thiếu mục «{missing[0]}» trong tệp sao lưu.")
    return manifest


def _database_is_empty() -> bool:
    conn = _db()
    with conn.cursor() as cur:
        tables = conn.introspection.table_names(cur)
    return not tables


def _files_in(data_dir: Path) -> list[str]:
    """Files already in the data directory other than those made at start-up."""
    made_at_start = {"secret_key", "audit_key"}
    found = []
    for rel in data_files(data_dir, None):
        if rel.as_posix() not in made_at_start:
            found.append(rel.as_posix())
    return found


def restore(archive: Path, progress: Progress = _nothing):
    """Restore an archive into this (empty) data directory and database; return the audit
    verdict (khaosat.web.core.audit.Verdict) of the restored log."""
    from django.conf import settings

    from khaosat.web.core import audit

    archive = Path(archive)
    if not archive.is_file():
        raise BackupError(f"Không có tệp sao lưu {archive}.")
    manifest = check_archive(archive, progress)
    conn = _db()
    if manifest["database"] != conn.vendor:
        raise BackupError(
            f"Bản sao lưu là của cơ sở dữ liệu {manifest['database']}, còn máy này dùng "
            f"{conn.vendor}: đặt DATABASE_URL cho đúng loại rồi khôi phục lại."
        )
    data_dir = Path(settings.DATA_DIR)
    busy = _files_in(data_dir)
    if audit.checkpoint_file().exists() and audit.checkpoint_file().stat().st_size:
        busy.append(str(audit.checkpoint_file().relative_to(data_dir)))
    if busy:
        raise BackupError(
            f"Thư mục dữ liệu {data_dir} đã có dữ liệu (ví dụ {busy[0]}): chỉ khôi phục vào "
            "thư mục trống. Đặt KHAOSAT_DATA_DIR tới một thư mục mới."
        )
    if not _database_is_empty():
        raise BackupError(
            "Cơ sở dữ liệu đích đã có bảng: chỉ khôi phục vào cơ sở dữ liệu trống. Tạo một cơ "
            "sở dữ liệu mới (hoặc thư mục dữ liệu mới với SQLite) rồi khôi phục lại."
        )
    with tempfile.TemporaryDirectory(prefix=".khaosat-restore-", dir=data_dir) as tmp:
        work = Path(tmp)
        with tarfile.open(archive, "r:*") as tar:
            tar.extractall(work, filter="data")
        progress(0, 3, "Nạp cơ sở dữ liệu")
        if conn.vendor == "sqlite":
            _restore_sqlite(work / DB_SQLITE, Path(conn.settings_dict["NAME"]))
        else:
            _restore_pg(work / DB_PG, conn.settings_dict)
        progress(1, 3, "Chép các tệp dữ liệu")
        src = work / "data"
        if src.exists():
            for path in sorted(src.rglob("*")):
                if path.is_file():
                    rel = path.relative_to(src)
                    target = data_dir / rel
                    target.parent.mkdir(parents=True, exist_ok=True)
                    shutil.copy2(path, target)
        cp_target = audit.checkpoint_file()
        cp_target.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        shutil.copyfile(work / CHECKPOINTS, cp_target)
        os.chmod(cp_target, 0o600)
    # the keys of the archive are now those of this data directory
    key_file = data_dir / "audit_key"
    if key_file.exists():
        settings.KHAOSAT_AUDIT_KEY = key_file.read_text().strip()
    progress(2, 3, "Kiểm tra chuỗi nhật ký")
    verdict = audit.verify()
    progress(3, 3, "Xong")
    return verdict


def _restore_sqlite(snapshot: Path, target: Path) -> None:
    from django.db import connections

    connections.close_all()
    for suffix in ("", "-wal", "-shm"):
        p = Path(str(target) + suffix)
        if p.exists():
            p.unlink()
    src = sqlite3.connect(str(snapshot))
    dst = sqlite3.connect(str(target))
    try:
        src.backup(dst)
    finally:
        dst.close()
        src.close()
    os.chmod(target, 0o600)


def _restore_pg(dump: Path, settings_dict) -> None:
    from django.db import connections

    connections.close_all()
    args, env = _pg_args(settings_dict)
    cmd = [_tool("pg_restore"), "--no-owner", "--no-acl", "--exit-on-error", *args]
    cmd += ["-d", str(settings_dict["NAME"]), str(dump)]
    run = subprocess.run(cmd, env=env, capture_output=True, text=True)
    if run.returncode != 0:
        raise BackupError(f"pg_restore không chạy được: {run.stderr.strip()[:300]}")
