"""In the demo world, 90-day cases flow to agencies and back, agency staff work only their own
placements, and each commission statement matches the payments behind it."""

from __future__ import annotations

import datetime as dt
import io
from collections import defaultdict
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.db.models import Sum

from accounts.models import User
from agencies.commission import commission_on
from agencies.models import Agency, CommissionStatement, Placement, PlacementRule
from agencies.selectors import cases_placeable
from agencies.services import agencies_run_day, payments_attribute
from cases.models import Case, Payment, Stage
from cases.selectors import cases_visible_to
from pipeline.services import pipeline_run_day
from workspace.services import case_claim_next

pytestmark = pytest.mark.django_db

DAY = dt.date(2026, 11, 23)
NEXT_DAY = DAY + dt.timedelta(days=1)


@pytest.fixture
def world():
    call_command(
        "seed_demo",
        "--debtors",
        "400",
        "--date",
        DAY.isoformat(),
        "--seed",
        "3",
        stdout=io.StringIO(),
    )


def test_the_demo_world_holds_placements_as_the_job_makes_them(world):
    rule = PlacementRule.objects.get(strategy__is_default=True)
    assert rule.challenger_percent == 20
    agency_stage = Stage.objects.get(strategy__is_default=True, action="agency")
    for placement in Placement.objects.select_related("case__account", "agency"):
        assert placement.placed_days_past_due == agency_stage.min_days_past_due
        assert placement.recall_due_on == placement.placed_on + dt.timedelta(
            days=placement.agency.placement_days
        )
        assert placement.commission_rate > 0
        if placement.recall_reason == "placement period ended":
            assert placement.recalled_on == placement.recall_due_on
            assert placement.recall_destination == "next_stage"
    assert {p.allocation for p in Placement.objects.all()} == {
        "capacity_weighted",
        "performance_weighted",
    }
    assert Agency.objects.exclude(commission_basis="flat").exists()


def test_demo_payments_are_attributed_as_the_rule_says(world):
    now = dt.datetime.combine(DAY, dt.time(7), tzinfo=dt.UTC)
    assert payments_attribute(since=DAY - dt.timedelta(days=200), until=DAY, now=now) == 0


def test_each_statement_matches_the_payments_behind_it(world):
    statements = CommissionStatement.objects.select_related("agency")
    assert statements.exists()
    for statement in statements:
        lines = statement.lines.all()
        paid = (
            Payment.objects.filter(
                agency=statement.agency,
                received_on__range=(statement.period_start, statement.period_end),
            )
            .values_list("currency")
            .annotate(Sum("amount"))
        )
        collected = defaultdict(Decimal)
        for line in lines:
            collected[line.currency] += line.collected
            assert line.commission == commission_on(line.collected, line.commission_rate)
        assert {c: a for c, a in collected.items() if a} == dict(paid)


def night(day: dt.date):
    now = dt.datetime.combine(day, dt.time(7), tzinfo=dt.UTC)
    pipeline_run_day(business_date=day, now=now)
    return agencies_run_day(business_date=day, now=now)


def test_the_next_nights_place_the_awaiting_cases_and_recall_the_due_ones(world):
    now = dt.datetime.combine(NEXT_DAY, dt.time(7), tzinfo=dt.UTC)
    pipeline_run_day(business_date=NEXT_DAY, now=now)
    awaiting = set(cases_placeable().values_list("pk", flat=True))
    assert awaiting

    counts = agencies_run_day(business_date=NEXT_DAY, now=now)

    placed = set(Placement.objects.filter(placed_on=NEXT_DAY).values_list("case_id", flat=True))
    assert placed == awaiting
    assert counts["placed"] == len(awaiting)
    assert Case.objects.filter(pk__in=placed).exclude(status="placed").count() == 0

    first_due = Placement.objects.filter(recalled_on__isnull=True).order_by("recall_due_on")[0]
    due = set(
        Placement.objects.filter(
            recalled_on__isnull=True, recall_due_on=first_due.recall_due_on
        ).values_list("pk", flat=True)
    )
    day = NEXT_DAY
    while day < first_due.recall_due_on:
        day += dt.timedelta(days=1)
        counts = night(day)
    recalled = Placement.objects.filter(pk__in=due, recalled_on=day)
    assert counts["recalled"] >= recalled.count() > 0
    for placement in recalled.select_related("case__stage"):
        case = placement.case
        # On to litigation, unless cured that night or paused by a pending promise.
        assert (case.status, case.stage.action) in {
            ("litigation", "litigation"),
            ("promised", "agency"),
            ("cured", "agency"),
        }
    for agency in Agency.objects.all():
        assert agency.placements.filter(recalled_on__isnull=True).count() <= agency.capacity


def test_an_agency_agent_works_only_their_own_agency_placements(world):
    agent = User.objects.get(username="agency1_agent")
    mine = set(
        Placement.objects.filter(agency=agent.agency, recalled_on__isnull=True).values_list(
            "case_id", flat=True
        )
    )
    assert mine
    assert set(cases_visible_to(agent).values_list("pk", flat=True)) == mine
    now = dt.datetime.combine(DAY, dt.time(16), tzinfo=dt.UTC)
    served = case_claim_next(user=agent, now=now)
    assert served is None or served.pk in mine
