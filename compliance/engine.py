"""The compliance gate: every contact attempt is judged here and leaves one log row.

    decision = compliance_decide(actor=user, case=case, channel="call", contact_point=point,
                                 moment=now)
    if decision.allowed:
        ...make the call, record the Activity...
        compliance_record_contact(decision=decision, activity=activity)

Time is an argument: `moment` is the instant judged, nothing here reads the clock.
"""

from __future__ import annotations

import datetime as dt
from contextlib import nullcontext
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

from django.db import transaction
from django.utils import timezone

from cases.models import Activity, ContactPoint, Debtor
from compliance.log import log_append_many
from compliance.models import ComplianceLogEntry
from compliance.policies import policies_in_force
from compliance.presets import CONTACT_CHANNELS
from compliance.rules import (
    RuleContext,
    RuleResult,
    evaluate_rules,
    prefetch_histories,
    window_for,
    window_opening_at_or_after,
)

__all__ = [
    "ContactAttempt",
    "Decision",
    "RuleResult",
    "compliance_decide",
    "compliance_decide_many",
    "compliance_record_contact",
    "compliance_record_contacts",
    "compliance_record_received",
    "compliance_record_ungated",
    "decision_of_entry",
]

OVERRIDE_PERMISSION = "compliance.override_compliance"
Verdict = ComplianceLogEntry.Verdict
ACTION_MAX_LENGTH = ComplianceLogEntry._meta.get_field("action").max_length


@dataclass(frozen=True)
class Decision:
    allowed: bool  # True if every rule passed, or an override was accepted
    overridden: bool
    reason: str  # for a block, names the failing rule(s) and why
    next_allowed_at: dt.datetime | None  # None: not foreseeable, or already allowed
    results: tuple[RuleResult, ...]
    policy_code: str
    policy_version: int
    log_entry: ComplianceLogEntry

    @property
    def failed_results(self) -> tuple[RuleResult, ...]:
        return tuple(result for result in self.results if not result.passed)


# An outcome's label, read from one map: `get_outcome_display` rebuilds the map of every choice
# at each call, which a batch of thousands of contacts pays thousands of times.
_OUTCOME_LABELS = dict(Activity.Outcome.choices)


def _outcome_label(activity) -> str:
    return str(_OUTCOME_LABELS.get(activity.outcome, activity.outcome))


def _affiliation(actor) -> dict[str, int | None]:
    if actor is None:
        return {"team_id": None, "agency_id": None}
    return {"team_id": actor.team_id, "agency_id": actor.agency_id}


def _judge(results: tuple[RuleResult, ...], *, override_reason: str, approver) -> tuple[str, str]:
    """The verdict and its human-readable reason."""
    failing = [result for result in results if not result.passed]
    if not failing:
        return Verdict.ALLOWED, f"Allowed: all {len(results)} rules passed."
    blocked_by = "; ".join(f"{result.code}: {result.reason}" for result in failing)
    if not override_reason:
        return Verdict.BLOCKED, f"Blocked by {blocked_by}"
    if approver is None:
        return (
            Verdict.BLOCKED,
            f"Override refused: an override needs an approver. Blocked by {blocked_by}",
        )
    if not approver.has_perm(OVERRIDE_PERMISSION):
        return (
            Verdict.BLOCKED,
            f"Override refused: {approver.get_username()} may not override compliance blocks. "
            f"Blocked by {blocked_by}",
        )
    fixed = [result.code for result in failing if not result.overridable]
    if fixed:
        return (
            Verdict.BLOCKED,
            f"Override refused: {', '.join(fixed)} cannot be overridden by anyone. "
            f"Blocked by {blocked_by}",
        )
    return (
        Verdict.OVERRIDDEN,
        f"Overridden by {approver.get_username()} ({override_reason}); failing rules: {blocked_by}",
    )


def _next_allowed_at(results: tuple[RuleResult, ...], context: RuleContext) -> dt.datetime | None:
    """When every failing rule will pass again, inside the channel's contact window."""
    failing = [result for result in results if not result.passed]
    if not failing or any(result.next_allowed_at is None for result in failing):
        return None
    candidate = max(result.next_allowed_at for result in failing)
    # Waiting only relaxes caps and cooldowns, so moving to the window's opening is safe.
    window = window_for(
        context.channel, context.parameters.contact_windows.get(context.channel), context.debtor
    )
    if window is not None and window.start == window.end:
        return None  # the debtor's hours miss the policy's window: it never opens
    return window_opening_at_or_after(candidate, window, context.zone) if window else candidate


