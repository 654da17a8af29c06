"""`khaosat serve` runs gunicorn (not Django's development server), serves static files with
WhiteNoise and, while no account exists, prints the one-time set-up link."""

from __future__ import annotations

import http.cookiejar
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import pytest

from khaosat.web.server import default_workers

ROOT = Path(__file__).resolve().parents[2]
GB = 1024**3


def test_workers_follow_the_machine():
    assert default_workers(cpus=2, memory=8 * GB) == 5
    assert default_workers(cpus=8, memory=8 * GB) == 12
    assert default_workers(cpus=8, memory=1 * GB) == 2  # short of memory: fewer, never < 2


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def served(tmp_path):
    port = free_port()
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "SECRET_KEY"}}
    env |= {"KHAOSAT_DATA_DIR": str(tmp_path / "data"), "KHAOSAT_WORKERS": "2"}
    # --no-setup: migrate first, the way the README's production section does
    subprocess.run(
        [sys.executable, "-m", "khaosat.cli", "manage", "migrate", "--noinput", "-v", "0"],
        cwd=ROOT,
        env=env,
        check=True,
        timeout=300,
    )
    proc = subprocess.Popen(
        [sys.executable, "-m", "khaosat.cli", "serve", "--addr", f"127.0.0.1:{port}", "--no-setup"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    yield proc, port, tmp_path / "data"
    os.killpg(proc.pid, signal.SIGTERM)
    try:
        proc.wait(timeout=30)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)


def read_until(proc, pattern: str, timeout: float = 180) -> tuple[str, str]:
    seen = []
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        line = proc.stdout.readline()
        if not line:
            if proc.poll() is not None:
                break
            continue
        seen.append(line)
        m = re.search(pattern, line)
        if m:
            return m.group(0), "".join(seen)
    raise AssertionError("server said:\n" + "".join(seen))


@pytest.mark.slow
def test_serve_runs_gunicorn_and_prints_the_setup_link(served):
    proc, port, data = served
    link, _ = read_until(proc, rf"http://127\.0\.0\.1:{port}/setup/[\w-]+/")
    _, log = read_until(proc, r"Booting worker")
    assert "gunicorn" in log
    base = f"http://127.0.0.1:{port}"
    opener = urllib.request.build_opener(
        urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()),
        urllib.request.HTTPRedirectHandler(),
    )
    for _ in range(100):  # the workers may still be booting
        try:
            r = opener.open(base + "/static/khaosat/app.css", timeout=60)
            break
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            time.sleep(0.2)
    assert r.status == 200 and "gunicorn" in r.headers.get("Server", "")
    assert "Content-Security-Policy" in r.headers or r.headers["Content-Type"].startswith(
        "text/css"
    )

    # without the token: no form, whatever the headers say
    with pytest.raises(urllib.error.HTTPError) as refused:
        opener.open(
            urllib.request.Request(base + "/setup/", headers={"X-Forwarded-For": "127.0.0.1"}),
            timeout=10,
        )
    assert refused.value.code == 403

    page = opener.open(link, timeout=60).read().decode()
    csrf = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
    form = urllib.parse.urlencode(
        {
            "csrfmiddlewaretoken": csrf,
            "username": "quantri",
            "password1": "mat-khau-rat-dai-1",
            "password2": "mat-khau-rat-dai-1",
        }
    ).encode()
    r = opener.open(urllib.request.Request(link, data=form, headers={"Referer": link}), timeout=30)
    assert r.status == 200 and "/surveys/" in r.url  # signed in, sent on to the surveys
    with pytest.raises(urllib.error.HTTPError) as gone:
        opener.open(link, timeout=60)
    assert gone.value.code == 404
    assert not (data / "setup-token").exists()
    assert (data / "khaosat.sqlite3").stat().st_mode & 0o077 == 0
    assert data.stat().st_mode & 0o077 == 0
