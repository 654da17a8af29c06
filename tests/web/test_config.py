"""Bad configuration stops start-up with one clear sentence, not a traceback."""

import os
import subprocess
import sys


def run_cli(*args, **env):
    e = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"} | env
    return subprocess.run(
        [sys.executable, "-m", "khaosat.cli", *args],
        capture_output=True,
        text=True,
        env=e,
        timeout=120,
    )


def test_unreachable_database(tmp_path):
    r = run_cli(
        "manage",
        "migrate",
        KHAOSAT_DATA_DIR=str(tmp_path),
        DATABASE_URL="postgres://nobody@127.0.0.1:1/none",
    )
    assert r.returncode == 2
    assert "Traceback" not in r.stderr
    assert r.stderr.strip().count("\n") == 0
    assert "Không kết nối được cơ sở dữ liệu" in r.stderr and "DATABASE_URL" in r.stderr


def test_unwritable_data_dir(tmp_path):
    ro = tmp_path / "ro"
    ro.mkdir()
    target = ro / "data"
    ro.chmod(0o500)
    try:
        if os.access(ro, os.W_OK):  # running as root: use a path under a file instead
            f = tmp_path / "a-file"
            f.write_text("x")
            target = f / "data"
        r = run_cli("manage", "check", KHAOSAT_DATA_DIR=str(target))
    finally:
        ro.chmod(0o700)
    assert r.returncode == 2
    assert "Traceback" not in r.stderr
    assert "Không ghi được vào thư mục dữ liệu" in r.stderr and "KHAOSAT_DATA_DIR" in r.stderr


def test_secret_key_is_generated_once_and_kept(tmp_path):
    from khaosat.web.config import secret_key

    os.environ.pop("SECRET_KEY", None)
    k1 = secret_key(tmp_path)
    assert len(k1) > 40 and secret_key(tmp_path) == k1
    assert (tmp_path / "secret_key").stat().st_mode & 0o077 == 0