@dataclass(frozen=True)
class ContactAttempt:
    """One contact attempt to judge: what `compliance_decide` takes, as a value."""

    case: Any
    channel: str
    moment: dt.datetime
    contact_point: Any = None
    action: str = "contact"
    actor: Any = None  # None: the system
    override_reason: str = ""
    approver: Any = None


def compliance_decide(
    *,
    actor,
    case,
    channel: str,
    contact_point=None,
    moment: dt.datetime,
    action: str = "contact",
    override_reason: str = "",
    approver=None,
) -> Decision:
    """Evaluate every rule for this contact attempt and write exactly one log row.

    actor=None means the system. Call it inside the transaction that records what the
    decision allowed; the debtor row stays locked until that transaction ends, so two
    attempts on one debtor are judged one after the other and caps cannot be raced.
    An override (override_reason + an approver holding compliance.override_compliance) lifts
    overridable failures only; a refused override is still logged.
    """
    attempt = ContactAttempt(
        case=case,
        channel=channel,
        moment=moment,
        contact_point=contact_point,
        action=action,
        actor=actor,
        override_reason=override_reason,
        approver=approver,
    )
    [decision] = compliance_decide_many([attempt])
    return decision


def _validate(attempt: ContactAttempt) -> None:
    if attempt.channel not in CONTACT_CHANNELS:
        raise ValueError(
            f"{attempt.channel!r} is not a contact channel ({', '.join(CONTACT_CHANNELS)})."
        )
    if timezone.is_naive(attempt.moment):
        raise ValueError("moment must be timezone-aware.")
    if not attempt.action or len(attempt.action) > ACTION_MAX_LENGTH:
        raise ValueError(f"action must be 1 to {ACTION_MAX_LENGTH} characters.")


def compliance_decide_many(attempts: list[ContactAttempt]) -> list[Decision]:
    """Judge many attempts at once: the decisions and log rows `compliance_decide` would
    give for each in turn, in the same order, from a few queries for the whole batch.

    The rules are the same code either way; the batch only loads what they read (debtors,
    contact points, policies, contact histories) for all attempts together, and appends the
    log rows in one statement. Deciding writes no activity, so judging attempts together
    equals judging them one after the other. The debtors are locked (in id order, so two
    batches cannot deadlock) until the caller's transaction ends.
    """
    for attempt in attempts:
        _validate(attempt)
    if not attempts:
        return []
    # In the caller's transaction no savepoint is taken: everything before the last statement
    # only reads, and that one (the log rows' append) writes every row or none, so an error
    # leaves no half decision; a database error fails the caller's transaction as any of its
    # own statements would. Alone, the gate opens a transaction to hold the debtors' locks.
    in_transaction = transaction.get_connection().in_atomic_block
    with nullcontext() if in_transaction else transaction.atomic():
        debtor_ids = sorted({attempt.case.debtor_id for attempt in attempts})
        debtors = {
            debtor.pk: debtor
            for debtor in Debtor.objects.select_for_update()
            .filter(pk__in=debtor_ids)
            .order_by("pk")
        }
        point_ids = {attempt.contact_point.pk for attempt in attempts if attempt.contact_point}
        points = {point.pk: point for point in ContactPoint.objects.filter(pk__in=point_ids)}
        policies = policies_in_force(case_ids={attempt.case.pk for attempt in attempts})

        contexts = []
        for attempt in attempts:
            debtor = debtors[attempt.case.debtor_id]
            point = points[attempt.contact_point.pk] if attempt.contact_point else None
            if point is not None and point.debtor_id != debtor.pk:
                raise ValueError("The contact point belongs to another debtor than the case's.")
            contexts.append(
                RuleContext(
                    parameters=policies[attempt.case.pk].parameters,
                    actor=attempt.actor,
                    case=attempt.case,
                    debtor=debtor,
                    contact_point=point,
                    channel=attempt.channel,
                    action=attempt.action,
                    moment=attempt.moment.astimezone(dt.UTC),
                )
            )
        prefetch_histories(contexts)

        judged, rows = [], []
        for attempt, context in zip(attempts, contexts, strict=True):
            policy = policies[attempt.case.pk]
            override_reason = attempt.override_reason.strip()
            results = evaluate_rules(context)
            verdict, reason = _judge(
                results, override_reason=override_reason, approver=attempt.approver
            )
            next_allowed_at = (
                _next_allowed_at(results, context) if verdict == Verdict.BLOCKED else None
            )
            failed_codes = [result.code for result in results if not result.passed]
            judged.append((results, verdict, reason, next_allowed_at, policy))
            rows.append(
                {
                    "kind": ComplianceLogEntry.Kind.DECISION,
                    "occurred_at": context.moment,
                    "debtor_local_time": context.local_moment.isoformat(),
                    "debtor_time_zone": context.debtor.time_zone,
                    "actor": attempt.actor,
                    **_affiliation(attempt.actor),
                    "case_id": attempt.case.pk,
                    "debtor": context.debtor,
                    "contact_point": context.contact_point,
                    "channel": attempt.channel,
                    "action": attempt.action,
                    "policy_code": policy.code,
                    "policy_version": policy.version,
                    "rules": [result.as_json() for result in results],
                    "failed_rules": f",{','.join(failed_codes)}," if failed_codes else "",
                    "verdict": verdict,
                    "reason": reason,
                    "next_allowed_at": next_allowed_at,
                    "override_reason": override_reason,
                    "approver": attempt.approver if override_reason else None,
                }
            )
        entries = log_append_many(rows)
    return [
        Decision(
            allowed=verdict != Verdict.BLOCKED,
            overridden=verdict == Verdict.OVERRIDDEN,
            reason=reason,
            next_allowed_at=next_allowed_at,
            results=results,
            policy_code=policy.code,
            policy_version=policy.version,
            log_entry=entry,
        )
        for (results, verdict, reason, next_allowed_at, policy), entry in zip(
            judged, entries, strict=True
        )
    ]


