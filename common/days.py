"""The bank's business days. A business date is a calendar day in the bank's time zone
(`TIME_ZONE`), from one local midnight to the next, whatever the server's or the debtor's zone."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from django.conf import settings


def bank_time_zone() -> ZoneInfo:
    return ZoneInfo(settings.TIME_ZONE)


def business_day_start(day: dt.date) -> dt.datetime:
    """The moment `day` begins: midnight in the bank's time zone.

    A day ends where the next one starts, never 24 hours after its start: on a daylight-saving
    change it lasts 23 or 25 hours.
    """
    return dt.datetime.combine(day, dt.time(0), tzinfo=bank_time_zone())


def business_day_of(moment: dt.datetime) -> dt.date:
    """The business date `moment` (an aware datetime) falls on."""
    return moment.astimezone(bank_time_zone()).date()


def month_bounds(day: dt.date) -> tuple[dt.date, dt.date]:
    """The first and last day of `day`'s calendar month."""
    start = day.replace(day=1)
    following = (start + dt.timedelta(days=32)).replace(day=1)
    return start, following - dt.timedelta(days=1)


def working_days_after(day: dt.date, days: int) -> dt.date:
    """The date `days` working days (Monday to Friday) after `day`."""
    while days > 0:
        day += dt.timedelta(days=1)
        if day.weekday() < 5:
            days -= 1
    return day
