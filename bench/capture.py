"""Benchmark the capture door over HTTP: N keyers (2 per unit of the Hưng Yên survey) submit
forms at once to the keyed-entry JSON endpoint of a server running in this process; some
submits are retried and a few serials are sent by both keyers of a unit.

Prints throughput, latency p50/p95/p99/max, and checks that exactly the planned number of
responses is stored. Uses a fresh SQLite database in a temporary data directory unless
DATABASE_URL is set (then that database must be empty or disposable: the bench migrates it and
adds a survey).

Run: .venv/bin/python bench/capture.py [--forms 2000] [--units 22] [--keyers-per-unit 2] [--retry 0.1]
     [--server gunicorn|threads] [--workers 2]   (gunicorn, the production server, by default)
(one keyer alone, the latency a keyer feels: --units 1 --keyers-per-unit 1 --forms 200)
"""

from __future__ import annotations

import argparse
import os
import socketserver
import sys
import tempfile
import threading
import time
from pathlib import Path
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


class _Quiet(WSGIRequestHandler):
    def log_message(self, *args):  # noqa: D102 - no access log on stdout
        pass


class _Threaded(socketserver.ThreadingMixIn, WSGIServer):
    daemon_threads = True
    request_queue_size = 256


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--forms", type=int, default=2000)
    ap.add_argument("--keyers-per-unit", type=int, default=2)
    ap.add_argument("--units", type=int, default=22, help="how many units take part (1..22)")
    ap.add_argument("--retry", type=float, default=0.1, help="share of submits sent twice")
    ap.add_argument(
        "--server",
        choices=["gunicorn", "threads"],
        default="gunicorn",
        help="gunicorn (as in production, the default) or a threaded WSGI server in this process",
    )
    ap.add_argument("--workers", type=int, default=2, help="gunicorn workers (2 on 2 cores)")
    args = ap.parse_args()

    tmp = tempfile.mkdtemp(prefix="khaosat-bench-")
    os.environ.setdefault("KHAOSAT_DATA_DIR", tmp)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "khaosat.web.settings")
    os.environ.setdefault("ALLOWED_HOSTS", "127.0.0.1,localhost")
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.test import Client
    from rich.console import Console
    from rich.table import Table

    from khaosat.web.core.models import Membership, Response, Role
    from khaosat.web.core.surveydef import load_survey
    from tests.capture import load
    from tests.capture.fixtures import make_version
    from tests.capture.mini import mini_questionnaire

    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    call_command("migrate", verbosity=0)
    survey, _ = load_survey(ROOT / "surveys" / "hung-yen-2026")
    survey.double_entry = "none"
    survey.save()
    if not survey.questionnaires.filter(version="bench-mini").exists():
        make_version(survey, mini_questionnaire(), version="bench-mini")  # the current version
    Response.objects.filter(survey=survey).delete()

    from django.contrib.auth import get_user_model

    User = get_user_model()
    units = list(survey.units.order_by("code"))[: max(1, args.units)]
    per_unit = load.plan([u.code for u in units], args.forms)
    keyers, cross = [], {}
    for u in units:
        serials = per_unit[u.code]
        for i in range(args.keyers_per_unit):
            user, _ = User.objects.get_or_create(username=f"bench-{u.code}-{i}")
            m, _ = Membership.objects.get_or_create(user=user, defaults={"role": Role.KEYER})
            m.units.set([u])
            c = Client()
            c.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
            keyers.append(
                load.Keyer(
                    user.username, c.cookies["sessionid"].value, serials[i :: args.keyers_per_unit]
                )
            )
        cross[keyers[-1].name] = serials[0:6:2]

    from django.db import connections

    connections.close_all()
    if args.server == "gunicorn":
        server = _gunicorn(args.workers)
        base = f"http://127.0.0.1:{server.port}"
    else:
        from django.core.wsgi import get_wsgi_application

        httpd = make_server(
            "127.0.0.1", 0, get_wsgi_application(), server_class=_Threaded, handler_class=_Quiet
        )
        threading.Thread(target=httpd.serve_forever, daemon=True).start()
        base = f"http://127.0.0.1:{httpd.server_port}"

    t0 = time.perf_counter()
    res = load.run(base, survey.code, keyers, retry_share=args.retry, cross=cross)
    wall = time.perf_counter() - t0
    if args.server == "gunicorn":
        server.terminate()
        server.wait(timeout=30)
    else:
        httpd.shutdown()
    stored = Response.objects.filter(survey=survey).count()

    t = Table(
        title=f"capture: {len(keyers)} keyers, {args.forms:,} forms ({settings.DATABASES['default']['ENGINE'].rsplit('.', 1)[-1]}, {args.server}{f' -w {args.workers}' if args.server == 'gunicorn' else ''})"
    )
    for col in ("measure", "value"):
        t.add_column(col, justify="right" if col == "value" else "left")
    rows = [
        ("submits sent (incl. retries)", f"{res.sent:,}"),
        ("responses stored", f"{stored:,}"),
        ("planned", f"{args.forms:,}"),
        ("HTTP statuses", ", ".join(f"{k}: {v}" for k, v in sorted(res.statuses.items(), key=str))),
        ("wall time (s)", f"{wall:.1f}"),
        ("throughput (submits/s)", f"{res.sent / wall:.1f}"),
        ("saves/s (forms stored per second)", f"{res.created / wall:.1f}"),
        ("latency p50 (ms)", f"{res.percentile(50) * 1000:.0f}"),
        ("latency p95 (ms)", f"{res.percentile(95) * 1000:.0f}"),
        ("latency p99 (ms)", f"{res.percentile(99) * 1000:.0f}"),
        ("latency max (ms)", f"{max(res.latencies, default=0) * 1000:.0f}"),
        ("errors", str(len(res.errors))),
    ]
    for r in rows:
        t.add_row(*r)
    Console().print(t)
    for e in res.errors[:3]:
        Console().print(e[:300])
    if stored != args.forms or res.errors:
        Console().print("[red]Sai lệch: số phiếu lưu khác số phiếu dự kiến hoặc có lỗi.[/red]")
        sys.exit(1)


def _gunicorn(workers: int):
    """gunicorn on a free port over the same data directory and database as this process."""
    import http.client
    import socket
    import subprocess

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    cmd = [sys.executable, "-m", "gunicorn", "khaosat.web.wsgi", "-w", str(workers)]
    cmd += [
        "--timeout",
        "60",
        "--backlog",
        "256",
        "-b",
        f"127.0.0.1:{port}",
        "--log-level",
        "warning",
    ]
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.Popen(cmd, env=env, cwd=ROOT)
    proc.port = port
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        try:
            c = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            c.request("GET", "/login/")
            if c.getresponse().status == 200:
                return proc
        except OSError:
            time.sleep(0.2)
    proc.kill()
    raise SystemExit("gunicorn did not start within 120 s")


if __name__ == "__main__":
    main()
