"""Repayment plans and settlement offers: making them, deciding them, and the nightly review that
finds each one kept, broken, paid or lapsed; write-offs: proposed each night, approved by a
manager.

Every service takes the acting user and the moment (`business_date`, `now`); none reads the
clock. Cases are always taken through `cases_visible_to(actor)`, so nothing outside the actor's
scope is touched. The nightly steps are set-based and safe to rerun: a second run for the same
date finds nothing left to change.
"""

from __future__ import annotations

import calendar
import datetime as dt
from collections import Counter
from decimal import ROUND_DOWN, Decimal

from django.db import transaction
from django.db.models import Exists, F, OuterRef, Subquery, Sum, Value
from django.db.models.functions import Coalesce
from django.utils import formats, translation
from django.utils.translation import gettext as _

from agreements.models import (
    ApprovalLimit,
    PlanInstalment,
    RepaymentPlan,
    SettlementOffer,
    WriteOffBatch,
    WriteOffProposal,
)
from cases.models import (
    Activity,
    CardAccount,
    Case,
    ContactPoint,
    Payment,
    PromiseToPay,
    StageEntry,
    Strategy,
)
from cases.selectors import cases_visible_to
from common.batches import in_batch, keyset_batches
from common.days import business_day_of
from common.formatting import money
from common.money import AMOUNT_OUTPUT, CENT
from compliance.policies import policy_parameters_for_cases
from pipeline.letters import debtor_interface_language
from pipeline.models import OutboundMessage
from pipeline.services import (
    BROKEN_PROMISE_PRIORITY,
    agreement_letter_queue,
    ladder_messages_pending,
    paid_since,
)

BATCH_SIZE = 2000
# How a plan's pause is named on the case; the review resumes only pauses named so, never a
# supervisor's own.


class AgreementRefused(Exception):
    """The agreement cannot be made or decided as asked; the message says why."""


# Instalments ---------------------------------------------------------------------------------


def _add_months(start: dt.date, months: int) -> dt.date:
    """The same day of the month `months` later; the month's last day when it is shorter."""
    month_index = start.month - 1 + months
    year, month = start.year + month_index // 12, month_index % 12 + 1
    return dt.date(year, month, min(start.day, calendar.monthrange(year, month)[1]))


def plan_due_dates(*, first_due_date: dt.date, count: int, frequency: str) -> list[dt.date]:
    """The instalments' due dates. Monthly ones keep the first date's day of the month, or the
    month's last day (from the 31st: 28 or 29 February, 30 April, 31 May...)."""
    if frequency == RepaymentPlan.Frequency.MONTHLY:
        return [_add_months(first_due_date, n) for n in range(count)]
    step = dt.timedelta(days=7 if frequency == RepaymentPlan.Frequency.WEEKLY else 14)
    return [first_due_date + step * n for n in range(count)]


def plan_amounts(*, total: Decimal, count: int) -> list[Decimal]:
    """Equal instalments rounded down to the cent; the last takes the remainder."""
    each = (total / count).quantize(CENT, rounding=ROUND_DOWN)
    return [each] * (count - 1) + [total - each * (count - 1)]


def _months_between(start: dt.date, end: dt.date) -> int:
    """Whole or part months from `start` to `end` (a plan ending 60 months and a day later
    lasts 61)."""
    months = (end.year - start.year) * 12 + end.month - start.month
    return months + (1 if end > _add_months(start, months) else 0)


# Plans ---------------------------------------------------------------------------------------


def _note(case: Case, actor, now: dt.datetime, text: str) -> Activity:
    return Activity.internal_note(
        case_id=case.pk, debtor_id=case.debtor_id, actor=actor, occurred_at=now, text=text
    )


def _visible_open_case(actor, case: Case) -> Case:
    locked = (
        cases_visible_to(actor)
        .select_for_update(of=("self",))
        .select_related("account")
        .filter(pk=case.pk)
        .first()
    )
    if locked is None:
        raise Case.DoesNotExist
    if not locked.is_open:
        raise AgreementRefused(_("The case is closed."))
    return locked


def plan_create(
    *,
    actor,
    case: Case,
    total_amount: Decimal,
    instalment_count: int,
    frequency: str,
    first_due_date: dt.date,
    agreed_via: str,
    business_date: dt.date,
    now: dt.datetime,
) -> RepaymentPlan:
    """Record a repayment plan agreed with the debtor, its instalments, and pause the case
    (out of the queue, no escalation) while it is kept.

    Refused, with the reason, beyond the policy's longest plan, for more than the balance, for
    a first instalment in the past, or while the case has another active plan.
    """
    due_dates, amounts = _plan_schedule(
        total_amount=total_amount,
        instalment_count=instalment_count,
        frequency=frequency,
        first_due_date=first_due_date,
        business_date=business_date,
    )
    with transaction.atomic():
        locked = _visible_open_case(actor, case)
        _plan_check_case(locked, total_amount)
        beyond = _plan_beyond_policy(locked, due_dates, business_date)
        if beyond:
            raise AgreementRefused(beyond)
        return _plan_record(
            locked,
            actor=actor,
            status=RepaymentPlan.Status.ACTIVE,
            total_amount=total_amount,
            frequency=frequency,
            first_due_date=first_due_date,
            agreed_via=agreed_via,
            schedule=list(zip(due_dates, amounts, strict=True)),
            business_date=business_date,
            now=now,
        )


