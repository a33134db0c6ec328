"""The placement job: who gets which case, within capacity, never the excluded ones."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from agencies.models import AllocationMethod, Placement
from agencies.services import placements_allocate
from agencies.services.allocation import is_challenger
from cases.models import Case, StageEntry
from compliance.log import compliance_log_verify
from compliance.models import ComplianceLogEntry
from tests.agencies.conftest import DAY, NOW
from tests.factories import (
    CommissionTierFactory,
    PaymentFactory,
    PlacementFactory,
    PlacementRuleFactory,
)

pytestmark = pytest.mark.django_db


def allocate(**kwargs):
    return placements_allocate(business_date=DAY, now=NOW, **kwargs)


def placed_with(cases) -> list[str]:
    """The agency each case went to, in case order ('' when not placed)."""
    names = dict(
        Placement.objects.filter(case__in=cases, recalled_on__isnull=True).values_list(
            "case_id", "agency__name"
        )
    )
    return [names.get(case.pk, "") for case in cases]


# --- Capacity, eligibility, exclusions ------------------------------------------------------


def test_no_agency_ever_goes_past_its_capacity(make_awaiting, make_agency):
    full_soon = make_agency(name="A", capacity=3)
    PlacementFactory(agency=full_soon)  # one of its three places is taken
    make_agency(name="B", capacity=2)
    cases = [make_awaiting() for _ in range(6)]

    counts = allocate()

    assert sorted(placed_with(cases)) == ["", "", "A", "A", "B", "B"]
    assert counts["placed"] == 4
    assert counts["not_placed_no_capacity"] == 2
    # The two left over wait, still awaiting placement, for capacity to free up.
    waiting = [case for case, name in zip(cases, placed_with(cases), strict=True) if not name]
    for case in waiting:
        case.refresh_from_db()
        assert case.status == Case.Status.OPEN
        assert case.stage_entries.get().action_status == StageEntry.ActionStatus.PENDING


def test_capacity_freed_by_a_recall_is_used_on_the_next_run(make_awaiting, make_agency):
    agency = make_agency(name="A", capacity=1)
    first, second = make_awaiting(), make_awaiting()
    allocate()
    assert placed_with([first, second]) == ["A", ""]

    Placement.objects.filter(case=first).update(recalled_on=DAY)
    allocate()
    assert placed_with([first, second]) == ["", "A"]
    assert agency.placements.filter(recalled_on__isnull=True).count() == 1


@pytest.mark.parametrize(
    "lapse",
    [
        {"licence_expires_on": DAY - dt.timedelta(days=1)},
        {"contract_end": DAY - dt.timedelta(days=1)},
        {"contract_start": DAY + dt.timedelta(days=1), "contract_end": DAY + dt.timedelta(days=90)},
        {"is_active": False},
    ],
    ids=["licence_expired", "contract_ended", "contract_not_started", "suspended"],
)
def test_an_agency_that_may_not_collect_gets_no_placement(make_awaiting, make_agency, lapse):
    make_agency(name="Lapsed", **lapse)
    make_agency(name="Good")
    cases = [make_awaiting() for _ in range(4)]
    allocate()
    assert placed_with(cases) == ["Good"] * 4


def test_a_licence_expiring_on_the_day_still_counts(make_awaiting, make_agency):
    make_agency(name="Last day", licence_expires_on=DAY)
    case = make_awaiting()
    allocate()
    assert placed_with([case]) == ["Last day"]


def test_without_an_eligible_agency_nothing_is_placed(make_awaiting, make_agency):
    make_agency(name="Lapsed", licence_expires_on=DAY - dt.timedelta(days=1))
    case = make_awaiting()
    counts = allocate()
    assert placed_with([case]) == [""]
    assert counts["not_placed_no_agency"] == 1


@pytest.mark.parametrize("flag", ["is_bankrupt", "is_deceased", "dispute_pending"])
def test_bankrupt_deceased_and_disputed_cases_are_never_placed(make_awaiting, make_agency, flag):
    make_agency(name="A")
    excluded = make_awaiting(**{flag: True})
    other = make_awaiting()
    counts = allocate()
    assert placed_with([excluded, other]) == ["", "A"]
    assert counts["not_placed_excluded"] == 1
    excluded.refresh_from_db()
    assert excluded.status == Case.Status.OPEN


def test_only_open_unpaused_cases_whose_agency_entry_is_pending_are_placed(
    make_awaiting, make_agency
):
    make_agency(name="A")
    promised = make_awaiting()
    Case.objects.filter(pk=promised.pk).update(status=Case.Status.PROMISED)
    handled = make_awaiting()
    StageEntry.objects.filter(case=handled).update(action_status=StageEntry.ActionStatus.DONE)
    paused = make_awaiting()
    Case.objects.filter(pk=paused.pk).update(paused_at=NOW, pause_reason="Hardship review")
    awaiting = make_awaiting()
    allocate()
    assert placed_with([promised, handled, paused, awaiting]) == ["", "", "", "A"]


# --- The rules ----------------------------------------------------------------------------------
# DAY's ordinal is 2 modulo 3 and 1 modulo 2: ties go first to the third of three agencies (by
# id), then the first, then the second; with two agencies, to the second first.


def test_round_robin_deals_the_cases_in_turn(make_awaiting, make_agency):
    for name in ("A", "B", "C"):
        make_agency(name=name)
    cases = [make_awaiting() for _ in range(7)]
    allocate()
    assert placed_with(cases) == ["C", "A", "B", "C", "A", "B", "C"]
    assert set(Placement.objects.values_list("allocation", flat=True)) == {"round_robin"}


def test_capacity_weighting_follows_the_room_each_agency_has_left(make_awaiting, make_agency):
    PlacementRuleFactory(method=AllocationMethod.CAPACITY_WEIGHTED)
    big = make_agency(name="A", capacity=40)
    PlacementFactory.create_batch(10, agency=big)  # 30 places left
    make_agency(name="B", capacity=10)
    cases = [make_awaiting() for _ in range(8)]
    allocate()
    # Smooth weighted rotation with weights 30:10: six to A, two to B, interleaved.
    assert placed_with(cases) == ["A", "B", "A", "A", "A", "B", "A", "A"]


def held_and_collected(agency, *, balance: str, collected: str, currency: str = "USD"):
    """Give `agency` a recent placement that collected `collected` out of `balance`."""
    placement = PlacementFactory(
        agency=agency,
        placed_on=DAY - dt.timedelta(days=60),
        recall_due_on=DAY - dt.timedelta(days=30),
        recalled_on=DAY - dt.timedelta(days=30),
        placed_balance=Decimal(balance),
        case__account__currency=currency,
    )
    PaymentFactory(
        account=placement.case.account,
        case=placement.case,
        agency=agency,
        amount=Decimal(collected),
        currency=currency,
        received_on=DAY - dt.timedelta(days=40),
    )


def test_performance_weighting_follows_each_agency_recovery_rate(make_awaiting, make_agency):
    PlacementRuleFactory(method=AllocationMethod.PERFORMANCE_WEIGHTED, performance_days=90)
    strong, weak = make_agency(name="A"), make_agency(name="B")
    held_and_collected(strong, balance="1000.00", collected="300.00")  # 30%
    held_and_collected(weak, balance="1000.00", collected="100.00")  # 10%
    cases = [make_awaiting() for _ in range(8)]
    allocate()
    assert placed_with(cases) == ["A", "B", "A", "A", "A", "B", "A", "A"]
    assert set(Placement.objects.filter(case__in=cases).values_list("allocation", flat=True)) == {
        "performance_weighted"
    }


def test_performance_outside_the_window_or_in_another_currency_does_not_count(
    make_awaiting, make_agency
):
    PlacementRuleFactory(method=AllocationMethod.PERFORMANCE_WEIGHTED, performance_days=30)
    strong, weak = make_agency(name="A"), make_agency(name="B")
    # 40 days ago: outside a 30-day window, so both agencies weigh the same.
    held_and_collected(strong, balance="1000.00", collected="900.00")
    held_and_collected(weak, balance="1000.00", collected="100.00", currency="GBP")
    cases = [make_awaiting() for _ in range(4)]
    allocate()
    assert placed_with(cases) == ["B", "A", "B", "A"]


def test_a_champion_challenger_split_records_each_case_arm(make_awaiting, make_agency):
    PlacementRuleFactory(
        method=AllocationMethod.ROUND_ROBIN,
        challenger_method=AllocationMethod.CAPACITY_WEIGHTED,
        challenger_percent=40,
    )
    make_agency(name="A"), make_agency(name="B")
    cases = [make_awaiting() for _ in range(20)]
    allocate()
    placements = Placement.objects.filter(case__in=cases).select_related("case")
    arms = {placement.arm for placement in placements}
    assert arms == {"champion", "challenger"}
    for placement in placements:
        challenger = is_challenger(
            case_id=placement.case_id, strategy_id=placement.case.strategy_id, percent=40
        )
        assert placement.arm == ("challenger" if challenger else "champion")
        assert placement.allocation == ("capacity_weighted" if challenger else "round_robin")


def test_the_same_inputs_give_the_same_allocation(make_awaiting, make_agency):
    PlacementRuleFactory(
        method=AllocationMethod.CAPACITY_WEIGHTED,
        challenger_method=AllocationMethod.ROUND_ROBIN,
        challenger_percent=30,
    )
    for name, capacity in (("A", 9), ("B", 5), ("C", 4)):
        make_agency(name=name, capacity=capacity)
    cases = [make_awaiting() for _ in range(16)]

    outcomes = []
    for _ in range(2):
        with transaction.atomic():
            allocate(batch_size=5)
            outcomes.append(
                list(
                    Placement.objects.filter(case__in=cases)
                    .order_by("case_id")
                    .values_list("case_id", "agency__name", "arm", "allocation")
                )
            )
            transaction.set_rollback(True)
    assert outcomes[0] == outcomes[1]
    assert len(outcomes[0]) == 16


# --- What placing writes ------------------------------------------------------------------------


def test_placing_hands_the_case_over_and_logs_it(make_awaiting, make_agency, collector):
    agency = make_agency(name="Northwind", placement_days=90, commission_rate=Decimal("0.1800"))
    case = make_awaiting(days_past_due=97, balance="2500.00")
    case.assigned_to = collector
    case.save()

    allocate()

    placement = Placement.objects.get(case=case)
    assert (placement.placed_on, placement.recall_due_on) == (DAY, DAY + dt.timedelta(days=90))
    assert placement.placed_by is None
    assert (placement.placed_balance, placement.placed_days_past_due) == (Decimal("2500.00"), 97)
    assert placement.commission_rate == Decimal("0.1800")
    case.refresh_from_db()
    assert (case.status, case.assigned_to) == (Case.Status.PLACED, None)
    entry = case.stage_entries.get()
    assert (entry.action_status, entry.action_note) == ("done", "placed with Northwind")
    row = ComplianceLogEntry.objects.get(case=case)
    assert (row.action, row.agency, row.verdict, row.actor) == (
        "agency_placement",
        agency,
        "allowed",
        None,
    )
    assert "Placed with Northwind until 2027-02-21" in row.reason
    assert compliance_log_verify().ok


def test_a_second_run_places_nothing_more(make_awaiting, make_agency):
    make_agency(name="A")
    for _ in range(3):
        make_awaiting()
    assert allocate()["placed"] == 3
    assert allocate()["placed"] == 0
    assert Placement.objects.count() == 3
    assert ComplianceLogEntry.objects.count() == 3


@pytest.mark.parametrize(
    ("days_past_due", "rate"), [(95, "0.1500"), (100, "0.1800"), (131, "0.2200")]
)
def test_a_rate_tiered_by_days_past_due_is_snapshotted(
    make_awaiting, make_agency, days_past_due, rate
):
    agency = make_agency(commission_basis="days_past_due", commission_rate=Decimal("0.1500"))
    CommissionTierFactory(agency=agency, starts_at=Decimal(100), rate=Decimal("0.1800"))
    CommissionTierFactory(agency=agency, starts_at=Decimal(120), rate=Decimal("0.2200"))
    case = make_awaiting(days_past_due=days_past_due)
    allocate()
    placement = Placement.objects.get(case=case)
    assert placement.commission_rate == Decimal(rate)

    agency.commission_rate = Decimal("0.0100")
    agency.save()
    agency.commission_tiers.update(rate=Decimal("0.0100"))
    placement.refresh_from_db()
    assert placement.commission_rate == Decimal(rate)  # a snapshot: later changes do not reach it


@pytest.mark.parametrize(("balance", "rate"), [("999.99", "0.2500"), ("5000.00", "0.2000")])
def test_a_rate_tiered_by_balance_band_is_snapshotted(make_awaiting, make_agency, balance, rate):
    agency = make_agency(commission_basis="balance", commission_rate=Decimal("0.2500"))
    CommissionTierFactory(agency=agency, starts_at=Decimal("1000.00"), rate=Decimal("0.2200"))
    CommissionTierFactory(agency=agency, starts_at=Decimal("5000.00"), rate=Decimal("0.2000"))
    case = make_awaiting(balance=balance)
    allocate()
    assert Placement.objects.get(case=case).commission_rate == Decimal(rate)


def test_allocation_is_set_based(make_awaiting, make_agency):
    """The statements per batch do not grow with the number of cases in it."""
    PlacementRuleFactory(method=AllocationMethod.PERFORMANCE_WEIGHTED)
    make_agency(name="A"), make_agency(name="B")

    def queries_placing(n: int) -> int:
        for _ in range(n):
            make_awaiting()
        with CaptureQueriesContext(connection) as queries:
            assert allocate(batch_size=1000)["placed"] == n
        return len(queries)

    queries_placing(1)  # the first placement also starts the compliance log's chain
    assert queries_placing(3) == queries_placing(30)
