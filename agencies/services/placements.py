"""Placing cases with agencies, recalling them, extending placements.

The placement job and a supervisor placing by hand both write through `place_cases`; the
recall job, a supervisor's recall and the admin's both go through `_recall`. Each placement
and each recall writes one compliance log row (a set-based append for a batch).
"""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.db import transaction
from django.db.models import QuerySet
from django.utils.formats import date_format
from django.utils.translation import gettext, ngettext

from agencies.models import (
    Agency,
    CommissionTier,
    Placement,
    PlacementExtension,
    PlacementRule,
    RecallDestination,
)
from agencies.selectors import NEVER_PLACED_FLAGS
from cases.models import Case, Stage, StageEntry
from common.batches import keyset_batches
from compliance.log import log_append_many
from compliance.models import ComplianceLogEntry
from compliance.policies import PolicyInForce, policies_in_force
from pipeline.services import cases_enter_stage

PLACED_BY_JOB_REASON = "reached the agency stage"
PERIOD_ENDED_REASON = "placement period ended"
# A placement whose case has closed ends with no destination: the case stays closed.
CASE_CLOSED = ""
CLOSING_REASONS = {Case.Status.CURED: "case cured", Case.Status.CLOSED: "case closed"}
RECALL_BATCH_SIZE = 2000


class PlacementRefused(Exception):
    """A placement, recall or extension that may not happen; the message says why."""


@dataclass(frozen=True)
class CaseFacts:
    """What placing or recalling a case needs to know, read in one query per batch."""

    case_id: int
    debtor_id: int
    time_zone: str
    strategy_id: int
    portfolio: str
    strategy_policy: str
    balance: Decimal
    currency: str
    days_past_due: int


CASE_FACT_FIELDS = (
    "pk",
    "debtor_id",
    "debtor__time_zone",
    "strategy_id",
    "account__portfolio",
    "strategy__policy",
    "account__balance",
    "account__currency",
    "account__oldest_unpaid_due_date",
)


def case_facts(rows: Iterable[tuple], business_date: dt.date) -> list[CaseFacts]:
    """CaseFacts from `values_list(*CASE_FACT_FIELDS)` rows."""
    facts = []
    for pk, debtor_id, zone, strategy_id, portfolio, policy, balance, currency, due in rows:
        days = max(0, (business_date - due).days) if due else 0
        facts.append(
            CaseFacts(pk, debtor_id, zone, strategy_id, portfolio, policy, balance, currency, days)
        )
    return facts


@dataclass(frozen=True)
class PlacementPlan:
    facts: CaseFacts
    agency: Agency
    allocation: str
    arm: str = ""


def tiers_by_agency(agencies: Iterable[Agency]) -> dict[int, list[CommissionTier]]:
    tiers: dict[int, list[CommissionTier]] = {agency.pk: [] for agency in agencies}
    for tier in CommissionTier.objects.filter(agency__in=list(tiers)):
        tiers[tier.agency_id].append(tier)
    return tiers


def rules_by_strategy() -> dict[int, PlacementRule]:
    return {rule.strategy_id: rule for rule in PlacementRule.objects.all()}


def rule_for(rules: dict[int, PlacementRule], strategy_id: int) -> PlacementRule:
    return rules.get(strategy_id) or PlacementRule.default()


# --- The compliance log -----------------------------------------------------------------------


def _policies_in_force(facts: list[CaseFacts]) -> dict[int, PolicyInForce]:
    """Case id -> its compliance policy in force, asking for one case per (portfolio, strategy
    policy), all in one statement."""
    representative: dict[tuple[str, str], int] = {}
    for fact in facts:
        representative.setdefault((fact.portfolio, fact.strategy_policy), fact.case_id)
    in_force = policies_in_force(case_ids=representative.values())
    return {
        fact.case_id: in_force[representative[(fact.portfolio, fact.strategy_policy)]]
        for fact in facts
    }


def _log_rows(
    facts: list[CaseFacts],
    *,
    action: str,
    agency_of: dict[int, int],
    reason_of: dict[int, str],
    inputs_of: dict[int, dict],
    actor,
    now: dt.datetime,
) -> list[dict]:
    """One allowed decision row per case: who handed which case to (or back from) whom."""
    policies = _policies_in_force(facts)
    moment = now.astimezone(dt.UTC)
    rows = []
    for fact in facts:
        policy = policies[fact.case_id]
        reason = reason_of[fact.case_id]
        rows.append(
            {
                "kind": ComplianceLogEntry.Kind.DECISION,
                "occurred_at": moment,
                "debtor_local_time": moment.astimezone(ZoneInfo(fact.time_zone)).isoformat(),
                "debtor_time_zone": fact.time_zone,
                "actor_id": actor.pk if actor else None,
                "team_id": actor.team_id if actor else None,
                "agency_id": agency_of[fact.case_id],
                "case_id": fact.case_id,
                "debtor_id": fact.debtor_id,
                "channel": "system",
                "action": action,
                "policy_code": policy.code,
                "policy_version": policy.version,
                "rules": [
                    {
                        "code": action,
                        "passed": True,
                        "overridable": False,
                        "reason": reason,
                        "inputs": inputs_of[fact.case_id],
                        "next_allowed_at": None,
                    }
                ],
                "failed_rules": "",
                "verdict": ComplianceLogEntry.Verdict.ALLOWED,
                "reason": reason,
            }
        )
    return rows


