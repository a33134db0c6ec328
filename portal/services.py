"""What the debtor does on the portal: arrive, prove who they are (answers or a code sent by
SMS), promise, ask for a plan, accept an offer, set how they may be contacted, ask for a
call-back, pay.

Each action runs the rule where it lives (workspace for promises and call-backs, agreements
for plans and offers) with the debtor as the actor, and is recorded as an activity on the case
(channel portal, inbound, no staff actor) with a row of the compliance log written as a contact
received: the debtor reached us, so it is no contact attempt and no rule judges it. Every
service takes `now` (and the business date where a rule needs it); none reads the clock.
"""

from __future__ import annotations

import datetime as dt
import hmac
import secrets
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import translation
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext

from agreements.models import RepaymentPlan, SettlementOffer
from agreements.services import AgreementRefused, offer_accept_by_debtor, plan_request_by_debtor
from cases.identity import normalise_national_id
from cases.models import Activity, Case, ContactPoint, Debtor
from common.portal_links import message_link_ids
from compliance.engine import compliance_record_received, compliance_record_system_message
from disputes.models import Channel as GrievanceChannel
from disputes.models import Complaint, Dispute
from disputes.services import GrievanceRefused, complaint_receive, dispute_receive
from pipeline.channels import SMS, ChannelError, get_sms_backend, sms_send_many
from pipeline.letters import debtor_interface_language
from pipeline.models import OutboundMessage
from portal.access import case_id_of_link
from portal.models import IdentityFailure, OneTimeCode, OnlinePayment, PortalVisit
from portal.providers import payment_provider
from workspace.services import (
    PromiseRefused,
    case_call_back_at,
    debtor_preferred_hours_update,
    payment_report_online,
    promise_record_by_debtor,
)


class IdentityLocked(Exception):
    """Too many wrong answers lately, for this account reference or from this address."""


class PortalRefused(Exception):
    """The action cannot be done as asked; the message, for the debtor, says why."""


# --- Identity -------------------------------------------------------------------------------


def reference_key(reference: str) -> str:
    """An account reference as the lockout counts it: capitals, no spaces, at most 40."""
    return "".join(reference.split()).upper()[:40]


def _recent_failures(now: dt.datetime):
    since = now - dt.timedelta(minutes=settings.PORTAL_LOCKOUT_MINUTES)
    return IdentityFailure.objects.filter(failed_at__gt=since)


def identity_locked(*, reference: str, client_ip: str | None, now: dt.datetime) -> bool:
    recent = _recent_failures(now)
    if recent.filter(reference_key=reference_key(reference)).count() >= (
        settings.PORTAL_FAILURE_LIMIT
    ):
        return True
    return (
        client_ip is not None
        and recent.filter(client_ip=client_ip).count() >= settings.PORTAL_CLIENT_FAILURE_LIMIT
    )


def portal_identify(
    *,
    reference: str = "",
    case_id: int | None = None,
    birth_date: dt.date,
    national_id_last4: str,
    client_ip: str | None,
    now: dt.datetime,
) -> Case | None:
    """The case whose debtor answered right, by account reference (the start page) or by the
    case a link named; None for a wrong answer, and for a reference no account has: the
    caller tells the two apart no more than a stranger may.

    Raises IdentityLocked, before looking at the answers, once PORTAL_FAILURE_LIMIT wrong
    answers for the reference (or PORTAL_CLIENT_FAILURE_LIMIT from the address) fell within
    PORTAL_LOCKOUT_MINUTES. A right answer clears the reference's failures and is recorded on
    the case.
    """
    cases = Case.objects.select_related("account", "debtor")
    if case_id is not None:
        case = cases.filter(pk=case_id).first()
        reference = case.account.account_reference if case else f"#{case_id}"
    else:
        case = (
            cases.filter(account__account_reference__iexact=reference.strip())
            .order_by("-opened_at", "-pk")
            .first()
        )
    if identity_locked(reference=reference, client_ip=client_ip, now=now):
        raise IdentityLocked
    last4 = normalise_national_id(national_id_last4)[-4:]
    matches = (
        case is not None
        and case.debtor.birth_date is not None
        and case.debtor.birth_date == birth_date
        and len(last4) == 4
        and secrets.compare_digest(case.debtor.national_id_last4, last4)
    )
    if not matches:
        IdentityFailure.objects.create(
            reference_key=reference_key(reference), client_ip=client_ip, failed_at=now
        )
        return None
    _identity_proven(case, now, "Identity proven on the portal.")
    return case


