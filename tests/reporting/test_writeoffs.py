"""The portfolio dashboard's write-offs and the recoveries after them, drillable to their
cases within the reader's scope."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse

from cases.models import Case
from tests.factories import CardAccountFactory, CaseFactory, PaymentFactory
from tests.reporting.conftest import DAY, at, days
from tests.reporting.helpers import screen_table

pytestmark = pytest.mark.django_db

PERIOD = {
    "date_from": (DAY - days(9)).isoformat(),
    "date_to": DAY.isoformat(),
    "currency": "USD",
}


def written_off(team, on: dt.date, amount: str) -> Case:
    account = CardAccountFactory(oldest_unpaid_due_date=dt.date(2026, 3, 1))
    return CaseFactory(
        account=account,
        team=team,
        status=Case.Status.WRITTEN_OFF,
        closed_at=at(on, 10),
        written_off_on=on,
        written_off_amount=Decimal(amount),
    )


@pytest.fixture
def write_offs(team, other_team):
    """In team A: two cases written off in the period, one before it; payments after the write-
    offs, one before; in team B: one written off, paid after."""
    first = written_off(team, DAY - days(5), "1000.00")
    second = written_off(team, DAY - days(3), "500.50")
    earlier = written_off(team, DAY - days(40), "700.00")
    PaymentFactory(account=first.account, received_on=DAY - days(6), amount=Decimal("90.00"))
    PaymentFactory(account=first.account, received_on=DAY - days(1), amount=Decimal("20.00"))
    PaymentFactory(account=earlier.account, received_on=DAY - days(2), amount=Decimal("30.00"))
    PaymentFactory(account=earlier.account, received_on=DAY - days(30), amount=Decimal("5.00"))
    theirs = written_off(other_team, DAY - days(5), "9000.00")
    PaymentFactory(account=theirs.account, received_on=DAY, amount=Decimal("900.00"))
    return {"first": first, "second": second, "earlier": earlier, "theirs": theirs}


def test_write_offs_and_recoveries_are_counted_apart(client, supervisor, write_offs):
    client.force_login(supervisor)

    response = client.get(reverse("reporting:page", args=["portfolio"]), PERIOD)

    assert response.status_code == 200
    table = screen_table(response.content.decode(), "write-offs")
    assert table[1:] == [
        ["Written off", "2", "—", "$1,500.50"],
        ["Recovered after write-off", "2", "2", "$50.00"],
    ]


def test_the_figures_drill_to_their_cases_in_the_readers_scope(client, supervisor, write_offs):
    client.force_login(supervisor)

    def drilled(measure: str) -> set[int]:
        response = client.get(reverse("reporting:cases"), {**PERIOD, "measure": measure})
        assert response.status_code == 200
        return {case.pk for case in response.context["page"]}

    assert drilled("written_off") == {write_offs["first"].pk, write_offs["second"].pk}
    assert drilled("recovered") == {write_offs["first"].pk, write_offs["earlier"].pk}
