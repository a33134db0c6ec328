"""A reported payment pauses escalation while it awaits the bank, as a pending promise does;
flagged unconfirmed, it lets the ladder go on. It never cures a case: only the bank's does."""

from __future__ import annotations

from decimal import Decimal

import pytest

from cases.models import Case, ReportedPayment, StageEntry, Strategy
from cases.services import reported_payments_flag_unconfirmed
from pipeline.services import cases_enter_stage, pipeline_run_day
from tests.factories import PaymentFactory, ReportedPaymentFactory
from tests.pipeline.conftest import day, moment

pytestmark = pytest.mark.django_db


def run_nights(first: int, last: int) -> None:
    """The night's steps in collections_site.nightly's order: flagging, then the pipeline."""
    for n in range(first, last + 1):
        reported_payments_flag_unconfirmed(business_date=day(n))
        pipeline_run_day(business_date=day(n), now=moment(n))


def actions(account) -> list[str]:
    return list(
        StageEntry.objects.filter(case__account=account)
        .order_by("entered_on")
        .values_list("stage__action", flat=True)
    )


def report_on_day_35(account, **fields) -> ReportedPayment:
    run_nights(0, 35)
    case = Case.objects.get(account=account)
    fields.setdefault("amount", account.minimum_due)
    return ReportedPaymentFactory(
        case=case,
        paid_on=day(34),
        reported_on=day(35),
        reported_at=moment(35),
        **fields,
    )


def test_a_reported_payment_awaiting_the_bank_pauses_escalation(overdue_account):
    Strategy.objects.update(unconfirmed_payment_days=30)
    report_on_day_35(overdue_account)

    run_nights(36, 60)

    assert actions(overdue_account) == ["sms", "call_queue"]
    assert Case.objects.get(account=overdue_account).status == Case.Status.OPEN


def test_escalation_resumes_the_night_the_report_is_flagged(overdue_account):
    Strategy.objects.update(unconfirmed_payment_days=12)
    report = report_on_day_35(overdue_account)

    run_nights(36, 46)  # the letter is due from day 45
    assert actions(overdue_account) == ["sms", "call_queue"]
    run_nights(47, 47)

    report.refresh_from_db()
    assert report.status == ReportedPayment.Status.FLAGGED
    assert actions(overdue_account) == ["sms", "call_queue", "letter"]
    entry = StageEntry.objects.get(case__account=overdue_account, stage__action="letter")
    assert entry.entered_on == day(47)


def test_a_reported_payment_never_cures_the_case_but_its_bank_payment_does(overdue_account):
    Strategy.objects.update(unconfirmed_payment_days=30)
    report = report_on_day_35(overdue_account, amount=Decimal("5000.00"))
    run_nights(36, 37)
    assert Case.objects.get(account=overdue_account).is_open

    payment = PaymentFactory(
        account=overdue_account, amount=overdue_account.minimum_due, received_on=day(37)
    )
    ReportedPayment.objects.filter(pk=report.pk).update(
        status=ReportedPayment.Status.CONFIRMED, confirmed_by=payment, confirmed_at=moment(38)
    )
    run_nights(38, 38)
    assert Case.objects.get(account=overdue_account).status == Case.Status.CURED


def test_a_hand_off_leaves_a_case_with_a_report_awaiting_the_bank_alone(overdue_account):
    Strategy.objects.update(unconfirmed_payment_days=30)
    report = report_on_day_35(overdue_account)
    letter = Strategy.objects.get(is_default=True).stages.get(action="letter")

    counts = cases_enter_stage(
        case_ids=[report.case_id], stage=letter, business_date=day(36), now=moment(36)
    )

    assert not counts
    assert actions(overdue_account) == ["sms", "call_queue"]
