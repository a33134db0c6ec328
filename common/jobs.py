"""Handing work to the background workers without failing the request when Redis is away."""

from __future__ import annotations

import logging

import django_rq
from redis.exceptions import RedisError

logger = logging.getLogger(__name__)


def enqueue(queue_name: str, func, *args, **options) -> bool:
    """Queue `func(*args)` on `queue_name` now (options as RQ's `enqueue`); False when the job
    server cannot be reached, so the caller can say so instead of answering 500.

    The job is queued at once, not when a surrounding transaction commits, so that the answer
    is known: call it once the rows the job reads are committed. Work recorded before it is
    queued must be swept up by a periodic job, for the times this returns False.
    """
    try:
        django_rq.get_queue(queue_name, commit_mode="auto").enqueue(func, *args, **options)
    except RedisError:
        logger.warning("Could not queue %s on %r: Redis is unreachable.", func, queue_name)
        return False
    return True
