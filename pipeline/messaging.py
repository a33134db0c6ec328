"""Sending what the pipeline queued: every message passes the compliance gate, is sent once,
and ends as an activity (sent, blocked or failed); none is lost or sent twice.

Dispatch works in batches. A dispatch worker holds one of the dispatch slots (a holder lock,
common.holders) for as long as it runs, and claims a batch of due messages at a time: one
statement moves them pending -> sending, tagged with its slot, skipping rows another worker
has locked (SKIP LOCKED), so two workers never take the same message. The batch is judged by
the compliance gate in one go, rendered, handed to the SMS gateway in one request where it
has a bulk mode, and recorded in bulk: sent | blocked | failed | cancelled, or pending again
with `send_after` for a wait (outside contact hours, a cap's window) or a transient failure.
A debtor has at most one message in flight: a second one waits for the next batch, so it is
judged with the first one's contact on record.

A worker killed while sending leaves its batch "sending" under a slot nobody holds any more;
dispatch reconciles it: a channel whose far end recognises a message it already has by its
reference (the SMS gateway's `client_reference`) sends it again under the same reference; a
letter is only handed to print (a print run sets it later: `pipeline.printing`), so it is
handed again; an e-mail may already be in the debtor's inbox, so it waits in "review" for a
person to send it again or cancel it. (A message "sending" with no slot, from before dispatch
worked in batches, is reconciled once it has been so for longer than any send could take.)
"""

from __future__ import annotations

import datetime as dt
import smtplib
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import transaction
from django.db.models import F, Q
from django.template import Context, Template
from django.utils import translation
from django.utils.translation import gettext_lazy

from cases.models import Activity, Debtor, Stage, StageMessageTranslation
from common.bulk import bulk_insert, bulk_update_rows
from common.holders import holding
from common.portal_links import message_link_urls
from compliance.engine import ContactAttempt, compliance_decide_many, compliance_record_contacts
from pipeline.channels import (
    SMS,
    ChannelError,
    Delivery,
    PermanentChannelError,
    TransientChannelError,
    get_sms_backend,
    sms_send_many,
)
from pipeline.letters import debtor_interface_language, letter_html
from pipeline.models import OutboundMessage

# Every message says how to opt out, in the debtor's language; STOP works in every language.
SMS_OPT_OUT = gettext_lazy("Reply STOP to opt out.")
EMAIL_OPT_OUT = gettext_lazy(
    "To stop receiving emails about this account, reply with the word STOP "
    "or call the number on the back of your card."
)
# Where a template does not place the message's portal link itself (`{{ portal_link }}`).
PORTAL_LINK_LINE = gettext_lazy("See your account, promise or pay online: %(link)s")
# The holder lock of a dispatch slot (common.holders): held by the worker dispatching in it.
DISPATCH_HOLDER = "message-dispatch"
# A message queued (by a one-job-per-message dispatch of old) this long ago lost its job.
REQUEUE_AFTER = dt.timedelta(minutes=15)
# A message "sending" without a slot this long ago lost its worker.
SENDING_TIMEOUT = dt.timedelta(minutes=15)
# A message whose debtor has another one in flight with another worker waits this long.
BUSY_DEBTOR_WAIT = dt.timedelta(seconds=30)
# Seconds before another try after a transient failure, by attempts made so far.
SEND_RETRY_INTERVALS = [30, 120, 600, 1800]
# Channels whose far end drops a second message with the same reference.
RESENDABLE_CHANNELS = (Activity.Channel.SMS, Activity.Channel.LETTER)
Status = OutboundMessage.Status


@contextmanager
def dispatch_slot(slot: int) -> Iterator[bool]:
    """Hold dispatch slot `slot` for the block if no living worker holds it; yields whether
    this process does. Messages "sending" in a slot nobody holds lost their worker."""
    with holding(DISPATCH_HOLDER, slot) as held:
        yield held


