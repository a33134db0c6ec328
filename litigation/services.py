"""A lawsuit's lifecycle: referred, reviewed, filed, hearings, judgment, enforcement, closed.

Every step locks the lawsuit, checks it is in a step that allows it, writes an event row
(actor, moment) and an internal note on the case. Filing puts the case under a legal hold
(`Case.legal_hold_since`), which the compliance gate's `legal_hold` rule reads; closing or
declining lifts it.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.conf import settings
from django.db import transaction
from django.db.models import Exists, F, OuterRef, Value
from django.utils import translation
from django.utils.translation import gettext

from cases.models import Activity, Case
from common.batches import in_batch, keyset_batches
from common.sql import insert_from_select
from litigation.models import (
    EnforcementStep,
    Hearing,
    LawFirm,
    Lawsuit,
    LawsuitCost,
    LawsuitEvent,
)

BATCH_SIZE = 5000


class LawsuitStepRefused(Exception):
    """The step does not fit the lawsuit as it stands; the message says why."""


def cost_approval_limit() -> Decimal:
    """Costs above this amount (in the lawsuit's currency) wait for an approver."""
    return Decimal(str(settings.LITIGATION_COST_APPROVAL_LIMIT))


def lawsuits_open_for_referrals(*, business_date: dt.date, now: dt.datetime) -> int:
    """A referred lawsuit for every case the pipeline referred (in litigation, with no lawsuit
    under way); how many were opened. Set-based and safe to rerun: the database refuses a
    second open lawsuit of a case (`one_open_lawsuit_per_case`)."""
    referred = (
        Case.objects.filter(status=Case.Status.LITIGATION)
        .exclude(
            Exists(
                Lawsuit.objects.filter(case_id=OuterRef("pk")).exclude(
                    status__in=Lawsuit.ENDED_STATUSES
                )
            )
        )
        .exclude(
            # Declined once: the legal team said no; the case went back to collection.
            Exists(Lawsuit.objects.filter(case_id=OuterRef("pk"), status=Lawsuit.Status.DECLINED))
        )
    )
    opened = 0
    for rows in keyset_batches(referred, (), BATCH_SIZE):
        ids = [row[0] for row in rows]
        with transaction.atomic():
            new = insert_from_select(
                Lawsuit,
                Case.objects.filter(in_batch(ids)),
                {
                    "created_at": Value(now),
                    "updated_at": Value(now),
                    "case": F("pk"),
                    "status": Value(Lawsuit.Status.REFERRED),
                    "currency": F("account__currency"),
                    "referred_on": Value(business_date),
                    "referred_at": Value(now),
                    "review_reason": Value(""),
                    "court": Value(""),
                    "court_case_number": Value(""),
                    "outcome": Value(""),
                },
            )
            insert_from_select(
                LawsuitEvent,
                Lawsuit.objects.filter(
                    in_batch(ids, "case_id"), status=Lawsuit.Status.REFERRED, referred_at=now
                ),
                {
                    "lawsuit": F("pk"),
                    "kind": Value(LawsuitEvent.Kind.REFERRED),
                    "occurred_at": Value(now),
                    "note": Value(""),
                },
            )
            insert_from_select(
                Activity,
                Lawsuit.objects.filter(
                    in_batch(ids, "case_id"), status=Lawsuit.Status.REFERRED, referred_at=now
                ),
                {
                    "case": F("case_id"),
                    "debtor": F("case__debtor_id"),
                    "channel": Value(Activity.Channel.NOTE),
                    "direction": Value(Activity.Direction.INTERNAL),
                    "outcome": Value(Activity.Outcome.NOTE),
                    "notes": Value("Referred to the legal team."),
                    "occurred_at": Value(now),
                },
            )
            opened += new
    return opened


def _locked(lawsuit: Lawsuit, allowed: tuple[str, ...], step: str) -> Lawsuit:
    locked = Lawsuit.objects.select_for_update().select_related("case").get(pk=lawsuit.pk)
    if locked.status not in allowed:
        raise LawsuitStepRefused(
            gettext("A lawsuit that is %(status)s cannot be %(step)s.")
            % {"status": locked.get_status_display().lower(), "step": step}
        )
    return locked


def _record(lawsuit: Lawsuit, *, kind: str, user, now: dt.datetime, note: str) -> LawsuitEvent:
    """The step's event row and its internal note on the case."""
    event = LawsuitEvent.objects.create(
        lawsuit=lawsuit, kind=kind, actor=user, occurred_at=now, note=note
    )
    with translation.override("en"):  # the case's notes are kept in one language
        label = str(LawsuitEvent.Kind(kind).label)
    Activity.internal_note(
        case_id=lawsuit.case_id,
        debtor_id=lawsuit.case.debtor_id,
        actor=user,
        occurred_at=now,
        text=f"Lawsuit {lawsuit.pk}: {label}. {note}".strip(),
    ).save()
    return event


def lawsuit_review(
    *, lawsuit: Lawsuit, user, accept: bool, reason: str, now: dt.datetime
) -> Lawsuit:
    """The legal team accepts the referral, or declines it with a reason: the case then goes
    back to collection (open), and the pipeline does not refer it again."""
    reason = reason.strip()
    if not accept and not reason:
        raise LawsuitStepRefused(gettext("Say why the referral is declined."))
    with transaction.atomic():
        locked = _locked(lawsuit, (Lawsuit.Status.REFERRED,), gettext("reviewed"))
        locked.status = Lawsuit.Status.ACCEPTED if accept else Lawsuit.Status.DECLINED
        locked.reviewed_by, locked.reviewed_at, locked.review_reason = user, now, reason
        locked.save(
            update_fields=["status", "reviewed_by", "reviewed_at", "review_reason", "updated_at"]
        )
        if not accept:
            Case.objects.filter(pk=locked.case_id, status=Case.Status.LITIGATION).update(
                status=Case.Status.OPEN
            )
        kind = LawsuitEvent.Kind.ACCEPTED if accept else LawsuitEvent.Kind.DECLINED
        _record(locked, kind=kind, user=user, now=now, note=reason)
    return locked


def lawsuit_file(
    *,
    lawsuit: Lawsuit,
    user,
    court: str,
    court_case_number: str,
    filed_on: dt.date,
    claimed_amount: Decimal,
    law_firm: LawFirm,
    lawyer,
    now: dt.datetime,
) -> Lawsuit:
    """The lawsuit is filed with the court: from `now` the case is under a legal hold."""
    if not law_firm.is_active:
        raise LawsuitStepRefused(gettext("%(firm)s is not active.") % {"firm": law_firm.name})
    if claimed_amount <= 0:
        raise LawsuitStepRefused(gettext("The claimed amount must be more than zero."))
    if not court.strip() or not court_case_number.strip():
        raise LawsuitStepRefused(gettext("Give the court and the court case number."))
    with transaction.atomic():
        locked = _locked(lawsuit, (Lawsuit.Status.ACCEPTED,), gettext("filed"))
        locked.status = Lawsuit.Status.FILED
        locked.court, locked.court_case_number = court.strip(), court_case_number.strip()
        locked.filed_on, locked.claimed_amount = filed_on, claimed_amount
        locked.law_firm, locked.lawyer = law_firm, lawyer
        locked.save()
        Case.objects.filter(pk=locked.case_id, legal_hold_since__isnull=True).update(
            legal_hold_since=now
        )
        _record(
            locked,
            kind=LawsuitEvent.Kind.FILED,
            user=user,
            now=now,
            note=(
                f"{locked.court}, {locked.court_case_number}, filed on {filed_on.isoformat()}, "
                f"claiming {claimed_amount} {locked.currency}; legal hold on."
            ),
        )
    return locked


def hearing_schedule(
    *, lawsuit: Lawsuit, user, scheduled_at: dt.datetime, place: str, now: dt.datetime
) -> Hearing:
    with transaction.atomic():
        locked = _locked(
            lawsuit, (Lawsuit.Status.FILED, Lawsuit.Status.HEARINGS), gettext("given a hearing")
        )
        hearing = Hearing.objects.create(
            lawsuit=locked, scheduled_at=scheduled_at, place=place.strip()
        )
        if locked.status == Lawsuit.Status.FILED:
            locked.status = Lawsuit.Status.HEARINGS
            locked.save(update_fields=["status", "updated_at"])
        _record(
            locked,
            kind=LawsuitEvent.Kind.HEARING_SCHEDULED,
            user=user,
            now=now,
            note=f"{scheduled_at.isoformat()} {hearing.place}".strip(),
        )
    return hearing


def hearing_held(*, hearing: Hearing, user, notes: str, now: dt.datetime) -> Hearing:
    with transaction.atomic():
        _locked(hearing.lawsuit, (Lawsuit.Status.HEARINGS,), gettext("given a hearing"))
        if hearing.scheduled_at > now:
            raise LawsuitStepRefused(gettext("This hearing has not taken place yet."))
        updated = Hearing.objects.filter(pk=hearing.pk, held=False).update(
            held=True, notes=notes.strip()
        )
        if not updated:
            raise LawsuitStepRefused(gettext("This hearing is already recorded as held."))
        _record(
            hearing.lawsuit,
            kind=LawsuitEvent.Kind.HEARING_HELD,
            user=user,
            now=now,
            note=notes.strip(),
        )
    hearing.refresh_from_db()
    return hearing


def lawsuit_judge(
    *,
    lawsuit: Lawsuit,
    user,
    judgment_on: dt.date,
    amount_awarded: Decimal,
    costs_awarded: Decimal,
    now: dt.datetime,
) -> Lawsuit:
    if amount_awarded < 0 or costs_awarded < 0:
        raise LawsuitStepRefused(gettext("Awarded amounts cannot be negative."))
    with transaction.atomic():
        locked = _locked(
            lawsuit, (Lawsuit.Status.FILED, Lawsuit.Status.HEARINGS), gettext("judged")
        )
        if judgment_on < locked.filed_on:
            raise LawsuitStepRefused(gettext("The judgment cannot come before the filing."))
        locked.status = Lawsuit.Status.JUDGED
        locked.judgment_on = judgment_on
        locked.amount_awarded, locked.costs_awarded = amount_awarded, costs_awarded
        locked.save()
        _record(
            locked,
            kind=LawsuitEvent.Kind.JUDGED,
            user=user,
            now=now,
            note=(
                f"On {judgment_on.isoformat()}: {amount_awarded} {locked.currency} awarded, "
                f"costs {costs_awarded} {locked.currency}."
            ),
        )
    return locked


def enforcement_step_record(
    *,
    lawsuit: Lawsuit,
    user,
    taken_on: dt.date,
    description: str,
    recovered: Decimal,
    now: dt.datetime,
) -> EnforcementStep:
    if recovered < 0:
        raise LawsuitStepRefused(gettext("A recovery cannot be negative."))
    if not description.strip():
        raise LawsuitStepRefused(gettext("Describe the enforcement step."))
    with transaction.atomic():
        locked = _locked(
            lawsuit, (Lawsuit.Status.JUDGED, Lawsuit.Status.ENFORCING), gettext("enforced")
        )
        step = EnforcementStep.objects.create(
            lawsuit=locked,
            taken_on=taken_on,
            description=description.strip(),
            recovered=recovered,
            recorded_by=user,
        )
        if locked.status == Lawsuit.Status.JUDGED:
            locked.status = Lawsuit.Status.ENFORCING
            locked.save(update_fields=["status", "updated_at"])
        _record(
            locked,
            kind=LawsuitEvent.Kind.ENFORCEMENT_STEP,
            user=user,
            now=now,
            note=f"{step.description}: {recovered} {locked.currency} recovered.",
        )
    return step


CASE_STATUS_AT_CLOSE = {
    Lawsuit.Outcome.PAID: Case.Status.CURED,
    Lawsuit.Outcome.SETTLED: Case.Status.SETTLED,
    Lawsuit.Outcome.UNCOLLECTABLE: Case.Status.CLOSED,
}


def lawsuit_close(
    *, lawsuit: Lawsuit, user, outcome: str, closed_on: dt.date, note: str, now: dt.datetime
) -> Lawsuit:
    """The lawsuit ends (paid, settled, uncollectable); the case closes with it and the legal
    hold is lifted."""
    if outcome not in Lawsuit.Outcome.values:
        raise LawsuitStepRefused(gettext("Choose how the lawsuit ended."))
    with transaction.atomic():
        locked = _locked(
            lawsuit,
            (
                Lawsuit.Status.ACCEPTED,
                *Lawsuit.FILED_STATUSES,
            ),
            gettext("closed"),
        )
        locked.status, locked.outcome, locked.closed_on = Lawsuit.Status.CLOSED, outcome, closed_on
        locked.save(update_fields=["status", "outcome", "closed_on", "updated_at"])
        Case.objects.filter(pk=locked.case_id).exclude(status__in=Case.CLOSED_STATUSES).update(
            status=CASE_STATUS_AT_CLOSE[outcome],
            closed_at=now,
            claimed_by=None,
            claim_expires_at=None,
            next_action_at=None,
        )
        Case.objects.filter(pk=locked.case_id).update(legal_hold_since=None)
        _record(
            locked,
            kind=LawsuitEvent.Kind.CLOSED,
            user=user,
            now=now,
            note=f"{outcome.capitalize()}. {note.strip()}".strip(),
        )
    return locked


def lawsuit_cost_record(
    *,
    lawsuit: Lawsuit,
    user,
    kind: str,
    amount: Decimal,
    incurred_on: dt.date,
    description: str,
    now: dt.datetime,
) -> LawsuitCost:
    """A cost of the lawsuit: approved at once up to the limit, else awaiting an approver."""
    if amount <= 0:
        raise LawsuitStepRefused(gettext("The amount must be more than zero."))
    with transaction.atomic():
        locked = _locked(
            lawsuit,
            (Lawsuit.Status.ACCEPTED, *Lawsuit.FILED_STATUSES),
            gettext("charged a cost"),
        )
        within_limit = amount <= cost_approval_limit()
        cost = LawsuitCost.objects.create(
            lawsuit=locked,
            kind=kind,
            amount=amount,
            incurred_on=incurred_on,
            description=description.strip(),
            status=LawsuitCost.Status.APPROVED if within_limit else LawsuitCost.Status.AWAITING,
            recorded_by=user,
            recorded_at=now,
        )
        _record(
            locked,
            kind=LawsuitEvent.Kind.COST_RECORDED,
            user=user,
            now=now,
            note=(
                f"{cost.get_kind_display()} {amount} {locked.currency}"
                f"{'' if within_limit else ', awaiting approval'}."
            ),
        )
    return cost


def lawsuit_cost_decide(*, cost: LawsuitCost, user, approve: bool, now: dt.datetime) -> LawsuitCost:
    """An approver (never the one who recorded it) approves or rejects a cost above the limit."""
    if cost.recorded_by_id == user.pk:
        raise LawsuitStepRefused(
            gettext("A cost is approved by someone other than who recorded it.")
        )
    with transaction.atomic():
        updated = LawsuitCost.objects.filter(pk=cost.pk, status=LawsuitCost.Status.AWAITING).update(
            status=LawsuitCost.Status.APPROVED if approve else LawsuitCost.Status.REJECTED,
            decided_by=user,
            decided_at=now,
        )
        if not updated:
            raise LawsuitStepRefused(gettext("This cost is no longer awaiting approval."))
        cost.refresh_from_db()
        lawsuit = Lawsuit.objects.select_related("case").get(pk=cost.lawsuit_id)
        _record(
            lawsuit,
            kind=LawsuitEvent.Kind.COST_DECIDED,
            user=user,
            now=now,
            note=f"{cost.get_kind_display()} {cost.amount} {lawsuit.currency}: "
            f"{cost.get_status_display()}.",
        )
    return cost
