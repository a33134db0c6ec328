"""Plans debtors asked for beyond the policy's rules: a supervisor approves or declines them."""

from __future__ import annotations

import datetime as dt

import pytest

from accounts.roles import Role
from agreements.models import RepaymentPlan
from agreements.services import (
    AgreementRefused,
    plan_request_approve,
    plan_request_by_debtor,
    plan_request_decline,
)
from cases.models import CardAccount, Case, PromiseToPay
from pipeline.models import OutboundMessage
from tests.agreements.conftest import AGREED_ON, NOW, case_in_team, moment
from tests.factories import PromiseToPayFactory, UserFactory

pytestmark = pytest.mark.django_db


def requested(team) -> RepaymentPlan:
    """72 monthly instalments under CN-bank (plans of at most 60 months): requested."""
    case = case_in_team(team, policy="CN-bank", balance="7200.00")
    plan = plan_request_by_debtor(
        case=case,
        instalment_count=72,
        frequency="monthly",
        first_due_date=AGREED_ON + dt.timedelta(days=14),
        business_date=AGREED_ON,
        now=NOW,
    )
    assert plan.status == RepaymentPlan.Status.REQUESTED
    return plan


def test_approving_agrees_the_plan_as_one_within_the_rules(team, supervisor):
    plan = requested(team)
    PromiseToPayFactory(case=plan.case, status=PromiseToPay.Status.PENDING)
    later = AGREED_ON + dt.timedelta(days=2)
    approved = plan_request_approve(
        actor=supervisor, plan=plan, business_date=later, now=moment(later), note="Hardship"
    )
    assert approved.status == RepaymentPlan.Status.ACTIVE
    assert (approved.agreed_on, approved.agreed_by, approved.decided_by) == (
        later,
        supervisor,
        supervisor,
    )
    assert approved.decided_at == moment(later) and approved.decision_note == "Hardship"
    # Its confirmation letter goes by post, as a plan agreed within the rules.
    assert approved.letter is not None
    assert approved.letter.purpose == OutboundMessage.Purpose.PLAN_CONFIRMATION
    case = Case.objects.get(pk=plan.case_id)
    assert case.under_repayment_plan and case.paused_at == moment(later)
    assert case.pause_reason == f"Repayment plan #{plan.pk}"
    assert not case.promises.filter(status=PromiseToPay.Status.PENDING).exists()
    assert case.activities.filter(notes__startswith=f"Repayment plan #{plan.pk} agreed").exists()


def test_declining_needs_a_reason_and_leaves_the_case_as_it_was(team, supervisor):
    plan = requested(team)
    with pytest.raises(AgreementRefused, match="Give a reason"):
        plan_request_decline(
            actor=supervisor, plan=plan, reason="  ", business_date=AGREED_ON, now=NOW
        )
    declined = plan_request_decline(
        actor=supervisor,
        plan=plan,
        reason="Six years is too long; ask for five.",
        business_date=AGREED_ON,
        now=NOW,
    )
    assert declined.status == RepaymentPlan.Status.DECLINED
    assert declined.resolved_on == AGREED_ON and declined.decided_by == supervisor
    assert declined.decision_note == "Six years is too long; ask for five."
    assert declined.letter is None
    case = Case.objects.get(pk=plan.case_id)
    assert not case.under_repayment_plan and case.paused_at is None
    assert case.activities.filter(notes__contains="declined: Six years").exists()
    # Decided once: neither can follow.
    with pytest.raises(AgreementRefused, match="no longer awaits"):
        plan_request_approve(actor=supervisor, plan=plan, business_date=AGREED_ON, now=NOW)


def test_a_supervisor_of_another_team_cannot_decide(team, other_team, supervisor):
    stranger = UserFactory(role=Role.SUPERVISOR)
    other_team.supervisors.add(stranger)
    plan = requested(team)
    with pytest.raises(RepaymentPlan.DoesNotExist):
        plan_request_approve(actor=stranger, plan=plan, business_date=AGREED_ON, now=NOW)
    with pytest.raises(RepaymentPlan.DoesNotExist):
        plan_request_decline(
            actor=stranger, plan=plan, reason="No", business_date=AGREED_ON, now=NOW
        )
    assert RepaymentPlan.objects.get(pk=plan.pk).status == RepaymentPlan.Status.REQUESTED


def test_a_plan_whose_first_instalment_passed_cannot_be_approved(team, supervisor):
    plan = requested(team)
    late = plan.first_due_date + dt.timedelta(days=1)
    with pytest.raises(AgreementRefused, match="decline it"):
        plan_request_approve(actor=supervisor, plan=plan, business_date=late, now=moment(late))
    assert RepaymentPlan.objects.get(pk=plan.pk).status == RepaymentPlan.Status.REQUESTED


def test_a_closed_case_or_a_smaller_balance_refuses_the_approval(team, supervisor):
    plan = requested(team)
    CardAccount.objects.filter(pk=plan.case.account_id).update(balance=100)
    with pytest.raises(AgreementRefused, match="more than the balance"):
        plan_request_approve(actor=supervisor, plan=plan, business_date=AGREED_ON, now=NOW)
    Case.objects.filter(pk=plan.case_id).update(status=Case.Status.CLOSED, closed_at=NOW)
    with pytest.raises(AgreementRefused, match="closed"):
        plan_request_approve(actor=supervisor, plan=plan, business_date=AGREED_ON, now=NOW)
