"""A case from day 90 to a lawsuit filed, judged and enforced, with the legal hold refusing a
collector's call along the way; under CN-bank, through a field visit first, whose log rows the
court's bundle carries and verifies."""

from __future__ import annotations

import datetime as dt
import io
import json
import zipfile
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from accounts.roles import Role
from cases.models import Case, Strategy
from compliance.engine import compliance_decide
from compliance.log import compliance_log_seal
from litigation.bundle import evidence_bundle
from litigation.models import Lawsuit, ReferralCriteria
from litigation.services import (
    enforcement_step_record,
    lawsuit_file,
    lawsuit_judge,
    lawsuit_review,
    lawsuits_open_for_referrals,
)
from tests.compliance.factories import local_moment, mobile
from tests.factories import ActivityFactory, CardAccountFactory, ContactPointFactory, UserFactory
from tests.litigation.test_referral import day, moment, run
from visits.models import Visit
from visits.services import VisitRefused, visit_check_in, visit_check_out, visit_plan

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


def shanghai(n: int, hour: int, minute: int = 0) -> dt.datetime:
    return local_moment(f"{day(n).isoformat()} {hour:02d}:{minute:02d}", "Asia/Shanghai")


def test_a_cn_bank_case_is_visited_after_day_90_then_sued_and_the_bundle_verifies(
    team, collector, lawyer, law_firm, litigation_stage
):
    Strategy.objects.filter(is_default=True).update(policy="CN-bank")
    ReferralCriteria.objects.create(
        stage=litigation_stage, min_balance=Decimal("500.00"), failed_attempts=2
    )
    CardAccountFactory(
        oldest_unpaid_due_date=day(0),
        balance=Decimal("1200.00"),
        currency="CNY",
        debtor__time_zone="Asia/Shanghai",
    )
    run(90)
    case = Case.objects.get()
    assert case.stage.action == "agency"
    Case.objects.filter(pk=case.pk).update(team=team, assigned_to=None)
    home = ContactPointFactory(debtor=case.debtor, kind="postal", value="上海市浦东新区 100 号")
    partner = UserFactory(username="partner", role=Role.COLLECTOR, team=team)

    def plan(visitors, at):
        return visit_plan(
            case=case,
            user=collector,
            address=home,
            planned_at=at,
            visitors=visitors,
            now=shanghai(92, 11),
        )

    with pytest.raises(VisitRefused, match="at least 2 visitors"):  # CN-bank sends two
        plan([collector], shanghai(93, 10))
    late = plan([collector, partner], shanghai(93, 22, 30))  # after 22:00, debtor's time
    assert late.visit is None
    assert late.decision.log_entry.failed_rule_codes == ["contact_window"]
    visit = plan([collector, partner], shanghai(93, 10)).visit
    assert visit_check_in(visit=visit, user=partner, now=shanghai(93, 10, 5)).visit
    visit_check_out(
        visit=visit,
        user=partner,
        now=shanghai(93, 10, 20),
        outcome=Visit.Outcome.NOBODY_HOME,
        notes="Nobody answered; a neighbour says the family moved.",
        identification_shown=True,
        files=[SimpleUploadedFile("door.png", b"\x89PNG the closed door")],
    )
    ActivityFactory(case=case, occurred_at=moment(110), outcome="no_answer")

    run(120)
    lawsuits_open_for_referrals(business_date=day(120), now=moment(120))
    lawsuit = Lawsuit.objects.get(case=case)
    lawsuit_review(lawsuit=lawsuit, user=lawyer, accept=True, reason="", now=moment(121))
    lawsuit_file(
        lawsuit=lawsuit,
        user=lawyer,
        court="上海市浦东新区人民法院",
        court_case_number="(2027)沪0115民初0001号",
        filed_on=day(125),
        claimed_amount=Decimal("1200.00"),
        law_firm=law_firm,
        lawyer=lawyer,
        now=moment(125),
    )
    case.refresh_from_db()
    refused = compliance_decide(
        actor=collector, case=case, channel="visit", contact_point=home, moment=shanghai(126, 10)
    )
    assert "legal_hold" in refused.log_entry.failed_rules
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
        description="银行账户冻结划扣",
        recovered=Decimal("400.00"),
        now=moment(180),
    )
    lawsuit.refresh_from_db()
    assert lawsuit.status == Lawsuit.Status.ENFORCING

    compliance_log_seal()
    with zipfile.ZipFile(io.BytesIO(evidence_bundle(lawsuit=lawsuit, now=moment(181)))) as zipped:
        log = json.loads(zipped.read("compliance_log.json"))
    assert log["chain_verification"]["ok"] is True
    actions = {row["hashed_content"]["action"] for row in log["rows"]}
    assert {"visit_plan", "visit_check_in"} <= actions  # the visit is in the court's bundle
    assert all(row["hash_matches"] for row in log["rows"])
