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
    from khaosat.web.results import dataset as results_dataset
    from khaosat.web.results import views as results_views

    for cache in (
        door._RULES,
        monitoring._QUESTIONNAIRES,
        paper._LAYOUTS,
        results_dataset._DATASETS,
        results_views._DASHBOARDS,
        results_views._ESTIMATORS,
    ):
        cache.clear()
    yield


@pytest.fixture(autouse=True)
def _on_commit_runs_as_in_production(monkeypatch):
    """A test inside its own transaction never commits, so Django would never run on_commit
    callbacks. Run them as a real commit would: at once when registered outside any atomic
    block of the code under test, else when that code's outermost atomic block ends well."""
    from django.db import transaction
    from django.db.backends.base.base import BaseDatabaseWrapper
    from django.db.transaction import Atomic

    def only_test_blocks(conn) -> bool:
        return all(getattr(b, "_from_testcase", False) for b in conn.atomic_blocks)

    def run(func, robust):
        if getattr(func, "starts_thread", False):
            return  # a job's thread would not see the test's transaction (tests call jobs.run)
        if robust:
            try:
                func()
            except Exception:  # noqa: BLE001 - as Django does for robust callbacks
                pass
        else:
            func()

    original_on_commit = BaseDatabaseWrapper.on_commit
    original_exit = Atomic.__exit__

    def on_commit(self, func, robust=False):
        if self.in_atomic_block and only_test_blocks(self):
            return run(func, robust)
        return original_on_commit(self, func, robust)

    def exit_(self, exc_type, exc_value, traceback):
        conn = transaction.get_connection(self.using)
        outermost_of_code = not getattr(self, "_from_testcase", False) and all(
            getattr(b, "_from_testcase", False) for b in conn.atomic_blocks[:-1]
        )
        result = original_exit(self, exc_type, exc_value, traceback)
        if outermost_of_code and conn.in_atomic_block and exc_type is None:
            while conn.run_on_commit:
                _sids, func, robust = conn.run_on_commit.pop(0)
                run(func, robust)
        return result

    monkeypatch.setattr(BaseDatabaseWrapper, "on_commit", on_commit)
    monkeypatch.setattr(Atomic, "__exit__", exit_)
    yield


@pytest.fixture(autouse=True)
def _own_audit_checkpoints(settings, tmp_path):
    """Each test has its own database, so its own file of audit checkpoints."""
    settings.KHAOSAT_AUDIT_CHECKPOINTS = tmp_path / "audit" / "checkpoints.log"


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