def messages_reconcile_stuck(*, now: dt.datetime, own_slot: int | None = None) -> dict[str, int]:
    """Settle the messages whose worker died while sending them; return how many went where.

    Stuck: "sending" in a slot no living worker holds (or in `own_slot`, which the caller
    holds and is not sending in yet), or without a slot for longer than SENDING_TIMEOUT.
    Resendable channels go back to pending (dispatch sends them with the same reference);
    the others wait in review. Messages queued by an old dispatch and never claimed go back
    to pending.
    """
    sending = OutboundMessage.objects.filter(status=Status.SENDING)
    counts = _settle(sending.filter(claim=None, updated_at__lt=now - SENDING_TIMEOUT), now)
    for slot in sorted(set(sending.exclude(claim=None).values_list("claim", flat=True))):
        if slot == own_slot:
            counts += _settle(sending.filter(claim=slot), now)
            continue
        # Settled while holding the slot: no new worker can claim a batch in it meanwhile.
        with holding(DISPATCH_HOLDER, slot) as held:
            if held:
                counts += _settle(sending.filter(claim=slot), now)
    OutboundMessage.objects.filter(status=Status.QUEUED, updated_at__lt=now - REQUEUE_AFTER).update(
        status=Status.PENDING, updated_at=now
    )
    return {"resent": counts["resent"], "to_review": counts["to_review"]}


def _settle(stuck, now: dt.datetime) -> Counter:
    """Messages whose worker died while sending them: sent again, or to review."""
    resent = stuck.filter(channel__in=RESENDABLE_CHANNELS).update(
        status=Status.PENDING,
        claim=None,
        updated_at=now,
        last_error="its worker stopped while sending; sent again under the same reference",
    )
    to_review = stuck.exclude(channel__in=RESENDABLE_CHANNELS).update(
        status=Status.REVIEW,
        claim=None,
        updated_at=now,
        last_error="its worker stopped while sending; it may have been sent",
    )
    return Counter(resent=resent, to_review=to_review)


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


def messages_claim_batch(*, now: dt.datetime, slot: int, limit: int) -> list[int]:
    """Move up to `limit` due pending messages to "sending" in `slot`; return their ids.

    The caller holds `slot` (`dispatch_slot`). Workers competing on PostgreSQL skip each
    other's rows (SKIP LOCKED); each claim counts as an attempt.
    """
    with transaction.atomic():
        ids = list(
            OutboundMessage.objects.filter(
                Q(send_after__isnull=True) | Q(send_after__lte=now), status=Status.PENDING
            )
            .order_by("pk")
            .select_for_update(skip_locked=True)
            .values_list("pk", flat=True)[:limit]
        )
        OutboundMessage.objects.filter(pk__in=ids).update(
            status=Status.SENDING, claim=slot, attempts=F("attempts") + 1, updated_at=now
        )
    return ids


def messages_dispatch_batch(
    *,
    now: dt.datetime,
    slot: int,
    limit: int,
    after_send: Callable[[list[OutboundMessage]], None] | None = None,
) -> Counter:
    """Claim one batch in `slot` and take it to the end; returns how many ended how
    (`claimed` counts the batch). `after_send` is called with the messages the channels
    accepted, before they are recorded (a seam for tests that stop a worker there)."""
    ids = messages_claim_batch(now=now, slot=slot, limit=limit)
    counts = Counter(claimed=len(ids))
    if ids:
        counts.update(messages_send_claimed(ids=ids, slot=slot, now=now, after_send=after_send))
    return counts


