"""Backup and restore, as an administrator runs them: `khaosat backup` of a running instance,
then `khaosat restore` into an empty data directory (and an empty database on PostgreSQL)
gives the same responses, the same files and a verified audit chain."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
import tarfile
import uuid
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
KHAOSAT = str(Path(sys.executable).parent / "khaosat")
PG_SERVER = os.environ.get("KHAOSAT_TEST_PG", "postgres://postgres@127.0.0.1:5432")

POPULATE = """
import django, json
django.setup()
from django.core.management import call_command
from pathlib import Path
from khaosat.web.core.surveydef import load_survey
from khaosat.web.capture import door
from khaosat.web.core.models import Response
from khaosat.questionnaire.simulate import simulate
from khaosat.web.results.dataset import questionnaire_of
from django.conf import settings
survey, _ = load_survey(Path("surveys/hung-yen-2026"))
sims = simulate(questionnaire_of(survey), 12, 7)
units = list(survey.units.order_by("code"))[:3]
for i, s in enumerate(sims):
    door.submit(survey=survey, source=Response.Source.KEYED, unit=units[i % 3],
                serial=f"{units[i % 3].code}-{i + 1:04d}", answers=s.answers)
scan = Path(settings.DATA_DIR) / "scans" / "ab" / ("ab" + "0" * 62 + ".png")
scan.parent.mkdir(parents=True, exist_ok=True)
scan.write_bytes(bytes(range(256)) * 40)
"""

DUMP = """
import django, json
django.setup()
from khaosat.web.core.models import Response, AuditEvent
from django.test import Client
from django.contrib.auth import get_user_model
rows = sorted((r.serial, r.unit.code, r.source, r.answers, str(r.instance_id))
              for r in Response.objects.select_related("unit"))
admin = get_user_model().objects.create_superuser("kiem-tra-sao-luu", password="x" * 12) \\
    if not get_user_model().objects.filter(username="kiem-tra-sao-luu").exists() else None
c = Client()
c.force_login(get_user_model().objects.get(username="kiem-tra-sao-luu"),
              backend="django.contrib.auth.backends.ModelBackend")
page = c.get("/surveys/hung-yen-2026/capture/").status_code
print(json.dumps({"rows": rows, "events": AuditEvent.objects.filter(
    action__in=["response.create", "survey.create"]).count(), "page": page}))