def decision_of_entry(entry: ComplianceLogEntry) -> Decision:
    """The decision a log row recorded, for a contact made under it later than the request
    that decided (a field visit is checked out after its check-in was judged). The rules'
    results stay in the row; the contact row only needs the verdict and the row."""
    if entry.kind != ComplianceLogEntry.Kind.DECISION:
        raise ValueError("Only a decision row holds a decision.")
    return Decision(
        allowed=entry.verdict != Verdict.BLOCKED,
        overridden=entry.verdict == Verdict.OVERRIDDEN,
        reason=entry.reason,
        next_allowed_at=entry.next_allowed_at,
        results=(),
        policy_code=entry.policy_code,
        policy_version=entry.policy_version,
        log_entry=entry,
    )


def compliance_record_contact(
    *, decision: Decision, activity, evidence: list[dict[str, Any]] | None = None
) -> ComplianceLogEntry:
    """Write the log row for a contact actually made under `decision`, linking the activity.

    `evidence`: the files kept of the contact (name, size, SHA-256), covered by the row's hash.
    """
    [entry] = _record_contacts([(decision, activity, evidence or [])])
    return entry


def compliance_record_contacts(made: list[tuple[Decision, Any]]) -> list[ComplianceLogEntry]:
    """`compliance_record_contact` for many (decision, activity) pairs, in one log append."""
    return _record_contacts([(decision, activity, []) for decision, activity in made])


def _record_contacts(made: list[tuple[Decision, Any, list]]) -> list[ComplianceLogEntry]:
    rows = []
    for decision, activity, evidence in made:
        if not decision.allowed:
            raise ValueError("A blocked decision cannot cover a contact.")
        row = _contact_row(
            decision.log_entry,
            activity,
            kind=ComplianceLogEntry.Kind.CONTACT,
            reason=(
                f"Contact made: {_outcome_label(activity)} (activity {activity.pk}) "
                f"under the decision logged as id {decision.log_entry.pk}."
            ),
        )
        rows.append({**row, "evidence": evidence})
    if not rows:
        return []
    with transaction.atomic():
        return log_append_many(rows)


def compliance_record_ungated(*, decision: Decision, activity) -> ComplianceLogEntry:
    """Log a contact made although `decision` blocked it (a dialer placed the call without
    the gate's approval): the row keeps the block's verdict and failing rules, so the officer
    finds it among the blocks; the contact itself counts like any other."""
    if decision.allowed:
        raise ValueError("An allowed decision covers the contact: record it as made.")
    row = _contact_row(
        decision.log_entry,
        activity,
        kind=ComplianceLogEntry.Kind.UNGATED,
        reason=(
            f"Contact made without approval: {_outcome_label(activity)} "
            f"(activity {activity.pk}) although the decision logged as id "
            f"{decision.log_entry.pk} blocked it."
        ),
    )
    with transaction.atomic():
        [entry] = log_append_many([row])
    return entry


