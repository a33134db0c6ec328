"""The placement job: cases awaiting placement are shared among the eligible agencies.

Each strategy's PlacementRule names the method: round-robin (equal shares), weighted by the
capacity each agency has left, or weighted by its recovery rate over the last N days (in the
case's currency). A champion/challenger split sends a fixed share of cases, chosen by a hash
of the case id, to a second method. Every method is a smooth weighted rotation over the
agencies with room, ties broken by an agency order rotated by the date, so the same cases,
agencies and date always give the same allocation, and no agency ever goes past its capacity.
"""

from __future__ import annotations

import datetime as dt
import zlib
from collections import Counter
from dataclasses import dataclass, field
from decimal import Decimal

from django.db import transaction
from django.db.models import Count

from agencies.models import Agency, AllocationMethod, Placement, PlacementRule
from agencies.selectors import cases_awaiting_placement, never_placed, recovery_rates
from agencies.services.placements import (
    CASE_FACT_FIELDS,
    PlacementPlan,
    case_facts,
    place_cases,
    rule_for,
    rules_by_strategy,
    tiers_by_agency,
)

ALLOCATION_BATCH_SIZE = 2000
# Recovery rates become integer weights at this resolution (a rate of 0.05 weighs 50,000).
RATE_RESOLUTION = 1_000_000


def is_challenger(*, case_id: int, strategy_id: int, percent: int) -> bool:
    """A stable, even split: the same case always falls in the same arm."""
    return zlib.crc32(f"{strategy_id}:{case_id}".encode()) % 100 < percent


class WeightedRotation:
    """Smooth weighted round-robin: over a run each agency's share follows its weight, the
    shares interleave (no long runs to one agency), and an agency without room is skipped.
    """

    def __init__(self, weights: dict[int, int], tie_order: list[int]):
        self.weights = weights
        self.rank = {agency_id: rank for rank, agency_id in enumerate(tie_order)}
        self.current = dict.fromkeys(weights, 0)

    def next(self, room: dict[int, int]) -> int | None:
        open_ = [agency_id for agency_id in self.rank if room.get(agency_id, 0) > 0]
        if not open_:
            return None
        total = sum(self.weights[agency_id] for agency_id in open_)
        for agency_id in open_:
            self.current[agency_id] += self.weights[agency_id]
        chosen = max(open_, key=lambda agency_id: (self.current[agency_id], -self.rank[agency_id]))
        self.current[chosen] -= total
        return chosen


@dataclass
class Allocator:
    """Chooses an agency for each case in turn; `room` is shared by every rule and arm."""

    agency_ids: list[int]
    rules: dict[int, PlacementRule]
    starting_room: dict[int, int]
    business_date: dt.date
    rates: dict[int, dict[tuple[int, str], Decimal]] = field(default_factory=dict)
    rotations: dict[tuple, WeightedRotation] = field(default_factory=dict)

    @property
    def tie_order(self) -> list[int]:
        ids = sorted(self.agency_ids)
        shift = self.business_date.toordinal() % len(ids) if ids else 0
        return ids[shift:] + ids[:shift]

    def method_for(self, *, case_id: int, strategy_id: int) -> tuple[str, str]:
        """(method, arm) for the case under its strategy's rule."""
        rule = rule_for(self.rules, strategy_id)
        if not rule.challenger_percent:
            return rule.method, ""
        if is_challenger(case_id=case_id, strategy_id=strategy_id, percent=rule.challenger_percent):
            return rule.challenger_method, Placement.Arm.CHALLENGER
        return rule.method, Placement.Arm.CHAMPION

    def weights(self, method: str, *, strategy_id: int, currency: str) -> dict[int, int]:
        if method == AllocationMethod.CAPACITY_WEIGHTED:
            return {agency_id: self.starting_room[agency_id] for agency_id in self.agency_ids}
        if method == AllocationMethod.PERFORMANCE_WEIGHTED:
            window = rule_for(self.rules, strategy_id).performance_days
            rates = self.rates.get(window, {})
            known = [rates[(a, currency)] for a in self.agency_ids if (a, currency) in rates]
            # An agency with no history in this currency is weighed as the average of the rest.
            average = sum(known) / len(known) if known else Decimal(1)
            return {
                agency_id: max(1, int(rates.get((agency_id, currency), average) * RATE_RESOLUTION))
                for agency_id in self.agency_ids
            }
        return dict.fromkeys(self.agency_ids, 1)

    def choose(
        self, *, case_id: int, strategy_id: int, currency: str, room: dict[int, int]
    ) -> tuple[int | None, str, str]:
        """(agency id or None when every agency is full, method, arm); takes one unit of room."""
        method, arm = self.method_for(case_id=case_id, strategy_id=strategy_id)
        performance = method == AllocationMethod.PERFORMANCE_WEIGHTED
        key = (strategy_id, arm, method, currency if performance else "")
        rotation = self.rotations.get(key)
        if rotation is None:
            weights = self.weights(method, strategy_id=strategy_id, currency=currency)
            rotation = self.rotations[key] = WeightedRotation(weights, self.tie_order)
        agency_id = rotation.next(room)
        if agency_id is not None:
            room[agency_id] -= 1
        return agency_id, method, arm