def plan_request_by_debtor(
    *,
    case: Case,
    instalment_count: int,
    frequency: str,
    first_due_date: dt.date,
    business_date: dt.date,
    now: dt.datetime,
) -> RepaymentPlan:
    """A plan for the whole balance the debtor asks for themselves (on the portal).

    Within the policy's plan rules it is agreed at once, as a collector's would be (ACTIVE, the
    case paused). A plan longer than the policy's longest is not refused but REQUESTED: it
    waits for a supervisor, and the case goes on as before meanwhile. Refused (AgreementRefused)
    for what no approval could mend: a closed case, a first instalment in the past, another
    active or requested plan.
    """
    with transaction.atomic():
        locked = Case.objects.select_for_update().select_related("account").get(pk=case.pk)
        if not locked.is_open:
            raise AgreementRefused(_("The case is closed."))
        total_amount = locked.account.balance
        due_dates, amounts = _plan_schedule(
            total_amount=total_amount,
            instalment_count=instalment_count,
            frequency=frequency,
            first_due_date=first_due_date,
            business_date=business_date,
        )
        _plan_check_case(locked, total_amount)
        if RepaymentPlan.objects.filter(
            case=locked, status=RepaymentPlan.Status.REQUESTED
        ).exists():
            raise AgreementRefused(_("A plan you asked for is already waiting for an answer."))
        beyond = _plan_beyond_policy(locked, due_dates, business_date)
        return _plan_record(
            locked,
            actor=None,
            status=RepaymentPlan.Status.REQUESTED if beyond else RepaymentPlan.Status.ACTIVE,
            total_amount=total_amount,
            frequency=frequency,
            first_due_date=first_due_date,
            agreed_via=RepaymentPlan.Channel.PORTAL,
            schedule=list(zip(due_dates, amounts, strict=True)),
            business_date=business_date,
            now=now,
        )


def _plan_schedule(
    *,
    total_amount: Decimal,
    instalment_count: int,
    frequency: str,
    first_due_date: dt.date,
    business_date: dt.date,
) -> tuple[list[dt.date], list[Decimal]]:
    """The instalments' due dates and amounts, or AgreementRefused for a plan no one can agree."""
    if total_amount <= 0:
        raise AgreementRefused(_("The total must be more than zero."))
    if instalment_count < 1:
        raise AgreementRefused(_("A plan needs at least one instalment."))
    if first_due_date < business_date:
        raise AgreementRefused(_("The first instalment cannot be due before today."))
    due_dates = plan_due_dates(
        first_due_date=first_due_date, count=instalment_count, frequency=frequency
    )
    amounts = plan_amounts(total=total_amount, count=instalment_count)
    if amounts[0] <= 0:
        raise AgreementRefused(_("Each instalment must be at least one cent."))
    return due_dates, amounts


def _plan_check_case(locked: Case, total_amount: Decimal) -> None:
    account = locked.account
    if total_amount > account.balance:
        raise AgreementRefused(
            _("The total is more than the balance of %(balance)s.")
            % {"balance": money(account.balance, account.currency)}
        )
    if RepaymentPlan.objects.filter(case=locked, status=RepaymentPlan.Status.ACTIVE).exists():
        raise AgreementRefused(_("This case already has an active repayment plan."))


def _plan_beyond_policy(locked: Case, due_dates: list[dt.date], business_date: dt.date) -> str:
    """Why the plan runs longer than the case's policy allows ('' when it does not)."""
    limit = policy_parameters_for_cases(case_ids=[locked.pk])[locked.pk].plan_max_months
    months = _months_between(business_date, due_dates[-1])
    if limit is None or months <= limit:
        return ""
    return _(
        "The policy allows plans of at most %(limit)s months; this one would run "
        "%(months)s months, until %(last)s."
    ) % {"limit": limit, "months": months, "last": formats.date_format(due_dates[-1])}


def _plan_record(
    locked: Case,
    *,
    actor,
    status: str,
    total_amount: Decimal,
    frequency: str,
    first_due_date: dt.date,
    agreed_via: str,
    schedule: list[tuple[dt.date, Decimal]],
    business_date: dt.date,
    now: dt.datetime,
) -> RepaymentPlan:
    """Write the plan and its instalments; an active one replaces a pending promise, pauses
    the case and queues its confirmation letter (by post, in the debtor's language)."""
    plan = RepaymentPlan.objects.create(
        case=locked,
        total_amount=total_amount,
        currency=locked.account.currency,
        frequency=frequency,
        instalment_count=len(schedule),
        first_due_date=first_due_date,
        agreed_on=business_date,
        agreed_by=actor,
        agreed_via=agreed_via,
        status=status,
    )
    PlanInstalment.objects.bulk_create(
        PlanInstalment(plan=plan, number=n, due_date=due, amount=amount)
        for n, (due, amount) in enumerate(schedule, start=1)
    )
    if status == RepaymentPlan.Status.REQUESTED:
        _note(locked, actor, now, f"Repayment plan #{plan.pk} requested: {plan}.").save()
        return plan
    _plan_start(locked, plan, actor=actor, business_date=business_date, now=now)
    return plan


