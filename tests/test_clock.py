"""`make test-later` moves the whole run's clock: the product reads the moved clock."""

from __future__ import annotations

import datetime as dt
import os

import pytest
from django.utils import timezone

MOVED_TO = os.environ.get("TEST_CLOCK_STARTS_AT")


@pytest.mark.skipif(not MOVED_TO, reason="the clock is not moved in this run")
def test_the_run_reads_the_moved_clock_and_it_runs_on():
    start = dt.datetime.fromisoformat(MOVED_TO)
    first = timezone.now()
    assert start <= first < start + dt.timedelta(hours=6)  # the whole run, and then some
    assert timezone.localdate(first) >= start.date()
    later = timezone.now()
    assert later >= first