def _room(agencies: list[Agency]) -> dict[int, int]:
    """Capacity left, counted exactly from the current placements."""
    held = dict(
        Placement.objects.filter(agency__in=agencies, recalled_on__isnull=True)
        .values_list("agency_id")
        .annotate(Count("pk"))
        .order_by()
    )
    return {agency.pk: max(0, agency.capacity - held.get(agency.pk, 0)) for agency in agencies}


def placements_allocate(
    *, business_date: dt.date, now: dt.datetime, batch_size: int = ALLOCATION_BATCH_SIZE
) -> Counter:
    """Place every case awaiting placement that may be placed, as far as capacity allows.

    Per batch of cases (in id order): lock the eligible agencies, count their room, lock the
    batch's cases (skipping rows a supervisor is placing right now), choose, then write with a
    few bulk statements. Bankrupt, deceased and disputed debtors' cases are never placed.
    """
    counts: Counter = Counter()
    excluded = cases_awaiting_placement().filter(never_placed()).count()
    if excluded:
        counts["not_placed_excluded"] = excluded
    agencies = list(Agency.objects.eligible_on(business_date).order_by("pk"))
    placeable = cases_awaiting_placement().exclude(never_placed())
    if not agencies:
        counts["not_placed_no_agency"] = placeable.count()
        return counts
    rules = rules_by_strategy()
    tiers = tiers_by_agency(agencies)
    allocator = Allocator(
        agency_ids=[agency.pk for agency in agencies],
        rules=rules,
        starting_room=_room(agencies),
        business_date=business_date,
    )
    for window in {
        rule.performance_days
        for rule in [*rules.values(), PlacementRule.default()]
        if AllocationMethod.PERFORMANCE_WEIGHTED in (rule.method, rule.challenger_method)
    }:
        start = business_date - dt.timedelta(days=window - 1)
        allocator.rates[window] = recovery_rates(start=start, end=business_date)

    by_id = {agency.pk: agency for agency in agencies}
    last_id = 0
    while True:
        with transaction.atomic():
            locked = list(Agency.objects.select_for_update().filter(pk__in=by_id).order_by("pk"))
            for agency in locked:
                by_id[agency.pk] = agency
            room = _room(locked)
            if not any(room.values()):
                counts["not_placed_no_capacity"] += placeable.filter(pk__gt=last_id).count()
                break
            rows = list(
                placeable.filter(pk__gt=last_id)
                .select_for_update(skip_locked=True, of=("self",))
                .order_by("pk")
                .values_list(*CASE_FACT_FIELDS)[:batch_size]
            )
            if not rows:
                break
            last_id = rows[-1][0]
            plans = []
            for facts in case_facts(rows, business_date):
                agency_id, method, arm = allocator.choose(
                    case_id=facts.case_id,
                    strategy_id=facts.strategy_id,
                    currency=facts.currency,
                    room=room,
                )
                if agency_id is None:
                    counts["not_placed_no_capacity"] += 1
                    continue
                plans.append(PlacementPlan(facts, by_id[agency_id], method, arm))
            place_cases(plans, tiers=tiers, business_date=business_date, now=now)
        counts["placed"] += len(plans)
        counts.update(f"placed_with:{plan.agency.name}" for plan in plans)
    return counts