def _plan_start(
    locked: Case, plan: RepaymentPlan, *, actor, business_date: dt.date, now: dt.datetime
) -> None:
    """An agreed plan takes over its case: it replaces a pending promise (one agreement at a
    time is monitored), pauses the case and queues its confirmation letter (by post, in the
    debtor's language)."""
    PromiseToPay.objects.filter(case=locked, status=PromiseToPay.Status.PENDING).update(
        status=PromiseToPay.Status.CANCELLED, resolved_on=business_date
    )
    changes = {"under_repayment_plan": True, "claimed_by": None, "claim_expires_at": None}
    if locked.paused_at is None:
        changes.update(paused_at=now, pause_reason=f"Repayment plan #{plan.pk}")
        RepaymentPlan.objects.filter(pk=plan.pk).update(paused_case_at=now)
    Case.objects.filter(pk=locked.pk).update(**changes)
    _note(locked, actor, now, f"Repayment plan #{plan.pk} agreed: {plan}.").save()
    subject, body = plan_letter_text(plan)
    plan.letter = agreement_letter_queue(
        case=locked,
        purpose=OutboundMessage.Purpose.PLAN_CONFIRMATION,
        subject=subject,
        body=body,
        now=now,
    )
    RepaymentPlan.objects.filter(pk=plan.pk).update(letter=plan.letter)


def _locked_plan(actor, plan: RepaymentPlan, status: str, refusal: str) -> RepaymentPlan:
    """The plan, locked, if it is in the actor's scope (else DoesNotExist) and has `status`
    (else refused with `refusal`)."""
    locked = (
        RepaymentPlan.objects.select_for_update()
        .filter(pk=plan.pk, case__in=cases_visible_to(actor))
        .first()
    )
    if locked is None:
        raise RepaymentPlan.DoesNotExist
    if locked.status != status:
        raise AgreementRefused(refusal)
    return locked


def _requested_plan(actor, plan: RepaymentPlan) -> RepaymentPlan:
    return _locked_plan(
        actor,
        plan,
        RepaymentPlan.Status.REQUESTED,
        _("This plan no longer awaits a decision."),
    )


def plan_request_approve(
    *, actor, plan: RepaymentPlan, business_date: dt.date, now: dt.datetime, note: str = ""
) -> RepaymentPlan:
    """Agree a plan the debtor asked for beyond the policy's plan rules: from now on it is a
    plan like one agreed within them (active, the case paused, its confirmation letter).

    Refused while the case is closed or has an active plan, when the balance fell below the
    plan's total, or once its first instalment's date has passed (decline it: the debtor may
    ask again)."""
    with transaction.atomic():
        locked = _requested_plan(actor, plan)
        case = _visible_open_case(actor, locked.case)
        _plan_check_case(case, locked.total_amount)
        if locked.first_due_date < business_date:
            raise AgreementRefused(
                _(
                    "Its first instalment was due on %(date)s: decline it, and the debtor "
                    "may ask again."
                )
                % {"date": formats.date_format(locked.first_due_date)}
            )
        RepaymentPlan.objects.filter(pk=locked.pk).update(
            status=RepaymentPlan.Status.ACTIVE,
            agreed_on=business_date,
            agreed_by=actor,
            decided_by=actor,
            decided_at=now,
            decision_note=note.strip()[:300],
            updated_at=now,
        )
        locked.refresh_from_db()
        _plan_start(case, locked, actor=actor, business_date=business_date, now=now)
    locked.refresh_from_db()
    return locked


def plan_request_decline(
    *, actor, plan: RepaymentPlan, reason: str, business_date: dt.date, now: dt.datetime
) -> RepaymentPlan:
    """Decline a plan the debtor asked for, with the reason the debtor is shown on the portal.
    The case goes on as before."""
    reason = reason.strip()
    if not reason:
        raise AgreementRefused(_("Give a reason: the debtor is shown it."))
    with transaction.atomic():
        locked = _requested_plan(actor, plan)
        RepaymentPlan.objects.filter(pk=locked.pk).update(
            status=RepaymentPlan.Status.DECLINED,
            resolved_on=business_date,
            decided_by=actor,
            decided_at=now,
            decision_note=reason[:300],
            updated_at=now,
        )
        _note(locked.case, actor, now, f"Repayment plan #{locked.pk} declined: {reason}").save()
    locked.refresh_from_db()
    return locked


