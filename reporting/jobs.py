"""RQ jobs keeping the dashboards' statistics: each reads the clock once and calls a service."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from reporting.stats import stats_refresh, stats_snapshot_day


def refresh_statistics() -> list[str]:
    """Recompute the days whose activities, promises, payments or decisions changed."""
    return [day.isoformat() for day in stats_refresh(now=timezone.now())]


def snapshot_statistics(business_date: str | None = None) -> int:
    """The portfolio snapshot (and roll rates, and for today the queue) of a day; default today."""
    now = timezone.now()
    day = dt.date.fromisoformat(business_date) if business_date else timezone.localdate(now)
    return stats_snapshot_day(day=day, now=now)


def snapshot_yesterday() -> int:
    """Yesterday's final snapshot, after the day has ended (month ends included)."""
    now = timezone.now()
    return stats_snapshot_day(day=timezone.localdate(now) - dt.timedelta(days=1), now=now)
