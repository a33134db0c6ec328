"""New rows in one statement (`bulk_insert`): keys in the objects' order, every kind of value
stored as the model's own save would store it, on both databases."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from cases.models import Payment
from common.bulk import bulk_insert
from supervision.models import SupervisorAction
from tests.factories import CardAccountFactory, UserFactory

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
