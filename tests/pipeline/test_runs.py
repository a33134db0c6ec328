"""Running a date: idempotent, safe to crash and rerun, once across workers, previewable."""

from __future__ import annotations

import datetime as dt
import io
import threading
from collections import Counter
from contextlib import contextmanager

import django_rq
import pytest
from django.core.management import call_command
from django.db import connections, transaction
from django.urls import reverse
from django.utils import timezone
from rq import SimpleWorker

from accounts.roles import Role
from cases.models import Case, StageEntry
from collections_site.nightly import resume_abandoned_days, run_collections_day
from common.holders import holding
from pipeline.models import OutboundMessage, PipelineRun
from pipeline.services import (
    RUN_HOLDER,
    PipelineAlreadyRunning,
    pipeline_is_running,
    pipeline_preview_day,
    pipeline_run_day,
)
from tests.factories import (
    CardAccountFactory,
    ContactPointFactory,
    PaymentFactory,
    UserFactory,
)
from tests.pipeline.conftest import day, moment


def portfolio(size: int) -> list:
    """Accounts spread over the ladder on day 130: due dates from 1 to 130 days back."""
    accounts = []
    for n in range(size):
        account = CardAccountFactory(oldest_unpaid_due_date=day(130 - 1 - (n * 7) % 130))
        ContactPointFactory(debtor=account.debtor, kind="mobile", sms_consent=True)
        ContactPointFactory(debtor=account.debtor, kind="postal", value=f"{n} Main St")
        accounts.append(account)
    return accounts


def snapshot() -> dict:
    return {
        "cases": sorted(Case.objects.values_list("account_id", "status", "stage__action")),
        "entries": sorted(StageEntry.objects.values_list("case__account_id", "stage__action")),
        "messages": sorted(OutboundMessage.objects.values_list("case__account_id", "channel")),
    }


@pytest.mark.django_db
def test_running_a_date_twice_changes_nothing_the_second_time():
    portfolio(40)
    first = pipeline_run_day(business_date=day(130), now=moment(130))
    before = snapshot()
    second = pipeline_run_day(business_date=day(130), now=moment(130))

    assert first.counts["cases_opened"] == 40
    assert snapshot() == before
    assert +second.counts == Counter()
    assert PipelineRun.objects.filter(status="succeeded").count() == 2


class Crash(Exception):
    pass


@pytest.mark.django_db
def test_a_run_killed_half_way_and_run_again_completes_without_duplicates_or_gaps():
    portfolio(40)
    uninterrupted = transaction.savepoint_create()
    pipeline_run_day(business_date=day(130), now=moment(130))
    complete = snapshot()
    transaction.savepoint_rollback(uninterrupted)

    def crash_after_three_batches(step, batch_number):
        if batch_number == 3:
            raise Crash(step)

    with pytest.raises(Crash):
        pipeline_run_day(
            business_date=day(130),
            now=moment(130),
            batch_size=7,
            after_batch=crash_after_three_batches,
        )
    failed = PipelineRun.objects.get(status="failed")
    assert "Crash" in failed.error
    assert 0 < Case.objects.count() < 40

    pipeline_run_day(business_date=day(130), now=moment(130), batch_size=7)
    assert snapshot() == complete


@contextmanager
def running_elsewhere(business_date):
    """A run of `business_date` that a living process holds (here: a second session)."""
    PipelineRun.objects.create(business_date=business_date, started_at=timezone.now())
    with holding(RUN_HOLDER, business_date.toordinal()) as held:
        assert held
        yield


@pytest.mark.django_db
def test_a_second_run_of_a_date_while_one_is_running_is_refused():
    with running_elsewhere(day(130)), pytest.raises(PipelineAlreadyRunning):
        pipeline_run_day(business_date=day(130), now=moment(130))
    assert not pipeline_is_running(business_date=day(130))


@pytest.mark.django_db
def test_a_run_whose_process_died_is_taken_over_at_once_and_finished():
    portfolio(4)
    # Marked running a minute ago by a worker that was killed: nothing holds the date.
    dead = PipelineRun.objects.create(
        business_date=day(130), started_at=moment(130) - dt.timedelta(minutes=1)
    )
    assert not pipeline_is_running(business_date=day(130))

    result = pipeline_run_day(business_date=day(130), now=moment(130))

    dead.refresh_from_db()
    assert (dead.status, dead.error) == (
        "failed",
        "abandoned: the process running it stopped before the end",
    )
    assert result.run.status == "succeeded"
    assert result.counts["cases_opened"] == 4


