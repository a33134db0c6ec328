"""The night's work for one business date: flagging reported payments the bank never
confirmed, the pipeline, then the agencies' step, the lawsuits of the cases it referred to the
legal team, then the messages it queued. The orchestration lives here, above the workflows,
so that none needs another."""

from __future__ import annotations

import datetime as dt

import django_rq
from django.utils import timezone

from accounts.models import User
from agencies.services import agencies_run_day
from agreements.services import agreements_run_day
from cases.services import reported_payments_flag_unconfirmed
from common.jobs import enqueue
from litigation.services import lawsuits_open_for_referrals
from pipeline.jobs import start_dispatch
from pipeline.models import PipelineRun
from pipeline.services import pipeline_abandoned_dates, pipeline_run_day


def run_collections_day(
    business_date: str | None = None, triggered_by_id: int | None = None
) -> dict[str, int]:
    """The nightly pipeline for `business_date` (ISO), by default the bank's today, then the
    agencies' step for the same date (recalls, payment attribution, placements).

    Before the pipeline: reported payments left unconfirmed too long are flagged, so that
    escalation, which they paused, resumes in the same night's pipeline; then agreements are
    reviewed, so that a broken plan's case is escalated by the same night's pipeline and a plan
    or settlement paid off closes its case before the pipeline looks at it; the same step
    proposes the cases past their strategy's charge-off rule for write-off.

    `triggered_by_id`: the person who started it from the pipeline page (None: the schedule).
    A date already running elsewhere raises PipelineAlreadyRunning: the job fails visibly.
    """
    now = timezone.now()
    day = dt.date.fromisoformat(business_date) if business_date else timezone.localdate(now)
    flagged = reported_payments_flag_unconfirmed(business_date=day)
    agreement_counts = agreements_run_day(business_date=day, now=now)
    if triggered_by_id is None:
        result = pipeline_run_day(business_date=day, now=now)
    else:
        result = pipeline_run_day(
            business_date=day,
            now=now,
            triggered_by=User.objects.get(pk=triggered_by_id),
            started_from=PipelineRun.StartedFrom.PAGE,
        )
    agency_counts = agencies_run_day(business_date=day, now=now)
    lawsuits_opened = lawsuits_open_for_referrals(business_date=day, now=now)
    django_rq.get_queue("messages").enqueue(start_dispatch)
    return {
        "reported_payments_flagged": flagged,
        **result.counts,
        "litigation:lawsuits_opened": lawsuits_opened,
        **{f"agencies:{key}": n for key, n in agency_counts.items()},
        **{f"agreements:{key}": n for key, n in agreement_counts.items()},
    }


def resume_abandoned_days() -> int:
    """Run again every date whose run's process died, so that a night's run killed at 01:35
    is finished by the schedule, not when someone looks; how many were queued."""
    return sum(
        enqueue("pipeline", run_collections_day, day.isoformat(), job_timeout=3600)
        for day in pipeline_abandoned_dates()
    )