def plan_cancel(
    *, actor, plan: RepaymentPlan, reason: str, business_date: dt.date, now: dt.datetime
) -> RepaymentPlan:
    """Cancel an active plan (the debtor withdrew, or it was recorded by mistake): the case
    leaves the plan and goes back to its ladder where it stood, in the queue at once. The
    plan's own pause is lifted; a pause a supervisor set stays."""
    reason = reason.strip()
    if not reason:
        raise AgreementRefused(_("Give a reason: it is kept in the case's history."))
    with transaction.atomic():
        locked = _locked_plan(
            actor,
            plan,
            RepaymentPlan.Status.ACTIVE,
            _("Only a plan being kept can be cancelled."),
        )
        case = _visible_open_case(actor, locked.case)
        RepaymentPlan.objects.filter(pk=locked.pk).update(
            status=RepaymentPlan.Status.CANCELLED, resolved_on=business_date
        )
        changes = {"under_repayment_plan": False, "next_action_at": now}
        if locked.paused_case_at is not None and case.paused_at == locked.paused_case_at:
            changes.update(paused_at=None, pause_reason="")
        Case.objects.filter(pk=case.pk).update(**changes)
        _note(case, actor, now, f"Repayment plan #{locked.pk} cancelled: {reason}").save()
    locked.refresh_from_db()
    return locked


def _cases_close(
    case_ids: list[int],
    now: dt.datetime,
    note: str,
    *,
    status: str = Case.Status.SETTLED,
    why: str = "case settled",
    actor=None,
    **changes,
) -> int:
    """Close these open cases (as settled, unless told otherwise) and cancel what they still had
    coming; `why` is written on what was cancelled, `note` on each case's activity."""
    open_cases = Case.objects.filter(in_batch(case_ids)).exclude(status__in=Case.CLOSED_STATUSES)
    rows = list(open_cases.values_list("pk", "debtor_id"))
    if not rows:
        return 0
    ids = [pk for pk, _debtor in rows]
    closed = Case.objects.filter(in_batch(ids)).update(
        status=status,
        closed_at=now,
        paused_at=None,
        pause_reason="",
        under_repayment_plan=False,
        claimed_by=None,
        claim_expires_at=None,
        next_action_at=None,
        **changes,
    )
    ladder_messages_pending().filter(in_batch(ids, "case_id")).update(
        status=OutboundMessage.Status.CANCELLED, last_error=why
    )
    PromiseToPay.objects.filter(
        in_batch(ids, "case_id"), status=PromiseToPay.Status.PENDING
    ).update(status=PromiseToPay.Status.CANCELLED, resolved_on=now.date())
    StageEntry.objects.filter(
        in_batch(ids, "case_id"), action_status=StageEntry.ActionStatus.PENDING
    ).update(action_status=StageEntry.ActionStatus.SKIPPED, action_note=why)
    Activity.objects.bulk_create(
        Activity.internal_note(
            case_id=pk, debtor_id=debtor_id, actor=actor, occurred_at=now, text=note
        )
        for pk, debtor_id in rows
    )
    return closed


def _plan_verdict(
    *, paid: Decimal, total: Decimal, instalments: list[tuple], grace_days: int, day: dt.date
) -> tuple[str, list[int]]:
    """('kept' | 'broken' | 'running', ids of instalments kept now) for one plan."""
    if paid >= total:
        return "kept", [pk for pk, _due, _amount, kept_on in instalments if kept_on is None]
    covered, kept = Decimal(0), []
    for pk, due_date, amount, kept_on in instalments:
        if due_date > day:
            break
        covered += amount
        if covered <= paid:
            if kept_on is None:
                kept.append(pk)
        elif day > due_date + dt.timedelta(days=grace_days):
            return "broken", kept
    return "running", kept


