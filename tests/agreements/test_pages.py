"""The agreements' pages: scope (404 outside it), making a plan and an offer through the forms,
bad input answered with a message, and the letters in the debtor's language."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
import time_machine
from django.urls import reverse

from agreements.models import RepaymentPlan, SettlementOffer
from agreements.services import plan_create
from tests.agreements.conftest import case_in_team
from tests.factories import ContactPointFactory
from tests.pdfs import pdf_text

pytestmark = pytest.mark.django_db

TODAY = dt.datetime(2026, 12, 1, 9, 0, tzinfo=dt.UTC)


@pytest.fixture(autouse=True)
def on_the_first_of_december():
    with time_machine.travel(TODAY, tick=False):
        yield


def plan_on(case, collector) -> RepaymentPlan:
    return plan_create(
        actor=collector,
        case=case,
        total_amount=Decimal("1000.00"),
        instalment_count=3,
        frequency=RepaymentPlan.Frequency.MONTHLY,
        first_due_date=dt.date(2026, 12, 31),
        agreed_via=RepaymentPlan.Channel.CALL,
        business_date=dt.date(2026, 12, 1),
        now=TODAY,
    )


def test_a_collector_records_a_plan_from_the_form(client, collector, team):
    case = case_in_team(team)
    client.force_login(collector)

    response = client.post(
        reverse("agreements:plan_new", args=[case.pk]),
        {
            "total_amount": "900.00",
            "instalment_count": "3",
            "frequency": "monthly",
            "first_due_date": "2026-12-15",
            "agreed_via": "call",
        },
        follow=True,
    )

    plan = RepaymentPlan.objects.get(case=case)
    assert response.redirect_chain[-1][0] == reverse("agreements:plan", args=[plan.pk])
    assert [i.amount for i in plan.instalments.all()] == [Decimal("300.00")] * 3


def test_a_refused_plan_keeps_what_was_typed_and_says_why(client, collector, team):
    case = case_in_team(team, policy="CN-bank", time_zone="Asia/Shanghai")
    client.force_login(collector)

    response = client.post(
        reverse("agreements:plan_new", args=[case.pk]),
        {
            "total_amount": "1200.00",
            "instalment_count": "72",
            "frequency": "monthly",
            "first_due_date": "2026-12-15",
            "agreed_via": "call",
        },
    )

    assert response.status_code == 200
    assert "at most 60 months" in response.content.decode()
    assert 'value="1200.00"' in response.content.decode()
    assert not RepaymentPlan.objects.exists()


@pytest.mark.parametrize("total", ["NaN", "1e3", "-5", "9" * 40, "١٢٣"])
def test_nonsense_amounts_are_answered_with_a_form_error(client, collector, team, total):
    case = case_in_team(team)
    client.force_login(collector)

    response = client.post(
        reverse("agreements:plan_new", args=[case.pk]),
        {
            "total_amount": total,
            "instalment_count": "3",
            "frequency": "monthly",
            "first_due_date": "2026-12-15",
            "agreed_via": "call",
        },
    )

    assert response.status_code == 200
    assert not RepaymentPlan.objects.exists()


def test_an_outsider_gets_404_on_every_agreement_page(client, collector, outsider, team):
    case = case_in_team(team)
    plan = plan_on(case, collector)
    client.force_login(outsider)

    for url in (
        reverse("agreements:case", args=[case.pk]),
        reverse("agreements:plan_new", args=[case.pk]),
        reverse("agreements:offer_new", args=[case.pk]),
        reverse("agreements:plan", args=[plan.pk]),
        reverse("agreements:plan_letter", args=[plan.pk]),
        reverse("agreements:plan_letter_pdf", args=[plan.pk]),
    ):
        assert client.get(url).status_code == 404, url


def test_a_collector_makes_an_offer_that_waits_for_approval(client, collector, team, limits):
    case = case_in_team(team)
    client.force_login(collector)

    response = client.post(
        reverse("agreements:offer_new", args=[case.pk]),
        {
            "kind": "settlement",
            "amount": "600.00",
            "expires_on": "2026-12-31",
            "reason": "Hardship",
        },
        follow=True,
    )

    offer = SettlementOffer.objects.get(case=case)
    assert offer.status == SettlementOffer.Status.AWAITING
    assert "awaits approval" in response.content.decode()


def test_the_plan_letter_is_in_chinese_for_a_chinese_debtor(client, collector, team):
    case = case_in_team(
        team, policy="CN-bank", time_zone="Asia/Shanghai", language="zh-hans", full_name="张喆"
    )
    ContactPointFactory(debtor=case.debtor, kind="postal", value="北京市朝阳区建国路88号")
    plan = plan_on(case, collector)
    client.force_login(collector)

    response = client.get(reverse("agreements:plan_letter_pdf", args=[plan.pk]))

    assert response["Content-Type"] == "application/pdf"
    text = pdf_text(response.content)
    assert "还款计划确认函" in text
    assert "张喆" in text
    assert "北京市朝阳区建国路88号" in text
    assert "分3期" in text
    assert "2027年2月28日" in text
    assert "repayment" not in text.lower()
    html = client.get(reverse("agreements:plan_letter", args=[plan.pk])).content.decode()
    assert "还款计划确认函" in html


def test_the_case_page_links_to_its_plans_and_offers(client, collector, team):
    case = case_in_team(team)
    client.force_login(collector)

    page = client.get(reverse("workspace:detail", args=[case.pk])).content.decode()

    assert reverse("agreements:case", args=[case.pk]) in page
