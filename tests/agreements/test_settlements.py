"""Settlement offers: the approval matrix, deciding above it, and the nightly review that finds
them paid by their expiry or lapsed."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from agreements.models import SettlementOffer
from agreements.services import (
    AgreementRefused,
    offer_accept,
    offer_decide,
    offer_make,
    settlements_review_day,
)
from cases.models import Case
from tests.agreements.conftest import AGREED_ON, NOW, case_in_team, moment, pay
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

EXPIRES_ON = dt.date(2026, 12, 31)


def offer(actor, case, amount: str) -> SettlementOffer:
    return offer_make(
        actor=actor,
        case=case,
        kind=SettlementOffer.Kind.SETTLEMENT,
        amount=Decimal(amount),
        expires_on=EXPIRES_ON,
        reason="Hardship: lost job",
        business_date=AGREED_ON,
        now=NOW,
    )


def accepted(collector, case, amount: str) -> SettlementOffer:
    made = offer(collector, case, amount)
    return offer_accept(actor=collector, offer=made, business_date=AGREED_ON, now=NOW)


def review(day: dt.date):
    return settlements_review_day(business_date=day, now=moment(day))


def test_an_offer_within_the_collectors_authority_stands_at_once(collector, team, limits):
    made = offer(collector, case_in_team(team), "1100.00")  # 100 off 1,200: 8.33%

    assert made.status == SettlementOffer.Status.OFFERED
    assert made.waived_amount == Decimal("100.00")
    assert made.discount_percent == Decimal("8.33")
    assert (made.decided_by, made.decided_at) == (collector, NOW)


def test_both_limits_hold_a_small_percentage_of_a_large_amount_still_waits(collector, team, limits):
    made = offer(collector, case_in_team(team, balance="10000.00"), "9500.00")  # 5%, but 500

    assert made.status == SettlementOffer.Status.AWAITING


def test_a_role_without_a_limit_in_the_currency_grants_nothing_alone(collector, team):
    made = offer(collector, case_in_team(team), "1190.00")

    assert made.status == SettlementOffer.Status.AWAITING


def test_an_offer_above_it_waits_and_a_supervisor_approves_it(collector, supervisor, team, limits):
    made = offer(collector, case_in_team(team), "900.00")  # 25%
    assert made.status == SettlementOffer.Status.AWAITING
    assert made.decided_by is None

    decided_at = NOW + dt.timedelta(hours=2)
    approved = offer_decide(
        actor=supervisor, offer=made, approve=True, note="Verified hardship", now=decided_at
    )

    assert approved.status == SettlementOffer.Status.OFFERED
    assert (approved.decided_by, approved.decided_at) == (supervisor, decided_at)
    assert approved.decision_note == "Verified hardship"


def test_an_approver_without_the_authority_is_refused(collector, supervisor, team, limits):
    made = offer(collector, case_in_team(team), "700.00")  # 41.67%: beyond 30%

    with pytest.raises(AgreementRefused, match="beyond your authority"):
        offer_decide(actor=supervisor, offer=made, approve=True, note="", now=NOW)

    made.refresh_from_db()
    assert made.status == SettlementOffer.Status.AWAITING
    rejected = offer_decide(actor=supervisor, offer=made, approve=False, note="Too much", now=NOW)
    assert rejected.status == SettlementOffer.Status.REJECTED


def test_a_supervisor_of_another_team_cannot_decide(collector, team, other_team, limits):
    stranger = UserFactory(username="stranger", role="supervisor", team=other_team)
    other_team.supervisors.add(stranger)
    made = offer(collector, case_in_team(team), "900.00")

    with pytest.raises(SettlementOffer.DoesNotExist):
        offer_decide(actor=stranger, offer=made, approve=True, note="", now=NOW)


def test_an_outsider_cannot_make_an_offer(outsider, team, limits):
    with pytest.raises(Case.DoesNotExist):
        offer(outsider, case_in_team(team), "1100.00")


def test_an_offer_must_waive_something_and_leave_something_to_pay(collector, team, limits):
    case = case_in_team(team)
    with pytest.raises(AgreementRefused):
        offer(collector, case, "1200.00")
    with pytest.raises(AgreementRefused):
        offer(collector, case, "1500.00")


def test_an_offer_awaiting_approval_cannot_be_accepted(collector, team, limits):
    made = offer(collector, case_in_team(team), "900.00")

    with pytest.raises(AgreementRefused, match="approved"):
        offer_accept(actor=collector, offer=made, business_date=AGREED_ON, now=NOW)


def test_paid_by_its_expiry_the_settlement_closes_the_case_with_the_waived_rest(
    collector, team, limits
):
    case = case_in_team(team)
    settlement = accepted(collector, case, "1100.00")
    pay(case, "600.00", dt.date(2026, 12, 10))
    pay(case, "500.00", dt.date(2026, 12, 31))

    counts = review(dt.date(2027, 1, 1))
    again = review(dt.date(2027, 1, 1))

    settlement.refresh_from_db()
    case.refresh_from_db()
    assert settlement.status == SettlementOffer.Status.PAID
    assert settlement.paid_amount == Decimal("1100.00")
    assert settlement.written_off_amount == Decimal("100.00")
    assert case.status == Case.Status.SETTLED
    assert counts["cases_settled"] == 1
    assert again["cases_settled"] == 0


def test_not_paid_by_its_expiry_the_offer_lapses(collector, team, limits):
    case = case_in_team(team)
    settlement = accepted(collector, case, "1100.00")
    pay(case, "600.00", dt.date(2026, 12, 10))
    pay(case, "500.00", dt.date(2027, 1, 1))  # a day late

    review(dt.date(2026, 12, 31))
    settlement.refresh_from_db()
    assert settlement.status == SettlementOffer.Status.ACCEPTED
    assert settlement.paid_amount == Decimal("600.00")

    counts = review(dt.date(2027, 1, 2))

    settlement.refresh_from_db()
    case.refresh_from_db()
    assert settlement.status == SettlementOffer.Status.LAPSED
    assert counts["offers_lapsed"] == 1
    assert case.is_open
