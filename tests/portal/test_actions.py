"""What the debtor does on the portal: each action's effect, its activity and its log row."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone
from django.utils.formats import date_format

from agreements.models import RepaymentPlan, SettlementOffer
from agreements.services import plan_request_approve, plan_request_decline
from cases.models import CALL_BACK_PRIORITY, Activity, Case, ContactPoint, Debtor, PromiseToPay
from common.days import working_days_after
from compliance.engine import compliance_decide
from compliance.models import ComplianceLogEntry
from portal.services import PortalRefused, portal_plan_request, portal_promise
from tests.compliance.factories import StrategyFactory
from tests.factories import CardAccountFactory, CaseFactory

pytestmark = pytest.mark.django_db


def portal_action(case: Case, outcome: str) -> Activity:
    """The last portal activity of `outcome` on the case, with its log row checked."""
    activity = Activity.objects.filter(case=case, channel="portal", outcome=outcome).latest("pk")
    assert activity.direction == "inbound" and activity.actor is None
    entry = ComplianceLogEntry.objects.get(activity=activity)
    assert entry.kind == ComplianceLogEntry.Kind.RECEIVED
    assert (entry.action, entry.channel, entry.verdict) == ("portal_action", "portal", "allowed")
    return activity


def test_the_page_shows_the_debt(signed_in, case):
    text = signed_in.get("/portal/account/").content.decode()
    assert "1,200.00" in text and "150.00" in text and case.account.account_reference in text


def test_a_promise_within_the_limit_is_recorded(signed_in, case, business_date):
    due = business_date + dt.timedelta(days=5)
    response = signed_in.post(
        "/portal/account/promise/", {"promise-amount": "300", "promise-due_date": due.isoformat()}
    )
    assert response.status_code == 302
    promise = PromiseToPay.objects.get(case=case)
    assert (promise.amount, promise.due_date, promise.created_by) == (Decimal(300), due, None)
    case.refresh_from_db()
    assert case.status == Case.Status.PROMISED
    assert "300" in portal_action(case, "promise").notes


def test_a_promise_beyond_the_limit_is_refused_with_the_reason(
    signed_in, case, business_date, settings
):
    too_late = business_date + dt.timedelta(days=settings.PROMISE_MAX_DAYS + 1)
    response = signed_in.post(
        "/portal/account/promise/",
        {"promise-amount": "300", "promise-due_date": too_late.isoformat()},
    )
    assert response.status_code == 400
    assert "within 30 days" in response.content.decode()
    assert not PromiseToPay.objects.filter(case=case).exists()
    assert not Activity.objects.filter(case=case, outcome="promise").exists()


def test_a_second_pending_promise_is_refused(case, business_date, now):
    due = business_date + dt.timedelta(days=3)
    portal_promise(
        case=case, amount=Decimal(10), due_date=due, business_date=business_date, now=now
    )
    with pytest.raises(PortalRefused):
        portal_promise(
            case=case, amount=Decimal(10), due_date=due, business_date=business_date, now=now
        )


def test_a_plan_within_the_rules_is_agreed_at_once_with_its_letter(signed_in, case, business_date):
    response = signed_in.post(
        "/portal/account/plan/",
        {
            "plan-instalment_count": "6",
            "plan-frequency": "monthly",
            "plan-first_due_date": (business_date + dt.timedelta(days=7)).isoformat(),
        },
    )
    plan = RepaymentPlan.objects.get(case=case)
    assert response.url == f"/portal/account/plans/{plan.pk}/"
    assert (plan.status, plan.agreed_via, plan.total_amount) == (
        RepaymentPlan.Status.ACTIVE,
        RepaymentPlan.Channel.PORTAL,
        Decimal("1200.00"),
    )
    case.refresh_from_db()
    assert case.under_repayment_plan and case.paused_at is not None
    assert "Confirmation of your repayment plan" in signed_in.get(response.url).content.decode()
    assert "agreed on the portal" in portal_action(case, "promise").notes


def test_a_plan_beyond_the_policy_goes_to_a_supervisor(team, business_date, now):
    case = _case_under(team, policy="CN-bank")  # plans of at most 60 months
    plan = portal_plan_request(
        case=case,
        instalment_count=72,
        frequency="monthly",
        first_due_date=business_date + dt.timedelta(days=1),
        business_date=business_date,
        now=now,
    )
    assert plan.status == RepaymentPlan.Status.REQUESTED
    case.refresh_from_db()
    assert not case.under_repayment_plan and case.paused_at is None
    assert "asked for on the portal" in portal_action(case, "promise").notes
    with pytest.raises(PortalRefused, match="already waiting"):
        portal_plan_request(
            case=case,
            instalment_count=72,
            frequency="monthly",
            first_due_date=business_date + dt.timedelta(days=1),
            business_date=business_date,
            now=now,
        )


def _case_under(team, *, policy: str) -> Case:
    account = CardAccountFactory(currency="CNY", balance=Decimal("7200.00"))
    return CaseFactory(account=account, team=team, strategy=StrategyFactory(policy=policy))


def test_an_offer_the_bank_made_is_accepted(signed_in, case, business_date, supervisor):
    offer = SettlementOffer.objects.create(
        case=case,
        kind=SettlementOffer.Kind.SETTLEMENT,
        balance=Decimal("1200.00"),
        amount=Decimal("900.00"),
        waived_amount=Decimal("300.00"),
        currency="USD",
        expires_on=business_date + dt.timedelta(days=10),
        reason="Hardship",
        status=SettlementOffer.Status.OFFERED,
        offered_on=business_date,
        created_by=supervisor,
    )
    assert "Accept this offer" in signed_in.get("/portal/account/").content.decode()
    signed_in.post("/portal/account/offer/", {"offer": offer.pk})
    offer.refresh_from_db()
    assert (offer.status, offer.accepted_on) == (SettlementOffer.Status.ACCEPTED, business_date)
    assert f"offer #{offer.pk} accepted" in portal_action(case, "note").notes


def test_another_cases_offer_cannot_be_accepted(signed_in, other_case, business_date, supervisor):
    offer = SettlementOffer.objects.create(
        case=other_case,
        kind=SettlementOffer.Kind.SETTLEMENT,
        balance=Decimal("1200.00"),
        amount=Decimal("900.00"),
        waived_amount=Decimal("300.00"),
        currency="USD",
        expires_on=business_date + dt.timedelta(days=10),
        reason="Hardship",
        status=SettlementOffer.Status.OFFERED,
        offered_on=business_date,
        created_by=supervisor,
    )
    response = signed_in.post("/portal/account/offer/", {"offer": offer.pk}, follow=True)
    assert "This offer is not open to you" in response.content.decode()
    offer.refresh_from_db()
    assert offer.status == SettlementOffer.Status.OFFERED


def test_stopping_channels_and_choosing_a_language(signed_in, case):
    response = signed_in.post(
        "/portal/account/preferences/",
        {"preferences-stop_channels": ["sms", "email"], "preferences-language": "zh-hans"},
    )
    assert response.status_code == 302
    mobile = case.debtor.contact_points.get(kind=ContactPoint.Kind.MOBILE)
    email = case.debtor.contact_points.get(kind=ContactPoint.Kind.EMAIL)
    assert not mobile.sms_consent and not mobile.opted_out
    assert email.opted_out and not email.email_consent
    case.debtor.refresh_from_db()
    assert case.debtor.language == "zh-hans"
    assert "stopped sms; stopped email" in portal_action(case, "note").notes
    # The portal now speaks the chosen language.
    page = signed_in.get("/portal/account/").content.decode()
    assert 'lang="zh-hans"' in page and "您的欠款" in page


def test_asking_for_a_call_back(signed_in, case, now):
    when = (now + dt.timedelta(days=1)).replace(hour=14, minute=0, second=0, microsecond=0)
    response = signed_in.post(
        "/portal/account/call-back/", {"callback-when": when.strftime("%Y-%m-%dT%H:%M")}
    )
    assert response.status_code == 302, response.content.decode()
    case.refresh_from_db()
    assert case.next_action_at == when and case.priority_score == CALL_BACK_PRIORITY
    portal_action(case, "callback")


def test_a_call_back_at_night_is_refused(signed_in, case, now):
    when = (now + dt.timedelta(days=1)).replace(hour=3, minute=0)
    response = signed_in.post(
        "/portal/account/call-back/", {"callback-when": when.strftime("%Y-%m-%dT%H:%M")}
    )
    assert response.status_code == 400
    assert not Activity.objects.filter(case=case, outcome="callback").exists()


def test_preferred_hours_set_on_the_portal_are_honoured_by_the_gate_at_once(signed_in, case, now):
    response = signed_in.post(
        "/portal/account/preferences/",
        {
            "preferences-language": "en",
            "preferences-preferred_start": "18:00",
            "preferences-preferred_end": "20:00",
        },
    )
    assert response.status_code == 302
    case.debtor.refresh_from_db()
    assert (case.debtor.preferred_hours_start, case.debtor.preferred_hours_end) == (
        dt.time(18),
        dt.time(20),
    )
    assert "preferred hours 18:00-20:00" in portal_action(case, "note").notes
    morning = now.replace(hour=10, minute=0, second=0, microsecond=0) + dt.timedelta(days=1)
    mobile = case.debtor.contact_points.get(kind=ContactPoint.Kind.MOBILE)
    for channel in ("call", "sms"):
        decision = compliance_decide(
            actor=None, case=case, channel=channel, contact_point=mobile, moment=morning
        )
        assert decision.log_entry.failed_rule_codes == ["preferred_hours"], channel
    # The form shows them back.
    page = signed_in.get("/portal/account/").content.decode()
    assert '<option value="18:00" selected>' in page


def test_preferred_hours_without_an_end_are_refused_and_nothing_changes(signed_in, case):
    response = signed_in.post(
        "/portal/account/preferences/",
        {"preferences-language": "en", "preferences-preferred_start": "18:00"},
    )
    assert response.status_code == 400
    assert "Give both ends of the preferred hours, or neither." in response.content.decode()
    case.debtor.refresh_from_db()
    assert case.debtor.preferred_hours_start is None


def test_the_debtor_is_told_when_to_expect_the_answer_and_then_sees_it(
    signed_in, case, business_date, supervisor, settings
):
    settings.PORTAL_PLAN_ANSWER_DAYS = 3
    Case.objects.filter(pk=case.pk).update(strategy=StrategyFactory(policy="CN-bank"))
    response = signed_in.post(
        "/portal/account/plan/",
        {
            "plan-instalment_count": "72",
            "plan-frequency": "monthly",
            "plan-first_due_date": (business_date + dt.timedelta(days=7)).isoformat(),
        },
        follow=True,
    )
    plan = RepaymentPlan.objects.get(case=case)
    assert plan.status == RepaymentPlan.Status.REQUESTED
    answer_by = working_days_after(business_date, 3)
    page = response.content.decode()
    assert f"within 3 working days, by {date_format(answer_by)}" in page
    assert f"expect our answer by {date_format(answer_by)}" in page
    # No letter for a plan not agreed.
    assert signed_in.get(f"/portal/account/plans/{plan.pk}/").status_code == 404
    plan_request_decline(
        actor=supervisor,
        plan=plan,
        reason="Five years at most",
        business_date=business_date,
        now=timezone.now(),
    )
    page = signed_in.get("/portal/account/").content.decode()
    assert "Declined" in page and "why: Five years at most" in page


def test_an_approved_request_shows_its_letter_on_the_portal(
    signed_in, case, business_date, supervisor
):
    Case.objects.filter(pk=case.pk).update(strategy=StrategyFactory(policy="CN-bank"))
    plan = portal_plan_request(
        case=case,
        instalment_count=72,
        frequency="monthly",
        first_due_date=business_date + dt.timedelta(days=7),
        business_date=business_date,
        now=timezone.now(),
    )
    plan_request_approve(
        actor=supervisor, plan=plan, business_date=business_date, now=timezone.now()
    )
    page = signed_in.get("/portal/account/").content.decode()
    assert f'href="/portal/account/plans/{plan.pk}/"' in page
    letter = signed_in.get(f"/portal/account/plans/{plan.pk}/").content.decode()
    assert "Confirmation of your repayment plan" in letter


def test_a_call_back_outside_the_debtors_own_preferred_hours_is_refused(signed_in, case, now):
    Debtor.objects.filter(pk=case.debtor_id).update(
        preferred_hours_start=dt.time(18), preferred_hours_end=dt.time(20)
    )
    day = now + dt.timedelta(days=1)
    for hour, status in ((14, 400), (18, 302)):
        when = day.replace(hour=hour, minute=0)
        response = signed_in.post(
            "/portal/account/call-back/", {"callback-when": when.strftime("%Y-%m-%dT%H:%M")}
        )
        assert response.status_code == status, hour
