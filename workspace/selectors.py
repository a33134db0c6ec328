"""The collector's work queue: which cases may be called now, in which order."""

from __future__ import annotations

import datetime as dt
import time
from dataclasses import dataclass
from functools import lru_cache, wraps
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import connection
from django.db.models import (
    Exists,
    F,
    IntegerChoices,
    IntegerField,
    Min,
    OuterRef,
    Q,
    QuerySet,
    Value,
)
from django.utils.translation import gettext_lazy as _

from cases.models import CALL_BACK_PRIORITY, Case, ContactPoint, Debtor, Stage
from cases.selectors import case_scope_slices, cases_visible_to
from compliance.policies import policy_version_current
from compliance.presets import ContactWindow, parse_parameters
from compliance.rules import window_for, window_opening_at_or_after
from pipeline.services import BROKEN_PROMISE_PRIORITY

# --- The collector's work queue ---------------------------------------------------------

# Debtor flags under which no collection call can pass the compliance gate.
CALL_BLOCKING_DEBTOR_FLAGS = (
    "is_bankrupt",
    "cease_communication",
    "dispute_pending",
    "is_deceased",
    "has_attorney",
)
QUEUE_STATUSES = (Case.Status.OPEN, Case.Status.PLACED)


class QueueRank(IntegerChoices):
    """Why a case is where it is in the queue; lower is served first."""

    CALL_BACK_DUE = 0, _("Call-back due")
    BROKEN_PROMISE = 1, _("Broken promise")
    NEW_IN_PHONE_STAGE = 2, _("New in the phone stage")
    BY_SCORE = 3, _("By score")


@dataclass(frozen=True)
class QueuePolicy:
    """What the queue pre-filters on, read from the site's compliance policy.

    A strategy or portfolio with another policy is still judged by its own policy when the
    collector acts: the queue only avoids serving cases that certainly cannot be called.
    """

    call_window: ContactWindow | None
    vulnerability_gate: bool
    specialists_contact_vulnerable: bool = False


def _refreshed_every(seconds: float):
    """Cache a function's result in the process for `seconds`: the queue asks on every claim."""

    def decorate(function):
        cached: dict[str, tuple[float, object]] = {}

        @wraps(function)
        def wrapper():
            stamp, value = cached.get("value", (float("-inf"), None))
            if time.monotonic() - stamp > seconds:
                value = function()
                cached["value"] = (time.monotonic(), value)
            return value

        wrapper.cache_clear = cached.clear  # tests change what is cached
        return wrapper

    return decorate


# Policy edits and new stages reach the queue's pre-filter within a minute; the compliance
# gate itself always reads the current policy version.
@_refreshed_every(60)
def queue_policy() -> QueuePolicy:
    parameters = parse_parameters(
        policy_version_current(code=settings.COLLECTIONS_POLICY).parameters
    )
    return QueuePolicy(
        call_window=parameters.contact_windows.get("call"),
        vulnerability_gate=parameters.vulnerability_gate,
        specialists_contact_vulnerable=parameters.specialists_contact_vulnerable_without_approval,
    )


@_refreshed_every(300)
def debtor_time_zones() -> tuple[ZoneInfo, ...]:
    """The zones debtors live in (a few dozen at most), re-read every five minutes.

    A debtor in a zone new since then waits for the next reading: left out, never wrongly in.
    """
    # A loose index scan: one probe of debtor_time_zone per zone, however many debtors.
    quote = connection.ops.quote_name
    table, column = quote(Debtor._meta.db_table), quote(Debtor._meta.get_field("time_zone").column)
    with connection.cursor() as cursor:
        cursor.execute(
            f"""WITH RECURSIVE zones(name) AS (
                    SELECT MIN({column}) FROM {table}
                    UNION ALL
                    SELECT (SELECT MIN({column}) FROM {table} WHERE {column} > zones.name)
                    FROM zones WHERE zones.name IS NOT NULL
                )
                SELECT name FROM zones WHERE name IS NOT NULL"""
        )
        return tuple(ZoneInfo(name) for (name,) in cursor.fetchall())


@lru_cache(maxsize=8)
def _zones_open(
    window: ContactWindow, minute: dt.datetime, zones: tuple[ZoneInfo, ...]
) -> tuple[str, ...]:
    return tuple(
        zone.key for zone in zones if window.start <= minute.astimezone(zone).time() < window.end
    )


def time_zones_open_for_calls(*, window: ContactWindow | None, now: dt.datetime) -> tuple[str, ...]:
    """The debtors' zones whose local time at `now` is inside the call window."""
    zones = debtor_time_zones()
    if window is None:
        return tuple(zone.key for zone in zones)
    return _zones_open(window, now.replace(second=0, microsecond=0), zones)


