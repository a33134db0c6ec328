"""A business date, cases awaiting placement and agencies to place them with."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
import time_machine

from cases.models import Case, Stage, StageEntry
from tests.factories import AgencyFactory, CardAccountFactory, CaseFactory, ContactPointFactory
from tests.pipeline.conftest import overdue_account  # noqa: F401  (a fixture)

DAY = dt.date(2026, 11, 23)
NOW = dt.datetime(2026, 11, 23, 3, 0, tzinfo=dt.UTC)


@pytest.fixture
def bank_day():
    """Pages read the bank's clock: it stands at noon on DAY (and runs on) for the test, so the
    pages' "today" is the test's DAY whatever day the suite runs."""
    with time_machine.travel(dt.datetime.combine(DAY, dt.time(12), tzinfo=dt.UTC), tick=True):
        yield DAY


def stage(action: str) -> Stage:
    return Stage.objects.get(strategy__is_default=True, action=action)


@pytest.fixture
def make_awaiting(db, team):
    """`make_awaiting(...)`: an open case at the agency stage, its entry awaiting placement."""

    def make(
        *,
        days_past_due: int = 95,
        balance: str = "1200.00",
        currency: str = "USD",
        day: dt.date = DAY,
        **debtor_flags,
    ) -> Case:
        account = CardAccountFactory(
            oldest_unpaid_due_date=day - dt.timedelta(days=days_past_due),
            balance=Decimal(balance),
            currency=currency,
            **{f"debtor__{flag}": value for flag, value in debtor_flags.items()},
        )
        agency_stage = stage(Stage.Action.AGENCY)
        case = CaseFactory(account=account, stage=agency_stage, stage_entered_at=NOW, team=team)
        ContactPointFactory(debtor=case.debtor)
        StageEntry.objects.create(
            case=case,
            stage=agency_stage,
            entered_on=day,
            entered_at=NOW,
            days_past_due=days_past_due,
            action_status=StageEntry.ActionStatus.PENDING,
            action_note="awaiting agency placement",
        )
        return case

    return make


@pytest.fixture
def make_agency(db):
    """`make_agency(capacity=…)`: an agency eligible on DAY (contract and licence valid)."""

    def make(**fields):
        fields.setdefault("capacity", 100)
        fields.setdefault("placement_days", 30)
        return AgencyFactory(**fields)

    return make
