"""The commission arithmetic, in one place: statements, the league table and tests use it."""

from __future__ import annotations

import datetime as dt
from decimal import ROUND_HALF_UP, Decimal

CENT = Decimal("0.01")
ROUNDING_RULE = (
    "Commission per placement = collected x the placement's commission rate, rounded to the "
    "cent (half up); the total is the sum of the lines, per currency."
)


def commission_on(collected: Decimal, rate: Decimal) -> Decimal:
    """The commission on one placement line (see ROUNDING_RULE)."""
    return (collected * rate).quantize(CENT, rounding=ROUND_HALF_UP)


def month_bounds(day: dt.date) -> tuple[dt.date, dt.date]:
    """The first and last day of `day`'s calendar month."""
    start = day.replace(day=1)
    following = (start + dt.timedelta(days=32)).replace(day=1)
    return start, following - dt.timedelta(days=1)