def messages_send_claimed(
    *,
    ids: list[int],
    slot: int,
    now: dt.datetime,
    after_send: Callable[[list[OutboundMessage]], None] | None = None,
) -> Counter:
    """Judge, render, send and record the messages `ids` claimed in `slot`."""
    messages = list(
        OutboundMessage.objects.filter(pk__in=ids, status=Status.SENDING, claim=slot)
        .select_related("case__debtor", "case__account", "stage_entry", "contact_point")
        .order_by("pk")
    )
    _share_stages(messages)
    counts: Counter = Counter()
    closed = [message for message in messages if not _still_owed(message)]
    for message in closed:
        message.status, message.last_error = Status.CANCELLED, "case closed before sending"
    owed = [message for message in messages if _still_owed(message)]
    no_point = [m for m in owed if m.contact_point is None]
    to_judge = [m for m in owed if m.contact_point is not None]
    with transaction.atomic():
        waiting, allowed = _judge(to_judge, now)  # locks the debtors before anything else
        _record_failures(no_point, now, {m.pk: "no usable contact point on file" for m in no_point})
        for message in no_point:
            message.last_error = "no usable contact point"
        _save(closed + no_point + waiting, now)
    sendable = [message for message, _ in allowed]
    templates = _templates(sendable)
    links = _links(sendable)
    for message, link in zip(sendable, links, strict=True):
        message.body = _render(message, templates, link)
    answers = _deliver_all(sendable, now)
    accepted = [message for message in sendable if isinstance(answers[message.pk], Delivery)]
    if after_send is not None:
        after_send(accepted)

    decisions = dict((message.pk, decision) for message, decision in allowed)
    failed, retried = {}, []
    for message in sendable:
        answer = answers[message.pk]
        if isinstance(answer, Delivery):
            message.provider_reference = answer.provider_reference
            message.delivery_status = answer.status
            message.sent_at = now
            message.status = Status.SENT
            continue
        final = isinstance(answer, PermanentChannelError) or (
            message.attempts >= settings.MESSAGE_SEND_ATTEMPTS
        )
        message.last_error = str(answer)
        if final:
            failed[message.pk] = str(answer)
        else:
            message.status = Status.PENDING
            message.send_after = now + dt.timedelta(
                seconds=SEND_RETRY_INTERVALS[min(message.attempts, len(SEND_RETRY_INTERVALS)) - 1]
            )
            retried.append(message)
    with transaction.atomic():
        activities = _bulk_activities(accepted, now, Activity.Outcome.SENT)
        for message, activity in zip(accepted, activities, strict=True):
            message.activity = activity
        compliance_record_contacts(
            [(decisions[message.pk], message.activity) for message in accepted]
        )
        failing = [message for message in sendable if message.pk in failed]
        _record_failures(failing, now, failed)
        _save(accepted + failing + retried, now)
    for message in messages:
        counts[message.status] += 1
    return counts


def _share_stages(messages: list[OutboundMessage]) -> None:
    """Give the messages' stage entries their stages, each loaded once for the batch (selected
    with every message, each message would build its own copy of the same few stages)."""
    entries = [message.stage_entry for message in messages if message.stage_entry_id is not None]
    stages = Stage.objects.in_bulk({entry.stage_id for entry in entries})
    for entry in entries:
        entry.stage = stages[entry.stage_id]


def _still_owed(message: OutboundMessage) -> bool:
    """A ladder's message is owed while its case is open; an agreement's letter confirms what
    was agreed, and goes out even when the case closed since (settled by paying, say)."""
    return message.case.is_open or message.purpose != OutboundMessage.Purpose.STAGE