def plans_review_day(*, business_date: dt.date, now: dt.datetime, batch_size: int = BATCH_SIZE):
    """The night's review of active plans, for `business_date`.

    An instalment is kept when the account's payments since the plan was agreed cover it and
    every one before it. One left uncovered past the policy's grace days breaks the plan: the
    case resumes its ladder where it stood, at the top of the queue. A plan paid in full is kept
    and closes its case as settled. A plan whose case was closed otherwise (cured, closed) is
    cancelled, unless it was paid.
    """
    counts: Counter = Counter()
    active = RepaymentPlan.objects.filter(status=RepaymentPlan.Status.ACTIVE).annotate(
        paid=paid_since("case__account_id", "agreed_on", business_date)
    )
    fields = ("case_id", "case__status", "total_amount", "paid")
    for rows in keyset_batches(active, fields, batch_size):
        plan_ids = [row[0] for row in rows]
        grace = {
            case_id: parameters.plan_grace_days
            for case_id, parameters in policy_parameters_for_cases(
                case_ids={row[1] for row in rows}
            ).items()
        }
        instalments: dict[int, list[tuple]] = {pk: [] for pk in plan_ids}
        for plan_id, *instalment in (
            PlanInstalment.objects.filter(in_batch(plan_ids, "plan_id"))
            .order_by("plan_id", "number")
            .values_list("plan_id", "pk", "due_date", "amount", "kept_on")
        ):
            instalments[plan_id].append(tuple(instalment))
        kept_plans, broken_plans, cancelled_plans, kept_instalments = [], [], [], []
        settle_cases, resume_cases, paid_amounts = [], [], []
        for plan_id, case_id, case_status, total, paid in rows:
            verdict, kept_now = _plan_verdict(
                paid=paid,
                total=total,
                instalments=instalments[plan_id],
                grace_days=grace[case_id],
                day=business_date,
            )
            kept_instalments += kept_now
            paid_amounts.append(RepaymentPlan(pk=plan_id, paid_amount=paid))
            if verdict == "kept":
                kept_plans.append(plan_id)
                settle_cases.append(case_id)
            elif case_status in Case.CLOSED_STATUSES:
                cancelled_plans.append(plan_id)
            elif verdict == "broken":
                broken_plans.append(plan_id)
                resume_cases.append(case_id)
        with transaction.atomic():
            RepaymentPlan.objects.bulk_update(paid_amounts, ["paid_amount"])
            PlanInstalment.objects.filter(in_batch(kept_instalments), kept_on__isnull=True).update(
                kept_on=business_date
            )
            for status, ids, key in (
                (RepaymentPlan.Status.KEPT, kept_plans, "plans_kept"),
                (RepaymentPlan.Status.BROKEN, broken_plans, "plans_broken"),
                (RepaymentPlan.Status.CANCELLED, cancelled_plans, "plans_cancelled"),
            ):
                counts[key] += RepaymentPlan.objects.filter(
                    in_batch(ids), status=RepaymentPlan.Status.ACTIVE
                ).update(status=status, resolved_on=business_date)
            counts["instalments_kept"] += len(kept_instalments)
            counts["cases_settled"] += _cases_close(
                settle_cases, now, "Repayment plan paid in full: case settled."
            )
            resumed = Case.objects.filter(in_batch(resume_cases)).exclude(
                status__in=Case.CLOSED_STATUSES
            )
            resumed.update(
                under_repayment_plan=False,
                priority_score=BROKEN_PROMISE_PRIORITY,
                next_action_at=now,
            )
            resumed.filter(
                repayment_plans__in=broken_plans,
                paused_at=F("repayment_plans__paused_case_at"),
            ).update(paused_at=None, pause_reason="")
            Case.objects.filter(in_batch([row[1] for row in rows])).filter(
                status__in=Case.CLOSED_STATUSES, under_repayment_plan=True
            ).update(under_repayment_plan=False)
            counts["cases_resumed"] += len(resume_cases)
    return counts


# Settlements ---------------------------------------------------------------------------------


def approval_limit(user, currency: str) -> ApprovalLimit | None:
    """The user's role's limit in `currency` (none: they may grant no discount alone)."""
    role = user.role
    if role is None:
        return None
    return ApprovalLimit.objects.filter(role=role, currency=currency).first()


def offer_within_authority(user, *, currency: str, waived: Decimal, percent: Decimal) -> bool:
    """Whether `user` may grant this discount on their own (both of the role's limits hold)."""
    limit = approval_limit(user, currency)
    return (
        limit is not None
        and waived <= limit.max_discount_amount
        and percent <= limit.max_discount_percent
    )


def _percent(waived: Decimal, balance: Decimal) -> Decimal:
    return (waived * 100 / balance).quantize(CENT) if balance else Decimal(0)


def offer_make(
    *,
    actor,
    case: Case,
    kind: str,
    amount: Decimal,
    expires_on: dt.date,
    reason: str,
    business_date: dt.date,
    now: dt.datetime,
) -> SettlementOffer:
    """Offer to settle the case for `amount` (the rest of the balance waived) until
    `expires_on`. Within the maker's authority the offer stands at once; above it, it waits
    for someone whose authority covers it."""
    reason = reason.strip()
    if not reason:
        raise AgreementRefused(_("Give the reason for the offer."))
    if expires_on < business_date:
        raise AgreementRefused(_("The offer cannot expire before today."))
    with transaction.atomic():
        locked = _visible_open_case(actor, case)
        account = locked.account
        if amount <= 0 or amount >= account.balance:
            raise AgreementRefused(
                _("The amount to pay must be more than zero and less than the balance of %(b)s.")
                % {"b": money(account.balance, account.currency)}
            )
        if SettlementOffer.objects.filter(
            case=locked, status__in=SettlementOffer.OPEN_STATUSES
        ).exists():
            raise AgreementRefused(_("This case already has an open settlement offer."))
        waived = account.balance - amount
        within = offer_within_authority(
            actor,
            currency=account.currency,
            waived=waived,
            percent=_percent(waived, account.balance),
        )
        offer = SettlementOffer.objects.create(
            case=locked,
            kind=kind,
            balance=account.balance,
            amount=amount,
            waived_amount=waived,
            currency=account.currency,
            expires_on=expires_on,
            reason=reason[:300],
            status=SettlementOffer.Status.OFFERED if within else SettlementOffer.Status.AWAITING,
            offered_on=business_date,
            created_by=actor,
            decided_by=actor if within else None,
            decided_at=now if within else None,
            decision_note="Within the maker's authority." if within else "",
        )
        _note(locked, actor, now, f"Settlement offer #{offer.pk} made: {offer}.").save()
    return offer