"""


def _env(data_dir: Path, db_url: str | None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "SECRET_KEY"}}
    env["KHAOSAT_DATA_DIR"] = str(data_dir)
    env["DJANGO_SETTINGS_MODULE"] = "khaosat.web.settings"
    env["ALLOWED_HOSTS"] = "testserver,127.0.0.1"
    if db_url:
        env["DATABASE_URL"] = db_url
    return env


def _run(args, env, check=True):
    res = subprocess.run(args, env=env, cwd=ROOT, capture_output=True, text=True, timeout=300)
    if check and res.returncode != 0:
        raise AssertionError(f"{args} failed:\n{res.stdout}\n{res.stderr}")
    return res


def _tree(data_dir: Path) -> dict[str, str]:
    """SHA-256 of every data file (not the database, not rebuilt static files)."""
    out = {}
    for p in sorted(data_dir.rglob("*")):
        rel = p.relative_to(data_dir).as_posix()
        if p.is_file() and not rel.startswith(("static/", "backups/")) and ".sqlite3" not in rel:
            out[rel] = hashlib.sha256(p.read_bytes()).hexdigest()
    return out


def _pg(dbname: str, sql: str) -> None:
    psql = subprocess.run(
        ["psql", f"{PG_SERVER}/postgres", "-qc", sql], capture_output=True, text=True
    )
    assert psql.returncode == 0, psql.stderr


def _pg_available() -> bool:
    try:
        return (
            subprocess.run(
                ["psql", f"{PG_SERVER}/postgres", "-qc", "select 1"],
                capture_output=True,
                timeout=10,
            ).returncode
            == 0
        )
    except (OSError, subprocess.TimeoutExpired):
        return False


@pytest.fixture(params=["sqlite", "postgresql"])
def databases(request):
    """Two database URLs: the instance backed up and the empty one restored into."""
    if request.param == "sqlite":
        yield None, None
        return
    if not _pg_available():
        pytest.skip(f"PostgreSQL không chạy ở {PG_SERVER}")
    tag = f"khaosat_bk_{os.getpid()}_{uuid.uuid4().hex[:6]}"
    names = [f"{tag}_src", f"{tag}_dst"]
    for n in names:
        _pg("postgres", f"create database {n}")
    yield tuple(f"{PG_SERVER}/{n}" for n in names)
    for n in names:
        _pg("postgres", f"drop database if exists {n} with (force)")


@pytest.mark.slow
def test_backup_wipe_restore_gives_the_same_responses_files_and_a_verified_chain(
    tmp_path, databases
):
    src_url, dst_url = databases
    src, dst = tmp_path / "live", tmp_path / "restored"
    env = _env(src, src_url)
    _run([KHAOSAT, "manage", "migrate", "--noinput", "-v0"], env)
    _run([sys.executable, "-c", POPULATE], env)
    before = json.loads(_run([sys.executable, "-c", DUMP], env).stdout)
    assert len(before["rows"]) == 12 and before["page"] == 200
    archive = tmp_path / "sao-luu.tar.gz"
    out = _run([KHAOSAT, "backup", "-o", str(archive)], env).stdout
    assert "Đã sao lưu" in out and oct(archive.stat().st_mode & 0o777) == "0o600"
    with tarfile.open(archive) as tar:
        names = tar.getnames()
    assert "manifest.json" in names and "audit/checkpoints.log" in names
    assert "data/audit_key" in names and any(n.startswith("data/scans/") for n in names)
    files_before = _tree(src)

    # the wipe: a new, empty data directory and database
    env2 = _env(dst, dst_url)
    res = _run([KHAOSAT, "restore", str(archive)], env2)
    assert "Nhật ký toàn vẹn" in res.stdout, res.stdout + res.stderr
    after = json.loads(_run([sys.executable, "-c", DUMP], env2).stdout)
    assert after["rows"] == before["rows"] and after["events"] == before["events"]
    assert after["page"] == 200
    restored = _tree(dst)
    for name in ("scans/ab/ab" + "0" * 62 + ".png", "secret_key", "audit_key"):
        assert restored[name] == files_before[name]
    verify = _run([KHAOSAT, "audit", "verify"], env2)
    assert verify.returncode == 0 and "toàn vẹn" in verify.stdout

    # restoring again over the restored instance is refused, nothing is touched
    again = _run([KHAOSAT, "restore", str(archive)], env2, check=False)
    assert again.returncode == 1 and "trống" in again.stderr
    assert _tree(dst) == restored


def test_a_tampered_archive_is_refused_and_nothing_is_restored(tmp_path):
    env = _env(tmp_path / "live", None)
    _run([KHAOSAT, "manage", "migrate", "--noinput", "-v0"], env)
    archive = tmp_path / "a.tar.gz"
    _run([KHAOSAT, "backup", "-o", str(archive)], env)
    # rewrite the archive with a changed key file but the old manifest
    bad = tmp_path / "b.tar.gz"
    with tarfile.open(archive) as src, tarfile.open(bad, "w:gz") as out:
        for m in src.getmembers():
            data = src.extractfile(m).read()
            if m.name == "data/audit_key":
                data = b"0" * len(data)
            import io

            out.addfile(m, io.BytesIO(data))
    dst = tmp_path / "restored"
    res = _run([KHAOSAT, "restore", str(bad)], _env(dst, None), check=False)
    assert res.returncode == 1 and "data/audit_key" in res.stderr and "SHA-256" in res.stderr
    db = dst / "khaosat.sqlite3"
    if db.exists():  # opened by the command (WAL header) but nothing restored into it
        import sqlite3

        with sqlite3.connect(db) as conn:
            assert conn.execute("select count(*) from sqlite_master").fetchone()[0] == 0
    assert not (dst / "audit_key").exists() or (dst / "audit_key").read_bytes() != b"0" * 64
