"""Suite-wide set-up: the `db_backend` marker for database tests (the PostgreSQL CI leg
runs exactly those), and shared fixtures for the web tests."""

from __future__ import annotations

import pytest

DB_FIXTURES = {"db", "transactional_db", "django_db_setup", "live_server", "django_user_model"}


def pytest_collection_modifyitems(config, items):
    from django.test import TransactionTestCase

    for item in items:
        cls = getattr(item, "cls", None)
        uses_db = bool(DB_FIXTURES & set(getattr(item, "fixturenames", ())))
        uses_db = uses_db or item.get_closest_marker("django_db") is not None
        uses_db = uses_db or (cls is not None and issubclass(cls, TransactionTestCase))
        if uses_db:
            item.add_marker(pytest.mark.db_backend)


@pytest.fixture(autouse=True)
def _fresh_version_caches():
    """Per-process caches keyed by (questionnaire version pk, sha256) must not outlive a test:
    test databases are emptied between tests and primary keys come round again."""
    from khaosat.web.capture import door
    from khaosat.web.monitoring import services as monitoring
    from khaosat.web.paper import services as paper

    for cache in (door._RULES, monitoring._QUESTIONNAIRES, paper._LAYOUTS):
        cache.clear()
    yield


@pytest.fixture(autouse=True)
def _fast_password_hashing(request, settings):
    """Argon2 is deliberately slow; tests that check hashing ask for it with @pytest.mark.argon2."""
    if request.node.get_closest_marker("argon2") is None:
        settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(scope="session")
def chromium_path():
    """Debian's Chromium (installed by `make test` via scripts/system-deps.sh)."""
    import shutil

    path = shutil.which("chromium") or "/usr/bin/chromium"
    import os

    if not os.path.exists(path):
        pytest.fail(
            "Không có /usr/bin/chromium: chạy `make test` (tự cài gói chromium) hoặc apt-get install chromium."
        )
    return path


CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
]


@pytest.fixture(scope="session")
def browser(chromium_path):
    """One headless Chromium for the session, driven by Playwright's sync API."""
    import os

    from playwright.sync_api import sync_playwright

    # Playwright's sync API runs an event loop in this thread; the ORM calls made by the test
    # itself are still synchronous.
    os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=chromium_path, args=CHROMIUM_ARGS)
        yield b
        b.close()
