"""Queued messages go out through the compliance gate, once, and end as activities."""

from __future__ import annotations

import datetime as dt
import importlib
import json
from decimal import Decimal

import django_rq
import pytest
from django.apps import apps
from django.core import mail
from django.urls import reverse
from rq import SimpleWorker

from accounts.roles import Role
from cases.models import Activity, Stage, StageMessageTranslation
from common.portal_links import message_link_token
from compliance.models import ComplianceLogEntry
from pipeline import jobs
from pipeline.messaging import (
    message_render,
    messages_claim_batch,
    messages_reconcile_stuck,
    messages_send_claimed,
)
from pipeline.models import OutboundMessage
from pipeline.services import pipeline_run_day
from tests.factories import (
    CardAccountFactory,
    ContactPointFactory,
    PaymentFactory,
    UserFactory,
)
from tests.pipeline.conftest import day, moment

pytestmark = pytest.mark.django_db

NEW_YORK_10AM_DAY_1 = dt.datetime.combine(day(1), dt.time(15, 0), tzinfo=dt.UTC)


@pytest.fixture
def sms_file(settings, tmp_path):
    settings.SMS_BACKEND = "pipeline.channels.FileSMSBackend"
    settings.SMS_FILE_PATH = str(tmp_path / "sms.jsonl")
    return tmp_path / "sms.jsonl"


def sent_sms(path) -> list[dict]:
    return [json.loads(line) for line in path.read_text().splitlines()] if path.exists() else []


def queue_reminder(account, n: int = 1) -> OutboundMessage:
    pipeline_run_day(business_date=day(n), now=moment(n))
    return OutboundMessage.objects.get(case__account=account)


def dispatch_and_send(now: dt.datetime) -> list[str]:
    """One dispatch batch, as a worker holding slot 0 runs it; the statuses it ends with."""
    messages_reconcile_stuck(now=now, own_slot=0)
    ids = messages_claim_batch(now=now, slot=0, limit=100)
    messages_send_claimed(ids=ids, slot=0, now=now)
    return [OutboundMessage.objects.get(pk=pk).status for pk in ids]


def link_of(message: OutboundMessage) -> dict:
    return {"case_id": message.case_id, "message_id": message.pk}


def test_a_reminder_is_sent_once_and_recorded_as_activity_and_in_the_log(overdue_account, sms_file):
    message = queue_reminder(overdue_account)
    assert dispatch_and_send(NEW_YORK_10AM_DAY_1) == ["sent"]

    [sms] = sent_sms(sms_file)
    assert sms["to"] == "+15550001111"
    assert overdue_account.debtor.full_name in sms["body"]
    assert "Reply STOP to opt out of texts." in sms["body"]
    assert sms["body"].count("STOP") == 1
    assert sms["body"].endswith(f"/portal/l/{message_link_token(**link_of(message))}/")
    message.refresh_from_db()
    assert message.status == "sent" and message.sent_at == NEW_YORK_10AM_DAY_1
    activity = message.activity
    assert (activity.channel, activity.outcome, activity.direction) == ("sms", "sent", "outbound")
    log = list(ComplianceLogEntry.objects.filter(case_id=message.case_id).order_by("pk"))
    assert [(row.kind, row.verdict) for row in log] == [
        ("decision", "allowed"),
        ("contact", "allowed"),
    ]
    assert log[1].activity_id == activity.pk

    # Sending the same message again does nothing; dispatch finds nothing more to do.
    messages_send_claimed(ids=[message.pk], slot=0, now=NEW_YORK_10AM_DAY_1)
    assert dispatch_and_send(NEW_YORK_10AM_DAY_1) == []
    assert len(sent_sms(sms_file)) == 1


def test_a_reminder_due_at_night_waits_for_the_debtors_morning(overdue_account, sms_file):
    message = queue_reminder(overdue_account)
    three_am_new_york = dt.datetime.combine(day(1), dt.time(8, 0), tzinfo=dt.UTC)

    assert dispatch_and_send(three_am_new_york) == ["pending"]
    message.refresh_from_db()
    eight_am_new_york = dt.datetime.combine(day(1), dt.time(13, 0), tzinfo=dt.UTC)
    assert message.send_after == eight_am_new_york
    assert sent_sms(sms_file) == []
    assert dispatch_and_send(eight_am_new_york - dt.timedelta(minutes=5)) == []
    assert dispatch_and_send(eight_am_new_york) == ["sent"]
    assert len(sent_sms(sms_file)) == 1


