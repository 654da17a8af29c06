"""Background jobs for long work (scans, imports, reports), with progress.

A job is a row (core.Job) plus a registered function `fn(job, progress)`. `start()` runs it in a
thread of the web process, which is enough for one office server; `khaosat manage run_jobs`
runs whatever is still pending (for example after a restart). Progress is written to the row,
so any process can show it.
"""

from __future__ import annotations

import logging
import threading
import traceback
from collections.abc import Callable

from django.db import connections, transaction
from django.utils import timezone

from khaosat.web.core.models import Job

log = logging.getLogger(__name__)

Progress = Callable[[int, int, str], None]
REGISTRY: dict[str, Callable[[Job, Progress], dict]] = {}


class JobError(Exception):
    """A failure the user can act on; its message (Vietnamese) is shown as is."""


def job(kind: str):
    """Register `fn(job, progress) -> result dict` as the runner of jobs of this kind."""

    def deco(fn):
        REGISTRY[kind] = fn
        return fn

    return deco


def create(kind: str, *, user=None, survey=None, unit=None, params: dict | None = None) -> Job:
    if kind not in REGISTRY:
        raise KeyError(kind)
    return Job.objects.create(
        kind=kind, created_by=user, survey=survey, unit=unit, params=params or {}
    )


def run(job_id: int) -> Job:
    """Run one job to the end in this thread (claims it first so it runs once)."""
    with transaction.atomic():
        claimed = Job.objects.filter(pk=job_id, status=Job.Status.PENDING).update(
            status=Job.Status.RUNNING
        )
    j = Job.objects.get(pk=job_id)
    if not claimed:
        return j

    def progress(done: int, total: int, message: str = "") -> None:
        Job.objects.filter(pk=j.pk).update(done=done, total=total, message=message)

    try:
        result = REGISTRY[j.kind](j, progress) or {}
        Job.objects.filter(pk=j.pk).update(
            status=Job.Status.DONE, result=result, finished_at=timezone.now()
        )
    except JobError as exc:
        Job.objects.filter(pk=j.pk).update(
            status=Job.Status.FAILED, message=str(exc), finished_at=timezone.now()
        )
    except Exception:  # noqa: BLE001 - a job must never take the server down
        log.error("job %s failed:\n%s", j.pk, traceback.format_exc())
        Job.objects.filter(pk=j.pk).update(
            status=Job.Status.FAILED,
            finished_at=timezone.now(),
            message="Lỗi hệ thống khi chạy công việc; dữ liệu đã lưu không bị ảnh hưởng. "
            "Báo cho quản trị hệ thống (xem nhật ký máy chủ).",
        )
    j.refresh_from_db()
    return j


def start(j: Job, *, background: bool = True) -> None:
    """Run after the current transaction commits, in a thread (or inline for tests/CLI)."""

    def go():
        if not background:
            run(j.pk)
            return

        def target():
            try:
                run(j.pk)
            finally:
                # this thread's connections are never used again: close them, whatever
                # CONN_MAX_AGE says (else each job keeps a PostgreSQL session open)
                connections.close_all()

        threading.Thread(target=target, name=f"job-{j.pk}", daemon=True).start()

    # A thread cannot see a test's uncommitted transaction: the tests' on_commit runner skips
    # callbacks marked so, and tests run such jobs with run().
    go.starts_thread = background  # type: ignore[attr-defined]
    transaction.on_commit(go)