def _judge(messages: list[OutboundMessage], now: dt.datetime):
    """The gate's decisions for `messages`, one in flight per debtor: a message whose debtor
    has another in this batch or with another worker goes back to pending, unjudged.

    Returns (messages settled without sending, [(message, decision) allowed]).
    """
    debtor_ids = sorted({message.case.debtor_id for message in messages})
    # Locked in id order, as the gate locks them, before anything else reads them.
    list(Debtor.objects.select_for_update().filter(pk__in=debtor_ids).order_by("pk").values("pk"))
    elsewhere = set(
        OutboundMessage.objects.filter(case__debtor_id__in=debtor_ids, status=Status.SENDING)
        .exclude(pk__in=[message.pk for message in messages])
        .values_list("case__debtor_id", flat=True)
    )
    settled, judged, seen = [], [], set()
    for message in messages:
        debtor_id = message.case.debtor_id
        if debtor_id in elsewhere or debtor_id in seen:
            message.status, message.attempts = Status.PENDING, message.attempts - 1
            if debtor_id in elsewhere:
                message.send_after = now + BUSY_DEBTOR_WAIT
            settled.append(message)
            continue
        seen.add(debtor_id)
        judged.append(message)
    decisions = compliance_decide_many(
        [
            ContactAttempt(
                case=message.case,
                channel=message.channel,
                contact_point=message.contact_point,
                moment=now,
                action=_action_of(message),
            )
            for message in judged
        ]
    )
    allowed = []
    for message, decision in zip(judged, decisions, strict=True):
        if decision.allowed:
            allowed.append((message, decision))
            continue
        message.last_error = decision.reason
        if decision.next_allowed_at is not None:
            # A wait (outside contact hours, a cap's window), not a ban: try again then.
            message.status, message.send_after = Status.PENDING, decision.next_allowed_at
        else:
            message.status = Status.BLOCKED
        settled.append(message)
    return settled, allowed


SAVED_FIELDS = [
    "status",
    "claim",
    "attempts",
    "send_after",
    "last_error",
    "subject",
    "body",
    "document_html",
    "provider_reference",
    "delivery_status",
    "sent_at",
    "activity",
    "updated_at",
]


def _save(messages: list[OutboundMessage], now: dt.datetime) -> None:
    """Write the batch's messages back in one statement; each leaves the slot."""
    for message in messages:
        message.claim, message.updated_at = None, now
    bulk_update_rows(messages, SAVED_FIELDS)


def _bulk_activities(
    messages: list[OutboundMessage], now: dt.datetime, outcome: str, notes=None
) -> list[Activity]:
    return bulk_insert(
        [
            Activity(
                case=message.case,
                debtor_id=message.case.debtor_id,
                contact_point=message.contact_point,
                channel=message.channel,
                direction=Activity.Direction.OUTBOUND,
                outcome=outcome,
                notes=notes[message.pk] if notes else message.body[:500],
                occurred_at=now,
            )
            for message in messages
        ]
    )


def _record_failures(
    messages: list[OutboundMessage], now: dt.datetime, reasons: dict[int, str]
) -> None:
    for message, activity in zip(
        messages,
        _bulk_activities(messages, now, Activity.Outcome.FAILED, notes=reasons),
        strict=True,
    ):
        message.status, message.activity = Status.FAILED, activity


def _templates(messages: list[OutboundMessage]) -> dict[tuple[int, str], Template]:
    """Each stage's template per language the batch needs, fetched and compiled once."""
    from_stages = [message for message in messages if message.stage_entry_id is not None]
    stages = {message.stage_entry.stage_id: message.stage_entry.stage for message in from_stages}
    languages = {message.case.debtor.language for message in from_stages}
    sources = {
        (stage_id, language): stage.message_template
        for stage_id, stage in stages.items()
        for language in languages
    }
    for stage_id, language, source in StageMessageTranslation.objects.filter(
        stage_id__in=stages, language__in=languages
    ).values_list("stage_id", "language", "message_template"):
        sources[(stage_id, language)] = source
    compiled = {source: Template(source) for source in set(sources.values())}
    return {key: compiled[source] for key, source in sources.items()}


def message_render(message: OutboundMessage) -> str:
    """The stage's template in the debtor's language when one exists, rendered for this case.

    Templates are data, one per language, so each words its own plurals (the English default
    writes `day{{ days_past_due|pluralize }}`); the worker's active language plays no part.
    """
    [link] = _links([message])
    return _render(message, _templates([message]), link)


def _links(messages: list[OutboundMessage]) -> list[str]:
    """Each message's own portal link."""
    return message_link_urls(
        base_url=settings.PORTAL_BASE_URL,
        ids=[(message.case_id, message.pk) for message in messages],
    )