def _identity_proven(case: Case, now: dt.datetime, notes: str) -> None:
    with transaction.atomic():
        reference = reference_key(case.account.account_reference)
        IdentityFailure.objects.filter(reference_key=reference).delete()
        _portal_activity(case, now, Activity.Outcome.NOTE, notes)


# --- Arrival --------------------------------------------------------------------------------


def _message_of_link(*, case_id: int, message_id: int, now: dt.datetime):
    """The message a genuine link names, if its link still works: sent for that case, less
    than PORTAL_LINK_MAX_AGE_DAYS ago, and not superseded by a later message on the same
    channel (a replay of an old message's link is refused). None otherwise."""
    message = OutboundMessage.objects.filter(
        pk=message_id,
        case_id=case_id,
        status=OutboundMessage.Status.SENT,
        sent_at__gt=now - dt.timedelta(days=settings.PORTAL_LINK_MAX_AGE_DAYS),
        sent_at__lte=now,
    ).first()
    if message is None:
        return None
    superseded = (
        OutboundMessage.objects.filter(
            case_id=case_id,
            channel=message.channel,
            status=OutboundMessage.Status.SENT,
            sent_at__gt=message.sent_at,
            sent_at__lte=now,
        )
        .exclude(pk=message.pk)
        .exists()
    )
    return None if superseded else message


def portal_arrive(*, token: str, now: dt.datetime) -> PortalVisit | None:
    """Record a debtor's arrival by a link, and return the visit; None for a link that does
    not work: forged or changed, expired, or naming a message that was not sent for its case
    or was superseded. A link made for a case alone (`portal_link_path`) names no message."""
    ids = message_link_ids(token)
    if ids is not None:
        case_id, message_id = ids
        message = _message_of_link(case_id=case_id, message_id=message_id, now=now)
        if message is None:
            return None
    else:
        case_id, message = case_id_of_link(token), None
        if case_id is None or not Case.objects.filter(pk=case_id).exists():
            return None
    return PortalVisit.objects.create(case_id=case_id, message=message, arrived_at=now)


def portal_visit_verified(*, case: Case, visit_id: int | None, now: dt.datetime) -> PortalVisit:
    """The visit whose debtor just proved who they are: the link's arrival, marked verified,
    or (from the start page, where nothing told whose arrival it was) a new one."""
    visit = PortalVisit.objects.filter(pk=visit_id, case=case).first() if visit_id else None
    if visit is None:
        return PortalVisit.objects.create(case=case, arrived_at=now, verified_at=now)
    if visit.verified_at is None:
        visit.verified_at = now
        visit.save(update_fields=["verified_at"])
    return visit


# --- One-time codes -------------------------------------------------------------------------

CODE_SALT = "portal.one-time-code"
CODE_DIGITS = 6


def _code_hash(visit_id: int, code: str) -> str:
    return salted_hmac(CODE_SALT, f"{visit_id}:{code}", algorithm="sha256").hexdigest()


def _consented_mobile(case: Case) -> ContactPoint | None:
    return (
        ContactPoint.objects.filter(
            debtor_id=case.debtor_id,
            owner=ContactPoint.Owner.DEBTOR,
            kind=ContactPoint.Kind.MOBILE,
            sms_consent=True,
            opted_out=False,
            do_not_contact=False,
            invalid=False,
        )
        .order_by("-verified", "pk")
        .first()
    )