def test_a_cease_communication_request_blocks_the_reminder_and_nothing_is_sent(
    overdue_account, sms_file
):
    message = queue_reminder(overdue_account)
    overdue_account.debtor.cease_communication = True
    overdue_account.debtor.save()

    assert dispatch_and_send(NEW_YORK_10AM_DAY_1) == ["blocked"]
    message.refresh_from_db()
    assert "cease" in message.last_error.lower()
    assert sent_sms(sms_file) == []
    assert not Activity.objects.exists()
    assert ComplianceLogEntry.objects.get().verdict == "blocked"


def test_a_message_for_a_case_cured_after_queueing_is_cancelled(overdue_account, sms_file):
    message = queue_reminder(overdue_account)
    ids = messages_claim_batch(now=NEW_YORK_10AM_DAY_1, slot=0, limit=100)
    PaymentFactory(account=overdue_account, amount=Decimal("500.00"), received_on=day(1))
    pipeline_run_day(business_date=day(1), now=moment(1))  # the cure runs before the send
    assert messages_send_claimed(ids=ids, slot=0, now=NEW_YORK_10AM_DAY_1) == {"cancelled": 1}
    message.refresh_from_db()
    assert message.status == "cancelled"
    assert sent_sms(sms_file) == []


def test_the_reminder_speaks_the_debtors_language_when_a_translation_exists(
    overdue_account, sms_file
):
    StageMessageTranslation.objects.create(
        stage=Stage.objects.get(action="sms"),
        language="es",
        message_template=(
            "{{ debtor.full_name }}, su cuenta tiene {{ days_past_due }} días de atraso."
        ),
    )
    overdue_account.debtor.language = "es"
    overdue_account.debtor.save()
    queue_reminder(overdue_account)
    dispatch_and_send(NEW_YORK_10AM_DAY_1)
    [sms] = sent_sms(sms_file)
    assert sms["body"].startswith(
        f"{overdue_account.debtor.full_name}, su cuenta tiene 1 días de atraso."
    )


@pytest.mark.parametrize(("due_day", "days"), [(0, "1 day"), (-1, "2 days")])
def test_the_reminder_says_day_or_days_as_the_number_needs(team, due_day, days):
    account = CardAccountFactory(oldest_unpaid_due_date=day(due_day))
    ContactPointFactory(debtor=account.debtor, kind="mobile", sms_consent=True)
    message = queue_reminder(account)

    assert f"is {days} past due." in message_render(message)


def test_stored_default_messages_are_corrected_and_edited_ones_left_alone():
    """Databases migrated before the plural forms get them; an admin's own wording stays."""
    fix = importlib.import_module("cases.migrations.0010_plural_days_in_default_messages")
    sms_stage, letter_stage = Stage.objects.get(action="sms"), Stage.objects.get(action="letter")
    Stage.objects.filter(pk=sms_stage.pk).update(message_template=fix.OLD_SMS_REMINDER)
    Stage.objects.filter(pk=letter_stage.pk).update(message_template=fix.OLD_DEMAND_LETTER)
    edited = Stage.objects.create(
        strategy=sms_stage.strategy,
        position=9,
        name="Second reminder",
        min_days_past_due=7,
        action="sms",
        message_template=f"{fix.OLD_SMS_REMINDER} Call us on 555 0100.",
    )

    fix.use_plural_days(apps, None)

    assert Stage.objects.get(pk=sms_stage.pk).message_template == fix.SMS_REMINDER
    assert Stage.objects.get(pk=letter_stage.pk).message_template == fix.DEMAND_LETTER
    assert "{{ days_past_due }} day{{ days_past_due|pluralize }}" in fix.SMS_REMINDER
    assert Stage.objects.get(pk=edited.pk).message_template == edited.message_template


