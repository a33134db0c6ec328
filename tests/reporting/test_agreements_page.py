"""The Agreements page: plans and settlement offers in the period, by scope, to their cases."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse

from agreements.models import RepaymentPlan, SettlementOffer
from reporting.agreement_figures import agreement_figures
from tests.reporting.conftest import DAY, days
from tests.reporting.helpers import figures, rows

pytestmark = pytest.mark.django_db

PERIOD = {"date_from": (DAY - days(6)).isoformat(), "date_to": DAY.isoformat(), "currency": "USD"}


def plan(case, by, *, agreed_on: dt.date, status="active", resolved_on=None, total="300.00"):
    return RepaymentPlan.objects.create(
        case=case,
        total_amount=Decimal(total),
        currency="USD",
        frequency=RepaymentPlan.Frequency.MONTHLY,
        instalment_count=3,
        first_due_date=agreed_on + days(10),
        agreed_on=agreed_on,
        agreed_by=by,
        agreed_via=RepaymentPlan.Channel.CALL,
        status=status,
        resolved_on=resolved_on,
        paid_amount=Decimal("100.00") if status != "active" else Decimal(0),
    )


def offer(case, by, *, offered_on: dt.date, status="offered", amount="600.00", **dates):
    return SettlementOffer.objects.create(
        case=case,
        balance=Decimal("1000.00"),
        amount=Decimal(amount),
        waived_amount=Decimal("1000.00") - Decimal(amount),
        currency="USD",
        expires_on=offered_on + days(30),
        reason="Hardship",
        status=status,
        offered_on=offered_on,
        created_by=by,
        **dates,
    )


@pytest.fixture
def agreements(world, collector, collector2, outsider):
    case1, case2, case_b = world["case1"], world["case2"], world["case_b"]
    plan(case1, collector, agreed_on=DAY - days(2), total="300.00")
    plan(case2, collector2, agreed_on=DAY - days(40), status="broken", resolved_on=DAY)
    plan(case2, collector2, agreed_on=DAY - days(3), status="kept", resolved_on=DAY, total="90.00")
    plan(case_b, outsider, agreed_on=DAY - days(1), total="999.00")  # team B's
    offer(case1, collector, offered_on=DAY - days(1))
    offer(
        case2,
        collector2,
        offered_on=DAY - days(20),
        status="paid",
        amount="700.00",
        accepted_on=DAY - days(15),
        resolved_on=DAY - days(1),
    )
    offer(case_b, outsider, offered_on=DAY, amount="100.00")  # team B's
    return world


def test_plans_and_offers_are_counted_by_what_became_of_them_in_the_period(agreements, supervisor):
    shown = figures(agreement_figures, supervisor, **PERIOD)

    plans = rows(shown["plans"])
    assert plans["Agreed"]["plans"] == 2  # case1's and case2's second; the first is older
    assert plans["Agreed"]["amount"] == Decimal("390.00")
    assert plans["Kept to the end"]["plans"] == 1
    assert plans["Broken"]["plans"] == 1
    assert plans["Broken"]["paid"] == Decimal("100.00")
    assert plans["Cancelled"]["plans"] == 0

    offers = rows(shown["settlements"])
    assert offers["Offered"]["offers"] == 1  # case2's was offered before the period
    assert offers["Offered"]["settled"] == Decimal("600.00")
    assert offers["Offered"]["waived"] == Decimal("400.00")
    assert offers["Accepted by the debtor"]["offers"] == 0
    assert offers["Paid: settled"]["offers"] == 1
    assert offers["Paid: settled"]["waived"] == Decimal("300.00")


def test_a_collector_filter_counts_what_that_collector_agreed(agreements, supervisor, collector2):
    shown = figures(agreement_figures, supervisor, **PERIOD, collector=collector2.pk)

    assert rows(shown["plans"])["Agreed"]["plans"] == 1
    assert rows(shown["settlements"])["Offered"]["offers"] == 0


def test_each_count_lists_its_cases_and_nothing_of_another_team(client, agreements, supervisor):
    client.force_login(supervisor)
    response = client.get(reverse("reporting:page", args=["agreements"]), PERIOD)
    assert response.status_code == 200
    html = response.content.decode()
    assert 'data-figure="plans"' in html and 'data-figure="settlements"' in html
    assert "999.00" not in html

    [agreed] = [
        cells for cells in response.context["figures"][0].rows if cells[0].value == "Agreed"
    ]
    listed = client.get(agreed[1].url)
    assert listed.status_code == 200
    assert sorted(case.pk for case in listed.context["page"]) == sorted(
        [agreements["case1"].pk, agreements["case2"].pk]
    )


def test_a_compliance_officer_sees_every_team(agreements, compliance_officer):
    shown = figures(agreement_figures, compliance_officer, **PERIOD)
    assert rows(shown["plans"])["Agreed"]["plans"] == 3
