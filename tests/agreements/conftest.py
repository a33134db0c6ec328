"""Cases to agree plans and offers on, under a chosen policy, in the collector's team."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from agreements.models import ApprovalLimit
from cases.models import Case
from tests.compliance.factories import StrategyFactory
from tests.factories import CardAccountFactory, CaseFactory, PaymentFactory

AGREED_ON = dt.date(2026, 12, 1)
NOW = dt.datetime(2026, 12, 1, 9, 0, tzinfo=dt.UTC)


def moment(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(9, 0), tzinfo=dt.UTC)


def case_in_team(team, *, policy: str = "US-RegF", balance: str = "1200.00", **debtor) -> Case:
    account = CardAccountFactory(
        balance=Decimal(balance),
        currency="CNY" if policy == "CN-bank" else "USD",
        **{f"debtor__{name}": value for name, value in debtor.items()},
    )
    return CaseFactory(account=account, team=team, strategy=StrategyFactory(policy=policy))


def pay(case: Case, amount: str, on: dt.date):
    return PaymentFactory(
        account=case.account,
        case=case,
        amount=Decimal(amount),
        currency=case.account.currency,
        received_on=on,
    )


@pytest.fixture
def limits(db):
    """Collectors grant up to 10% or 200; supervisors up to 30% or 500 (USD)."""
    ApprovalLimit.objects.create(
        role="collector",
        currency="USD",
        max_discount_percent=Decimal(10),
        max_discount_amount=Decimal(200),
    )
    ApprovalLimit.objects.create(
        role="supervisor",
        currency="USD",
        max_discount_percent=Decimal(30),
        max_discount_amount=Decimal(500),
    )
