"""One account walks the ladder day by day; payments cure, promises pause."""

from __future__ import annotations

from decimal import Decimal

import pytest

from cases.models import Case, PromiseToPay, StageEntry
from pipeline.models import OutboundMessage
from pipeline.services import BROKEN_PROMISE_PRIORITY, pipeline_run_day
from tests.factories import PaymentFactory, PromiseToPayFactory
from tests.pipeline.conftest import day, moment

pytestmark = pytest.mark.django_db


def run_days(first: int, last: int) -> None:
    for n in range(first, last + 1):
        pipeline_run_day(business_date=day(n), now=moment(n))


def entries(account) -> list[tuple[str, int]]:
    return list(
        StageEntry.objects.filter(case__account=account)
        .order_by("entered_on")
        .values_list("stage__action", "days_past_due")
    )


def test_an_account_walks_the_whole_ladder_once_each(overdue_account):
    run_days(0, 130)

    assert entries(overdue_account) == [
        ("sms", 1),
        ("call_queue", 30),
        ("letter", 45),
        ("agency", 90),
        ("litigation", 120),
    ]
    case = Case.objects.get(account=overdue_account)
    assert case.status == Case.Status.LITIGATION
    assert case.stage.action == "litigation"
    messages = OutboundMessage.objects.filter(case=case).order_by("created_at")
    assert [(m.channel, m.stage_entry.stage.action) for m in messages] == [
        ("sms", "sms"),
        ("letter", "letter"),
    ]


def test_nothing_happens_on_the_due_date_itself(overdue_account):
    run_days(0, 0)
    assert not Case.objects.exists()


def test_a_payment_on_day_50_cures_the_case_and_nothing_follows(overdue_account):
    run_days(0, 49)
    PaymentFactory(account=overdue_account, amount=overdue_account.minimum_due, received_on=day(50))
    run_days(50, 130)

    case = Case.objects.get(account=overdue_account)
    assert case.status == Case.Status.CURED
    assert case.closed_at == moment(50)
    assert [action for action, _ in entries(overdue_account)] == ["sms", "call_queue", "letter"]
    assert Case.objects.filter(account=overdue_account).count() == 1


def test_a_cure_before_the_letter_is_sent_cancels_it(overdue_account):
    run_days(0, 45)
    letter = OutboundMessage.objects.get(channel="letter")
    assert letter.status == OutboundMessage.Status.PENDING
    PaymentFactory(account=overdue_account, amount=Decimal("500.00"), received_on=day(46))
    run_days(46, 46)
    letter.refresh_from_db()
    assert letter.status == OutboundMessage.Status.CANCELLED


def test_a_jump_straight_to_a_high_stage_does_not_replay_skipped_actions(overdue_account):
    run_days(95, 95)
    assert entries(overdue_account) == [("agency", 95)]
    assert not OutboundMessage.objects.exists()


def test_a_skipped_stage_marked_for_replay_still_runs(overdue_account):
    from cases.models import Stage

    Stage.objects.filter(action="letter").update(replay_if_skipped=True)
    run_days(95, 95)
    assert sorted(entries(overdue_account)) == [("agency", 95), ("letter", 95)]
    assert OutboundMessage.objects.get().channel == "letter"


def promise_on_day_35(account) -> PromiseToPay:
    run_days(0, 35)
    case = Case.objects.get(account=account)
    case.status = Case.Status.PROMISED
    case.save()
    return PromiseToPayFactory(
        case=case, amount=Decimal("150.00"), promised_on=day(35), due_date=day(42)
    )


def test_a_pending_promise_pauses_escalation_until_its_date(overdue_account):
    promise_on_day_35(overdue_account)
    run_days(36, 42)
    assert [a for a, _ in entries(overdue_account)] == ["sms", "call_queue"]


def test_a_kept_promise_cures_the_case_and_stops_the_ladder(overdue_account):
    promise = promise_on_day_35(overdue_account)
    PaymentFactory(account=overdue_account, amount=Decimal("150.00"), received_on=day(41))
    run_days(36, 60)

    promise.refresh_from_db()
    assert promise.status == PromiseToPay.Status.KEPT
    assert Case.objects.get(account=overdue_account).status == Case.Status.CURED
    assert [a for a, _ in entries(overdue_account)] == ["sms", "call_queue"]


def test_a_broken_promise_resumes_escalation_on_day_43_and_tops_the_queue(overdue_account):
    promise = promise_on_day_35(overdue_account)
    run_days(36, 42)
    assert "letter" not in [a for a, _ in entries(overdue_account)]

    run_days(43, 43)

    promise.refresh_from_db()
    assert promise.status == PromiseToPay.Status.BROKEN
    assert promise.resolved_on == day(43)
    case = Case.objects.get(account=overdue_account)
    assert case.status == Case.Status.OPEN
    assert case.priority_score == BROKEN_PROMISE_PRIORITY
    assert case.next_action_at == moment(43)
    # Day 43 is past the letter's threshold (45)? No: the letter comes on day 45 as usual.
    run_days(44, 45)
    assert [a for a, _ in entries(overdue_account)] == ["sms", "call_queue", "letter"]


def test_a_partly_paid_promise_is_broken(overdue_account):
    promise = promise_on_day_35(overdue_account)
    PaymentFactory(account=overdue_account, amount=Decimal("20.00"), received_on=day(40))
    run_days(36, 43)
    promise.refresh_from_db()
    assert promise.status == PromiseToPay.Status.BROKEN
