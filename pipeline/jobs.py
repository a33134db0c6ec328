"""RQ jobs of the messaging: each reads the clock once and calls a service."""

from __future__ import annotations

import django_rq
from django.conf import settings
from django.utils import timezone
from rq import Retry

from pipeline.messaging import message_send, messages_claim_for_dispatch

# Seconds between attempts to send one message; RQ retries after each failure.
SEND_RETRY_INTERVALS = [30, 120, 600, 1800]


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
