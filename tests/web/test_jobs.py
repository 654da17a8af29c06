import pytest

from khaosat.web.core import jobs
from khaosat.web.core.models import Job


@jobs.job("test.count")
def _count(job, progress):
    for i in range(3):
        progress(i + 1, 3, f"bước {i + 1}")
    return {"counted": 3}


@jobs.job("test.fail")
def _fail(job, progress):
    raise jobs.JobError("Tệp quét bị hỏng ở trang 2.")


@jobs.job("test.crash")
def _crash(job, progress):
    raise RuntimeError("boom")


def test_a_job_runs_once_and_reports_progress(db):
    j = jobs.create("test.count")
    j = jobs.run(j.pk)
    assert (j.status, j.done, j.total, j.result) == ("done", 3, 3, {"counted": 3})
    assert jobs.run(j.pk).status == "done"  # claimed: never runs twice


def test_user_errors_are_shown_and_crashes_are_not_leaked(db):
    assert jobs.run(jobs.create("test.fail").pk).message == "Tệp quét bị hỏng ở trang 2."
    crashed = jobs.run(jobs.create("test.crash").pk)
    assert crashed.status == Job.Status.FAILED and "boom" not in crashed.message


def test_status_json_for_the_owner(login, users, job_of_coord_a):
    data = login(users["coord_a"]).get(f"/jobs/{job_of_coord_a.pk}/").json()
    assert data["status"] == "pending" and data["percent"] == 0


@pytest.mark.django_db(transaction=True)
def test_start_runs_in_a_thread_after_commit():
    import time

    j = jobs.create("test.count")
    jobs.start(j)
    for _ in range(100):
        j.refresh_from_db()
        if j.status == "done":
            break
        time.sleep(0.05)
    assert j.status == "done"


THREAD_CONNECTIONS = []


@jobs.job("test.connection")
def _remember_connection(job, progress):
    from django.db import connections

    THREAD_CONNECTIONS.append(connections["default"])  # this thread's own connection
    return {}


@pytest.mark.django_db(transaction=True)
def test_a_job_thread_closes_its_database_connection_when_done(monkeypatch):
    """A finished thread's connection is never used again: it must be closed, not left to
    CONN_MAX_AGE (60 s on PostgreSQL), or every job would keep a server session open."""
    import threading

    from django.db import connections

    monkeypatch.setitem(connections.settings["default"], "CONN_MAX_AGE", 60)
    THREAD_CONNECTIONS.clear()
    j = jobs.create("test.connection")
    jobs.start(j)
    for thread in [t for t in threading.enumerate() if t.name == f"job-{j.pk}"]:
        thread.join(timeout=30)
    j.refresh_from_db()
    assert j.status == "done"
    (conn,) = THREAD_CONNECTIONS
    assert conn.connection is None
