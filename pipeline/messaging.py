"""Sending what the pipeline queued: every message passes the compliance gate, is sent once,
and ends as an activity (sent, blocked or failed); none is lost or sent twice.

A message moves pending -> queued (dispatch hands it to a worker) -> sending (one worker
claimed it) -> sent | blocked | failed | cancelled. Each move is a conditional UPDATE, so two
workers can never both claim one message.

A worker killed while sending leaves its message "sending". Once that has lasted longer than
any send job may run, dispatch reconciles it: a channel whose far end recognises a message it
already has by its reference (the SMS gateway's `client_reference`, the letter's file) sends it
again under the same reference; an e-mail may already be in the debtor's inbox, so it waits in
"review" for a person to send it again or cancel it.
"""

from __future__ import annotations

import datetime as dt
import smtplib

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.mail import EmailMessage
from django.db import transaction
from django.db.models import F, Q
from django.template import Context, Template

from cases.models import Activity, StageMessageTranslation
from compliance.engine import compliance_decide, compliance_record_contact
from pipeline.channels import (
    ChannelError,
    Delivery,
    PermanentChannelError,
    TransientChannelError,
    get_sms_backend,
)
from pipeline.letters import letter_html, letter_pdf
from pipeline.models import OutboundMessage

SMS_OPT_OUT = "Reply STOP to opt out."
EMAIL_OPT_OUT = (
    "\n\nTo stop receiving emails about this account, reply with the word STOP "
    "or call the number on the back of your card."
)
# A message queued this long ago but never claimed lost its job (Redis restarted): requeue it.
REQUEUE_AFTER = dt.timedelta(minutes=15)
# A message "sending" this long ago lost its worker: a send job is killed after 5 minutes.
SENDING_TIMEOUT = dt.timedelta(minutes=15)
# Channels whose far end drops a second message with the same reference.
RESENDABLE_CHANNELS = (Activity.Channel.SMS, Activity.Channel.LETTER)


def messages_reconcile_stuck(*, now: dt.datetime) -> dict[str, int]:
    """Settle the messages whose worker died while sending them; return how many went where.

    Resendable channels go back to pending (dispatch sends them with the same reference);
    the others wait in review.
    """
    stuck = OutboundMessage.objects.filter(
        status=OutboundMessage.Status.SENDING, updated_at__lt=now - SENDING_TIMEOUT
    )
    resent = stuck.filter(channel__in=RESENDABLE_CHANNELS).update(
        status=OutboundMessage.Status.PENDING,
        updated_at=now,
        last_error="its worker stopped while sending; sent again under the same reference",
    )
    to_review = stuck.exclude(channel__in=RESENDABLE_CHANNELS).update(
        status=OutboundMessage.Status.REVIEW,
        updated_at=now,
        last_error="its worker stopped while sending; it may have been sent",
    )
    return {"resent": resent, "to_review": to_review}


def message_review_decide(*, message_id: int, send_again: bool, user, now: dt.datetime) -> bool:
    """A person's decision on a message in review: send it again, or cancel it.

    Returns False when the message is no longer in review (someone decided first).
    """
    name = user.get_full_name() or user.get_username()
    if send_again:  # the next dispatch sends it
        changes = {
            "status": OutboundMessage.Status.PENDING,
            "send_after": None,
            "last_error": f"sent again after review by {name}",
        }
    else:
        changes = {
            "status": OutboundMessage.Status.CANCELLED,
            "last_error": f"cancelled after review by {name}",
        }
    return bool(
        OutboundMessage.objects.filter(pk=message_id, status=OutboundMessage.Status.REVIEW).update(
            updated_at=now, **changes
        )
    )


def messages_claim_for_dispatch(*, now: dt.datetime, limit: int = 1000) -> list[int]:
    """Move up to `limit` pending (or stale queued) messages to queued; return their ids.

    Messages stuck in "sending" are reconciled first. Workers competing on PostgreSQL skip
    each other's rows (SKIP LOCKED).
    """
    with transaction.atomic():
        messages_reconcile_stuck(now=now)
        ready = OutboundMessage.objects.filter(
            Q(send_after__isnull=True) | Q(send_after__lte=now),
            status=OutboundMessage.Status.PENDING,
        ) | (
            OutboundMessage.objects.filter(
                status=OutboundMessage.Status.QUEUED, updated_at__lt=now - REQUEUE_AFTER
            )
        )
        ids = list(
            ready.order_by("pk")
            .select_for_update(skip_locked=True)
            .values_list("pk", flat=True)[:limit]
        )
        OutboundMessage.objects.filter(pk__in=ids).update(
            status=OutboundMessage.Status.QUEUED, updated_at=now
        )
    return ids


def message_render(message: OutboundMessage) -> str:
    """The stage's template in the debtor's language when one exists, rendered for this case.

    Templates are data, one per language, so each words its own plurals (the English default
    writes `day{{ days_past_due|pluralize }}`); the worker's active language plays no part.
    """
    stage = message.stage_entry.stage
    debtor = message.case.debtor
    translation = StageMessageTranslation.objects.filter(
        stage=stage, language=debtor.language
    ).first()
    source = translation.message_template if translation else stage.message_template
    context = Context(
        {
            "debtor": debtor,
            "account": message.case.account,
            "case": message.case,
            "days_past_due": message.stage_entry.days_past_due,
        },
        autoescape=False,
    )
    return Template(source).render(context).strip()


