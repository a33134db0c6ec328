"""The RQ jobs behind the upload page: import one stored upload, and pick up the imports a
lost job or a dead process left behind."""

from __future__ import annotations

import datetime as dt

import django_rq
from django.utils import timezone, translation
from redis.exceptions import RedisError
from rq.exceptions import NoSuchJobError
from rq.job import Job, JobStatus

from common.holders import holding, is_held
from common.jobs import enqueue
from feeds.importer import feed_import
from feeds.models import ImportRun

# The holder lock of an import (common.holders), held by the process running it.
IMPORT_HOLDER = "feed-import"
# An upload still queued this long after it was saved lost its job (Redis was away).
QUEUED_GRACE = dt.timedelta(minutes=2)
IMPORT_TIMEOUT = 3600
WAITING = (JobStatus.QUEUED, JobStatus.SCHEDULED, JobStatus.DEFERRED)


def import_job_id(run_id: int) -> str:
    return f"feed-import-{run_id}"


def queue_import(run_id: int) -> bool:
    """Hand the import of run `run_id` to a worker; False when Redis cannot be reached (the
    sweep queues it once Redis is back)."""
    return enqueue(
        "default",
        run_import,
        run_id,
        job_id=import_job_id(run_id),
        job_timeout=IMPORT_TIMEOUT,
    )


def run_import(run_id: int) -> str:
    """Import the run's stored file, or go on with it after its process died. A run another
    living process holds, or one already finished, is left alone."""
    with holding(IMPORT_HOLDER, run_id) as held:
        if not held:
            return "running elsewhere"
        run = ImportRun.objects.select_related("user").get(pk=run_id)
        if run.is_finished:
            return run.status
        # The rejected rows' reasons are written in the uploader's language.
        with run.upload.open("rb") as upload, translation.override(run.language):
            run = feed_import(
                kind=run.kind,
                path_or_file=upload,
                business_date=run.business_date,
                user=run.user,
                run=run,
            )
    return run.status


def stalled_imports(*, now: dt.datetime) -> list[ImportRun]:
    """Uploads nobody is importing: running with no living process behind them, or queued
    for a while with no job waiting for a worker."""
    stalled = []
    candidates = ImportRun.objects.filter(
        status=ImportRun.Status.RUNNING
    ) | ImportRun.objects.filter(status=ImportRun.Status.QUEUED, created_at__lt=now - QUEUED_GRACE)
    for run in candidates.exclude(upload="").order_by("pk"):
        if is_held(IMPORT_HOLDER, run.pk):
            continue
        if run.status == ImportRun.Status.QUEUED and _job_waiting(import_job_id(run.pk)):
            continue
        stalled.append(run)
    return stalled


def _job_waiting(job_id: str) -> bool:
    connection = django_rq.get_connection("default")
    try:
        return Job.fetch(job_id, connection=connection).get_status() in WAITING
    except NoSuchJobError:
        return False


def resume_stalled_imports() -> int:
    """Queue again every stalled import; how many were queued."""
    try:
        stalled = stalled_imports(now=timezone.now())
    except RedisError:
        return 0
    return sum(queue_import(run.pk) for run in stalled)