def offer_decide(
    *, actor, offer: SettlementOffer, approve: bool, note: str, now: dt.datetime
) -> SettlementOffer:
    """Approve or reject an offer awaiting approval. Approving needs authority over its
    discount; anyone who may decide may reject."""
    with transaction.atomic():
        locked = (
            SettlementOffer.objects.select_for_update()
            .filter(pk=offer.pk, case__in=cases_visible_to(actor))
            .first()
        )
        if locked is None:
            raise SettlementOffer.DoesNotExist
        if locked.status != SettlementOffer.Status.AWAITING:
            raise AgreementRefused(_("This offer no longer awaits a decision."))
        if approve and not offer_within_authority(
            actor,
            currency=locked.currency,
            waived=locked.waived_amount,
            percent=locked.discount_percent,
        ):
            raise AgreementRefused(
                _(
                    "A discount of %(amount)s (%(percent)s%%) is beyond your authority: someone "
                    "whose limit covers it must decide."
                )
                % {
                    "amount": money(locked.waived_amount, locked.currency),
                    "percent": locked.discount_percent,
                }
            )
        locked.status = (
            SettlementOffer.Status.OFFERED if approve else SettlementOffer.Status.REJECTED
        )
        locked.decided_by, locked.decided_at, locked.decision_note = actor, now, note.strip()[:300]
        if not approve:
            locked.resolved_on = now.date()
        locked.save(
            update_fields=[
                "status",
                "decided_by",
                "decided_at",
                "decision_note",
                "resolved_on",
                "updated_at",
            ]
        )
        verdict = "approved" if approve else "rejected"
        _note(locked.case, actor, now, f"Settlement offer #{locked.pk} {verdict}.").save()
    return locked


def offer_accept(
    *, actor, offer: SettlementOffer, business_date: dt.date, now: dt.datetime
) -> SettlementOffer:
    """Record that the debtor accepted an approved offer before it expired, and queue its letter
    (by post, in the debtor's language)."""
    return _offer_accept(
        SettlementOffer.objects.filter(case__in=cases_visible_to(actor)),
        offer=offer,
        actor=actor,
        business_date=business_date,
        now=now,
    )


def offer_accept_by_debtor(
    *, case: Case, offer: SettlementOffer, business_date: dt.date, now: dt.datetime
) -> SettlementOffer:
    """The debtor accepts, themselves (on the portal), an approved offer made on their case."""
    return _offer_accept(
        SettlementOffer.objects.filter(case=case),
        offer=offer,
        actor=None,
        business_date=business_date,
        now=now,
    )


def _offer_accept(
    offers, *, offer: SettlementOffer, actor, business_date: dt.date, now: dt.datetime
) -> SettlementOffer:
    with transaction.atomic():
        locked = offers.select_for_update().filter(pk=offer.pk).first()
        if locked is None:
            raise SettlementOffer.DoesNotExist
        if locked.status != SettlementOffer.Status.OFFERED:
            raise AgreementRefused(_("Only an approved offer can be accepted."))
        if locked.expires_on < business_date:
            raise AgreementRefused(_("The offer has expired."))
        locked.status, locked.accepted_on = SettlementOffer.Status.ACCEPTED, business_date
        subject, body = offer_letter_text(locked)
        locked.letter = agreement_letter_queue(
            case=locked.case,
            purpose=OutboundMessage.Purpose.SETTLEMENT_LETTER,
            subject=subject,
            body=body,
            now=now,
        )
        locked.save(update_fields=["status", "accepted_on", "letter", "updated_at"])
        _note(locked.case, actor, now, f"Settlement offer #{locked.pk} accepted.").save()
    return locked


def _paid_by_expiry(business_date: dt.date) -> Coalesce:
    """Over an offer: the account's payments from its acceptance to its expiry (or today)."""
    payments = (
        Payment.objects.filter(
            account_id=OuterRef("case__account_id"),
            received_on__gte=OuterRef("accepted_on"),
            received_on__lte=OuterRef("expires_on"),
        )
        .filter(received_on__lte=business_date)
        .order_by()
        .values("account_id")
        .annotate(total=Sum("amount"))
        .values("total")
    )
    return Coalesce(Subquery(payments, output_field=AMOUNT_OUTPUT), Value(Decimal(0)))


def settlements_review_day(
    *, business_date: dt.date, now: dt.datetime, batch_size: int = BATCH_SIZE
) -> Counter:
    """Accepted offers paid by their expiry close their cases as settled, the unpaid rest of the
    balance recorded as waived; open offers past their expiry lapse."""
    counts: Counter = Counter()
    accepted = SettlementOffer.objects.filter(status=SettlementOffer.Status.ACCEPTED).annotate(
        paid=_paid_by_expiry(business_date)
    )
    fields = ("case_id", "amount", "balance", "paid")
    status = SettlementOffer.Status
    for rows in keyset_batches(accepted, fields, batch_size):
        paid = {row[0] for row in rows if row[4] >= row[2]}
        offers = [
            SettlementOffer(
                pk=pk,
                status=status.PAID if pk in paid else status.ACCEPTED,
                resolved_on=business_date if pk in paid else None,
                paid_amount=paid_amount,
                written_off_amount=max(balance - paid_amount, Decimal(0)) if pk in paid else None,
            )
            for pk, _case, _amount, balance, paid_amount in rows
        ]
        with transaction.atomic():
            SettlementOffer.objects.bulk_update(
                offers, ["status", "resolved_on", "paid_amount", "written_off_amount"]
            )
            counts["offers_paid"] += len(paid)
            counts["cases_settled"] += _cases_close(
                [row[1] for row in rows if row[0] in paid], now, "Settlement paid: case settled."
            )
    counts["offers_lapsed"] += SettlementOffer.objects.filter(
        status__in=SettlementOffer.OPEN_STATUSES, expires_on__lt=business_date
    ).update(status=SettlementOffer.Status.LAPSED, resolved_on=business_date)
    return counts