def local_hours(zones: tuple[str, ...], now: dt.datetime) -> tuple[tuple[str, dt.time], ...]:
    """Each zone's local time at `now`, on the hour (preferred hours are whole hours)."""
    return tuple(
        (zone, now.astimezone(ZoneInfo(zone)).time().replace(minute=0, second=0, microsecond=0))
        for zone in zones
    )


def inside_preferred_hours(zones: tuple[str, ...], now: dt.datetime) -> Q:
    """Debtors who gave no preferred hours, or whose hours hold `now` on their own clock: the
    gate's preferred_hours rule, as a filter. Literal per zone and hour, so the queue's claim
    statement (keyed by queue_shape) stays right for the hour."""
    inside = Q(debtor__preferred_hours_start__isnull=True)
    for zone, hour in local_hours(zones, now):
        inside |= Q(
            debtor__time_zone=zone,
            debtor__preferred_hours_start__lte=hour,
            debtor__preferred_hours_end__gt=hour,
        )
    return inside


@_refreshed_every(60)
def callable_stage_ids() -> list[int]:
    """Stages whose cases collectors call: the phone stage and beyond, short of litigation."""
    thresholds = dict(
        Stage.objects.filter(action=Stage.Action.CALL_QUEUE)
        .values("strategy_id")
        .annotate(first_day=Min("min_days_past_due"))
        .values_list("strategy_id", "first_day")
    )
    return [
        stage_id
        for stage_id, strategy_id, days, action in Stage.objects.values_list(
            "pk", "strategy_id", "min_days_past_due", "action"
        )
        if strategy_id in thresholds
        and days >= thresholds[strategy_id]
        and action != Stage.Action.LITIGATION
    ]


def _workable(cases: QuerySet[Case], user, now: dt.datetime) -> QuerySet[Case]:
    return (
        cases.filter(status__in=QUEUE_STATUSES, stage_id__in=callable_stage_ids())
        .filter(paused_at__isnull=True)  # a supervisor paused the case
        # Repeats the queue indexes' condition so the planner can use them.
        .exclude(status__in=Case.CLOSED_STATUSES)
        .filter(Q(claimed_by__isnull=True) | Q(claimed_by=user) | Q(claim_expires_at__lte=now))
    )


def cases_workable_by(user, *, now: dt.datetime) -> QuerySet[Case]:
    """Visible cases in a calling stage, open, and not held by someone else's live claim."""
    return _workable(cases_visible_to(user), user, now)


def _callable_phone(debtor_ref) -> Exists:
    return Exists(
        ContactPoint.objects.filter(
            debtor_id=debtor_ref,
            kind__in=ContactPoint.PHONE_KINDS,
            owner=ContactPoint.Owner.DEBTOR,
            invalid=False,
            do_not_contact=False,
            opted_out=False,
        )
    )


def serves_vulnerable(user, policy: QueuePolicy) -> bool:
    """Whether `user`'s queue serves vulnerable debtors' cases: always without the gate; under
    it, only to a specialist team's members, and only when the policy lets them call without a
    per-call approval (otherwise every call would wait for an approver: a dead end)."""
    if not policy.vulnerability_gate:
        return True
    if not policy.specialists_contact_vulnerable or user.team_id is None:
        return False
    return user.team.is_specialist


def _not_blocked_by_flags(policy: QueuePolicy, user) -> Q:
    flags = [*CALL_BLOCKING_DEBTOR_FLAGS]
    if not serves_vulnerable(user, policy):
        flags.append("is_vulnerable")
    return Q(**{f"debtor__{flag}": False for flag in flags})


@dataclass(frozen=True)
class QueueTier:
    rank: QueueRank
    slices: list[QuerySet[Case]]  # each ordered best first; the tier merges their heads
    by_score: bool  # ordered by score (else by next_action_at)

    def sort_key(self, case: Case) -> tuple:
        if self.by_score:
            return (-case.priority_score, case.pk)
        return (case.next_action_at, case.pk)


