"""A lawsuit's lifecycle: every step an event and a note on the case; steps out of order and
bad amounts refused; costs above the limit wait for someone else's approval."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.db import IntegrityError

from cases.models import Activity, Case
from litigation.models import Lawsuit, LawsuitCost, LawsuitEvent
from litigation.services import (
    LawsuitStepRefused,
    enforcement_step_record,
    hearing_held,
    hearing_schedule,
    lawsuit_close,
    lawsuit_cost_decide,
    lawsuit_cost_record,
    lawsuit_file,
    lawsuit_judge,
    lawsuit_review,
    lawsuits_open_for_referrals,
)
from tests.litigation.conftest import BUSINESS_DATE, NOW, later

pytestmark = pytest.mark.django_db


def filed(lawsuit, lawyer, law_firm) -> Lawsuit:
    lawsuit_review(lawsuit=lawsuit, user=lawyer, accept=True, reason="", now=later(hours=1))
    return lawsuit_file(
        lawsuit=lawsuit,
        user=lawyer,
        court="Springfield District Court",
        court_case_number="CV-2026-0042",
        filed_on=BUSINESS_DATE + dt.timedelta(days=3),
        claimed_amount=Decimal("1200.00"),
        law_firm=law_firm,
        lawyer=lawyer,
        now=later(days=3),
    )


def test_a_referred_case_gets_one_lawsuit_however_often_the_night_runs(referred_case):
    assert lawsuits_open_for_referrals(business_date=BUSINESS_DATE, now=NOW) == 1
    assert lawsuits_open_for_referrals(business_date=BUSINESS_DATE, now=later(days=1)) == 0
    lawsuit = Lawsuit.objects.get(case=referred_case)
    assert lawsuit.status == Lawsuit.Status.REFERRED
    assert lawsuit.currency == referred_case.account.currency
    assert list(lawsuit.events.values_list("kind", flat=True)) == ["referred"]
    assert (
        referred_case.activities.filter(channel="note", notes__contains="legal team").count() == 1
    )


def test_a_case_walks_from_referral_to_enforcement_and_closes_paid(
    lawsuit, lawyer, law_firm, referred_case
):
    filed(lawsuit, lawyer, law_firm)
    referred_case.refresh_from_db()
    assert referred_case.legal_hold_since == later(days=3)

    hearing = hearing_schedule(
        lawsuit=lawsuit, user=lawyer, scheduled_at=later(days=30), place="Room 4", now=later(days=4)
    )
    hearing_held(hearing=hearing, user=lawyer, notes="Debtor absent.", now=later(days=30, hours=2))
    lawsuit_judge(
        lawsuit=lawsuit,
        user=lawyer,
        judgment_on=BUSINESS_DATE + dt.timedelta(days=31),
        amount_awarded=Decimal("1200.00"),
        costs_awarded=Decimal("150.00"),
        now=later(days=31),
    )
    enforcement_step_record(
        lawsuit=lawsuit,
        user=lawyer,
        taken_on=BUSINESS_DATE + dt.timedelta(days=45),
        description="Wage garnishment",
        recovered=Decimal("600.00"),
        now=later(days=45),
    )
    lawsuit.refresh_from_db()
    assert lawsuit.status == Lawsuit.Status.ENFORCING
    lawsuit_close(
        lawsuit=lawsuit,
        user=lawyer,
        outcome="paid",
        closed_on=BUSINESS_DATE + dt.timedelta(days=60),
        note="",
        now=later(days=60),
    )

    lawsuit.refresh_from_db()
    referred_case.refresh_from_db()
    assert (lawsuit.status, lawsuit.outcome) == (Lawsuit.Status.CLOSED, "paid")
    assert referred_case.status == Case.Status.CURED
    assert referred_case.legal_hold_since is None
    assert list(lawsuit.events.values_list("kind", "actor__username")) == [
        ("referred", None),
        ("accepted", "lawyer"),
        ("filed", "lawyer"),
        ("hearing", "lawyer"),
        ("hearing_held", "lawyer"),
        ("judged", "lawyer"),
        ("enforcement", "lawyer"),
        ("closed", "lawyer"),
    ]
    notes = referred_case.activities.filter(
        channel=Activity.Channel.NOTE, direction=Activity.Direction.INTERNAL
    )
    assert notes.count() == 8


def test_a_declined_referral_needs_a_reason_and_sends_the_case_back_to_collection(
    lawsuit, lawyer, referred_case
):
    with pytest.raises(LawsuitStepRefused):
        lawsuit_review(lawsuit=lawsuit, user=lawyer, accept=False, reason="  ", now=later(hours=1))
    lawsuit_review(
        lawsuit=lawsuit, user=lawyer, accept=False, reason="Balance too small", now=later(hours=1)
    )
    referred_case.refresh_from_db()
    assert referred_case.status == Case.Status.OPEN
    # Not referred again by the next night.
    referred_case.status = Case.Status.LITIGATION
    referred_case.save(update_fields=["status"])
    assert lawsuits_open_for_referrals(business_date=BUSINESS_DATE, now=later(days=1)) == 0


def test_steps_out_of_order_are_refused(lawsuit, lawyer, law_firm):
    with pytest.raises(LawsuitStepRefused, match="cannot be judged"):
        lawsuit_judge(
            lawsuit=lawsuit,
            user=lawyer,
            judgment_on=BUSINESS_DATE,
            amount_awarded=Decimal(1),
            costs_awarded=Decimal(0),
            now=NOW,
        )
    with pytest.raises(LawsuitStepRefused):
        lawsuit_file(
            lawsuit=lawsuit,
            user=lawyer,
            court="Court",
            court_case_number="1",
            filed_on=BUSINESS_DATE,
            claimed_amount=Decimal(100),
            law_firm=law_firm,
            lawyer=lawyer,
            now=NOW,
        )
    assert not LawsuitEvent.objects.exclude(kind="referred").exists()


def test_an_inactive_firm_takes_no_lawsuit(lawsuit, lawyer, law_firm):
    law_firm.is_active = False
    law_firm.save()
    with pytest.raises(LawsuitStepRefused, match="not active"):
        filed(lawsuit, lawyer, law_firm)


def test_a_judgment_before_the_filing_is_refused(lawsuit, lawyer, law_firm):
    filed(lawsuit, lawyer, law_firm)
    with pytest.raises(LawsuitStepRefused, match="before the filing"):
        lawsuit_judge(
            lawsuit=lawsuit,
            user=lawyer,
            judgment_on=BUSINESS_DATE,
            amount_awarded=Decimal(1),
            costs_awarded=Decimal(0),
            now=later(days=5),
        )


def test_a_cost_above_the_limit_waits_for_another_person(
    settings, lawsuit, lawyer, law_firm, supervisor
):
    settings.LITIGATION_COST_APPROVAL_LIMIT = 500
    filed(lawsuit, lawyer, law_firm)
    small = lawsuit_cost_record(
        lawsuit=lawsuit,
        user=lawyer,
        kind="court_fee",
        amount=Decimal("350.00"),
        incurred_on=BUSINESS_DATE,
        description="",
        now=later(days=3),
    )
    large = lawsuit_cost_record(
        lawsuit=lawsuit,
        user=lawyer,
        kind="lawyer_fee",
        amount=Decimal("2500.00"),
        incurred_on=BUSINESS_DATE,
        description="Retainer",
        now=later(days=3),
    )
    assert small.status == LawsuitCost.Status.APPROVED
    assert large.status == LawsuitCost.Status.AWAITING
    with pytest.raises(LawsuitStepRefused):
        lawsuit_cost_decide(cost=large, user=lawyer, approve=True, now=later(days=4))
    lawsuit_cost_decide(cost=large, user=supervisor, approve=True, now=later(days=4))
    large.refresh_from_db()
    assert (large.status, large.decided_by) == (LawsuitCost.Status.APPROVED, supervisor)
    with pytest.raises(LawsuitStepRefused, match="no longer awaiting"):
        lawsuit_cost_decide(cost=large, user=supervisor, approve=False, now=later(days=5))


def test_the_database_refuses_a_second_open_lawsuit_of_a_case(lawsuit):
    with pytest.raises(IntegrityError):
        Lawsuit.objects.create(
            case=lawsuit.case, currency="USD", referred_on=BUSINESS_DATE, referred_at=NOW
        )
