"""Disputes and complaints: receive one, investigate, send verification, resolve, add documents.

A dispute or complaint gets its deadline (`due_on`) from the case's policy at receipt: the
business day it was received plus the policy's `dispute_response_days` or
`complaint_response_days` (none when the policy sets none). Under a policy with
`dispute_holds_until_verification` (US-RegF, 1006.38), a dispute received sets the debtor's
`dispute_pending` flag, which the compliance gate's rule of that name reads: collection stops.
Sending verification (a letter or an e-mail, judged by the gate as `send_verification`, which
the flag still allows) or resolving the dispute lifts the hold, and the flag is cleared once no
other dispute of the debtor still holds collection.

Every step writes a `Step` (who, when) and an internal note on the case. Every service takes
the acting user and `now`; none reads the clock.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass
from pathlib import PurePath

from django.db import transaction
from django.utils.translation import gettext

from cases.models import Activity, Case, Debtor
from common.days import business_day_of
from compliance.engine import Decision, compliance_decide, compliance_record_contact
from compliance.policies import policy_parameters_for_case
from disputes.models import Complaint, Dispute, Document, Grievance, Outcome, Status, Step

DOCUMENT_MAX_MB = 20
DOCUMENT_MAX_FILES = 10
DOCUMENT_EXTENSIONS = frozenset(
    {".pdf", ".jpg", ".jpeg", ".png", ".webp", ".heic", ".tif", ".tiff", ".txt", ".eml", ".msg"}
)
VERIFICATION_CHANNELS = (Activity.Channel.LETTER, Activity.Channel.EMAIL)


class GrievanceRefused(Exception):
    """The step cannot be taken as asked; the message says why, to a person."""


# --- Receipt ----------------------------------------------------------------------------------


def due_on_for(*, case: Case, days_key: str, received_at: dt.datetime) -> dt.date | None:
    """The day the answer is due: the business day of receipt plus the policy's days."""
    days = getattr(policy_parameters_for_case(case=case), days_key)
    if days is None:
        return None
    return business_day_of(received_at) + dt.timedelta(days=days)


def _check_receipt(*, received_at: dt.datetime, now: dt.datetime, description: str) -> None:
    if received_at > now:
        raise GrievanceRefused(gettext("The moment it was received cannot be in the future."))
    if not description.strip():
        raise GrievanceRefused(gettext("Say what the debtor says."))


def dispute_receive(
    *,
    case: Case,
    user,
    kind: str,
    channel: str,
    description: str,
    received_at: dt.datetime,
    now: dt.datetime,
    files: list | None = None,
) -> Dispute:
    """Record a dispute received on `case` (`user` None: the debtor raised it on the portal).
    Under a policy that holds collection until verification is sent, the debtor's
    `dispute_pending` flag is set: the gate blocks."""
    if kind not in Dispute.Kind.values:
        raise ValueError(f"{kind!r} is not a kind of dispute.")
    _check_receipt(received_at=received_at, now=now, description=description)
    _check_documents(files or [])
    holds = policy_parameters_for_case(case=case).dispute_holds_until_verification
    with transaction.atomic():
        dispute = Dispute.objects.create(
            case=case,
            kind=kind,
            channel=channel,
            description=description,
            received_at=received_at,
            received_by=user,
            due_on=due_on_for(case=case, days_key="dispute_response_days", received_at=received_at),
            holds_collection=holds,
        )
        text = f"Dispute received ({dispute.get_kind_display()}): {description}"
        if holds:
            Debtor.objects.filter(pk=case.debtor_id).update(dispute_pending=True)
            text += " Collection stops until verification is sent."
        _step(dispute, Step.Kind.RECEIVED, user=user, now=now, note=description, text=text)
        _documents_keep(dispute, files or [], user=user, now=now)
    return dispute


def complaint_receive(
    *,
    case: Case,
    user,
    subject: str,
    channel: str,
    description: str,
    received_at: dt.datetime,
    now: dt.datetime,
    concerns_user=None,
    concerns_agency=None,
    concerns_message: Activity | None = None,
    files: list | None = None,
) -> Complaint:
    """Record a complaint received on `case`, about the collector, agency or letter named
    (`user` None: the debtor raised it on the portal)."""
    if subject not in Complaint.Subject.values:
        raise ValueError(f"{subject!r} is not a complaint's subject.")
    _check_receipt(received_at=received_at, now=now, description=description)
    named = {
        Complaint.Subject.COLLECTOR: (
            concerns_user,
            gettext("Name the collector the complaint is about."),
        ),
        Complaint.Subject.AGENCY: (
            concerns_agency,
            gettext("Name the agency the complaint is about."),
        ),
        Complaint.Subject.MESSAGE: (
            concerns_message,
            gettext("Choose the letter or message the complaint is about."),
        ),
    }
    if subject in named and named[subject][0] is None:
        raise GrievanceRefused(named[subject][1])
    if concerns_message is not None and concerns_message.case_id != case.pk:
        raise GrievanceRefused(gettext("The letter or message is not one of this case's."))
    _check_documents(files or [])
    with transaction.atomic():
        complaint = Complaint.objects.create(
            case=case,
            subject=subject,
            channel=channel,
            description=description,
            received_at=received_at,
            received_by=user,
            due_on=due_on_for(
                case=case, days_key="complaint_response_days", received_at=received_at
            ),
            concerns_user=concerns_user if subject == Complaint.Subject.COLLECTOR else None,
            concerns_agency=concerns_agency if subject == Complaint.Subject.AGENCY else None,
            concerns_message=concerns_message if subject == Complaint.Subject.MESSAGE else None,
        )
        text = f"Complaint received ({_about(complaint)}): {description}"
        _step(complaint, Step.Kind.RECEIVED, user=user, now=now, note=description, text=text)
        _documents_keep(complaint, files or [], user=user, now=now)
    return complaint