def portal_code_send(*, visit_id: int, client_ip: str | None, now: dt.datetime) -> bool:
    """Send a one-time code for the visit's identity questions by SMS, to the debtor's own
    mobile that has SMS consent, through the SMS backend the dispatch uses; True if one went.

    The caller shows the same words either way: whether a mobile is on file is not for a
    stranger holding the link to learn. Raises IdentityLocked while the case's reference (or
    the address) is locked out. At most PORTAL_FAILURE_LIMIT codes go to a case within
    PORTAL_LOCKOUT_MINUTES, so the portal sends no flood of texts. The message is logged as a
    system message (compliance_record_system_message), not as a collection contact.
    """
    visit = (
        PortalVisit.objects.select_related("case__account", "case__debtor")
        .filter(pk=visit_id, verified_at__isnull=True)
        .first()
    )
    if visit is None:
        return False
    case = visit.case
    if identity_locked(reference=case.account.account_reference, client_ip=client_ip, now=now):
        raise IdentityLocked
    mobile = _consented_mobile(case)
    if mobile is None:
        return False
    since = now - dt.timedelta(minutes=settings.PORTAL_LOCKOUT_MINUTES)
    if (
        OneTimeCode.objects.filter(visit__case=case, sent_at__gt=since).count()
        >= settings.PORTAL_FAILURE_LIMIT
    ):
        return False
    code = f"{secrets.randbelow(10**CODE_DIGITS):0{CODE_DIGITS}d}"
    record = OneTimeCode.objects.create(
        visit=visit,
        contact_point=mobile,
        code_hash=_code_hash(visit.pk, code),
        sent_at=now,
        expires_at=now + dt.timedelta(minutes=settings.PORTAL_CODE_MINUTES),
    )
    with translation.override(debtor_interface_language(case.debtor)):
        body = gettext(
            "Your code for the portal is %(code)s. It works for %(minutes)s minutes. "
            "We will never ask you for it."
        ) % {"code": code, "minutes": settings.PORTAL_CODE_MINUTES}
    [answer] = sms_send_many(
        get_sms_backend(), [SMS(to=mobile.value, body=body, reference=f"code-{record.pk}")]
    )
    if isinstance(answer, ChannelError):
        record.delete()
        return False
    with transaction.atomic():
        Debtor.objects.select_for_update().filter(pk=case.debtor_id).first()
        activity = Activity.objects.create(
            case_id=case.pk,
            debtor_id=case.debtor_id,
            contact_point=mobile,
            channel=Activity.Channel.SYSTEM,
            direction=Activity.Direction.OUTBOUND,
            outcome=Activity.Outcome.SENT,
            notes="One-time code for the portal sent by SMS, at the debtor's request.",
            occurred_at=now,
        )
        compliance_record_system_message(activity=activity, channel=Activity.Channel.SMS)
    return True


def portal_code_check(
    *, visit_id: int, code: str, client_ip: str | None, now: dt.datetime
) -> Case | None:
    """The visit's case, if `code` is the latest code sent for it, unused and unexpired; the
    code is then used up. Anything else is a wrong answer to the identity questions: it counts
    towards the lockout (IdentityLocked, raised before looking at the code)."""
    visit = (
        PortalVisit.objects.select_related("case__account", "case__debtor")
        .filter(pk=visit_id)
        .first()
    )
    if visit is None:
        return None
    case = visit.case
    reference = case.account.account_reference
    if identity_locked(reference=reference, client_ip=client_ip, now=now):
        raise IdentityLocked
    latest = visit.codes.order_by("-sent_at", "-pk").first()
    matches = (
        latest is not None
        and latest.used_at is None
        and latest.expires_at > now
        and hmac.compare_digest(latest.code_hash, _code_hash(visit.pk, code.strip()))
    )
    if not matches:
        IdentityFailure.objects.create(
            reference_key=reference_key(reference), client_ip=client_ip, failed_at=now
        )
        return None
    with transaction.atomic():
        if not OneTimeCode.objects.filter(pk=latest.pk, used_at__isnull=True).update(used_at=now):
            return None  # used meanwhile, by a second request with the same code
        _identity_proven(case, now, "Identity proven on the portal by a one-time code.")
    return case


