"""`khaosat manage check --deploy` is clean with the production settings of the README, and
HSTS and the HTTPS redirect are on under KHAOSAT_HTTPS."""

import os
import subprocess
import sys

PRODUCTION = {
    "KHAOSAT_HTTPS": "1",
    "KHAOSAT_TRUSTED_PROXIES": "127.0.0.1",
    "ALLOWED_HOSTS": "khaosat.intranet",
    "DEBUG": "0",
}


def run(tmp_path, *args, **env):
    # DJANGO_ALLOW_ASYNC_UNSAFE is set by the browser fixture of a test run, never in production.
    drop = {"DATABASE_URL", "SECRET_KEY", "DJANGO_ALLOW_ASYNC_UNSAFE"}
    e = {k: v for k, v in os.environ.items() if k not in drop}
    e |= {"KHAOSAT_DATA_DIR": str(tmp_path / "data")} | env
    return subprocess.run(
        [sys.executable, "-m", "khaosat.cli", *args],
        capture_output=True,
        text=True,
        env=e,
        timeout=300,
    )


def test_check_deploy_is_clean_with_production_settings(tmp_path):
    r = run(tmp_path, "manage", "check", "--deploy", "--fail-level", "WARNING", **PRODUCTION)
    assert r.returncode == 0, r.stdout + r.stderr
    assert "System check identified no issues" in r.stdout


def test_production_settings_turn_on_hsts_and_the_redirect(tmp_path):
    code = (
        "import django; django.setup(); from django.conf import settings as s; "
        "print(s.SECURE_SSL_REDIRECT, s.SECURE_HSTS_SECONDS, s.SESSION_COOKIE_SECURE, "
        "s.CSRF_COOKIE_SECURE, s.SECURE_PROXY_SSL_HEADER)"
    )
    # DJANGO_ALLOW_ASYNC_UNSAFE is set by the browser fixture of a test run, never in production.
    drop = {"DATABASE_URL", "SECRET_KEY", "DJANGO_ALLOW_ASYNC_UNSAFE"}
    e = {k: v for k, v in os.environ.items() if k not in drop}
    e |= PRODUCTION | {
        "KHAOSAT_DATA_DIR": str(tmp_path / "data"),
        "DJANGO_SETTINGS_MODULE": "khaosat.web.settings",
    }
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=e)
    assert r.stdout.split()[:4] == ["True", "31536000", "True", "True"], r.stderr
    assert (tmp_path / "data").stat().st_mode & 0o777 == 0o700
    assert (tmp_path / "data" / "secret_key").stat().st_mode & 0o777 == 0o600


def test_https_without_trusted_proxies_is_one_sentence(tmp_path):
    r = run(tmp_path, "manage", "check", KHAOSAT_HTTPS="1")
    assert r.returncode == 2 and "Traceback" not in r.stderr
    assert "KHAOSAT_TRUSTED_PROXIES" in r.stderr


def test_a_bad_trusted_proxy_is_named(tmp_path):
    r = run(tmp_path, "manage", "check", KHAOSAT_TRUSTED_PROXIES="127.0.0.1, nginx-may-chu")
    assert r.returncode == 2 and "«nginx-may-chu»" in r.stderr
