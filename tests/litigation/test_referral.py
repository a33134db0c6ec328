"""The litigation stage refers only the cases that meet its referral criteria; the others stay
at the stage before, and the supervisor's list says what each misses."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from cases.models import Case, PromiseToPay
from litigation.models import ReferralCriteria
from litigation.selectors import cases_held_back
from pipeline.services import pipeline_run_day
from tests.factories import ActivityFactory, CardAccountFactory, PromiseToPayFactory

pytestmark = pytest.mark.django_db

DAY_ZERO = dt.date(2026, 1, 5)


def day(n: int) -> dt.date:
    return DAY_ZERO + dt.timedelta(days=n)


def moment(n: int) -> dt.datetime:
    return dt.datetime.combine(day(n), dt.time(2, 0), tzinfo=dt.UTC)


def run(n: int) -> None:
    pipeline_run_day(business_date=day(n), now=moment(n))


@pytest.fixture
def criteria(litigation_stage) -> ReferralCriteria:
    return ReferralCriteria.objects.create(
        stage=litigation_stage,
        min_balance=Decimal("1000.00"),
        failed_attempts=3,
        failed_attempts_days=30,
        when_unreachable=True,
        when_broken_agreement=True,
    )


@pytest.fixture
def case(team) -> Case:
    """A case opened on day 1 of an account 1,200.00 overdue since day 0."""
    CardAccountFactory(oldest_unpaid_due_date=DAY_ZERO, balance=Decimal("1200.00"))
    run(1)
    return Case.objects.get()


def stage_of(case: Case) -> str:
    case.refresh_from_db()
    return case.stage.action


def test_without_criteria_every_case_of_day_120_is_referred(case):
    run(120)
    assert stage_of(case) == "litigation"
    assert case.status == Case.Status.LITIGATION


def test_a_case_with_no_sign_of_failed_collection_stays_at_the_agency_stage(
    case, criteria, supervisor
):
    case.team = supervisor.supervised_teams.get()
    case.save(update_fields=["team"])
    run(120)
    assert stage_of(case) == "agency"

    held = cases_held_back(supervisor, business_date=day(120))
    assert [row.case.pk for row in held] == [case.pk]
    (reason,) = held[0].reasons
    assert "No sign that collection failed" in reason
    assert "0 of 3 failed attempts in 30 days" in reason


def test_an_unreachable_debtor_is_referred(case, criteria):
    case.debtor.is_unreachable = True
    case.debtor.save(update_fields=["is_unreachable"])
    run(120)
    assert stage_of(case) == "litigation"


def test_three_failed_attempts_in_the_period_refer_the_case_two_do_not(case, criteria):
    for hours in (1, 2):
        ActivityFactory(case=case, occurred_at=moment(110) + dt.timedelta(hours=hours))
    # An answered call and an old failure do not count.
    ActivityFactory(case=case, occurred_at=moment(111), outcome="rpc")
    ActivityFactory(case=case, occurred_at=moment(80))
    run(120)
    assert stage_of(case) == "agency"

    ActivityFactory(case=case, occurred_at=moment(119), outcome="voicemail")
    run(121)
    assert stage_of(case) == "litigation"


def test_a_broken_promise_refers_the_case(case, criteria):
    PromiseToPayFactory(
        case=case,
        amount=Decimal("100.00"),
        promised_on=day(50),
        due_date=day(60),
        status=PromiseToPay.Status.BROKEN,
    )
    run(120)
    assert stage_of(case) == "litigation"


def test_a_balance_below_the_minimum_is_not_referred_even_unreachable(case, criteria, supervisor):
    criteria.min_balance = Decimal("5000.00")
    criteria.save()
    case.debtor.is_unreachable = True
    case.debtor.save(update_fields=["is_unreachable"])
    case.team = supervisor.supervised_teams.get()
    case.save(update_fields=["team"])
    run(120)
    assert stage_of(case) == "agency"
    (row,) = cases_held_back(supervisor, business_date=day(120))
    assert row.reasons == ["Balance 1200.00 USD is below the minimum of 5000.00."]


def test_the_held_back_list_shows_nothing_out_of_the_supervisors_teams(
    case, criteria, supervisor, other_team
):
    case.team = other_team
    case.save(update_fields=["team"])
    run(120)
    assert cases_held_back(supervisor, business_date=day(120)) == []