def test_without_a_consented_mobile_the_reminder_goes_by_consented_email(team):
    account = CardAccountFactory(oldest_unpaid_due_date=day(0))
    ContactPointFactory(debtor=account.debtor, kind="mobile", sms_consent=False)
    ContactPointFactory(
        debtor=account.debtor,
        kind="email",
        value="pat@example.test",
        email_consent=True,
        sms_consent=False,
    )
    message = queue_reminder(account)
    assert message.channel == "email"
    assert dispatch_and_send(NEW_YORK_10AM_DAY_1) == ["sent"]
    [email] = mail.outbox
    assert email.to == ["pat@example.test"]
    assert "To stop receiving emails" in email.body


def test_with_no_usable_contact_point_the_message_fails_visibly(team):
    account = CardAccountFactory(oldest_unpaid_due_date=day(0))
    message = queue_reminder(account)
    assert dispatch_and_send(NEW_YORK_10AM_DAY_1) == ["failed"]
    message.refresh_from_db()
    assert message.last_error == "no usable contact point"
    assert Activity.objects.get().outcome == "failed"


def test_the_demand_letter_is_stored_as_html_and_handed_to_print_with_what_the_law_requires(
    overdue_account,
):
    for n in (1, 45):
        pipeline_run_day(business_date=day(n), now=moment(n))
    letter = OutboundMessage.objects.get(channel="letter")
    noon = dt.datetime.combine(day(45), dt.time(16, 0), tzinfo=dt.UTC)
    # Claimed by no worker, it is sent by none.
    assert messages_send_claimed(ids=[letter.pk], slot=0, now=noon) == {}
    OutboundMessage.objects.filter(channel="sms").update(status="cancelled")

    assert dispatch_and_send(noon) == ["sent"]
    letter.refresh_from_db()
    html = letter.document_html
    for needed in (
        "1200.00",
        "Basis of the claim",
        "Your rights",
        "How to object",
        overdue_account.account_reference,
        "45 days past due",
    ):
        assert needed in html
    # Its PDF is set later, by a print run (tests/pipeline/test_printing.py).
    assert (letter.delivery_status, letter.print_file) == ("queued for print", None)
    assert letter.activity.channel == "letter"


def test_a_failing_gateway_is_tried_again_later_then_recorded_as_failed(overdue_account, settings):
    settings.SMS_BACKEND = "pipeline.channels.HTTPSMSBackend"
    settings.SMS_GATEWAY_URL = "http://127.0.0.1:9/unreachable"
    settings.SMS_GATEWAY_TIMEOUT = 1
    settings.MESSAGE_SEND_ATTEMPTS = 3
    message = queue_reminder(overdue_account)

    assert dispatch_and_send(NEW_YORK_10AM_DAY_1) == ["pending"]
    message.refresh_from_db()
    assert message.send_after == NEW_YORK_10AM_DAY_1 + dt.timedelta(seconds=30)
    assert dispatch_and_send(NEW_YORK_10AM_DAY_1 + dt.timedelta(seconds=10)) == []
    assert dispatch_and_send(NEW_YORK_10AM_DAY_1 + dt.timedelta(minutes=1)) == ["pending"]
    assert dispatch_and_send(NEW_YORK_10AM_DAY_1 + dt.timedelta(minutes=5)) == ["failed"]

    message.refresh_from_db()
    assert message.status == "failed"
    assert message.attempts == 3
    assert "unreachable" in message.last_error
    assert Activity.objects.get().outcome == "failed"


def test_the_dispatch_jobs_send_what_is_due_one_per_slot(
    overdue_account, sms_file, settings, monkeypatch
):
    settings.MESSAGE_DISPATCH_WORKERS = 2
    settings.MESSAGE_DISPATCH_BATCH = 1
    monkeypatch.setattr(jobs.timezone, "now", lambda: NEW_YORK_10AM_DAY_1)
    message = queue_reminder(overdue_account)
    queue = django_rq.get_queue("messages")
    queue.connection.flushdb()
    try:
        assert jobs.start_dispatch() == 2
        SimpleWorker([queue], connection=queue.connection).work(burst=True)
    finally:
        queue.connection.flushdb()

    message.refresh_from_db()
    assert message.status == "sent" and message.claim is None
    assert [sms["reference"] for sms in sent_sms(sms_file)] == [f"msg-{message.pk}"]


