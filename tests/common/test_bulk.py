"""New rows in one statement (`bulk_insert`) and changed fields of existing rows
(`bulk_update_rows`): keys in the objects' order, every kind of value stored as the model's own
save would store it, on both databases."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.db import transaction

from cases.models import Payment
from common.bulk import bulk_insert, bulk_update_rows
from supervision.models import SupervisorAction
from tests.factories import CardAccountFactory, CaseFactory, UserFactory

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2026, 11, 23, 6, 30, tzinfo=dt.UTC)


def test_the_rows_get_ascending_keys_in_the_objects_order_and_keep_their_values():
    account = CardAccountFactory()
    payments = [
        Payment(
            account=account,
            amount=Decimal(f"{index}0.05"),
            currency="CNY",
            received_on=dt.date(2026, 11, index),
            source=Payment.Source.TRANSFER,
            external_reference=f"BULK{index}",
        )
        for index in (3, 1, 2)
    ]

    returned = bulk_insert(payments)

    assert returned == payments
    keys = [payment.pk for payment in payments]
    assert None not in keys and keys == sorted(keys)
    assert all(not payment._state.adding for payment in payments)
    stored = {p.pk: p for p in Payment.objects.filter(pk__in=keys)}
    for payment in payments:
        row = stored[payment.pk]
        assert (row.amount, row.received_on, row.source, row.external_reference) == (
            payment.amount,
            payment.received_on,
            "transfer",
            payment.external_reference,
        )
        assert row.account_id == account.pk
        assert row.created_at is not None and row.created_at == payment.created_at


def test_structured_values_are_stored_as_the_field_prepares_them():
    actor = UserFactory()
    details = {"cases": [1, 2], "note": "移交", "nested": {"ok": True}}
    [action] = bulk_insert(
        [
            SupervisorAction(
                kind=SupervisorAction.Kind.REASSIGN,
                actor=actor,
                occurred_at=NOW,
                case_count=2,
                details=details,
            )
        ]
    )

    stored = SupervisorAction.objects.get(pk=action.pk)
    assert stored.details == details
    assert stored.occurred_at == NOW and stored.actor_id == actor.pk


def test_nothing_to_insert_writes_nothing():
    assert bulk_insert([]) == []


def _payments(account, count: int) -> list[Payment]:
    return bulk_insert(
        [
            Payment(
                account=account,
                amount=Decimal("10.00"),
                currency="CNY",
                received_on=dt.date(2026, 11, 1),
                external_reference=f"UPD{index}",
            )
            for index in range(count)
        ]
    )


def test_changed_fields_are_written_back_and_the_others_left_as_they_were():
    account = CardAccountFactory()
    case = CaseFactory(account=account, debtor=account.debtor)
    first, second, untouched = _payments(account, 3)
    first.amount, first.case, first.external_reference = Decimal("12.34"), case, "A\tB\\C\n"
    second.amount, second.external_reference = Decimal("0.01"), "二"
    second.received_on = dt.date(2026, 12, 31)
    first.currency = second.currency = "USD"  # changed, but not among the fields written

    with transaction.atomic():
        assert bulk_update_rows([first, second], ["amount", "case", "external_reference"]) == 2
        # Twice in one transaction: the second call starts from nothing left by the first.
        assert bulk_update_rows([second], ["received_on"]) == 1

    stored = {p.pk: p for p in Payment.objects.filter(account=account)}
    assert (stored[first.pk].amount, stored[first.pk].case_id) == (Decimal("12.34"), case.pk)
    assert stored[first.pk].external_reference == "A\tB\\C\n"
    assert (stored[second.pk].amount, stored[second.pk].external_reference) == (
        Decimal("0.01"),
        "二",
    )
    assert stored[second.pk].received_on == dt.date(2026, 12, 31)
    assert stored[first.pk].currency == stored[second.pk].currency == "CNY"
    assert (stored[untouched.pk].amount, stored[untouched.pk].external_reference) == (
        Decimal("10.00"),
        "UPD2",
    )


def test_a_field_can_be_set_back_to_null():
    account = CardAccountFactory()
    case = CaseFactory(account=account, debtor=account.debtor)
    [payment] = _payments(account, 1)
    Payment.objects.filter(pk=payment.pk).update(case=case)
    payment.case = None

    assert bulk_update_rows([payment], ["case"]) == 1

    assert Payment.objects.get(pk=payment.pk).case_id is None


def test_nothing_to_update_writes_nothing():
    assert bulk_update_rows([], ["amount"]) == 0