def queue_tiers(user, *, now: dt.datetime) -> list[QueueTier]:
    """The user's queue as tiers served in order: call-backs due, broken promises, new
    phone-stage entries, then by score.

    Only cases that look callable now are in it: no blocking debtor flag (a vulnerable
    debtor's case goes to a specialist team's members only: serves_vulnerable), a usable
    phone number, the debtor's local time inside the call window and their preferred hours,
    no call-back or retry still to come. The compliance gate still judges the call itself;
    this only avoids dead ends.
    Each slice of a tier walks an index in its own order, so serving the top case reads a
    handful of rows however long the queue is.
    """
    policy = queue_policy()
    zones = time_zones_open_for_calls(window=policy.call_window, now=now)
    # One part per slice of the user's scope: an OR of scopes would hide the indexes.
    parts = [
        _workable(Case.objects.filter(scope), user, now)
        .filter(_not_blocked_by_flags(policy, user))
        .filter(debtor__time_zone__in=zones)
        .filter(inside_preferred_hours(zones, now))
        .filter(_callable_phone(OuterRef("debtor_id")))
        for scope in case_scope_slices(user)
    ]
    due = Q(next_action_at__lte=now)
    call_back = Q(priority_score__gte=CALL_BACK_PRIORITY)
    broken = Q(priority_score__gte=BROKEN_PROMISE_PRIORITY, priority_score__lt=CALL_BACK_PRIORITY)
    usual = Q(priority_score__lt=BROKEN_PROMISE_PRIORITY)
    # The pipeline sets next_action_at = stage_entered_at when a case enters the phone stage.
    entry = Q(next_action_at=F("stage_entered_at"))
    due_or_unset = Q(next_action_at__isnull=True) | due
    tiers = [
        (QueueRank.CALL_BACK_DUE, [part.filter(call_back, due) for part in parts], False),
        (
            QueueRank.BROKEN_PROMISE,
            [part.filter(broken, due_or_unset) for part in parts],
            True,
        ),
        (
            QueueRank.NEW_IN_PHONE_STAGE,
            [part.filter(usual, due, entry) for part in parts],
            False,
        ),
        (
            QueueRank.BY_SCORE,
            [part.filter(usual, due_or_unset).exclude(entry) for part in parts],
            True,
        ),
    ]
    return [
        QueueTier(
            rank,
            [
                part.annotate(queue_rank=Value(rank, output_field=IntegerField())).order_by(
                    *(("-priority_score", "id") if by_score else ("next_action_at", "id"))
                )
                for part in tier_parts
            ],
            by_score,
        )
        for rank, tier_parts, by_score in tiers
    ]


def queue_shape(user, *, now: dt.datetime) -> tuple:
    """Everything queue_tiers(user, now=...) depends on besides `now` itself: two calls with
    the same shape build the same queries, with only `now` differing."""
    policy = queue_policy()
    zones = time_zones_open_for_calls(window=policy.call_window, now=now)
    return (
        user.pk,
        user.is_active,
        user.role,
        user.team_id,
        user.agency_id,
        policy,
        serves_vulnerable(user, policy),
        local_hours(zones, now),
        tuple(callable_stage_ids()),
    )


def queue_for(user, *, now: dt.datetime, limit: int = 50) -> list[Case]:
    """The first `limit` cases of the user's queue, best first (see queue_tiers)."""
    served: list[Case] = []
    for tier in queue_tiers(user, now=now):
        wanted = limit - len(served)
        if wanted <= 0:
            break
        heads = [
            case
            for part in tier.slices
            for case in part.select_related("account", "debtor", "stage")[:wanted]
        ]
        served.extend(sorted(heads, key=tier.sort_key)[:wanted])
    return served


def cases_waiting_for(user, *, now: dt.datetime) -> QuerySet[Case]:
    """Workable cases not served yet because of a call-back time, the contact window or the
    debtor's preferred hours.

    Each is annotated with `contactable_from` only when that moment is known from the
    case itself (next_action_at); the view adds the window's opening in the debtor's zone.
    """
    policy = queue_policy()
    zones = time_zones_open_for_calls(window=policy.call_window, now=now)
    return (
        cases_workable_by(user, now=now)
        .filter(_not_blocked_by_flags(policy, user))
        .filter(_callable_phone(OuterRef("debtor_id")))
        .filter(
            Q(next_action_at__gt=now)
            | ~Q(debtor__time_zone__in=zones)
            | ~inside_preferred_hours(zones, now)
        )
        .order_by(F("next_action_at").asc(nulls_first=True), "-priority_score", "id")
    )


def contactable_from(
    case: Case, *, window: ContactWindow | None, now: dt.datetime
) -> dt.datetime | None:
    """When the queue will serve `case`: its call-back time, moved into the debtor's window
    (narrowed to their preferred hours); None when their hours miss the window altogether."""
    moment = max(now, case.next_action_at) if case.next_action_at else now
    window = window_for("call", window, case.debtor)
    if window is None:
        return moment
    if window.start == window.end:
        return None
    return window_opening_at_or_after(moment, window, ZoneInfo(case.debtor.time_zone))