# --- Recording ------------------------------------------------------------------------------


def _portal_activity(case: Case, now: dt.datetime, outcome: str, notes: str) -> Activity:
    """The debtor's action on the case, and its row in the compliance log (a contact received)."""
    with transaction.atomic():
        # As the gate does: contacts with one debtor are recorded one after the other.
        Debtor.objects.select_for_update().filter(pk=case.debtor_id).first()
        activity = Activity.objects.create(
            case_id=case.pk,
            debtor_id=case.debtor_id,
            channel=Activity.Channel.PORTAL,
            direction=Activity.Direction.INBOUND,
            outcome=outcome,
            notes=notes,
            occurred_at=now,
        )
        compliance_record_received(activity=activity)
    return activity


# --- Actions --------------------------------------------------------------------------------


def portal_promise(
    *, case: Case, amount: Decimal, due_date: dt.date, business_date: dt.date, now: dt.datetime
):
    """The debtor promises to pay `amount` by `due_date` (the promise rules of the workspace)."""
    with transaction.atomic():
        try:
            promise = promise_record_by_debtor(
                case=case, amount=amount, due_date=due_date, business_date=business_date, now=now
            )
        except PromiseRefused as refused:
            raise PortalRefused(str(refused)) from None
        _portal_activity(
            case,
            now,
            Activity.Outcome.PROMISE,
            f"Promise made on the portal: {amount} {promise.currency} by {due_date.isoformat()}.",
        )
    return promise


def portal_plan_request(
    *,
    case: Case,
    instalment_count: int,
    frequency: str,
    first_due_date: dt.date,
    business_date: dt.date,
    now: dt.datetime,
) -> RepaymentPlan:
    """The debtor asks to pay the balance in instalments: agreed at once within the policy's
    plan rules, else requested from a supervisor (agreements.plan_request_by_debtor)."""
    with transaction.atomic():
        try:
            plan = plan_request_by_debtor(
                case=case,
                instalment_count=instalment_count,
                frequency=frequency,
                first_due_date=first_due_date,
                business_date=business_date,
                now=now,
            )
        except AgreementRefused as refused:
            raise PortalRefused(str(refused)) from None
        verb = "asked for" if plan.status == RepaymentPlan.Status.REQUESTED else "agreed"
        _portal_activity(
            case,
            now,
            Activity.Outcome.PROMISE,
            f"Repayment plan #{plan.pk} {verb} on the portal: {plan.total_amount} "
            f"{plan.currency} in {plan.instalment_count} {plan.frequency} instalments from "
            f"{first_due_date.isoformat()}.",
        )
    return plan


def portal_offer_accept(
    *, case: Case, offer_id: int, business_date: dt.date, now: dt.datetime
) -> SettlementOffer:
    """The debtor accepts a settlement offer the bank made on their case."""
    with transaction.atomic():
        try:
            offer = offer_accept_by_debtor(
                case=case,
                offer=SettlementOffer(pk=offer_id),
                business_date=business_date,
                now=now,
            )
        except SettlementOffer.DoesNotExist:
            raise PortalRefused(gettext("This offer is not open to you.")) from None
        except AgreementRefused as refused:
            raise PortalRefused(str(refused)) from None
        _portal_activity(
            case,
            now,
            Activity.Outcome.NOTE,
            f"Settlement offer #{offer.pk} accepted on the portal: {offer.amount} "
            f"{offer.currency} by {offer.expires_on.isoformat()}.",
        )
    return offer


# The channels a debtor can stop, and the contact points' fields stopping each sets.
STOPPABLE_CHANNELS = {
    "calls": (Q(kind__in=ContactPoint.PHONE_KINDS), {"opted_out": True}),
    "sms": (Q(kind=ContactPoint.Kind.MOBILE), {"sms_consent": False}),
    "email": (Q(kind=ContactPoint.Kind.EMAIL), {"opted_out": True, "email_consent": False}),
}