def _render(message: OutboundMessage, templates: dict[tuple[int, str], Template], link: str) -> str:
    """The text, with the message's own portal `link`: where the template puts
    `{{ portal_link }}`, else at the end (an SMS the bare link, to stay short). An agreement's
    letter was written when it was queued: the link goes at its end."""
    if message.stage_entry_id is None:
        text = message.body
    else:
        template = templates[(message.stage_entry.stage_id, message.case.debtor.language)]
        context = Context(
            {
                "debtor": message.case.debtor,
                "account": message.case.account,
                "case": message.case,
                "days_past_due": message.stage_entry.days_past_due,
                "portal_link": link,
            },
            autoescape=False,
        )
        text = template.render(context).strip()
    if link in text:
        return text
    if message.channel == Activity.Channel.SMS:
        return f"{text} {link}"
    return f"{text}\n\n{_in_debtor_language(message, PORTAL_LINK_LINE) % {'link': link}}"


def _deliver_all(
    messages: list[OutboundMessage], now: dt.datetime
) -> dict[int, Delivery | ChannelError]:
    """Every message to its channel: the SMS of the batch in one hand-over to the gateway,
    e-mails and letters one by one. Answers by message id."""
    answers: dict[int, Delivery | ChannelError] = {}
    texts = [message for message in messages if message.channel == "sms"]
    for message in texts:
        if "STOP" not in message.body.upper():  # every SMS says how to opt out
            message.body = f"{message.body} {_in_debtor_language(message, SMS_OPT_OUT)}"
    sent = (
        sms_send_many(
            get_sms_backend(),
            [
                SMS(
                    to=message.contact_point.value, body=message.body, reference=_reference(message)
                )
                for message in texts
            ],
        )
        if texts
        else []
    )
    answers.update((message.pk, answer) for message, answer in zip(texts, sent, strict=True))
    for message in messages:
        if message.channel == "sms":
            continue
        try:
            answers[message.pk] = _deliver(message, now)
        except ChannelError as error:
            answers[message.pk] = error
    return answers


def _in_debtor_language(message: OutboundMessage, text) -> str:
    with translation.override(debtor_interface_language(message.case.debtor)):
        return str(text)


def _reference(message: OutboundMessage) -> str:
    return f"msg-{message.pk}"


# What the gate is asked about: a ladder's message by its channel, an agreement's letter by what
# it confirms (a policy may let those through where it stops collection: `plan_exceptions`).
STAGE_ACTIONS = {"sms": "sms_reminder", "email": "email_reminder", "letter": "demand_letter"}
AGREEMENT_ACTIONS = {
    OutboundMessage.Purpose.PLAN_CONFIRMATION: "plan_confirmation",
    OutboundMessage.Purpose.SETTLEMENT_LETTER: "settlement_letter",
}


def _action_of(message: OutboundMessage) -> str:
    if message.purpose == OutboundMessage.Purpose.STAGE:
        return STAGE_ACTIONS[message.channel]
    return AGREEMENT_ACTIONS[message.purpose]


def _deliver(message: OutboundMessage, now: dt.datetime) -> Delivery:
    """An e-mail or a letter (SMS go in batches, `_deliver_all`)."""
    reference = _reference(message)
    if message.channel == "email":
        message.subject = _subject(message)
        message.body = f"{message.body}\n\n{_in_debtor_language(message, EMAIL_OPT_OUT)}"
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


def _subject(message: OutboundMessage) -> str:
    """The stage's name; an agreement's letter keeps the subject it was queued with."""
    return message.stage_entry.stage.name if message.stage_entry_id else message.subject


def _store_letter(message: OutboundMessage, now: dt.datetime, reference: str) -> Delivery:
    """The letter's text, kept as HTML; its PDF is set later in a print file, off this path."""
    case = message.case
    message.subject = _subject(message)
    message.document_html = letter_html(
        debtor=case.debtor,
        account=case.account,
        subject=message.subject,
        body=message.body,
        address=message.contact_point.value,
        date=now.date(),
    )
    return Delivery(provider_reference=reference, status="queued for print")
