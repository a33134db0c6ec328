"""Cancelling a plan being kept: the case goes back to its ladder, the plan's own pause lifted,
a supervisor's left; refused with a reason when it cannot be done; 404 outside the scope."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
import time_machine
from django.urls import reverse

from agreements.models import RepaymentPlan
from agreements.services import AgreementRefused, plan_cancel, plan_create
from cases.models import Case
from tests.agreements.conftest import AGREED_ON, NOW, case_in_team
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

LATER = NOW + dt.timedelta(days=3)


def plan_on(case, collector) -> RepaymentPlan:
    return plan_create(
        actor=collector,
        case=case,
        total_amount=Decimal("300.00"),
        instalment_count=3,
        frequency=RepaymentPlan.Frequency.MONTHLY,
        first_due_date=AGREED_ON + dt.timedelta(days=9),
        agreed_via=RepaymentPlan.Channel.CALL,
        business_date=AGREED_ON,
        now=NOW,
    )


def cancel(plan, actor, reason="The debtor withdrew from the plan"):
    return plan_cancel(actor=actor, plan=plan, reason=reason, business_date=LATER.date(), now=LATER)


def test_a_cancelled_plan_puts_the_case_back_in_the_queue(collector, supervisor, team):
    case = case_in_team(team)
    plan = plan_on(case, collector)

    cancelled = cancel(plan, supervisor)

    case.refresh_from_db()
    assert (cancelled.status, cancelled.resolved_on) == ("cancelled", LATER.date())
    assert not case.under_repayment_plan
    assert case.paused_at is None and case.pause_reason == ""
    assert case.next_action_at == LATER
    note = case.activities.latest("occurred_at")
    assert note.notes == f"Repayment plan #{plan.pk} cancelled: The debtor withdrew from the plan"
    assert note.actor == supervisor


def test_a_pause_the_supervisor_set_since_stays(collector, supervisor, team):
    case = case_in_team(team)
    plan = plan_on(case, collector)
    Case.objects.filter(pk=case.pk).update(paused_at=LATER, pause_reason="Hardship review")

    cancel(plan, supervisor)

    case.refresh_from_db()
    assert (case.paused_at, case.pause_reason) == (LATER, "Hardship review")
    assert not case.under_repayment_plan


def test_only_a_plan_being_kept_is_cancelled_and_only_with_a_reason(collector, supervisor, team):
    plan = plan_on(case_in_team(team), collector)

    with pytest.raises(AgreementRefused, match="Give a reason"):
        cancel(plan, supervisor, reason="  ")
    cancel(plan, supervisor)
    with pytest.raises(AgreementRefused, match="Only a plan being kept"):
        cancel(plan, supervisor)


def test_a_plan_outside_the_scope_does_not_exist_for_the_actor(collector, other_team, team):
    plan = plan_on(case_in_team(team), collector)
    stranger = UserFactory(role="supervisor", team=other_team)

    with pytest.raises(RepaymentPlan.DoesNotExist):
        cancel(plan, stranger)


# --- The page ---------------------------------------------------------------------------------


@pytest.fixture
def on_the_day():
    with time_machine.travel(LATER, tick=False):
        yield


def test_a_supervisor_cancels_from_the_plans_page(client, collector, supervisor, team, on_the_day):
    plan = plan_on(case_in_team(team), collector)
    client.force_login(supervisor)
    page = client.get(reverse("agreements:plan", args=[plan.pk])).content.decode()
    assert 'id="plan-cancel-form"' in page

    response = client.post(
        reverse("agreements:plan_cancel", args=[plan.pk]), {"reason": "Recorded twice"}, follow=True
    )

    assert "Plan cancelled" in response.content.decode()
    plan.refresh_from_db()
    assert plan.status == RepaymentPlan.Status.CANCELLED
    assert 'id="plan-cancel-form"' not in response.content.decode()


def test_a_blank_reason_is_answered_on_the_page(client, collector, supervisor, team, on_the_day):
    plan = plan_on(case_in_team(team), collector)
    client.force_login(supervisor)

    response = client.post(reverse("agreements:plan_cancel", args=[plan.pk]), {"reason": ""})

    assert response.status_code == 400
    assert "This field is required" in response.content.decode()
    plan.refresh_from_db()
    assert plan.status == RepaymentPlan.Status.ACTIVE


def test_a_collector_may_not_cancel(client, collector, team, on_the_day):
    plan = plan_on(case_in_team(team), collector)
    client.force_login(collector)

    assert (
        'id="plan-cancel-form"'
        not in client.get(reverse("agreements:plan", args=[plan.pk])).content.decode()
    )
    response = client.post(reverse("agreements:plan_cancel", args=[plan.pk]), {"reason": "x"})
    assert response.status_code == 404
    plan.refresh_from_db()
    assert plan.status == RepaymentPlan.Status.ACTIVE


def test_a_supervisor_of_another_team_gets_a_404(client, collector, team, other_team, on_the_day):
    plan = plan_on(case_in_team(team), collector)
    client.force_login(UserFactory(role="supervisor", team=other_team))

    response = client.post(reverse("agreements:plan_cancel", args=[plan.pk]), {"reason": "x"})
    assert response.status_code == 404