def killed_while_sending(message: OutboundMessage, now: dt.datetime) -> None:
    """What a worker killed while sending (before batches had slots) leaves: the message
    claimed by nobody known."""
    OutboundMessage.objects.filter(pk=message.pk).update(
        status="sending", attempts=1, updated_at=now
    )


def test_an_sms_whose_worker_died_while_sending_is_sent_again_under_the_same_reference(
    overdue_account, sms_file
):
    message = queue_reminder(overdue_account)
    killed_while_sending(message, NEW_YORK_10AM_DAY_1)

    # Within a send job's time it may still be going: left alone.
    assert dispatch_and_send(NEW_YORK_10AM_DAY_1 + dt.timedelta(minutes=14)) == []
    assert OutboundMessage.objects.get(pk=message.pk).status == "sending"

    later = NEW_YORK_10AM_DAY_1 + dt.timedelta(minutes=16)
    assert dispatch_and_send(later) == ["sent"]
    [sms] = sent_sms(sms_file)
    assert sms["reference"] == f"msg-{message.pk}"
    message.refresh_from_db()
    assert (message.status, message.attempts, message.sent_at) == ("sent", 2, later)
    assert Activity.objects.get().outcome == "sent"
    assert dispatch_and_send(later + dt.timedelta(hours=1)) == []


def test_a_letter_whose_worker_died_while_storing_it_is_stored_again(overdue_account):
    for n in (1, 45):
        pipeline_run_day(business_date=day(n), now=moment(n))
    OutboundMessage.objects.filter(channel="sms").update(status="cancelled")
    letter = OutboundMessage.objects.get(channel="letter")
    noon = dt.datetime.combine(day(45), dt.time(16, 0), tzinfo=dt.UTC)
    killed_while_sending(letter, noon)

    assert dispatch_and_send(noon + dt.timedelta(minutes=20)) == ["sent"]
    letter.refresh_from_db()
    assert letter.document_html and letter.activity.channel == "letter"
    assert Activity.objects.filter(channel="letter").count() == 1


@pytest.fixture
def email_reminder(team):
    account = CardAccountFactory(oldest_unpaid_due_date=day(0))
    ContactPointFactory(
        debtor=account.debtor, kind="email", value="pat@example.test", email_consent=True
    )
    return queue_reminder(account)


def test_an_email_whose_worker_died_while_sending_waits_for_review_and_is_not_resent(
    email_reminder,
):
    killed_while_sending(email_reminder, NEW_YORK_10AM_DAY_1)

    assert dispatch_and_send(NEW_YORK_10AM_DAY_1 + dt.timedelta(minutes=16)) == []
    email_reminder.refresh_from_db()
    assert email_reminder.status == "review"
    assert "may have been sent" in email_reminder.last_error
    assert dispatch_and_send(NEW_YORK_10AM_DAY_1 + dt.timedelta(days=3)) == []
    assert mail.outbox == []


def test_a_supervisor_sends_a_reviewed_email_again_from_the_review_page(
    email_reminder, client, supervisor
):
    killed_while_sending(email_reminder, NEW_YORK_10AM_DAY_1)
    dispatch_and_send(NEW_YORK_10AM_DAY_1 + dt.timedelta(minutes=16))
    client.force_login(supervisor)

    pipeline_page = client.get(reverse("pipeline:page")).content.decode()
    assert "1 message needs review" in pipeline_page
    page = client.get(reverse("pipeline:messages_review")).content.decode()
    assert "pat@example.test" in page
    response = client.post(
        reverse("pipeline:messages_review"),
        {"message": email_reminder.pk, "decision": "send"},
        follow=True,
    )
    assert "will be sent again within five minutes" in response.content.decode()

    assert dispatch_and_send(NEW_YORK_10AM_DAY_1 + dt.timedelta(minutes=20)) == ["sent"]
    [email] = mail.outbox
    assert email.to == ["pat@example.test"]
    email_reminder.refresh_from_db()
    assert email_reminder.last_error == "sent again after review by supervisor"