# --- Placing ----------------------------------------------------------------------------------


def place_cases(
    plans: list[PlacementPlan],
    *,
    tiers: dict[int, list[CommissionTier]],
    business_date: dt.date,
    now: dt.datetime,
    user=None,
    reason: str = PLACED_BY_JOB_REASON,
) -> list[Placement]:
    """Write the placements of `plans` (callers hold the case and agency locks and checked
    eligibility and capacity): the placements with their snapshots, the cases placed, the
    stage entries done, and one log row per case. A few statements per call."""
    placements = []
    for plan in plans:
        agency, facts = plan.agency, plan.facts
        placements.append(
            Placement(
                case_id=facts.case_id,
                agency=agency,
                placed_on=business_date,
                recall_due_on=business_date + dt.timedelta(days=agency.placement_days),
                reason=reason,
                placed_by=user,
                allocation=plan.allocation,
                arm=plan.arm,
                placed_balance=facts.balance,
                placed_days_past_due=facts.days_past_due,
                commission_rate=agency.commission_rate_for(
                    days_past_due=facts.days_past_due,
                    balance=facts.balance,
                    tiers=tiers[agency.pk],
                ),
            )
        )
    if not placements:
        return []
    Placement.objects.bulk_create(placements)
    case_ids = [plan.facts.case_id for plan in plans]
    Case.objects.filter(pk__in=case_ids).update(
        status=Case.Status.PLACED,
        assigned_to=None,
        claimed_by=None,
        claim_expires_at=None,
        next_action_at=None,
    )
    cases_by_agency: dict[Agency, list[int]] = defaultdict(list)
    for plan in plans:
        cases_by_agency[plan.agency].append(plan.facts.case_id)
    for agency, ids in cases_by_agency.items():
        StageEntry.objects.filter(
            case_id__in=ids,
            stage__action=Stage.Action.AGENCY,
            action_status=StageEntry.ActionStatus.PENDING,
        ).update(
            action_status=StageEntry.ActionStatus.DONE, action_note=f"placed with {agency.name}"
        )
    log_append_many(
        _log_rows(
            [plan.facts for plan in plans],
            action="agency_placement",
            agency_of={p.case_id: p.agency_id for p in placements},
            reason_of={
                p.case_id: (
                    f"Placed with {p.agency.name} until {p.recall_due_on.isoformat()} "
                    f"({p.get_allocation_display().lower()}): {p.reason}"
                )
                for p in placements
            },
            inputs_of={
                p.case_id: {
                    "agency": p.agency_id,
                    "business_day": business_date.isoformat(),
                    "allocation": p.allocation,
                    "arm": p.arm,
                    "commission_rate": str(p.commission_rate),
                    "recall_due_on": p.recall_due_on.isoformat(),
                }
                for p in placements
            },
            actor=user,
            now=now,
        )
    )
    return placements


def placement_problems(*, case: Case, agency: Agency, business_date: dt.date) -> list[str]:
    """Why `case` may not be placed with `agency` by hand on `business_date` (empty: it may)."""
    problems = []
    if case.status != Case.Status.OPEN:
        problems.append(
            gettext("the case is %(status)s, not open")
            % {"status": case.get_status_display().lower()}
        )
    if case.stage is None or case.stage.action != Stage.Action.AGENCY:
        problems.append(gettext("the case is not at its strategy's agency stage"))
    current = case.placements.filter(recalled_on__isnull=True).select_related("agency").first()
    if current is not None:
        problems.append(
            gettext("it is already placed with %(agency)s") % {"agency": current.agency}
        )
    problems.extend(
        str(text) for flag, text in NEVER_PLACED_FLAGS.items() if getattr(case.debtor, flag)
    )
    problems.extend(f"{agency.name}: {problem}" for problem in agency.problems_on(business_date))
    held = agency.placements.filter(recalled_on__isnull=True).count()
    if held >= agency.capacity:
        problems.append(
            ngettext(
                "%(agency)s is at capacity (%(held)d of %(capacity)d placement)",
                "%(agency)s is at capacity (%(held)d of %(capacity)d placements)",
                agency.capacity,
            )
            % {"agency": agency.name, "held": held, "capacity": agency.capacity}
        )
    return problems