def portal_contact_preferences(
    *,
    case: Case,
    stop_channels: list[str],
    language: str,
    preferred_start: dt.time | None,
    preferred_end: dt.time | None,
    now: dt.datetime,
) -> Activity | None:
    """Stop the channels the debtor named, on their own contact points, keep the hours of
    their own clock they may be called and texted in (the compliance gate reads both at its
    next decision, the queue at its next claim), and the language they want to be written
    to. None when nothing changed."""
    unknown = set(stop_channels) - set(STOPPABLE_CHANNELS)
    if unknown:
        raise ValueError(f"Not channels a debtor can stop: {sorted(unknown)}")
    if language not in dict(settings.LANGUAGES):
        raise ValueError(f"{language!r} is not a language of the site.")
    changes = []
    with transaction.atomic():
        debtor = Debtor.objects.select_for_update().get(pk=case.debtor_id)
        own_points = ContactPoint.objects.filter(debtor=debtor, owner=ContactPoint.Owner.DEBTOR)
        for channel in stop_channels:
            kinds, fields = STOPPABLE_CHANNELS[channel]
            if own_points.filter(kinds).update(**fields):
                changes.append(f"stopped {channel}")
        if hours := debtor_preferred_hours_update(
            debtor_id=debtor.pk, start=preferred_start, end=preferred_end
        ):
            changes.append(hours)
        if debtor.language != language:
            Debtor.objects.filter(pk=debtor.pk).update(language=language)
            changes.append(f"language {debtor.language} -> {language}")
        if not changes:
            return None
        return _portal_activity(
            case,
            now,
            Activity.Outcome.NOTE,
            f"Contact preferences set on the portal: {'; '.join(changes)}.",
        )


def portal_callback_request(*, case: Case, when: dt.datetime, now: dt.datetime) -> Activity:
    """The debtor asks to be called at `when` (checked by the form against the call window):
    the case comes first then, and the request is their consent to that call."""
    with transaction.atomic():
        case_call_back_at(case=case, when=when)
        return _portal_activity(
            case,
            now,
            Activity.Outcome.CALLBACK_REQUESTED,
            f"Call-back requested on the portal for {when.astimezone(dt.UTC):%Y-%m-%d %H:%M} UTC.",
        )


# --- Disputes and complaints ----------------------------------------------------------------


def portal_dispute(
    *, case: Case, kind: str, description: str, files: list, now: dt.datetime
) -> Dispute:
    """The debtor disputes the debt (disputes.dispute_receive, received by the portal, with
    its deadline; under US-RegF collection stops until verification is sent)."""
    with transaction.atomic():
        try:
            dispute = dispute_receive(
                case=case,
                user=None,
                kind=kind,
                channel=GrievanceChannel.PORTAL,
                description=description,
                received_at=now,
                now=now,
                files=files,
            )
        except GrievanceRefused as refused:
            raise PortalRefused(str(refused)) from None
        _portal_activity(
            case,
            now,
            Activity.Outcome.DISPUTE,
            f"Dispute {dispute.pk} raised on the portal ({dispute.get_kind_display()}): "
            f"{description}",
        )
    return dispute


def portal_complaint(
    *,
    case: Case,
    subject: str,
    description: str,
    files: list,
    now: dt.datetime,
    concerns_user=None,
    concerns_agency=None,
    concerns_message: Activity | None = None,
) -> Complaint:
    """The debtor complains about a collector, an agency, a letter or message, or other
    conduct (disputes.complaint_receive, received by the portal, with its deadline)."""
    with transaction.atomic():
        try:
            complaint = complaint_receive(
                case=case,
                user=None,
                subject=subject,
                channel=GrievanceChannel.PORTAL,
                description=description,
                received_at=now,
                now=now,
                concerns_user=concerns_user,
                concerns_agency=concerns_agency,
                concerns_message=concerns_message,
                files=files,
            )
        except GrievanceRefused as refused:
            raise PortalRefused(str(refused)) from None
        _portal_activity(
            case,
            now,
            Activity.Outcome.NOTE,
            f"Complaint {complaint.pk} raised on the portal ({complaint.get_subject_display()}): "
            f"{description}",
        )
    return complaint