def test_a_cancelled_review_sends_nothing_and_a_second_decision_changes_nothing(
    email_reminder, client, supervisor
):
    killed_while_sending(email_reminder, NEW_YORK_10AM_DAY_1)
    dispatch_and_send(NEW_YORK_10AM_DAY_1 + dt.timedelta(minutes=16))
    client.force_login(supervisor)
    review = reverse("pipeline:messages_review")

    client.post(review, {"message": email_reminder.pk, "decision": "cancel"})
    client.post(review, {"message": email_reminder.pk, "decision": "send"})

    email_reminder.refresh_from_db()
    assert email_reminder.status == "cancelled"
    assert dispatch_and_send(NEW_YORK_10AM_DAY_1 + dt.timedelta(days=1)) == []
    assert mail.outbox == []


@pytest.mark.parametrize("value", ["", "abc", "١٢", "99999999"])
def test_a_review_decision_on_a_message_not_in_review_answers_404(client, supervisor, value):
    client.force_login(supervisor)
    response = client.post(
        reverse("pipeline:messages_review"), {"message": value, "decision": "send"}
    )
    assert response.status_code == 404


def test_messages_of_cases_out_of_scope_are_not_shown_nor_decided(
    email_reminder, client, other_team
):
    killed_while_sending(email_reminder, NEW_YORK_10AM_DAY_1)
    dispatch_and_send(NEW_YORK_10AM_DAY_1 + dt.timedelta(minutes=16))
    stranger = UserFactory(username="stranger", role=Role.SUPERVISOR, team=other_team)
    other_team.supervisors.add(stranger)
    client.force_login(stranger)

    page = client.get(reverse("pipeline:messages_review")).content.decode()
    assert "pat@example.test" not in page
    response = client.post(
        reverse("pipeline:messages_review"), {"message": email_reminder.pk, "decision": "send"}
    )
    assert response.status_code == 404
    assert OutboundMessage.objects.get(pk=email_reminder.pk).status == "review"


def test_a_debtors_second_message_waits_for_the_next_batch_so_the_gate_sees_the_first(
    overdue_account, sms_file
):
    CardAccountFactory(debtor=overdue_account.debtor, oldest_unpaid_due_date=day(0))
    pipeline_run_day(business_date=day(1), now=moment(1))
    first, second = OutboundMessage.objects.order_by("pk")

    assert dispatch_and_send(NEW_YORK_10AM_DAY_1) == ["sent", "pending"]
    second.refresh_from_db()
    assert (second.attempts, second.send_after) == (0, None)  # not an attempt: not judged
    assert dispatch_and_send(NEW_YORK_10AM_DAY_1) == ["sent"]

    first_contact = ComplianceLogEntry.objects.get(kind="contact", case_id=first.case_id)
    second_decision = ComplianceLogEntry.objects.get(kind="decision", case_id=second.case_id)
    assert second_decision.pk > first_contact.pk  # the log's order, once sealed
    assert [sms["reference"] for sms in sent_sms(sms_file)] == [
        f"msg-{first.pk}",
        f"msg-{second.pk}",
    ]


def test_a_message_whose_debtor_has_one_in_flight_elsewhere_waits(overdue_account, sms_file):
    CardAccountFactory(debtor=overdue_account.debtor, oldest_unpaid_due_date=day(0))
    pipeline_run_day(business_date=day(1), now=moment(1))
    first, second = OutboundMessage.objects.order_by("pk")
    first_claim = messages_claim_batch(now=NEW_YORK_10AM_DAY_1, slot=1, limit=1)

    assert first_claim == [first.pk]
    assert messages_send_claimed(
        ids=messages_claim_batch(now=NEW_YORK_10AM_DAY_1, slot=0, limit=10),
        slot=0,
        now=NEW_YORK_10AM_DAY_1,
    ) == {"pending": 1}
    second.refresh_from_db()
    assert second.send_after == NEW_YORK_10AM_DAY_1 + dt.timedelta(seconds=30)
    assert sent_sms(sms_file) == [] and not ComplianceLogEntry.objects.exists()
