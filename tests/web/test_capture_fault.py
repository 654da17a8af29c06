"""The fault test: 44 keyers save forms over HTTP against a real server (gunicorn, as in
production); the server is killed with SIGKILL mid-run and started again; the keyers resend
what got no answer. Every form the server acknowledged is stored exactly once, with the
answers that were sent, and the audit chain still verifies."""

from __future__ import annotations

import http.client
import json
import os
import secrets
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from tests.capture import load

ROOT = Path(__file__).resolve().parents[2]
KEYERS_PER_UNIT = 2
FORMS_PER_KEYER = 6

SETUP = """
import django, json, sys
django.setup()
from django.conf import settings
settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # 44 accounts
from django.core.management import call_command
from django.test import Client
from pathlib import Path
call_command("migrate", verbosity=0, interactive=False)
from khaosat.web.core.models import Role
from khaosat.web.core.surveydef import load_survey
from tests.capture.fixtures import make_version
from tests.capture.mini import mini_questionnaire
from tests.web.conftest import make_user
from django.contrib.auth import get_user_model
survey, _ = load_survey(Path("surveys/hung-yen-2026"))
survey.double_entry = "none"
survey.save()
make_version(survey, mini_questionnaire())
out = []
for u in survey.units.order_by("code"):
    for i in range(%(per_unit)d):
        user = make_user(get_user_model(), f"k{u.code}{i}", Role.KEYER, [u])
        c = Client()
        c.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
        serials = [f"{u.code}-{i * 100 + n:04d}" for n in range(1, %(forms)d + 1)]
        out.append({"name": user.username, "session": c.cookies["sessionid"].value,
                    "serials": serials})
print(json.dumps(out))
"""

CHECK = """
import django, json
django.setup()
from django.db.models import Count
from khaosat.web.capture.models import Submission
from khaosat.web.core.models import AuditEvent, Response
from khaosat.web.core import audit
rows = {r.serial: r.answers for r in Response.objects.all()}
per_serial = dict(Response.objects.values_list("serial").annotate(n=Count("id")))
created = dict(Submission.objects.filter(created=True).values_list("response__serial")
               .annotate(n=Count("id")))
events = dict(AuditEvent.objects.filter(action="response.create").values_list("object_id")
              .annotate(n=Count("id")))
ids = dict(Response.objects.values_list("serial", "id"))
print(json.dumps({"answers": rows, "per_serial": per_serial, "created": created,
                  "events": {s: events.get(str(i), 0) for s, i in ids.items()},
                  "verified": audit.verify().ok}))
"""


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _env(data_dir: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in {"SECRET_KEY"}}
    env.update(
        KHAOSAT_DATA_DIR=str(data_dir),
        DJANGO_SETTINGS_MODULE="khaosat.web.settings",
        ALLOWED_HOSTS="127.0.0.1,testserver",
        PYTHONPATH=str(ROOT),
    )
    return env


def _start_server(env: dict[str, str], port: int, wait_for_app: bool = True) -> subprocess.Popen:
    """gunicorn with 2 sync workers. Waits until it answers a page (before the run) or, on a
    restart under load, until it listens: the keyers' resends are what reach the app then."""
    cmd = [sys.executable, "-m", "gunicorn", "khaosat.web.wsgi", "-w", "2", "--timeout", "30"]
    cmd += ["-b", f"127.0.0.1:{port}", "--log-level", "warning"]
    proc = subprocess.Popen(cmd, env=env, cwd=ROOT, start_new_session=True)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise AssertionError("gunicorn stopped at start")
        try:
            if not wait_for_app:
                socket.create_connection(("127.0.0.1", port), timeout=2).close()
                return proc
            c = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            c.request("GET", "/login/")
            if c.getresponse().status == 200:
                return proc
        except OSError:
            time.sleep(0.2)
    raise AssertionError("gunicorn did not answer within 120 s")


def _kill(proc: subprocess.Popen) -> None:
    try:
        os.killpg(proc.pid, signal.SIGKILL)  # master and workers, no goodbye
    except ProcessLookupError:
        pass
    proc.wait(timeout=10)


@pytest.mark.slow
def test_forms_acknowledged_before_and_after_a_kill_9_are_stored_exactly_once(tmp_path):
    data_dir = tmp_path / "data"
    env = _env(data_dir)
    setup = subprocess.run(
        [sys.executable, "-c", SETUP % {"per_unit": KEYERS_PER_UNIT, "forms": FORMS_PER_KEYER}],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert setup.returncode == 0, setup.stderr
    keyers = json.loads(setup.stdout.strip().splitlines()[-1])
    assert len(keyers) == 44
    total = sum(len(k["serials"]) for k in keyers)

    port = _free_port()
    server = [_start_server(env, port)]
    acked: dict[str, int] = {}
    lock = threading.Lock()
    path = "/surveys/hung-yen-2026/capture/keyed/submit/"
    stop = time.monotonic() + 240

    def keyer(k: dict) -> None:
        token = secrets.token_hex(16)
        headers = {
            "Content-Type": "application/json",
            "Cookie": f"sessionid={k['session']}; csrftoken={token}",
            "X-CSRFToken": token,
            "Referer": f"http://127.0.0.1:{port}/",
        }
        for serial in k["serials"]:
            body = json.dumps({"serial": serial, "pass": 1, "answers": load.answers_for(serial)})
            while time.monotonic() < stop:  # resend until answered, as the entry page does
                try:
                    c = http.client.HTTPConnection("127.0.0.1", port, timeout=20)
                    c.request("POST", path, body=body, headers=headers)
                    r = c.getresponse()
                    r.read()
                    c.close()
                except (OSError, http.client.HTTPException):
                    time.sleep(0.2)
                    continue
                if r.status in (200, 201):
                    with lock:
                        acked[serial] = r.status
                    break
                raise AssertionError(f"{serial}: HTTP {r.status}")

    threads = [threading.Thread(target=keyer, args=(k,), daemon=True) for k in keyers]
    for t in threads:
        t.start()
    try:
        while len(acked) < total // 3 and time.monotonic() < stop:
            time.sleep(0.02)
        at_kill = len(acked)
        _kill(server[0])
        server[0] = _start_server(env, port, wait_for_app=False)
        for t in threads:
            t.join(timeout=max(1, stop - time.monotonic()))
    finally:
        _kill(server[0])
    assert 0 < at_kill < total, "the kill did not land mid-run"
    assert len(acked) == total, f"{total - len(acked)} forms never answered"

    check = subprocess.run(
        [sys.executable, "-c", CHECK], env=env, cwd=ROOT, capture_output=True, text=True
    )
    assert check.returncode == 0, check.stderr
    db = json.loads(check.stdout.strip().splitlines()[-1])
    for serial in acked:
        assert db["per_serial"].get(serial) == 1, serial
        assert db["created"].get(serial) == 1, serial  # one creating submission
        assert db["events"].get(serial) == 1, serial  # one audit event
        sent = load.answers_for(serial)
        assert all(db["answers"][serial].get(k) == v for k, v in sent.items()), serial
    assert len(db["per_serial"]) == total
    assert db["verified"]