# Write-offs ----------------------------------------------------------------------------------


def writeoffs_propose_day(
    *, business_date: dt.date, now: dt.datetime, batch_size: int = BATCH_SIZE
) -> Counter:
    """Propose for write-off the open cases past their strategy's charge-off rule, gathered in
    the date's batch for a manager to approve.

    Left out: cases under a repayment plan being kept, cases whose debtor accepted a
    settlement, and cases proposed before (a case removed from a batch is not proposed again).
    A rerun for the same date adds only what is new to the same batch.
    """
    counts: Counter = Counter()
    rules = Strategy.objects.filter(is_active=True, charge_off_days__isnull=False).values_list(
        "pk", "charge_off_days"
    )
    for strategy_id, charge_off_days in rules:
        threshold = business_date - dt.timedelta(days=charge_off_days)
        due = (
            Case.objects.exclude(status__in=Case.CLOSED_STATUSES)
            .filter(strategy_id=strategy_id, under_repayment_plan=False)
            .filter(account__oldest_unpaid_due_date__lte=threshold, account__balance__gt=0)
            .exclude(Exists(WriteOffProposal.objects.filter(case_id=OuterRef("pk"))))
            .exclude(
                Exists(
                    SettlementOffer.objects.filter(
                        case_id=OuterRef("pk"), status=SettlementOffer.Status.ACCEPTED
                    )
                )
            )
        )
        fields = ("account__balance", "account__currency", "account__oldest_unpaid_due_date")
        for rows in keyset_batches(due, fields, batch_size):
            with transaction.atomic():
                batch, _created = WriteOffBatch.objects.get_or_create(
                    proposed_on=business_date, status=WriteOffBatch.Status.PROPOSED
                )
                proposed = WriteOffProposal.objects.bulk_create(
                    (
                        WriteOffProposal(
                            batch=batch,
                            case_id=case_id,
                            balance=balance,
                            currency=currency,
                            days_past_due=(business_date - oldest_unpaid).days,
                        )
                        for case_id, balance, currency, oldest_unpaid in rows
                    ),
                    ignore_conflicts=True,
                )
            counts["writeoffs_proposed"] += len(proposed)
    return counts


def _pending_proposals(actor, batch: WriteOffBatch):
    return batch.proposals.filter(
        status=WriteOffProposal.Status.PROPOSED, case__in=cases_visible_to(actor)
    )


def _batch_close_if_decided(batch: WriteOffBatch, now: dt.datetime) -> None:
    """A batch with nothing left to decide (in anyone's scope) is decided."""
    if not batch.proposals.filter(status=WriteOffProposal.Status.PROPOSED).exists():
        WriteOffBatch.objects.filter(pk=batch.pk).update(
            status=WriteOffBatch.Status.DECIDED, updated_at=now
        )


def _locked_batch(actor, batch: WriteOffBatch) -> WriteOffBatch:
    if not actor.has_perm("agreements.approve_writeoffbatch"):
        raise WriteOffBatch.DoesNotExist
    locked = WriteOffBatch.objects.select_for_update().filter(pk=batch.pk).first()
    if locked is None or not locked.proposals.filter(case__in=cases_visible_to(actor)).exists():
        raise WriteOffBatch.DoesNotExist
    return locked


def writeoff_batch_approve(*, actor, batch: WriteOffBatch, now: dt.datetime) -> Counter:
    """Write off the batch's cases still proposed within the actor's scope: each case closes as
    written off, its balance now the amount given up, dated the business day of `now`; the
    approver and the moment are recorded on each proposal and an internal note on each case.

    A case that closed otherwise since it was proposed (cured, settled) is taken out of the
    batch, the reason recorded. Only a user who may approve write-offs may; outside their
    scope the batch does not exist for them.
    """
    counts: Counter = Counter()
    with transaction.atomic():
        locked = _locked_batch(actor, batch)
        pending = _pending_proposals(actor, locked)
        rows = list(pending.values_list("pk", "case_id", "case__status"))
        if not rows:
            raise AgreementRefused(_("Nothing in this batch awaits approval."))
        closed = [pk for pk, _case, status in rows if status in Case.CLOSED_STATUSES]
        counts["removed"] = WriteOffProposal.objects.filter(in_batch(closed)).update(
            status=WriteOffProposal.Status.REMOVED,
            removal_reason="The case closed before the write-off was approved.",
            decided_by=actor,
            decided_at=now,
            updated_at=now,
        )
        case_ids = [case_id for _pk, case_id, status in rows if status not in Case.CLOSED_STATUSES]
        day = business_day_of(now)
        balance = CardAccount.objects.filter(pk=OuterRef("account_id")).values("balance")[:1]
        counts["written"] = _cases_close(
            case_ids,
            now,
            f"Written off with batch #{locked.pk}, approved by {actor}.",
            status=Case.Status.WRITTEN_OFF,
            why="case written off",
            actor=actor,
            written_off_on=day,
            written_off_amount=Subquery(balance, output_field=AMOUNT_OUTPUT),
        )
        WriteOffProposal.objects.filter(
            in_batch(case_ids, "case_id"), status=WriteOffProposal.Status.PROPOSED
        ).update(
            status=WriteOffProposal.Status.APPROVED,
            decided_by=actor,
            decided_at=now,
            updated_at=now,
        )
        _batch_close_if_decided(locked, now)
    return counts


