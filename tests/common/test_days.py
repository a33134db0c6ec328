"""A business day runs from one midnight to the next in the bank's time zone, whatever the
server's zone, and is 23 or 25 hours long on a daylight-saving change."""

from __future__ import annotations

import datetime as dt

import pytest

from common.days import business_day_of, business_day_start, month_bounds


def utc(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text).replace(tzinfo=dt.UTC)


@pytest.fixture
def bank_in_new_york(settings):
    settings.TIME_ZONE = "America/New_York"


def test_a_business_day_starts_at_midnight_in_the_banks_zone(bank_in_new_york):
    assert business_day_start(dt.date(2026, 11, 23)) == utc("2026-11-23 05:00")


@pytest.mark.parametrize(
    ("day", "hours"),
    [
        (dt.date(2026, 3, 8), 23),  # clocks go forward at 02:00
        (dt.date(2026, 3, 9), 24),
        (dt.date(2026, 11, 1), 25),  # clocks go back at 02:00
    ],
)
def test_a_day_ends_where_the_next_begins_across_a_daylight_saving_change(
    bank_in_new_york, day, hours
):
    start, end = business_day_start(day), business_day_start(day + dt.timedelta(days=1))
    # In UTC: Python subtracts two datetimes of the same zone by their wall clocks.
    assert end.astimezone(dt.UTC) - start.astimezone(dt.UTC) == dt.timedelta(hours=hours)


def test_the_zone_is_read_when_asked_so_a_changed_setting_counts(settings):
    settings.TIME_ZONE = "UTC"
    assert business_day_start(dt.date(2026, 11, 23)) == utc("2026-11-23 00:00")
    settings.TIME_ZONE = "Asia/Tokyo"
    assert business_day_start(dt.date(2026, 11, 23)) == utc("2026-11-22 15:00")


def test_a_moment_falls_on_the_banks_date_not_the_utc_one(bank_in_new_york):
    assert business_day_of(utc("2026-11-24 04:59")) == dt.date(2026, 11, 23)
    assert business_day_of(utc("2026-11-24 05:00")) == dt.date(2026, 11, 24)


def test_the_last_moment_of_a_day_is_on_that_day_and_its_end_on_the_next(bank_in_new_york):
    day = dt.date(2026, 11, 1)
    end = business_day_start(day + dt.timedelta(days=1))
    assert business_day_of(end - dt.timedelta(microseconds=1)) == day
    assert business_day_of(end) == day + dt.timedelta(days=1)


@pytest.mark.parametrize(
    ("day", "bounds"),
    [
        ("2026-02-14", ("2026-02-01", "2026-02-28")),
        ("2028-02-29", ("2028-02-01", "2028-02-29")),
        ("2026-12-31", ("2026-12-01", "2026-12-31")),
    ],
)
def test_a_month_runs_from_its_first_to_its_last_day(day, bounds):
    first, last = (dt.date.fromisoformat(text) for text in bounds)
    assert month_bounds(dt.date.fromisoformat(day)) == (first, last)
