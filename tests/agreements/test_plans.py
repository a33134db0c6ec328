"""Repayment plans: their instalments, the policy's longest plan, the pause, and the nightly
review that finds them kept, broken or paid off."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import django_rq
import pytest

from agreements.models import RepaymentPlan
from agreements.services import (
    AgreementRefused,
    plan_amounts,
    plan_create,
    plan_due_dates,
    plans_review_day,
)
from cases.models import Case
from collections_site.nightly import run_collections_day
from compliance.engine import compliance_decide
from pipeline.services import BROKEN_PROMISE_PRIORITY
from tests.agreements.conftest import AGREED_ON, NOW, case_in_team, moment, pay
from tests.factories import CaseFactory

pytestmark = pytest.mark.django_db

MONTHLY = RepaymentPlan.Frequency.MONTHLY


def make_plan(collector, case, *, total="300.00", count=3, first=dt.date(2026, 12, 10), **kw):
    return plan_create(
        actor=collector,
        case=case,
        total_amount=Decimal(total),
        instalment_count=count,
        frequency=kw.get("frequency", MONTHLY),
        first_due_date=first,
        agreed_via=RepaymentPlan.Channel.CALL,
        business_date=AGREED_ON,
        now=NOW,
    )


def review(day: dt.date):
    return plans_review_day(business_date=day, now=moment(day))


def test_monthly_instalments_from_the_31st_fall_on_each_months_last_day():
    dates = plan_due_dates(first_due_date=dt.date(2027, 12, 31), count=4, frequency=MONTHLY)

    assert dates == [
        dt.date(2027, 12, 31),
        dt.date(2028, 1, 31),
        dt.date(2028, 2, 29),
        dt.date(2028, 3, 31),
    ]


def test_weekly_and_fortnightly_instalments_step_by_seven_and_fourteen_days():
    first = dt.date(2026, 12, 28)
    assert plan_due_dates(first_due_date=first, count=2, frequency="weekly")[1] == dt.date(
        2027, 1, 4
    )
    assert plan_due_dates(first_due_date=first, count=2, frequency="fortnightly")[1] == dt.date(
        2027, 1, 11
    )


def test_the_last_instalment_takes_the_rounding_remainder():
    amounts = plan_amounts(total=Decimal("100.00"), count=3)

    assert amounts == [Decimal("33.33"), Decimal("33.33"), Decimal("33.34")]
    assert sum(amounts) == Decimal("100.00")


def test_a_plan_is_stored_with_its_instalments_and_pauses_the_case(collector, team):
    case = case_in_team(team)

    plan = make_plan(collector, case, total="1000.00", count=3, first=dt.date(2026, 12, 31))

    assert [(i.number, i.due_date, i.amount) for i in plan.instalments.all()] == [
        (1, dt.date(2026, 12, 31), Decimal("333.33")),
        (2, dt.date(2027, 1, 31), Decimal("333.33")),
        (3, dt.date(2027, 2, 28), Decimal("333.34")),
    ]
    case.refresh_from_db()
    assert case.paused_at == NOW
    assert case.pause_reason == f"Repayment plan #{plan.pk}"
    assert case.under_repayment_plan


def test_an_outsider_cannot_make_a_plan_on_a_case_they_do_not_see(outsider, team):
    with pytest.raises(Case.DoesNotExist):
        make_plan(outsider, case_in_team(team))

    assert not RepaymentPlan.objects.exists()


def test_cn_bank_refuses_a_plan_longer_than_sixty_months(collector, team):
    case = case_in_team(team, policy="CN-bank", time_zone="Asia/Shanghai")

    with pytest.raises(AgreementRefused, match="at most 60 months"):
        make_plan(collector, case, total="1200.00", count=61, first=dt.date(2026, 12, 10))

    plan = make_plan(collector, case, total="1200.00", count=60, first=dt.date(2026, 12, 1))
    assert plan.instalments.last().due_date == dt.date(2031, 11, 1)


def test_a_plan_over_the_balance_is_refused(collector, team):
    with pytest.raises(AgreementRefused, match="more than the balance"):
        make_plan(collector, case_in_team(team, balance="200.00"), total="300.00")


def test_a_second_active_plan_on_a_case_is_refused(collector, team):
    case = case_in_team(team)
    make_plan(collector, case)

    with pytest.raises(AgreementRefused, match="already has an active"):
        make_plan(collector, case)


def test_a_plan_kept_through_the_night_keeps_the_case_paused(collector, team):
    case = case_in_team(team)
    plan = make_plan(collector, case)
    pay(case, "100.00", dt.date(2026, 12, 9))

    counts = review(dt.date(2026, 12, 20))
    again = review(dt.date(2026, 12, 20))

    plan.refresh_from_db()
    case.refresh_from_db()
    assert plan.status == RepaymentPlan.Status.ACTIVE
    assert plan.paid_amount == Decimal("100.00")
    assert [i.kept_on for i in plan.instalments.all()] == [dt.date(2026, 12, 20), None, None]
    assert counts["instalments_kept"] == 1
    assert again["instalments_kept"] == 0
    assert case.paused_at is not None
    assert case.under_repayment_plan


def test_a_missed_instalment_breaks_the_plan_only_after_the_grace_days(collector, team):
    case = case_in_team(team, policy="CN-bank", time_zone="Asia/Shanghai")
    plan = make_plan(collector, case)
    pay(case, "50.00", dt.date(2026, 12, 9))  # short of the first 100

    review(dt.date(2026, 12, 13))  # due on the 10th, three days' grace under CN-bank
    plan.refresh_from_db()
    assert plan.status == RepaymentPlan.Status.ACTIVE

    counts = review(dt.date(2026, 12, 14))

    plan.refresh_from_db()
    case.refresh_from_db()
    assert plan.status == RepaymentPlan.Status.BROKEN
    assert plan.resolved_on == dt.date(2026, 12, 14)
    assert counts["cases_resumed"] == 1
    assert case.paused_at is None and case.pause_reason == ""
    assert not case.under_repayment_plan
    assert case.priority_score == BROKEN_PROMISE_PRIORITY
    assert case.next_action_at == moment(dt.date(2026, 12, 14))
    assert review(dt.date(2026, 12, 14)) == {}


def test_a_broken_plan_leaves_a_supervisors_own_pause_alone(collector, supervisor, team):
    case = case_in_team(team)
    Case.objects.filter(pk=case.pk).update(paused_at=NOW, pause_reason="Hardship review")
    make_plan(collector, case)

    review(dt.date(2026, 12, 20))

    case.refresh_from_db()
    assert case.pause_reason == "Hardship review"
    assert not case.under_repayment_plan


def test_a_broken_plan_leaves_a_pause_a_supervisor_set_after_lifting_the_plans(collector, team):
    case = case_in_team(team)
    make_plan(collector, case)
    # The supervisor lifted the plan's pause and paused the case again, for a reason of theirs.
    Case.objects.filter(pk=case.pk).update(
        paused_at=NOW + dt.timedelta(hours=1), pause_reason="Repayment plan #0 under review"
    )

    review(dt.date(2026, 12, 20))

    case.refresh_from_db()
    assert case.pause_reason == "Repayment plan #0 under review"
    assert case.paused_at == NOW + dt.timedelta(hours=1)
    assert not case.under_repayment_plan


def test_a_plan_paid_in_full_closes_the_case_as_settled(collector, team):
    case = case_in_team(team)
    plan = make_plan(collector, case)
    pay(case, "120.00", dt.date(2026, 12, 5))
    pay(case, "180.00", dt.date(2026, 12, 15))

    counts = review(dt.date(2026, 12, 16))

    plan.refresh_from_db()
    case.refresh_from_db()
    assert plan.status == RepaymentPlan.Status.KEPT
    assert all(i.kept_on == dt.date(2026, 12, 16) for i in plan.instalments.all())
    assert counts["cases_settled"] == 1
    assert case.status == Case.Status.SETTLED
    assert case.closed_at == moment(dt.date(2026, 12, 16))
    assert case.paused_at is None and not case.under_repayment_plan


def test_payments_before_the_plan_was_agreed_do_not_count(collector, team):
    case = case_in_team(team)
    plan = make_plan(collector, case)
    pay(case, "300.00", dt.date(2026, 11, 30))

    review(dt.date(2026, 12, 20))

    plan.refresh_from_db()
    assert plan.status == RepaymentPlan.Status.BROKEN


def test_under_cn_bank_the_gate_refuses_collection_calls_while_a_plan_is_kept(collector, team):
    case = case_in_team(team, policy="CN-bank", time_zone="Asia/Shanghai")
    make_plan(collector, case)
    case.refresh_from_db()
    at_ten_in_shanghai = dt.datetime(2026, 12, 2, 2, 0, tzinfo=dt.UTC)

    call = compliance_decide(actor=collector, case=case, channel="call", moment=at_ten_in_shanghai)
    reminder = compliance_decide(
        actor=collector,
        case=case,
        channel="call",
        action="instalment_reminder",
        moment=at_ten_in_shanghai,
    )

    assert not call.allowed
    assert [result.code for result in call.failed_results] == ["repayment_plan"]
    assert reminder.allowed


def test_under_us_regf_a_kept_plan_does_not_stop_contact(collector, team):
    case = case_in_team(team)
    make_plan(collector, case)
    case.refresh_from_db()

    decision = compliance_decide(
        actor=collector,
        case=case,
        channel="call",
        moment=dt.datetime(2026, 12, 2, 15, 0, tzinfo=dt.UTC),
    )

    assert decision.allowed
    assert "repayment_plan" not in [result.code for result in decision.results]


def test_the_nightly_job_reviews_plans_before_the_pipeline_escalates(collector, team):
    case = CaseFactory(team=team)  # on the default ladder
    plan = make_plan(collector, case)
    messages = django_rq.get_queue("messages")
    try:
        counts = run_collections_day(dt.date(2026, 12, 20).isoformat())
    finally:
        messages.empty()  # the dispatch job the nightly run enqueues after its work

    plan.refresh_from_db()
    case.refresh_from_db()
    assert counts["agreements:plans_broken"] == 1
    assert plan.status == RepaymentPlan.Status.BROKEN
    # Resumed before the pipeline ran: the same night escalates it up its ladder.
    assert case.paused_at is None
    assert case.stage is not None