def _about(complaint: Complaint) -> str:
    concerned = complaint.concerns_user or complaint.concerns_agency or complaint.concerns_message
    subject = str(complaint.get_subject_display())
    return f"{subject}: {concerned}" if concerned else subject


# --- Steps ------------------------------------------------------------------------------------


def _kind_name(grievance: Grievance) -> str:
    return "Dispute" if isinstance(grievance, Dispute) else "Complaint"


def _step(grievance: Grievance, kind: str, *, user, now: dt.datetime, note: str, text: str) -> Step:
    """The step's row and its internal note on the case (no user: the debtor's own, on the
    portal, noted by the system)."""
    activity = Activity.internal_note(
        case_id=grievance.case_id,
        debtor_id=grievance.case.debtor_id,
        actor=user,
        occurred_at=now,
        text=text,
    )
    activity.save()
    field = "dispute" if isinstance(grievance, Dispute) else "complaint"
    return Step.objects.create(
        **{field: grievance},
        kind=kind,
        actor=user,
        occurred_at=now,
        note=note,
        activity=activity,
    )


def _locked(grievance: Grievance) -> Grievance:
    return type(grievance).objects.select_for_update().select_related("case").get(pk=grievance.pk)


def grievance_investigate(*, grievance: Grievance, user, now: dt.datetime, note: str = "") -> Step:
    """Received -> investigating."""
    with transaction.atomic():
        locked = _locked(grievance)
        if locked.status != Status.RECEIVED:
            raise GrievanceRefused(
                gettext("Only a newly received one can start its investigation.")
            )
        locked.status = Status.INVESTIGATING
        locked.save(update_fields=["status", "updated_at"])
        text = f"{_kind_name(locked)} {locked.pk}: investigation started."
        if note:
            text += f" {note}"
        return _step(locked, Step.Kind.INVESTIGATING, user=user, now=now, note=note, text=text)


@dataclass(frozen=True)
class VerificationResult:
    """The gate's decision; the step when verification was recorded as sent."""

    decision: Decision
    step: Step | None


def verification_send(
    *, dispute: Dispute, user, channel: str, now: dt.datetime, note: str = ""
) -> VerificationResult:
    """Record that verification of the disputed debt was sent to the debtor (by letter or
    e-mail): a contact, so it passes the gate as `send_verification` (the action a pending
    dispute still allows) and is logged. It lifts the dispute's hold on collection."""
    if channel not in VERIFICATION_CHANNELS:
        raise GrievanceRefused(gettext("Verification is sent by letter or by e-mail."))
    with transaction.atomic():
        locked = _locked(dispute)
        if not locked.is_open:
            raise GrievanceRefused(gettext("This dispute is resolved already."))
        if locked.verification_sent_at is not None:
            raise GrievanceRefused(gettext("Verification was sent already."))
        decision = compliance_decide(
            actor=user, case=locked.case, channel=channel, moment=now, action="send_verification"
        )
        if not decision.allowed:
            return VerificationResult(decision, None)
        sent = Activity.objects.create(
            case_id=locked.case_id,
            debtor_id=locked.case.debtor_id,
            channel=channel,
            direction=Activity.Direction.OUTBOUND,
            outcome=Activity.Outcome.SENT,
            notes=f"Verification of the disputed debt (dispute {locked.pk}). {note}".strip(),
            actor=user,
            agency_id=user.agency_id,
            occurred_at=now,
        )
        compliance_record_contact(decision=decision, activity=sent)
        locked.verification_sent_at = now
        locked.save(update_fields=["verification_sent_at", "updated_at"])
        text = f"Dispute {locked.pk}: verification sent by {sent.get_channel_display()}."
        text += _hold_lifted(locked)
        step = _step(locked, Step.Kind.VERIFICATION_SENT, user=user, now=now, note=note, text=text)
    return VerificationResult(decision, step)