def placement_create(
    *, case: Case, agency: Agency, user, reason: str, business_date: dt.date, now: dt.datetime
) -> Placement:
    """A supervisor places one case with an agency, with a reason; refused with the reasons
    when the case or the agency does not qualify (the same rules as the placement job)."""
    reason = reason.strip()
    if not reason:
        raise PlacementRefused(gettext("Give the reason for placing the case by hand."))
    with transaction.atomic():
        locked = (
            Case.objects.select_for_update(of=("self",))
            .select_related("debtor", "stage")
            .get(pk=case.pk)
        )
        agency = Agency.objects.select_for_update().get(pk=agency.pk)
        problems = placement_problems(case=locked, agency=agency, business_date=business_date)
        if problems:
            raise PlacementRefused(
                gettext("Cannot place case %(case)s: %(problems)s.")
                % {"case": case.pk, "problems": "; ".join(problems)}
            )
        [facts] = case_facts(
            Case.objects.filter(pk=case.pk).values_list(*CASE_FACT_FIELDS), business_date
        )
        [placement] = place_cases(
            [PlacementPlan(facts, agency, Placement.Allocation.MANUAL)],
            tiers=tiers_by_agency([agency]),
            business_date=business_date,
            now=now,
            user=user,
            reason=reason,
        )
    return placement


# --- Recalling --------------------------------------------------------------------------------


def next_stages(keys: Iterable[tuple[int, int | None]]) -> dict[tuple[int, int | None], Stage]:
    """(strategy id, stage position) -> the strategy's next stage after that position, where
    there is one: where a case recalled "to the next stage" goes."""
    keys = set(keys)
    ladders: dict[int, list[Stage]] = defaultdict(list)
    stages = Stage.objects.filter(strategy_id__in={strategy_id for strategy_id, _ in keys})
    for stage in stages.select_related("strategy").order_by("position"):
        ladders[stage.strategy_id].append(stage)
    following = {}
    for strategy_id, position in keys:
        later = [stage for stage in ladders[strategy_id] if stage.position > (position or 0)]
        if later:
            following[(strategy_id, position)] = later[0]
    return following


def _recall(
    placement_ids: list[int],
    *,
    reason: str,
    destination: str | None,
    user,
    business_date: dt.date,
    now: dt.datetime,
) -> Counter:
    """Recall the still-current placements among `placement_ids` (locked here, so a recall
    racing another does nothing twice). `destination` None: each strategy's rule decides;
    CASE_CLOSED: the cases have closed and stay closed.

    The cases come back open (a case with a pending promise keeps it); to the next stage, they
    enter it at once; to in-house collection, they stay in their team's pool.
    """
    rows = list(
        Placement.objects.select_for_update(of=("self",))
        .filter(pk__in=placement_ids, recalled_on__isnull=True, placed_on__lte=business_date)
        .order_by("pk")
        .values_list(
            "pk",
            "case_id",
            "agency_id",
            "recall_due_on",
            "case__strategy_id",
            "case__stage__position",
        )
    )
    counts: Counter = Counter()
    if not rows:
        return counts
    rules = rules_by_strategy()
    next_stage = next_stages(row[4:] for row in rows)
    destination_of: dict[int, str] = {}
    for pk, _case_id, _agency_id, _due, strategy_id, position in rows:
        wanted = (
            rule_for(rules, strategy_id).recall_destination if destination is None else destination
        )
        if wanted == RecallDestination.NEXT_STAGE and (strategy_id, position) not in next_stage:
            wanted = RecallDestination.IN_HOUSE
        destination_of[pk] = wanted
    for wanted in sorted(set(destination_of.values())):
        ids = [pk for pk, chosen in destination_of.items() if chosen == wanted]
        Placement.objects.filter(pk__in=ids).update(
            recalled_on=business_date,
            recall_reason=reason,
            recall_destination=wanted,
            recalled_by=user,
            updated_at=now,
        )
        counts[f"recalled_to_{wanted}" if wanted else "ended_on_closing"] += len(ids)
    case_ids = [row[1] for row in rows]
    Case.objects.filter(pk__in=case_ids, status=Case.Status.PLACED).update(
        status=Case.Status.OPEN, next_action_at=now, claimed_by=None, claim_expires_at=None
    )
    onward: dict[Stage, list[int]] = defaultdict(list)
    for pk, case_id, _agency_id, _due, strategy_id, position in rows:
        if destination_of[pk] == RecallDestination.NEXT_STAGE:
            onward[next_stage[(strategy_id, position)]].append(case_id)
    for stage, ids in onward.items():
        counts.update(
            cases_enter_stage(case_ids=ids, stage=stage, business_date=business_date, now=now)
        )
    facts = case_facts(
        Case.objects.filter(pk__in=case_ids).order_by("pk").values_list(*CASE_FACT_FIELDS),
        business_date,
    )
    labels = dict(RecallDestination.choices)

    def logged_reason(destination: str) -> str:
        if destination == CASE_CLOSED:
            return f"Ended: {reason}"
        return f"Recalled to {labels[destination].lower()}: {reason}"

    log_append_many(
        _log_rows(
            facts,
            action="agency_recall",
            agency_of={row[1]: row[2] for row in rows},
            reason_of={row[1]: logged_reason(destination_of[row[0]]) for row in rows},
            inputs_of={
                row[1]: {
                    "agency": row[2],
                    "business_day": business_date.isoformat(),
                    "destination": destination_of[row[0]],
                    "recall_due_on": row[3].isoformat(),
                }
                for row in rows
            },
            actor=user,
            now=now,
        )
    )
    counts["recalled"] += len(rows)
    return counts


