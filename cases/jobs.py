"""RQ jobs: each takes plain arguments (ids, dates), reads the clock once, calls a service."""

from __future__ import annotations

import datetime as dt
import logging

import django_rq
from django.conf import settings
from django.utils import timezone
from rq import Retry

from accounts.models import User
from agencies.services import agencies_run_day
from cases.models import PipelineRun
from cases.services import case_release_expired_claims
from cases.services.messaging import message_send, messages_claim_for_dispatch
from cases.services.pipeline import pipeline_run_day

logger = logging.getLogger(__name__)

# Seconds between attempts to send one message; RQ retries after each failure.
SEND_RETRY_INTERVALS = [30, 120, 600, 1800]


def release_expired_claims() -> int:
    return case_release_expired_claims(now=timezone.now())


def run_collections_day(
    business_date: str | None = None, triggered_by_id: int | None = None
) -> dict[str, int]:
    """The nightly pipeline for `business_date` (ISO), by default the bank's today, then the
    agencies' step for the same date (recalls, payment attribution, placements).

    `triggered_by_id`: the person who started it from the pipeline page (None: the schedule).
    A date already running elsewhere raises PipelineAlreadyRunning: the job fails visibly.
    """
    now = timezone.now()
    day = dt.date.fromisoformat(business_date) if business_date else timezone.localdate(now)
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
    django_rq.get_queue("messages").enqueue(dispatch_messages)
    return {**result.counts, **{f"agencies:{key}": n for key, n in agency_counts.items()}}


def dispatch_messages() -> int:
    """Hand every pending message to the workers, one job per message."""
    ids = messages_claim_for_dispatch(now=timezone.now())
    queue = django_rq.get_queue("messages")
    retries = Retry(
        max=settings.MESSAGE_SEND_ATTEMPTS - 1,
        interval=SEND_RETRY_INTERVALS[: settings.MESSAGE_SEND_ATTEMPTS - 1],
    )
    for message_id in ids:
        queue.enqueue(send_message, message_id, retry=retries)
    return len(ids)


def send_message(message_id: int) -> str:
    return message_send(message_id=message_id, now=timezone.now())