def message_send(*, message_id: int, now: dt.datetime) -> str:
    """Send one queued message; returns its final (or retry) status.

    Raises `ChannelError` when the channel failed and attempts remain, so the job is retried;
    after `MESSAGE_SEND_ATTEMPTS` attempts the message is recorded as failed instead.
    """
    claimed = OutboundMessage.objects.filter(
        pk=message_id, status=OutboundMessage.Status.QUEUED
    ).update(status=OutboundMessage.Status.SENDING, attempts=F("attempts") + 1, updated_at=now)
    if not claimed:
        return "not claimable"  # already sent, cancelled or claimed by another worker
    message = OutboundMessage.objects.select_related(
        "case__debtor", "case__account", "stage_entry__stage", "contact_point"
    ).get(pk=message_id)

    if not message.case.is_open:
        _finish(message, OutboundMessage.Status.CANCELLED, error="case closed before sending")
        return message.status
    if message.contact_point is None:
        with transaction.atomic():
            _record(message, now, Activity.Outcome.FAILED, "no usable contact point on file")
            _finish(message, OutboundMessage.Status.FAILED, error="no usable contact point")
        return message.status

    with transaction.atomic():
        decision = compliance_decide(
            actor=None,
            case=message.case,
            channel=message.channel,
            contact_point=message.contact_point,
            moment=now,
            action=_action_of(message),
        )
        if not decision.allowed:
            if decision.next_allowed_at is not None:
                # A wait (outside contact hours, a cap's window), not a ban: try again then.
                message.send_after = decision.next_allowed_at
                _finish(message, OutboundMessage.Status.PENDING, error=decision.reason)
            else:
                _finish(message, OutboundMessage.Status.BLOCKED, error=decision.reason)
            return message.status

    message.body = message_render(message)
    try:
        delivery = _deliver(message, now)
    except ChannelError as error:
        final = isinstance(error, PermanentChannelError) or (
            message.attempts >= settings.MESSAGE_SEND_ATTEMPTS
        )
        if not final:
            OutboundMessage.objects.filter(pk=message.pk).update(
                status=OutboundMessage.Status.QUEUED, last_error=str(error)
            )
            raise
        with transaction.atomic():
            _record(message, now, Activity.Outcome.FAILED, str(error))
            _finish(message, OutboundMessage.Status.FAILED, error=str(error))
        return message.status

    with transaction.atomic():
        activity = _record(message, now, Activity.Outcome.SENT, message.body[:500])
        compliance_record_contact(decision=decision, activity=activity)
        message.provider_reference = delivery.provider_reference
        message.delivery_status = delivery.status
        message.sent_at = now
        message.activity = activity
        _finish(message, OutboundMessage.Status.SENT)
    return message.status


def _action_of(message: OutboundMessage) -> str:
    return {"sms": "sms_reminder", "email": "email_reminder", "letter": "demand_letter"}[
        message.channel
    ]


def _deliver(message: OutboundMessage, now: dt.datetime) -> Delivery:
    reference = f"msg-{message.pk}"
    if message.channel == "sms":
        if "STOP" not in message.body.upper():  # every SMS says how to opt out
            message.body = f"{message.body} {SMS_OPT_OUT}"
        return get_sms_backend().send(
            to=message.contact_point.value, body=message.body, reference=reference
        )
    if message.channel == "email":
        message.subject = message.stage_entry.stage.name
        message.body = f"{message.body}{EMAIL_OPT_OUT}"
        email = EmailMessage(
            subject=message.subject,
            body=message.body,
            to=[message.contact_point.value],
            headers={"X-Message-Reference": reference},
        )
        try:
            email.send()
        except smtplib.SMTPRecipientsRefused as error:
            raise PermanentChannelError(f"address refused: {error}") from error
        except (smtplib.SMTPException, OSError) as error:
            raise TransientChannelError(f"mail server unavailable: {error}") from error
        return Delivery(provider_reference=reference, status="handed to mail server")
    return _store_letter(message, now, reference)


def _store_letter(message: OutboundMessage, now: dt.datetime, reference: str) -> Delivery:
    case = message.case
    message.subject = message.stage_entry.stage.name
    fields = {
        "subject": message.subject,
        "body": message.body,
        "address": message.contact_point.value,
        "date": now.date(),
    }
    message.document_html = letter_html(debtor=case.debtor, account=case.account, **fields)
    pdf = letter_pdf(recipient=case.debtor.full_name, **fields)
    message.document_pdf.save(f"{reference}.pdf", ContentFile(pdf), save=False)
    return Delivery(provider_reference=reference, status="queued for print")


def _record(message: OutboundMessage, now: dt.datetime, outcome: str, notes: str) -> Activity:
    return Activity.objects.create(
        case=message.case,
        debtor=message.case.debtor,
        contact_point=message.contact_point,
        channel=message.channel,
        direction=Activity.Direction.OUTBOUND,
        outcome=outcome,
        notes=notes,
        occurred_at=now,
    )


def _finish(message: OutboundMessage, status: str, *, error: str = "") -> None:
    message.status = status
    if error:
        message.last_error = error
    message.save()