@pytest.mark.django_db
def test_a_run_records_when_it_really_ended():
    portfolio(3)
    result = pipeline_run_day(business_date=day(130), now=moment(130))
    assert result.run.started_at == moment(130)
    assert moment(130) < result.run.finished_at < moment(130) + dt.timedelta(minutes=5)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_workers_running_the_same_date_at_once_do_the_work_once():
    portfolio(60)
    barrier = threading.Barrier(2)
    outcomes = []

    def worker():
        barrier.wait()
        try:
            result = pipeline_run_day(business_date=day(130), now=moment(130), batch_size=5)
            outcomes.append(result.counts["cases_opened"])
        except PipelineAlreadyRunning:
            outcomes.append("refused")
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    # Either one refused, or the second started after the first finished and found nothing.
    assert sorted(outcomes, key=str) in ([0, 60], [60, "refused"])
    assert Case.objects.count() == 60
    assert StageEntry.objects.count() == 60
    assert (
        OutboundMessage.objects.values("case_id").distinct().count()
        == OutboundMessage.objects.count()
    )


@pytest.mark.django_db
def test_the_preview_matches_what_the_run_then_does_and_keeps_nothing():
    accounts = portfolio(40)
    overdue_since_day_94 = accounts[5]
    PaymentFactory(
        account=overdue_since_day_94, amount=overdue_since_day_94.minimum_due, received_on=day(129)
    )
    pipeline_run_day(business_date=day(100), now=moment(100))
    before = snapshot()

    preview = pipeline_preview_day(business_date=day(130), now=moment(130))
    assert snapshot() == before
    run = pipeline_run_day(business_date=day(130), now=moment(130))

    assert preview.counts == run.counts
    assert preview.counts["cases_cured"] == 1
    assert PipelineRun.objects.get(dry_run=True).counts == dict(run.counts)


@pytest.mark.django_db
def test_the_command_runs_a_date_and_its_dry_run_prints_the_preview(capsys):
    portfolio(10)
    call_command("run_collections_day", "--date", day(130).isoformat(), "--dry-run")
    out = capsys.readouterr().out
    assert f"Pipeline for {day(130)} would do:" in out
    assert "Cases opened (newly overdue)" in out
    assert not Case.objects.exists()

    call_command("run_collections_day", "--date", day(130).isoformat())
    assert "did:" in capsys.readouterr().out
    assert Case.objects.count() == 10


@pytest.mark.django_db
def test_the_command_refuses_a_malformed_date():
    from django.core.management import CommandError

    with pytest.raises(CommandError, match="YYYY-MM-DD"):
        call_command("run_collections_day", "--date", "23/11/2026")


@pytest.mark.django_db
def test_the_nightly_job_runs_through_redis_with_a_real_worker(django_capture_on_commit_callbacks):
    portfolio(5)
    queue = django_rq.get_queue("pipeline")
    queue.connection.flushdb()
    try:
        with django_capture_on_commit_callbacks(execute=True):
            queue.enqueue(run_collections_day, day(130).isoformat())
        [job] = queue.get_jobs()
        with django_capture_on_commit_callbacks(execute=True):
            SimpleWorker([queue], connection=queue.connection).work(burst=True)
        job.refresh()
        assert job.is_finished, job.latest_result()
        assert job.return_value()["cases_opened"] == 5
        assert django_rq.get_queue("messages").count == 1  # the dispatch that follows
    finally:
        queue.connection.flushdb()
    assert PipelineRun.objects.get().status == "succeeded"


@pytest.mark.django_db
def test_supervisors_preview_in_the_browser_and_collectors_cannot(client, supervisor, collector):
    portfolio(6)
    client.force_login(collector)
    assert client.get(reverse("pipeline:page")).status_code == 404

    client.force_login(supervisor)
    assert client.get(reverse("pipeline:page")).status_code == 200
    response = client.post(
        reverse("pipeline:page"), {"business_date": day(130).isoformat(), "preview": "Preview"}
    )
    assert response.status_code == 200
    assert "Cases opened (newly overdue)" in response.content.decode()
    assert not Case.objects.exists()


@pytest.mark.django_db
def test_running_from_the_browser_enqueues_the_job(
    client, supervisor, django_capture_on_commit_callbacks
):
    queue = django_rq.get_queue("pipeline")
    queue.connection.flushdb()
    client.force_login(supervisor)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("pipeline:page"), {"business_date": "2026-11-23", "run": "Run"}
        )
    assert response.status_code == 302
    [job] = queue.get_jobs()
    assert (job.args, job.kwargs) == (("2026-11-23",), {"triggered_by_id": supervisor.pk})
    queue.connection.flushdb()


def run_queued_jobs(queue, django_capture_on_commit_callbacks) -> list:
    """Run what is queued with a real (non-forking) worker; the jobs, refreshed."""
    jobs = queue.get_jobs()
    with django_capture_on_commit_callbacks(execute=True):
        SimpleWorker([queue], connection=queue.connection).work(burst=True)
    for job in jobs:
        job.refresh()
    return jobs


@pytest.fixture
def pipeline_queue():
    queue = django_rq.get_queue("pipeline")
    queue.connection.flushdb()
    yield queue
    queue.connection.flushdb()


