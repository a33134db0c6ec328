"""What a supervisor does from the dashboards: reassign cases, move a collector between teams,
pause or resume a case, approve a compliance override, withdraw a reported payment. Each
writes a SupervisorAction row.

Every service takes the acting user and `now`; none reads the clock. Cases are always taken
through cases_visible_to(actor), so nothing outside the actor's scope is ever touched.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db import transaction
from django.db.models import QuerySet
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from accounts.models import Team, User
from accounts.selectors import assignable_collectors_for, collector_teams_for
from cases.models import Activity, Case, ReportedPayment
from cases.selectors import cases_visible_to
from common.formatting import number
from compliance.engine import compliance_decide
from compliance.models import ComplianceLogEntry
from supervision.models import OverrideApproval, SupervisorAction
from workspace.services import (
    CALL_OUTCOMES,
    CallResult,
    CaseHeldByAnother,
    Override,
    call_log,
)

# At most this many cases move in one reassignment; a larger selection is refused whole.
MAX_REASSIGN = 5000
BATCH_SIZE = 1000
# How long a collector may make the contact a supervisor approved.
APPROVAL_VALID_FOR = dt.timedelta(hours=4)


class ActionRefused(Exception):
    """The action cannot be done as asked; the message says why and nothing was changed."""


def _note(case_id: int, debtor_id: int, actor, now: dt.datetime, text: str) -> Activity:
    return Activity.internal_note(
        case_id=case_id, debtor_id=debtor_id, actor=actor, occurred_at=now, text=text
    )


def _required(reason: str) -> str:
    reason = reason.strip()
    if not reason:
        raise ActionRefused(_("Give a reason: it is kept in the audit trail."))
    return reason


# --- Reassignment -----------------------------------------------------------------------------


@dataclass(frozen=True)
class ReassignResult:
    moved: int
    skipped: int  # closed cases, or cases outside the actor's scope
    action: SupervisorAction


def cases_reassign(
    *,
    actor,
    case_ids: list[int] | QuerySet,
    reason: str,
    now: dt.datetime,
    collector: User | None = None,
    team: Team | None = None,
) -> ReassignResult:
    """Give the chosen cases to a collector, or put them in a team's pool.

    Only open cases the actor may see move; the others are counted as skipped. Live claims
    on moved cases are released. One SupervisorAction row records every case's previous
    collector and team.
    """
    reason = _required(reason)
    if (collector is None) == (team is None):
        raise ActionRefused(_("Choose either a collector or a team's pool."))
    if collector is not None:
        if not assignable_collectors_for(actor).filter(pk=collector.pk).exists():
            raise ActionRefused(
                _("%(collector)s is not a collector of a team you supervise.")
                % {"collector": collector}
            )
        team = collector.team
    elif not collector_teams_for(actor).filter(pk=team.pk).exists():
        raise ActionRefused(_("%(team)s is not a team you supervise.") % {"team": team})
    if isinstance(case_ids, QuerySet):
        requested = case_ids.order_by().values_list("pk", flat=True)
        wanted = set(requested[: MAX_REASSIGN + 1])
    else:
        wanted = set(case_ids)
    if not wanted:
        raise ActionRefused(_("Select at least one case."))
    if len(wanted) > MAX_REASSIGN:
        raise ActionRefused(
            _("At most %(count)s cases can be reassigned at once; narrow the filter.")
            % {"count": number(MAX_REASSIGN)}
        )
    with transaction.atomic():
        movable = (
            cases_visible_to(actor)
            .filter(pk__in=wanted)
            .exclude(status__in=Case.CLOSED_STATUSES)
            .select_for_update(of=("self",))
            .order_by("pk")
        )
        before = list(movable.values_list("pk", "assigned_to_id", "team_id"))
        ids = [row[0] for row in before]
        for start in range(0, len(ids), BATCH_SIZE):
            Case.objects.filter(pk__in=ids[start : start + BATCH_SIZE]).update(
                assigned_to=collector, team=team, claimed_by=None, claim_expires_at=None
            )
        action = SupervisorAction.objects.create(
            kind=SupervisorAction.Kind.REASSIGN,
            actor=actor,
            occurred_at=now,
            reason=reason,
            case_count=len(ids),
            details={
                "to_collector": collector.pk if collector else None,
                "to_team": team.pk if team else None,
                "cases": [list(row) for row in before],
            },
        )
    return ReassignResult(moved=len(ids), skipped=len(wanted) - len(ids), action=action)


def collector_move(
    *, actor, collector: User, team: Team, reason: str, return_cases: bool, now: dt.datetime
) -> SupervisorAction:
    """Move an in-house collector to another team the actor supervises.

    With `return_cases`, the collector's open cases of the old team go back to its pool
    (their claims released); otherwise they stay assigned to the collector.
    """
    reason = _required(reason)
    if not assignable_collectors_for(actor).filter(pk=collector.pk).exists():
        raise ActionRefused(
            _("%(collector)s is not a collector of a team you supervise.")
            % {"collector": collector}
        )
    if not collector_teams_for(actor).filter(pk=team.pk).exists():
        raise ActionRefused(_("%(team)s is not a team you supervise.") % {"team": team})
    old_team_id = collector.team_id
    if old_team_id == team.pk:
        raise ActionRefused(
            _("%(collector)s is already in %(team)s.") % {"collector": collector, "team": team}
        )
    with transaction.atomic():
        User.objects.filter(pk=collector.pk).update(team=team)
        returned: list[int] = []
        if return_cases:
            returned = list(
                Case.objects.filter(assigned_to=collector, team_id=old_team_id)
                .exclude(status__in=Case.CLOSED_STATUSES)
                .values_list("pk", flat=True)
            )
            for start in range(0, len(returned), BATCH_SIZE):
                Case.objects.filter(pk__in=returned[start : start + BATCH_SIZE]).update(
                    assigned_to=None, claimed_by=None, claim_expires_at=None
                )
        collector.team = team
        return SupervisorAction.objects.create(
            kind=SupervisorAction.Kind.MOVE_COLLECTOR,
            actor=actor,
            occurred_at=now,
            reason=reason,
            case_count=len(returned),
            details={
                "collector": collector.pk,
                "from_team": old_team_id,
                "to_team": team.pk,
                "cases_returned_to_pool": returned,
            },
        )


# --- Pause and resume -------------------------------------------------------------------------


def _visible_open_case(actor, case: Case) -> Case:
    locked = cases_visible_to(actor).select_for_update(of=("self",)).filter(pk=case.pk).first()
    if locked is None:
        raise ActionRefused(_("This case is not one you supervise."))
    if not locked.is_open:
        raise ActionRefused(_("The case is closed."))
    return locked


def case_pause(*, actor, case: Case, reason: str, now: dt.datetime) -> SupervisorAction:
    """Take an open case out of the queue and stop its escalation until it is resumed."""
    reason = _required(reason)
    with transaction.atomic():
        locked = _visible_open_case(actor, case)
        if locked.paused_at is not None:
            raise ActionRefused(
                _("The case has been paused since %(day)s.")
                % {"day": formats.date_format(timezone.localtime(locked.paused_at))}
            )
        Case.objects.filter(pk=locked.pk).update(
            paused_at=now, pause_reason=reason[:300], claimed_by=None, claim_expires_at=None
        )
        _note(locked.pk, locked.debtor_id, actor, now, f"Case paused: {reason}").save()
        return SupervisorAction.objects.create(
            kind=SupervisorAction.Kind.PAUSE,
            actor=actor,
            occurred_at=now,
            reason=reason,
            case_count=1,
            details={"case": locked.pk},
        )


def case_resume(*, actor, case: Case, reason: str, now: dt.datetime) -> SupervisorAction:
    """Put a paused case back in the queue and under escalation."""
    reason = _required(reason)
    with transaction.atomic():
        locked = _visible_open_case(actor, case)
        if locked.paused_at is None:
            raise ActionRefused(_("The case is not paused."))
        Case.objects.filter(pk=locked.pk).update(paused_at=None, pause_reason="")
        _note(locked.pk, locked.debtor_id, actor, now, f"Case resumed: {reason}").save()
        return SupervisorAction.objects.create(
            kind=SupervisorAction.Kind.RESUME,
            actor=actor,
            occurred_at=now,
            reason=reason,
            case_count=1,
            details={
                "case": locked.pk,
                "paused_at": locked.paused_at.isoformat(),
                "pause_reason": locked.pause_reason,
            },
        )


# --- Compliance overrides ---------------------------------------------------------------------


def override_approve(
    *, approver, blocked_entry: ComplianceLogEntry, reason: str, now: dt.datetime
) -> OverrideApproval:
    """Approve the contact a collector was refused, through the compliance gate.

    The gate judges the same contact again, now, with the approver and the reason: it lifts
    overridable failures only and writes its own log row, refused or not. Accepted, the
    collector may make that contact until APPROVAL_VALID_FOR from now.
    """
    reason = _required(reason)
    if (
        blocked_entry.kind != ComplianceLogEntry.Kind.DECISION
        or blocked_entry.verdict != ComplianceLogEntry.Verdict.BLOCKED
        or blocked_entry.actor_id is None
    ):
        raise ActionRefused(_("Only a person's blocked attempt can be approved."))
    if OverrideApproval.objects.filter(blocked_entry=blocked_entry).exists():
        raise ActionRefused(_("This block has already been approved."))
    case = cases_visible_to(approver).filter(pk=blocked_entry.case_id).first()
    if case is None:
        raise ActionRefused(_("This case is not one you supervise."))
    with transaction.atomic():
        decision = compliance_decide(
            actor=blocked_entry.actor,
            case=case,
            channel=blocked_entry.channel,
            contact_point=blocked_entry.contact_point,
            moment=now,
            action=blocked_entry.action,
            override_reason=reason,
            approver=approver,
        )
        # A refusal is not an error of ours: its log row commits with this block.
        if decision.allowed:
            approval = OverrideApproval.objects.create(
                blocked_entry=blocked_entry,
                decision_entry=decision.log_entry,
                case=case,
                collector=blocked_entry.actor,
                approved_by=approver,
                reason=reason,
                approved_at=now,
                valid_until=now + APPROVAL_VALID_FOR,
            )
            SupervisorAction.objects.create(
                kind=SupervisorAction.Kind.APPROVE_OVERRIDE,
                actor=approver,
                occurred_at=now,
                reason=reason,
                case_count=1,
                details={
                    "case": case.pk,
                    "blocked_entry": blocked_entry.pk,
                    "decision_entry": decision.log_entry.pk,
                    "collector": blocked_entry.actor_id,
                },
            )
    if not decision.allowed:
        raise ActionRefused(decision.reason)
    return approval


def approved_call_log(
    *,
    approval: OverrideApproval,
    user,
    outcome: str,
    notes: str = "",
    duration_seconds: int = 0,
    now: dt.datetime,
) -> CallResult:
    """The collector's call under an approval, recorded by the workspace's own `call_log`.

    The approval is claimed under a row lock, so two requests racing with it make one call:
    the second waits, then finds it used. The gate judges the call at the moment it is made,
    with the approver recorded, so a rule that cannot be overridden (or a new block) still
    refuses it and the approval stays unused; another collector's live claim on the case
    refuses it too.
    """
    if outcome not in CALL_OUTCOMES:
        raise ActionRefused(f"{outcome!r} is not a call outcome.")
    with transaction.atomic():
        claimed = (
            OverrideApproval.objects.select_for_update(of=("self",))
            .select_related("blocked_entry__contact_point", "approved_by", "case")
            .get(pk=approval.pk)
        )
        if claimed.collector_id != user.pk:
            raise ActionRefused(_("This approval was given to another collector."))
        if claimed.used_activity_id is not None:
            raise ActionRefused(_("This approval has already been used."))
        if claimed.valid_until <= now:
            raise ActionRefused(_("This approval has expired; ask your supervisor again."))
        try:
            result = call_log(
                case=claimed.case,
                user=user,
                contact_point=claimed.blocked_entry.contact_point,
                outcome=outcome,
                notes=notes,
                duration_seconds=duration_seconds,
                now=now,
                override=Override(reason=claimed.reason, approver=claimed.approved_by),
            )
        except CaseHeldByAnother as held:
            raise ActionRefused(str(held)) from held
        if result.activity is not None:
            OverrideApproval.objects.filter(pk=claimed.pk).update(used_activity=result.activity)
    return result


# --- Reported payments ------------------------------------------------------------------------


def reported_payment_withdraw(
    *, actor, report: ReportedPayment, reason: str, now: dt.datetime
) -> SupervisorAction:
    """Withdraw a reported payment the bank has not confirmed (a mistaken or invented report):
    it no longer pauses escalation, the feed no longer confirms it, its reference may be
    reported again. The reason goes to the case's history and the audit trail."""
    reason = _required(reason)
    with transaction.atomic():
        case = cases_visible_to(actor).filter(pk=report.case_id).first()
        if case is None:
            raise ActionRefused(_("This case is not one you supervise."))
        withdrawn = ReportedPayment.objects.filter(
            pk=report.pk,
            status__in=(ReportedPayment.Status.REPORTED, ReportedPayment.Status.FLAGGED),
        ).update(
            status=ReportedPayment.Status.WITHDRAWN,
            withdrawn_at=now,
            withdrawal_reason=reason[:300],
            updated_at=now,
        )
        if not withdrawn:
            raise ActionRefused(
                _("This reported payment is no longer open: the bank confirmed it meanwhile.")
            )
        summary = (
            f"Reported payment withdrawn ({report.amount} {report.currency} "
            f"paid on {report.paid_on.isoformat()}): {reason}"
        )
        _note(case.pk, case.debtor_id, actor, now, summary).save()
        return SupervisorAction.objects.create(
            kind=SupervisorAction.Kind.WITHDRAW_PAYMENT,
            actor=actor,
            occurred_at=now,
            reason=reason,
            case_count=1,
            details={"case": case.pk, "reported_payment": report.pk},
        )
