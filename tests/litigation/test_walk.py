"""A case from day 90 to a lawsuit filed, judged and enforced, with the legal hold refusing a
collector's call along the way."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from cases.models import Case
from compliance.engine import compliance_decide
from litigation.models import Lawsuit, ReferralCriteria
from litigation.services import (
    enforcement_step_record,
    lawsuit_file,
    lawsuit_judge,
    lawsuit_review,
    lawsuits_open_for_referrals,
)
from tests.compliance.factories import local_moment, mobile
from tests.factories import ActivityFactory, CardAccountFactory
from tests.litigation.test_referral import day, moment, run

pytestmark = pytest.mark.django_db


def test_a_case_walks_from_the_agency_stage_to_an_enforced_judgment(
    team, collector, lawyer, law_firm, litigation_stage
):
    ReferralCriteria.objects.create(
        stage=litigation_stage, min_balance=Decimal("500.00"), failed_attempts=2
    )
    CardAccountFactory(oldest_unpaid_due_date=day(0), balance=Decimal("1200.00"))
    run(90)
    case = Case.objects.get()
    assert case.stage.action == "agency"
    for n in (100, 110):
        ActivityFactory(case=case, occurred_at=moment(n), outcome="no_answer")

    run(120)
    lawsuits_open_for_referrals(business_date=day(120), now=moment(120))
    lawsuit = Lawsuit.objects.get(case=case)
    lawsuit_review(lawsuit=lawsuit, user=lawyer, accept=True, reason="", now=moment(121))
    lawsuit_file(
        lawsuit=lawsuit,
        user=lawyer,
        court="Springfield District Court",
        court_case_number="CV-0001",
        filed_on=day(125),
        claimed_amount=Decimal("1200.00"),
        law_firm=law_firm,
        lawyer=lawyer,
        now=moment(125),
    )
    case.refresh_from_db()
    call = compliance_decide(
        actor=collector,
        case=case,
        channel="call",
        contact_point=mobile(case),
        moment=local_moment(f"{day(126).isoformat()} 14:00", case.debtor.time_zone),
    )
    assert not call.allowed
    assert "legal_hold" in call.log_entry.failed_rules

    lawsuit_judge(
        lawsuit=lawsuit,
        user=lawyer,
        judgment_on=day(170),
        amount_awarded=Decimal("1200.00"),
        costs_awarded=Decimal("90.00"),
        now=moment(170),
    )
    enforcement_step_record(
        lawsuit=lawsuit,
        user=lawyer,
        taken_on=day(180),
        description="Bank account levy",
        recovered=Decimal("400.00"),
        now=moment(180) + dt.timedelta(hours=1),
    )
    lawsuit.refresh_from_db()
    assert lawsuit.status == Lawsuit.Status.ENFORCING
    assert case.status == Case.Status.LITIGATION