# --- Payments -------------------------------------------------------------------------------


@dataclass(frozen=True)
class PaymentStarted:
    payment: OnlinePayment
    checkout_url: str


def online_payment_start(
    *, case: Case, amount: Decimal, return_url: str, now: dt.datetime
) -> PaymentStarted:
    """Start a payment of `amount` with the provider: our reference, and its page to go to."""
    account = case.account
    if amount <= 0:
        raise PortalRefused(gettext("The amount must be more than zero."))
    if amount > account.balance:
        raise PortalRefused(gettext("The amount is more than what you owe."))
    provider = payment_provider()
    payment = OnlinePayment.objects.create(
        case=case,
        amount=amount,
        currency=account.currency,
        provider=provider.name,
        reference=f"PP{secrets.token_hex(10).upper()}",
        started_at=now,
    )
    url = provider.checkout_url(
        reference=payment.reference,
        amount=payment.amount,
        currency=payment.currency,
        return_url=return_url,
    )
    return PaymentStarted(payment, url)


class NoticeRefused(Exception):
    """A provider's notice that is not genuine (`forged`) or names no payment of ours."""

    def __init__(self, reason: str, *, forged: bool = False):
        super().__init__(reason)
        self.forged = forged


def online_payment_notice(*, body: bytes, signature: str, now: dt.datetime) -> OnlinePayment:
    """Act on a provider's signed notice about a payment: a paid one is reported on its case
    (awaiting the bank's feed, as payments collectors take are) and recorded as the debtor's
    action. A notice repeated (a provider retries, or a replay) changes nothing the second time.

    Raises NoticeRefused for a bad signature, a notice sent too long before `now`, a malformed
    notice, a reference we never gave, or
    an amount or currency other than the payment's.
    """
    notice = payment_provider().notice_of(body=body, signature=signature)
    if notice is None:
        raise NoticeRefused("bad signature", forged=True)
    sent_at = notice.get("sent_at")
    if not isinstance(sent_at, int) or isinstance(sent_at, bool):
        raise NoticeRefused("no time sent")
    if abs(now.timestamp() - sent_at) > settings.PAYMENT_NOTICE_MAX_AGE_SECONDS:
        # A genuine notice, but captured and played again late: nothing says it is the
        # provider's now.
        raise NoticeRefused("stale notice", forged=True)
    reference, status = str(notice.get("reference", "")), notice.get("status")
    try:
        amount = Decimal(str(notice.get("amount", "")))
    except InvalidOperation:
        raise NoticeRefused("malformed amount") from None
    with transaction.atomic():
        payment = (
            OnlinePayment.objects.select_for_update()
            .select_related("case")
            .filter(reference=reference)
            .first()
        )
        if payment is None:
            raise NoticeRefused("unknown reference")
        if amount != payment.amount or notice.get("currency") != payment.currency:
            raise NoticeRefused("amount or currency differs")
        if payment.status != OnlinePayment.Status.STARTED:
            return payment  # acted on already
        if status == "failed":
            payment.status = OnlinePayment.Status.FAILED
            payment.save(update_fields=["status", "updated_at"])
            return payment
        if status != "paid":
            raise NoticeRefused("unknown status")
        try:
            report = payment_report_online(
                case=payment.case,
                amount=payment.amount,
                currency=payment.currency,
                provider_reference=payment.reference,
                now=now,
            )
        except ValidationError as error:
            raise NoticeRefused(f"not reportable: {error}") from None
        payment.status, payment.paid_at, payment.reported_payment = (
            OnlinePayment.Status.PAID,
            now,
            report,
        )
        payment.save(update_fields=["status", "paid_at", "reported_payment", "updated_at"])
        _portal_activity(
            payment.case,
            now,
            Activity.Outcome.PAID,
            f"Paid on the portal: {payment.amount} {payment.currency} "
            f"(provider {payment.provider}, reference {payment.reference}).",
        )
    return payment
