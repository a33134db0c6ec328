"""The agencies' nightly step: run by the nightly collections job after the pipeline, and by
commands; statements on the first of each month."""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal

import django_rq
import pytest
from django.core.management import CommandError, call_command

from agencies.models import CommissionStatement, Placement
from agencies.services import agencies_run_day
from collections_site.nightly import run_collections_day
from tests.agencies.conftest import DAY
from tests.factories import PaymentFactory, PlacementFactory

pytestmark = pytest.mark.django_db


def test_the_nightly_job_places_the_awaiting_cases_after_the_pipeline(make_awaiting, make_agency):
    make_agency(name="Northwind")
    case = make_awaiting(days_past_due=95)
    messages = django_rq.get_queue("messages")
    try:
        counts = run_collections_day(DAY.isoformat())
    finally:
        messages.empty()  # the dispatch job the nightly run enqueues after its work
    assert counts["agencies:placed"] == 1
    assert Placement.objects.get(case=case).placed_on == DAY


def test_on_the_first_of_a_month_last_month_statements_are_written():
    placement = PlacementFactory(placed_on=dt.date(2026, 11, 2), commission_rate=Decimal("0.1"))
    PaymentFactory(
        account=placement.case.account, amount=Decimal("80.00"), received_on=dt.date(2026, 11, 5)
    )
    now = dt.datetime(2026, 12, 1, 2, tzinfo=dt.UTC)
    counts = agencies_run_day(business_date=dt.date(2026, 12, 1), now=now)
    assert counts["statements_generated"] == 1
    statement = CommissionStatement.objects.get()
    assert statement.period_start == dt.date(2026, 11, 1)
    assert statement.lines.get().commission == Decimal("8.00")
    next_day = agencies_run_day(business_date=dt.date(2026, 12, 2), now=now)
    assert next_day["statements_generated"] == 0


def test_the_command_runs_a_date_and_its_dry_run_keeps_nothing(make_awaiting, make_agency):
    make_agency(name="Northwind")
    make_awaiting(days_past_due=95)
    out = io.StringIO()
    call_command("run_agency_day", "--date", DAY.isoformat(), "--dry-run", stdout=out)
    assert f"Agencies for {DAY} would do:" in out.getvalue()
    assert "Cases placed" in out.getvalue()
    assert "with Northwind" in out.getvalue()
    assert not Placement.objects.exists()

    call_command("run_agency_day", "--date", DAY.isoformat(), stdout=io.StringIO())
    assert Placement.objects.count() == 1


def test_the_statements_command_writes_a_month_and_refuses_bad_input():
    placement = PlacementFactory(placed_on=dt.date(2026, 10, 2), commission_rate=Decimal("0.2"))
    PaymentFactory(
        account=placement.case.account, amount=Decimal("10.00"), received_on=dt.date(2026, 10, 9)
    )
    out = io.StringIO()
    call_command("agency_statements", "--month", "2026-10", stdout=out)
    assert f"{placement.agency.name}: 2.00 USD on 10.00 collected" in out.getvalue()
    call_command("agency_statements", "--month", "2026-10", stdout=io.StringIO())
    assert CommissionStatement.objects.count() == 1
    with pytest.raises(CommandError, match="YYYY-MM"):
        call_command("agency_statements", "--month", "10/2026")
    with pytest.raises(CommandError, match="No agency named"):
        call_command("agency_statements", "--month", "2026-10", "--agency", "Nobody")