def writeoff_proposal_remove(
    *, actor, proposal: WriteOffProposal, reason: str, now: dt.datetime
) -> WriteOffProposal:
    """Take a case out of its batch before approval, with the reason; it is not proposed
    again."""
    reason = reason.strip()
    if not reason:
        raise AgreementRefused(_("Give the reason for taking the case out of the batch."))
    with transaction.atomic():
        _locked_batch(actor, proposal.batch)
        locked = (
            WriteOffProposal.objects.select_for_update()
            .filter(pk=proposal.pk, case__in=cases_visible_to(actor))
            .select_related("case", "batch")
            .first()
        )
        if locked is None:
            raise WriteOffProposal.DoesNotExist
        if locked.status != WriteOffProposal.Status.PROPOSED:
            raise AgreementRefused(_("This case is no longer awaiting a write-off decision."))
        locked.status = WriteOffProposal.Status.REMOVED
        locked.removal_reason, locked.decided_by, locked.decided_at = reason[:300], actor, now
        locked.save(
            update_fields=["status", "removal_reason", "decided_by", "decided_at", "updated_at"]
        )
        _note(
            locked.case,
            actor,
            now,
            f"Taken out of write-off batch #{locked.batch_id}: {locked.removal_reason}",
        ).save()
        _batch_close_if_decided(locked.batch, now)
    return locked


def agreements_run_day(*, business_date: dt.date, now: dt.datetime) -> Counter:
    """The night's step for agreements: plans first, then settlement offers, then the cases
    proposed for write-off (after both, so that a plan or settlement paid off closes its case
    before it could be proposed)."""
    return (
        plans_review_day(business_date=business_date, now=now)
        + settlements_review_day(business_date=business_date, now=now)
        + writeoffs_propose_day(business_date=business_date, now=now)
    )


# Letters -------------------------------------------------------------------------------------


def debtor_address(debtor) -> str:
    """The debtor's own postal address on file (the first valid one), else empty."""
    return (
        ContactPoint.objects.filter(
            debtor=debtor, kind=ContactPoint.Kind.POSTAL, owner=ContactPoint.Owner.DEBTOR
        )
        .exclude(invalid=True)
        .order_by("pk")
        .values_list("value", flat=True)
        .first()
        or ""
    )


def plan_letter_text(plan: RepaymentPlan) -> tuple[str, str]:
    """(subject, body) of the plan's confirmation letter, in the debtor's language."""
    debtor = plan.case.debtor
    with translation.override(debtor_interface_language(debtor)):
        subject = _("Confirmation of your repayment plan")
        lines = [
            _(
                "This letter confirms the repayment plan agreed with you on %(date)s: "
                "%(total)s in %(count)s instalments, as follows."
            )
            % {
                "date": formats.date_format(plan.agreed_on),
                "total": money(plan.total_amount, plan.currency),
                "count": plan.instalment_count,
            },
            "",
        ]
        lines += [
            _("%(number)s. %(amount)s by %(date)s")
            % {
                "number": instalment.number,
                "amount": money(instalment.amount, plan.currency),
                "date": formats.date_format(instalment.due_date),
            }
            for instalment in plan.instalments.order_by("number")
        ]
        lines += [
            "",
            _(
                "While you keep to this plan we will not contact you about this debt, except to "
                "remind you of the next instalment. If an instalment is missed, collection "
                "resumes."
            ),
        ]
    return subject, "\n".join(lines)


def offer_letter_text(offer: SettlementOffer) -> tuple[str, str]:
    """(subject, body) of the settlement offer's letter, in the debtor's language."""
    debtor = offer.case.debtor
    with translation.override(debtor_interface_language(debtor)):
        subject = _("Your settlement offer")
        body = _(
            "We agree to settle your balance of %(balance)s for %(amount)s, if paid by "
            "%(date)s. Once it is paid, the remaining %(waived)s is waived and the account is "
            "settled. If it is not paid by that date, this offer lapses."
        ) % {
            "balance": money(offer.balance, offer.currency),
            "amount": money(offer.amount, offer.currency),
            "date": formats.date_format(offer.expires_on),
            "waived": money(offer.waived_amount, offer.currency),
        }
    return subject, body
