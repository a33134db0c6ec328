"""The agencies' part of the nightly run, after the collection pipeline for the same date."""

from __future__ import annotations

import datetime as dt
from collections import Counter

from agencies.services.allocation import placements_allocate
from agencies.services.money import (
    ATTRIBUTION_LOOKBACK_DAYS,
    payments_attribute,
    statements_generate_month,
)
from agencies.services.placements import (
    placements_end_for_closed_cases,
    placements_recall_due,
)
from common.days import month_bounds


def agencies_run_day(*, business_date: dt.date, now: dt.datetime) -> Counter:
    """End the placements of cases that closed (a cure), recall the placements whose period
    ended, attribute recent payments, place the cases awaiting placement; on the first of a
    month, write last month's statements.

    Recalls come first so that the capacity they free is used the same night. Idempotent:
    a second run for the date finds nothing due, nothing unattributed, nothing awaiting, and
    rewrites the same statements.
    """
    counts: Counter = Counter()
    counts.update(placements_end_for_closed_cases(business_date=business_date, now=now))
    counts.update(placements_recall_due(business_date=business_date, now=now))
    counts["payments_attributed"] = payments_attribute(
        since=business_date - dt.timedelta(days=ATTRIBUTION_LOOKBACK_DAYS),
        until=business_date,
        now=now,
    )
    counts.update(placements_allocate(business_date=business_date, now=now))
    if business_date.day == 1:
        last_month, _ = month_bounds(business_date - dt.timedelta(days=1))
        counts["statements_generated"] = len(statements_generate_month(month=last_month, now=now))
    return counts