@pytest.mark.django_db
def test_a_run_started_from_the_page_is_credited_to_the_supervisor(
    client, supervisor, pipeline_queue, django_capture_on_commit_callbacks
):
    supervisor.first_name, supervisor.last_name = "Ada", "Lovelace"
    supervisor.save()
    client.force_login(supervisor)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("pipeline:page"), {"business_date": day(130).isoformat(), "run": "Run"}
        )
    assert "has been started" in str(list(response.wsgi_request._messages))
    [job] = run_queued_jobs(pipeline_queue, django_capture_on_commit_callbacks)

    assert job.is_finished, job.latest_result()
    run = PipelineRun.objects.get()
    assert (run.triggered_by, run.started_from) == (supervisor, "page")
    page = client.get(reverse("pipeline:page")).content.decode()
    assert "<td>Ada Lovelace</td>" in page
    assert "schedule" not in page.lower().split("recent runs")[1]


@pytest.mark.django_db
def test_a_second_supervisor_is_told_the_date_already_ran_and_gets_a_run_of_their_own(
    client, supervisor, team, pipeline_queue, django_capture_on_commit_callbacks
):
    portfolio(3)
    pipeline_run_day(business_date=day(130), now=moment(130))  # the night's scheduled run
    second = UserFactory(username="second", role=Role.SUPERVISOR, team=team)
    client.force_login(second)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("pipeline:page"),
            {"business_date": day(130).isoformat(), "run": "Run"},
            follow=True,
        )
    page = response.content.decode()
    assert "already ran (Schedule started it at" in page
    run_queued_jobs(pipeline_queue, django_capture_on_commit_callbacks)

    runs = list(PipelineRun.objects.order_by("pk").values_list("triggered_by__username", "status"))
    assert runs == [(None, "succeeded"), ("second", "succeeded")]


@pytest.mark.django_db
def test_a_date_running_now_is_not_started_again_and_the_page_says_so(
    client, supervisor, pipeline_queue
):
    client.force_login(supervisor)

    with running_elsewhere(day(130)):
        response = client.post(
            reverse("pipeline:page"),
            {"business_date": day(130).isoformat(), "run": "Run"},
            follow=True,
        )

    assert "is already running: Schedule started it at" in response.content.decode()
    assert pipeline_queue.count == 0


@pytest.mark.django_db
def test_a_run_whose_worker_died_is_started_again_from_the_page(
    client, supervisor, pipeline_queue, django_capture_on_commit_callbacks
):
    portfolio(2)
    PipelineRun.objects.create(business_date=day(130), started_at=moment(130))
    client.force_login(supervisor)

    response = client.post(
        reverse("pipeline:page"), {"business_date": day(130).isoformat(), "run": "Run"}, follow=True
    )

    assert "stopped before the end (its worker is gone)" in response.content.decode()
    [job] = run_queued_jobs(pipeline_queue, django_capture_on_commit_callbacks)
    assert job.is_finished
    assert list(PipelineRun.objects.order_by("pk").values_list("status", flat=True)) == [
        "failed",
        "succeeded",
    ]


@pytest.mark.django_db
def test_the_page_says_so_when_the_job_server_is_down(client, supervisor, settings):
    settings.RQ_QUEUES = {
        **settings.RQ_QUEUES,
        "pipeline": {"URL": "redis://127.0.0.1:1/0", "DEFAULT_TIMEOUT": 60},
    }
    client.force_login(supervisor)

    response = client.post(
        reverse("pipeline:page"), {"business_date": day(130).isoformat(), "run": "Run"}, follow=True
    )

    assert response.status_code == 200
    assert "could not be started: the job server cannot be reached" in response.content.decode()
    assert not PipelineRun.objects.exists()


@pytest.mark.django_db
def test_the_job_for_a_date_running_elsewhere_fails_visibly(
    pipeline_queue, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        pipeline_queue.enqueue(run_collections_day, day(130).isoformat())
    with running_elsewhere(day(130)):
        [job] = run_queued_jobs(pipeline_queue, django_capture_on_commit_callbacks)

    assert job.is_failed
    assert "already running" in job.latest_result().exc_string


@pytest.mark.django_db
def test_a_run_from_the_command_line_says_so():
    call_command("run_collections_day", "--date", day(130).isoformat(), stdout=io.StringIO())
    assert PipelineRun.objects.get().starter == "Command line"


@pytest.mark.django_db
def test_the_schedule_runs_again_a_date_whose_process_died_and_leaves_a_living_one_alone(
    pipeline_queue, django_capture_on_commit_callbacks
):
    portfolio(3)
    dead = PipelineRun.objects.create(business_date=day(130), started_at=moment(130))
    PipelineRun.objects.create(business_date=day(129), started_at=moment(129), dry_run=True)

    with running_elsewhere(day(131)):
        assert resume_abandoned_days() == 1
        [job] = run_queued_jobs(pipeline_queue, django_capture_on_commit_callbacks)
        assert resume_abandoned_days() == 0

    assert job.is_finished
    dead.refresh_from_db()
    assert dead.status == "failed" and dead.error.startswith("abandoned")
    assert PipelineRun.objects.get(business_date=day(130), status="succeeded")
    assert PipelineRun.objects.get(business_date=day(131)).status == "running"