def disputes_holding(*, debtor_id: int):
    """The debtor's disputes that still stop collection: open, held, verification not sent."""
    return Dispute.objects.filter(
        case__debtor_id=debtor_id,
        holds_collection=True,
        verification_sent_at__isnull=True,
    ).exclude(status=Status.RESOLVED)


def _hold_lifted(dispute: Dispute) -> str:
    """Clear the debtor's `dispute_pending` flag when no other dispute holds collection; the
    words the note adds."""
    if not dispute.holds_collection:
        return ""
    if disputes_holding(debtor_id=dispute.case.debtor_id).exclude(pk=dispute.pk).exists():
        return " Another dispute still stops collection."
    Debtor.objects.filter(pk=dispute.case.debtor_id).update(dispute_pending=False)
    return " No dispute stops collection any more."


def grievance_resolve(
    *, grievance: Grievance, user, outcome: str, resolution: str, now: dt.datetime
) -> Step:
    """Resolve: upheld, rejected or withdrawn, with the resolution's text. A dispute that stops
    collection is rejected only once verification was sent (1006.38: collection resumes on
    verification, not on a decision the debtor never saw)."""
    if outcome not in Outcome.values:
        raise ValueError(f"{outcome!r} is not an outcome.")
    if not resolution.strip():
        raise GrievanceRefused(gettext("Write the resolution."))
    with transaction.atomic():
        locked = _locked(grievance)
        if not locked.is_open:
            raise GrievanceRefused(gettext("This one is resolved already."))
        held = isinstance(locked, Dispute) and locked.holds_collection
        if held and outcome == Outcome.REJECTED and locked.verification_sent_at is None:
            raise GrievanceRefused(
                gettext("Send verification of the debt before rejecting the dispute.")
            )
        locked.status = Status.RESOLVED
        locked.outcome = outcome
        locked.resolution = resolution
        locked.resolved_at = now
        locked.resolved_by = user
        locked.save()
        text = (
            f"{_kind_name(locked)} {locked.pk} resolved: {locked.get_outcome_display()}. "
            f"{resolution}"
        )
        if held and locked.verification_sent_at is None:
            text += _hold_lifted(locked)
        return _step(locked, Step.Kind.RESOLVED, user=user, now=now, note=resolution, text=text)


# --- Documents --------------------------------------------------------------------------------


def _document_problem(upload) -> str | None:
    name = upload.name or ""
    if PurePath(name).suffix.lower() not in DOCUMENT_EXTENSIONS:
        return gettext("%(name)s is not a document this page takes.") % {"name": name}
    if upload.size > DOCUMENT_MAX_MB * 1024 * 1024:
        return gettext("%(name)s is larger than %(limit)d MB.") % {
            "name": name,
            "limit": DOCUMENT_MAX_MB,
        }
    if upload.size == 0:
        return gettext("%(name)s is empty.") % {"name": name}
    return None


def document_problems(files: list) -> list[str]:
    """Every reason the uploaded files cannot all be kept (empty: they can)."""
    problems = [problem for upload in files if (problem := _document_problem(upload))]
    if len(files) > DOCUMENT_MAX_FILES:
        problems.insert(
            0, gettext("At most %(count)d files at once.") % {"count": DOCUMENT_MAX_FILES}
        )
    return problems


def _check_documents(files: list) -> None:
    if problems := document_problems(files):
        raise GrievanceRefused(" ".join(problems))


def _sha256(upload) -> str:
    digest = hashlib.sha256()
    for chunk in upload.chunks():
        digest.update(chunk)
    upload.seek(0)
    return digest.hexdigest()


def _documents_keep(grievance: Grievance, files: list, *, user, now: dt.datetime) -> list[Document]:
    field = "dispute" if isinstance(grievance, Dispute) else "complaint"
    kept = []
    for upload in files:
        document = Document(
            **{field: grievance},
            original_name=PurePath(upload.name).name[:200],
            size=upload.size,
            sha256=_sha256(upload),
            uploaded_by=user,
            uploaded_at=now,
        )
        document.file.save(PurePath(upload.name).name, upload, save=False)
        document.save()
        kept.append(document)
    return kept


def grievance_documents_add(
    *, grievance: Grievance, user, files: list, now: dt.datetime, note: str = ""
) -> Step:
    """Keep the files with the dispute or complaint (open or resolved) and record the step."""
    if not files:
        raise GrievanceRefused(gettext("Choose at least one file."))
    _check_documents(files)
    with transaction.atomic():
        locked = _locked(grievance)
        kept = _documents_keep(locked, files, user=user, now=now)
        names = ", ".join(f"{d.original_name} (SHA-256 {d.sha256[:12]}…)" for d in kept)
        text = f"{_kind_name(locked)} {locked.pk}: documents added: {names}."
        return _step(locked, Step.Kind.DOCUMENTS_ADDED, user=user, now=now, note=note, text=text)
