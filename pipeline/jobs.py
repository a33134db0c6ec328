"""RQ jobs of the messaging: each reads the clock and calls a service.

Dispatch runs in `MESSAGE_DISPATCH_WORKERS` slots at once. `dispatch_messages(slot)` holds
its slot for as long as it runs (a second job for a slot someone holds returns at once) and
sends batch after batch while messages are due; after `MESSAGE_DISPATCH_SECONDS` it queues
itself again, so that a long backlog never holds a worker past its job timeout.
"""

from __future__ import annotations

import time

from django.conf import settings
from django.utils import timezone

from common.jobs import enqueue
from pipeline.messaging import dispatch_slot, messages_dispatch_batch, messages_reconcile_stuck
from pipeline.printing import letters_print

# A dispatch job is stopped by RQ after this long; it stops itself well before.
DISPATCH_JOB_TIMEOUT = 900
# A print run sets this many files, then queues itself again if letters still wait.
PRINT_RUN_FILES = 20
PRINT_JOB_TIMEOUT = 1800


def start_dispatch() -> int:
    """Queue one dispatch job per slot (those whose slot a worker holds return at once)."""
    return sum(
        enqueue("messages", dispatch_messages, slot, job_timeout=DISPATCH_JOB_TIMEOUT)
        for slot in range(settings.MESSAGE_DISPATCH_WORKERS)
    )


def dispatch_messages(slot: int = 0) -> int:
    """Send batches in `slot` while messages are due; returns how many were claimed."""
    started, claimed = time.monotonic(), 0
    with dispatch_slot(slot) as held:
        if not held:
            return 0  # another worker is dispatching in this slot
        # What this slot was sending when its last worker died, and other dead slots.
        messages_reconcile_stuck(now=timezone.now(), own_slot=slot)
        while True:
            counts = messages_dispatch_batch(
                now=timezone.now(), slot=slot, limit=settings.MESSAGE_DISPATCH_BATCH
            )
            claimed += counts["claimed"]
            if counts["claimed"] < settings.MESSAGE_DISPATCH_BATCH:
                return claimed  # nothing more is due now
            if time.monotonic() - started > settings.MESSAGE_DISPATCH_SECONDS:
                break
    enqueue("messages", dispatch_messages, slot, job_timeout=DISPATCH_JOB_TIMEOUT)
    return claimed


def print_letters() -> int:
    """Set the letters waiting into print files; the run goes on in a new job while more wait,
    so that a night's letters never hold one worker past its timeout."""
    printed = letters_print(now=timezone.now(), files=PRINT_RUN_FILES)
    if printed == PRINT_RUN_FILES * settings.PRINT_FILE_LETTERS:
        enqueue("default", print_letters, job_timeout=PRINT_JOB_TIMEOUT)
    return printed
