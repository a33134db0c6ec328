"""Many collectors pressing "next case" at once on PostgreSQL: each case goes to one of them."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal

import pytest
from django.db import connection
from django.utils import timezone

from accounts.roles import Role
from cases.models import CardAccount, Case, Strategy
from tests.factories import ContactPointFactory, DebtorFactory, UserFactory
from workspace.services import case_claim_next

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]
CASES, COLLECTORS = 1000, 20


def build_pool(team, phone_stage, open_zone) -> list[int]:
    """CASES open phone-stage cases in the team's pool, bulk-created (ten debtors share them)."""
    debtors = [DebtorFactory(time_zone=open_zone) for _ in range(10)]
    for debtor in debtors:
        ContactPointFactory(debtor=debtor)
    accounts = CardAccount.objects.bulk_create(
        CardAccount(
            debtor=debtors[n % 10],
            account_reference=f"CONC{n:06d}",
            card_last4="4242",
            product="Classic",
            currency="USD",
            credit_limit=Decimal(5000),
            balance=Decimal(100 + n),
            minimum_due=Decimal(50),
        )
        for n in range(CASES)
    )
    strategy = Strategy.objects.get(is_default=True)
    cases = Case.objects.bulk_create(
        Case(
            account=account,
            debtor=account.debtor,
            strategy=strategy,
            stage=phone_stage,
            team=team,
            priority_score=n,
            opened_at=timezone.now(),
            balance_at_open=account.balance,
        )
        for n, account in enumerate(accounts)
    )
    return [case.pk for case in cases]


def claim_until_empty(user) -> list[int]:
    """Claim, "work" (the case comes back only later), claim again, until nothing is left."""
    claimed = []
    try:
        while (case := case_claim_next(user=user, now=timezone.now())) is not None:
            claimed.append(case.pk)
            Case.objects.filter(pk=case.pk).update(
                next_action_at=timezone.now() + dt.timedelta(days=1)
            )
    finally:
        connection.close()
    return claimed


def claim_all_at_once(users) -> Counter:
    with ThreadPoolExecutor(max_workers=len(users)) as pool:
        results = list(pool.map(claim_until_empty, users))
    assert all(results), "every collector got work"
    return Counter(case_id for claimed in results for case_id in claimed)


def test_twenty_collectors_claim_a_thousand_cases_each_exactly_once(team, phone_stage, open_zone):
    case_ids = build_pool(team, phone_stage, open_zone)
    users = [UserFactory(role=Role.COLLECTOR, team=team) for _ in range(COLLECTORS)]
    claims = claim_all_at_once(users)
    assert set(claims) == set(case_ids)
    assert set(claims.values()) == {1}


def test_expired_leases_are_claimed_again(team, phone_stage, open_zone):
    case_ids = build_pool(team, phone_stage, open_zone)
    gone = UserFactory(role=Role.COLLECTOR, team=team)
    Case.objects.update(claimed_by=gone, claim_expires_at=timezone.now() - dt.timedelta(seconds=1))
    users = [UserFactory(role=Role.COLLECTOR, team=team) for _ in range(COLLECTORS)]
    claims = claim_all_at_once(users)
    assert set(claims) == set(case_ids)
    assert set(claims.values()) == {1}


def test_a_live_lease_is_not_claimed_by_anyone_else(team, phone_stage, open_zone):
    build_pool(team, phone_stage, open_zone)
    holder = UserFactory(role=Role.COLLECTOR, team=team)
    Case.objects.update(
        claimed_by=holder, claim_expires_at=timezone.now() + dt.timedelta(minutes=5)
    )
    users = [UserFactory(role=Role.COLLECTOR, team=team) for _ in range(4)]
    with ThreadPoolExecutor(max_workers=4) as pool:
        assert list(pool.map(claim_until_empty, users)) == [[], [], [], []]