def placements_recall(
    *,
    placements: QuerySet[Placement] | list[Placement],
    user,
    reason: str,
    destination: str | None,
    business_date: dt.date,
    now: dt.datetime,
) -> Counter:
    """A supervisor recalls placements before their time, with a reason (and optionally a
    destination other than the strategy's). Already-recalled ones are left alone."""
    reason = reason.strip()
    if not reason:
        raise PlacementRefused(gettext("Give the reason for the recall."))
    if destination and destination not in RecallDestination.values:
        raise PlacementRefused(
            gettext("%(destination)r is not a recall destination.") % {"destination": destination}
        )
    with transaction.atomic():
        return _recall(
            [placement.pk for placement in placements],
            reason=reason,
            destination=destination or None,
            user=user,
            business_date=business_date,
            now=now,
        )


def placements_recall_due(
    *, business_date: dt.date, now: dt.datetime, batch_size: int = RECALL_BATCH_SIZE
) -> Counter:
    """The recall job: every placement whose period ended (recall_due_on <= the date; an
    extension moved that date) goes back as its strategy says, batch by batch."""
    due = Placement.objects.filter(recalled_on__isnull=True, recall_due_on__lte=business_date)
    counts: Counter = Counter()
    for rows in keyset_batches(due, (), batch_size):
        with transaction.atomic():
            counts += _recall(
                [row[0] for row in rows],
                reason=PERIOD_ENDED_REASON,
                destination=None,
                user=None,
                business_date=business_date,
                now=now,
            )
    return counts


def placements_end_for_closed_cases(
    *, business_date: dt.date, now: dt.datetime, batch_size: int = RECALL_BATCH_SIZE
) -> Counter:
    """Placements whose case has closed (cured by the pipeline, or closed otherwise) end
    through the same recall as every other ending, with its compliance log row; the case stays
    closed. Set-based and idempotent: an ended placement is no longer current."""
    counts: Counter = Counter()
    for status, reason in CLOSING_REASONS.items():
        ending = Placement.objects.filter(recalled_on__isnull=True, case__status=status)
        for rows in keyset_batches(ending, (), batch_size):
            with transaction.atomic():
                counts += _recall(
                    [row[0] for row in rows],
                    reason=reason,
                    destination=CASE_CLOSED,
                    user=None,
                    business_date=business_date,
                    now=now,
                )
    return counts


# --- Extending --------------------------------------------------------------------------------


def placement_extend(
    *,
    placement: Placement,
    user,
    recall_due_on: dt.date,
    reason: str,
    business_date: dt.date,
    now: dt.datetime,
) -> PlacementExtension:
    """A supervisor keeps a case with its agency longer: a later recall date, with a reason."""
    reason = reason.strip()
    with transaction.atomic():
        locked = Placement.objects.select_for_update().get(pk=placement.pk)
        if locked.recalled_on is not None:
            raise PlacementRefused(
                gettext(
                    "This placement was recalled on %(date)s: only a current placement can be "
                    "extended."
                )
                % {"date": date_format(locked.recalled_on)}
            )
        if not reason:
            raise PlacementRefused(gettext("Give the reason for the extension."))
        if recall_due_on <= locked.recall_due_on or recall_due_on <= business_date:
            latest = max(locked.recall_due_on, business_date)
            raise PlacementRefused(
                gettext("The new recall date must be after %(date)s.")
                % {"date": date_format(latest)}
            )
        extension = PlacementExtension.objects.create(
            placement=locked,
            extended_on=business_date,
            previous_recall_due_on=locked.recall_due_on,
            recall_due_on=recall_due_on,
            reason=reason,
            extended_by=user,
        )
        Placement.objects.filter(pk=locked.pk).update(recall_due_on=recall_due_on, updated_at=now)
    return extension
