"""Background jobs run for real through Redis with a non-forking worker."""

from __future__ import annotations

import datetime as dt

import django_rq
import pytest
from django.utils import timezone
from rq import SimpleWorker
from rq.cron import CronScheduler

from tests.factories import CaseFactory
from workspace.jobs import release_expired_claims
from workspace.services import case_release_expired_claims

pytestmark = pytest.mark.django_db


@pytest.fixture
def queue():
    queue = django_rq.get_queue("default")
    queue.connection.flushdb()
    yield queue
    queue.connection.flushdb()


def test_expired_claims_are_released_and_live_ones_kept(collector):
    now = timezone.now()
    expired = CaseFactory(claimed_by=collector, claim_expires_at=now - dt.timedelta(minutes=1))
    live = CaseFactory(claimed_by=collector, claim_expires_at=now + dt.timedelta(minutes=10))

    assert case_release_expired_claims(now=now) == 1

    expired.refresh_from_db()
    live.refresh_from_db()
    assert (expired.claimed_by, expired.claim_expires_at) == (None, None)
    assert live.claimed_by == collector


def test_jobs_are_enqueued_only_when_the_transaction_commits(
    queue, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks() as callbacks:
        queue.enqueue(release_expired_claims)
        assert queue.count == 0
    for callback in callbacks:
        callback()
    assert queue.count == 1


def test_the_release_job_runs_through_redis(queue, collector, django_capture_on_commit_callbacks):
    case = CaseFactory(
        claimed_by=collector, claim_expires_at=timezone.now() - dt.timedelta(hours=1)
    )
    with django_capture_on_commit_callbacks(execute=True):
        queue.enqueue(release_expired_claims)
    [job] = queue.get_jobs()

    SimpleWorker([queue], connection=queue.connection).work(burst=True)

    job.refresh()
    assert job.is_finished
    assert job.return_value() == 1
    case.refresh_from_db()
    assert case.claimed_by is None


def test_the_schedule_registers_every_recurring_job(queue):
    scheduler = CronScheduler(connection=queue.connection)
    scheduler.load_config_from_file("collections_site/cron.py")
    names = {job.name for job in scheduler.get_jobs()}
    assert names == {
        "collections_site.nightly.run_collections_day",
        "collections_site.nightly.resume_abandoned_days",
        "pipeline.jobs.start_dispatch",
        "pipeline.jobs.print_letters",
        "feeds.jobs.resume_stalled_imports",
        "workspace.jobs.release_expired_claims",
        "compliance.jobs.seal_compliance_log",
        "compliance.jobs.write_log_checkpoint",
        "reporting.jobs.refresh_statistics",
        "reporting.jobs.snapshot_statistics",
        "reporting.jobs.snapshot_yesterday",
        "clearsessions",
    }
