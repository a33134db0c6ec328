"""Deciding the plans debtors asked for, from the Approvals page."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.roles import Role
from agreements.models import RepaymentPlan
from agreements.services import plan_request_by_debtor
from common.days import business_day_of
from tests.agreements.conftest import case_in_team
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def requested(team) -> RepaymentPlan:
    """72 monthly instalments under CN-bank (plans of at most 60 months): requested today."""
    now = timezone.now()
    today = business_day_of(now)
    return plan_request_by_debtor(
        case=case_in_team(team, policy="CN-bank", balance="7200.00"),
        instalment_count=72,
        frequency="monthly",
        first_due_date=today + dt.timedelta(days=10),
        business_date=today,
        now=now,
    )


def test_the_approvals_page_lists_the_plans_asked_for_and_approves_one(
    client, supervisor, requested
):
    client.force_login(supervisor)
    page = client.get(reverse("supervision:approvals"))
    assert list(page.context["requested_plans"]) == [requested]
    assert reverse("agreements:plan_decide", args=[requested.pk]) in page.content.decode()
    response = client.post(
        reverse("agreements:plan_decide", args=[requested.pk]),
        {"decision": "approve", "note": "Income checked"},
        follow=True,
    )
    assert response.redirect_chain[-1][0] == reverse("supervision:approvals")
    assert f"Plan #{requested.pk} approved" in response.content.decode()
    requested.refresh_from_db()
    assert requested.status == RepaymentPlan.Status.ACTIVE
    assert requested.decided_by == supervisor and requested.decision_note == "Income checked"
    assert list(response.context["requested_plans"]) == []


def test_declining_from_the_approvals_page_needs_a_reason(client, supervisor, requested):
    client.force_login(supervisor)
    url = reverse("agreements:plan_decide", args=[requested.pk])
    response = client.post(url, {"decision": "decline", "note": ""}, follow=True)
    assert "Give a reason: the debtor is shown it." in response.content.decode()
    requested.refresh_from_db()
    assert requested.status == RepaymentPlan.Status.REQUESTED
    client.post(url, {"decision": "decline", "note": "Too long"})
    requested.refresh_from_db()
    assert requested.status == RepaymentPlan.Status.DECLINED
    assert requested.decision_note == "Too long"


def test_collectors_and_other_teams_supervisors_cannot_decide(
    client, collector, other_team, requested
):
    url = reverse("agreements:plan_decide", args=[requested.pk])
    assert client.post(url, {"decision": "approve"}).status_code == 302  # to the login page
    client.force_login(collector)
    assert client.post(url, {"decision": "approve"}).status_code == 404
    stranger = UserFactory(username="stranger", role=Role.SUPERVISOR, team=other_team)
    other_team.supervisors.add(stranger)
    client.force_login(stranger)
    assert client.post(url, {"decision": "approve"}).status_code == 404
    assert list(client.get(reverse("supervision:approvals")).context["requested_plans"]) == []
    requested.refresh_from_db()
    assert requested.status == RepaymentPlan.Status.REQUESTED
