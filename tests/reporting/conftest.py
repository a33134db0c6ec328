"""A small world with hand-countable figures: team A (two collectors), team B (one)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from accounts.roles import Role
from cases.models import Activity, Case, PromiseToPay, Stage
from common.days import business_day_start
from compliance.engine import compliance_decide
from tests.factories import (
    ActivityFactory,
    CardAccountFactory,
    CaseFactory,
    ContactPointFactory,
    PaymentFactory,
    PromiseToPayFactory,
    UserFactory,
)

DAY = dt.date(2026, 11, 10)


def at(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    """A moment of a business day, in the bank's time zone."""
    return business_day_start(day) + dt.timedelta(hours=hour, minutes=minute)


def days(n: int) -> dt.timedelta:
    return dt.timedelta(days=n)


def make_case(team, *, due: dt.date | None, balance: str, opened: dt.date, **fields) -> Case:
    account = CardAccountFactory(
        oldest_unpaid_due_date=due, balance=Decimal(balance), debtor__time_zone="America/New_York"
    )
    case = CaseFactory(
        account=account,
        team=team,
        opened_at=at(opened, 2),
        balance_at_open=Decimal(balance),
        **fields,
    )
    case.phone = ContactPointFactory(debtor=case.debtor)
    return case


def call(case, actor, when, outcome, seconds, direction=Activity.Direction.OUTBOUND):
    return ActivityFactory(
        case=case,
        actor=actor,
        occurred_at=when,
        outcome=outcome,
        duration_seconds=seconds,
        direction=direction,
        contact_point=case.phone,
    )


@pytest.fixture
def collector2(team):
    return UserFactory(username="collector2", role=Role.COLLECTOR, team=team)


@pytest.fixture
def stage_of(db):
    def stage(action: str) -> Stage:
        return Stage.objects.get(strategy__is_default=True, action=action)

    return stage


@pytest.fixture
def world(team, other_team, collector, collector2, supervisor, outsider, stage_of):
    """Team A's day DAY, counted by hand in tests/dashboards/test_measures.py."""
    phone = stage_of(Stage.Action.CALL_QUEUE)
    case1 = make_case(
        team,
        due=DAY - days(10),
        balance="1000.00",
        opened=DAY - days(9),
        stage=stage_of(Stage.Action.SMS),
    )
    case2 = make_case(
        team,
        due=DAY - days(45),
        balance="2000.00",
        opened=DAY - days(44),
        stage=phone,
        stage_entered_at=at(DAY - days(15), 2),
    )
    case3 = make_case(
        team,
        due=DAY - days(95),
        balance="500.00",
        opened=DAY - days(94),
        stage=stage_of(Stage.Action.AGENCY),
    )
    # Cured two days after DAY: on the books at DAY, 31 days past due (opened DAY - 30).
    cured_later = make_case(
        team,
        due=None,
        balance="400.00",
        opened=DAY - days(30),
        stage=phone,
        status=Case.Status.CURED,
        closed_at=at(DAY + days(2), 18),
    )
    # Cured before DAY, at the phone stage: off the books at DAY.
    cured_before = make_case(
        team,
        due=None,
        balance="250.00",
        opened=DAY - days(40),
        stage=phone,
        status=Case.Status.CURED,
        closed_at=at(DAY - days(3), 18),
    )
    case_b = make_case(other_team, due=DAY - days(10), balance="700.00", opened=DAY - days(9))

    # Calls of DAY: collector on case1 (4 out), an inbound right-party call on case2;
    # collector2 on case2 (2 out); a note (not a call); outsider on team B's case.
    call(case1, collector, at(DAY, 9), "no_answer", 30)
    call(case1, collector, at(DAY, 9, 30), "voicemail", 60)
    call(case1, collector, at(DAY, 11), "rpc", 300)
    call(case1, collector, at(DAY, 12), "promise", 600)
    call(case2, collector, at(DAY, 10), "rpc", 120, Activity.Direction.INBOUND)
    call(case2, collector2, at(DAY, 8), "no_answer", 20)
    call(case2, collector2, at(DAY, 14), "refused", 180)
    ActivityFactory(
        case=case1,
        actor=collector,
        occurred_at=at(DAY, 13),
        channel=Activity.Channel.NOTE,
        outcome=Activity.Outcome.NOTE,
    )
    for hour in (9, 10, 11):
        call(case_b, outsider, at(DAY, hour), "no_answer", 40)

    # Promises: one taken on DAY; one kept and one broken, resolved on DAY.
    PromiseToPayFactory(
        case=case1,
        created_by=collector,
        amount=Decimal("200.00"),
        promised_on=DAY,
        due_date=DAY + days(7),
    )
    PromiseToPayFactory(
        case=case2,
        created_by=collector,
        amount=Decimal("300.00"),
        promised_on=DAY - days(5),
        due_date=DAY - days(1),
        status=PromiseToPay.Status.KEPT,
        resolved_on=DAY,
    )
    PromiseToPayFactory(
        case=case2,
        created_by=collector2,
        amount=Decimal("100.00"),
        promised_on=DAY - days(10),
        due_date=DAY - days(3),
        status=PromiseToPay.Status.BROKEN,
        resolved_on=DAY,
    )

    # Payments of DAY: case1's is earned by collector (promise call), case2's by collector2
    # (the refusal at 14:00 is the last right-party call), case3's by nobody.
    PaymentFactory(account=case1.account, case=case1, amount=Decimal("150.00"), received_on=DAY)
    PaymentFactory(account=case2.account, case=case2, amount=Decimal("80.00"), received_on=DAY)
    PaymentFactory(account=case3.account, case=case3, amount=Decimal("50.00"), received_on=DAY)
    PaymentFactory(account=case_b.account, case=case_b, amount=Decimal("999.00"), received_on=DAY)

    # Compliance: collector2 blocked on case2 (vulnerable debtor), collector's call on case1
    # overridden with the supervisor's approval.
    for case in (case1, case2):
        case.debtor.is_vulnerable = True
        case.debtor.save()
    compliance_decide(
        actor=collector2, case=case2, channel="call", contact_point=case2.phone, moment=at(DAY, 15)
    )
    compliance_decide(
        actor=collector,
        case=case1,
        channel="call",
        contact_point=case1.phone,
        moment=at(DAY, 15, 30),
        override_reason="Specialist reviewed",
        approver=supervisor,
    )
    return {
        "case1": case1,
        "case2": case2,
        "case3": case3,
        "cured_later": cured_later,
        "cured_before": cured_before,
        "case_b": case_b,
    }
