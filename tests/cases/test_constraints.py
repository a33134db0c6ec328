"""The database itself refuses bad states (run on PostgreSQL in CI, and on SQLite)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from accounts.models import User
from cases.models import Case
from tests.factories import (
    AgencyFactory,
    CardAccountFactory,
    CaseFactory,
    PaymentFactory,
    PlacementFactory,
    PromiseToPayFactory,
    TeamFactory,
)

pytestmark = pytest.mark.django_db


def refused(**kwargs):
    return pytest.raises(IntegrityError, **kwargs)


def test_a_second_open_case_for_one_account_is_refused():
    case = CaseFactory()
    with refused(), transaction.atomic():
        CaseFactory(account=case.account)


def test_a_new_case_may_open_once_the_previous_one_is_cured():
    case = CaseFactory()
    case.status = Case.Status.CURED
    case.closed_at = timezone.now()
    case.save()
    assert CaseFactory(account=case.account).pk != case.pk


def test_a_negative_payment_is_refused():
    with refused(), transaction.atomic():
        PaymentFactory(amount=Decimal("-10.00"))


def test_a_zero_payment_is_refused():
    with refused(), transaction.atomic():
        PaymentFactory(amount=Decimal("0"))


def test_a_duplicate_payment_reference_is_refused():
    PaymentFactory(external_reference="BANK-123")
    with refused(), transaction.atomic():
        PaymentFactory(external_reference="BANK-123")


def test_a_negative_balance_is_refused():
    with refused(), transaction.atomic():
        CardAccountFactory(balance=Decimal("-1.00"))


def test_a_card_number_longer_than_four_digits_is_refused():
    with pytest.raises(Exception), transaction.atomic():  # noqa: B017 - DataError or IntegrityError
        CardAccountFactory(card_last4="4111111111111111")


def test_a_promise_must_be_for_a_positive_amount():
    with refused(), transaction.atomic():
        PromiseToPayFactory(amount=Decimal("0"))


def test_only_one_pending_promise_per_case():
    promise = PromiseToPayFactory()
    with refused(), transaction.atomic():
        PromiseToPayFactory(case=promise.case)


def test_a_closed_case_needs_its_closing_time_and_an_open_one_has_none():
    with refused(), transaction.atomic():
        CaseFactory(status=Case.Status.CLOSED, closed_at=None)
    with refused(), transaction.atomic():
        CaseFactory(status=Case.Status.OPEN, closed_at=timezone.now())


def test_a_claim_always_carries_its_lease_expiry():
    user = User.objects.create(username="claimer")
    with refused(), transaction.atomic():
        CaseFactory(claimed_by=user, claim_expires_at=None)


def test_a_user_cannot_belong_to_a_team_and_an_agency():
    with refused(), transaction.atomic():
        User.objects.create(username="both", team=TeamFactory(), agency=AgencyFactory())


def test_a_case_is_placed_with_one_agency_at_a_time():
    placement = PlacementFactory()
    with refused(), transaction.atomic():
        PlacementFactory(case=placement.case)


def test_a_recalled_case_can_be_placed_again():
    placement = PlacementFactory()
    placement.recalled_on = dt.date(2026, 11, 20)
    placement.save()
    assert PlacementFactory(case=placement.case).is_current


def test_an_agency_contract_cannot_end_before_it_starts():
    with refused(), transaction.atomic():
        AgencyFactory(contract_start=dt.date(2026, 1, 1), contract_end=dt.date(2025, 1, 1))


def test_a_commission_rate_above_one_hundred_percent_is_refused():
    with refused(), transaction.atomic():
        AgencyFactory(commission_rate=Decimal("1.5000"))