def _contact_row(decided: ComplianceLogEntry, activity, *, kind: str, reason: str) -> dict:
    if activity.case_id != decided.case_id:
        raise ValueError("The activity belongs to another case than the decision.")
    occurred_at = activity.occurred_at.astimezone(dt.UTC)
    return {
        "kind": kind,
        "occurred_at": occurred_at,
        "debtor_local_time": occurred_at.astimezone(ZoneInfo(decided.debtor_time_zone)).isoformat(),
        "debtor_time_zone": decided.debtor_time_zone,
        "actor_id": activity.actor_id,
        **_affiliation(activity.actor),
        "case_id": decided.case_id,
        "debtor_id": decided.debtor_id,
        "contact_point_id": activity.contact_point_id,
        "channel": activity.channel,
        "action": decided.action,
        "policy_code": decided.policy_code,
        "policy_version": decided.policy_version,
        "rules": [],
        "failed_rules": decided.failed_rules,
        "verdict": decided.verdict,
        "reason": reason,
        "override_reason": decided.override_reason,
        "approver_id": decided.approver_id,
        "activity": activity,
        "decision_entry": decided,
    }


RECEIVED_ACTION = "inbound_call"
# What the debtor did on the self-service portal: received like an inbound call, not an attempt.
PORTAL_ACTION = "portal_action"


def compliance_record_received(*, activity) -> ComplianceLogEntry:
    """Log a contact the person made (an inbound call, or an action on the debtor portal). It
    is not an attempt: no rule judges it and nothing refuses it, and it writes no decision. The
    row records it as received, under the policy in force, and what the rules count of it (a
    conversation starts a cooldown; a call-back request is consent) they read from the activity
    itself."""
    on_portal = activity.channel == "portal"
    how = "the debtor acted on the portal" if on_portal else "the person called"
    return _log_unjudged(
        activity,
        kind=ComplianceLogEntry.Kind.RECEIVED,
        channel=activity.channel,
        action=PORTAL_ACTION if on_portal else RECEIVED_ACTION,
        reason=(
            f"Contact received: {_outcome_label(activity)} (activity {activity.pk}); "
            f"{how}, so no rule judged it."
        ),
    )


def _log_unjudged(
    activity, *, kind: str, channel: str, action: str, reason: str
) -> ComplianceLogEntry:
    """The log row of a contact no rule judged (it writes no decision), under the policy in
    force for the activity's case."""
    policy = policies_in_force(case_ids=[activity.case_id])[activity.case_id]
    debtor = activity.debtor
    occurred_at = activity.occurred_at.astimezone(dt.UTC)
    row = {
        "kind": kind,
        "occurred_at": occurred_at,
        "debtor_local_time": occurred_at.astimezone(ZoneInfo(debtor.time_zone)).isoformat(),
        "debtor_time_zone": debtor.time_zone,
        "actor_id": activity.actor_id,
        **_affiliation(activity.actor),
        "case_id": activity.case_id,
        "debtor_id": debtor.pk,
        "contact_point_id": activity.contact_point_id,
        "channel": channel,
        "action": action,
        "policy_code": policy.code,
        "policy_version": policy.version,
        "rules": [],
        "failed_rules": "",
        "verdict": Verdict.ALLOWED,
        "reason": reason,
        "activity": activity,
    }
    with transaction.atomic():
        [entry] = log_append_many([row])
    return entry


# A message the debtor asked for on the portal (a one-time code by SMS): no collection contact.
SYSTEM_MESSAGE_ACTION = "one_time_code"


def compliance_record_system_message(*, activity, channel: str) -> ComplianceLogEntry:
    """Log a system message sent at the debtor's own request on the portal (a one-time code).

    It is not a collection contact, so no rule judges it: refusing it at night, or counting it
    against a cap, would only lock the debtor out of their own account. It is still a message
    sent to their contact point, so the log shows it: a contact row with no decision, the
    action saying what it was, the channel it went by. The activity is on the system channel,
    which the rules' histories do not count."""
    return _log_unjudged(
        activity,
        kind=ComplianceLogEntry.Kind.CONTACT,
        channel=channel,
        action=SYSTEM_MESSAGE_ACTION,
        reason=(
            f"System message sent at the debtor's request on the portal (activity "
            f"{activity.pk}): not a collection contact, so no rule judged it."
        ),
    )
