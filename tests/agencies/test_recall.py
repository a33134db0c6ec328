"""Placements end: at the end of their period (unless extended), by hand, or by a cure; the
case goes where its strategy's rule says, and the pipeline leaves a placed case alone."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from agencies.models import Placement, PlacementExtension, RecallDestination
from agencies.services import (
    PlacementRefused,
    agencies_run_day,
    placement_extend,
    placements_allocate,
    placements_recall,
    placements_recall_due,
)
from cases.models import Case, PromiseToPay, StageEntry
from compliance.models import ComplianceLogEntry
from pipeline.services import BROKEN_PROMISE_PRIORITY, pipeline_run_day
from tests.agencies.conftest import DAY, NOW
from tests.factories import PaymentFactory, PlacementRuleFactory, PromiseToPayFactory
from tests.pipeline.conftest import day as pipeline_day
from tests.pipeline.conftest import moment as pipeline_moment

pytestmark = pytest.mark.django_db


def later(days: int) -> dt.date:
    return DAY + dt.timedelta(days=days)


def at(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(3), tzinfo=dt.UTC)


@pytest.fixture
def placed(make_awaiting, make_agency):
    """A case (95 days past due on DAY) placed on DAY with Northwind for 30 days."""
    make_agency(name="Northwind", placement_days=30)
    case = make_awaiting(days_past_due=95)
    placements_allocate(business_date=DAY, now=NOW)
    return Placement.objects.get(case=case)


def recall_due(day: dt.date):
    return placements_recall_due(business_date=day, now=at(day))


def test_nothing_is_recalled_before_the_period_ends(placed):
    assert recall_due(later(29))["recalled"] == 0
    placed.refresh_from_db()
    assert placed.is_current


def test_at_the_period_end_the_case_goes_on_to_litigation(placed):
    counts = recall_due(later(30))

    assert counts["recalled"] == 1
    assert counts["recalled_to_next_stage"] == 1
    placed.refresh_from_db()
    assert (placed.recalled_on, placed.recall_reason, placed.recall_destination) == (
        later(30),
        "placement period ended",
        "next_stage",
    )
    case = placed.case
    case.refresh_from_db()
    assert case.status == Case.Status.LITIGATION
    assert case.stage.action == "litigation"
    entry = case.stage_entries.get(stage=case.stage)
    assert (entry.entered_on, entry.days_past_due, entry.action_status) == (later(30), 125, "done")
    row = ComplianceLogEntry.objects.get(case=case, action="agency_recall")
    assert row.agency == placed.agency
    assert "Recalled to the ladder's next stage (litigation): placement period ended" in row.reason


def test_recalling_twice_does_nothing_the_second_time(placed):
    assert recall_due(later(30))["recalled"] == 1
    assert recall_due(later(31))["recalled"] == 0
    assert ComplianceLogEntry.objects.filter(action="agency_recall").count() == 1
    assert StageEntry.objects.filter(case=placed.case, stage__action="litigation").count() == 1


def test_a_strategy_can_send_recalled_cases_back_in_house(make_awaiting, make_agency, team):
    PlacementRuleFactory(recall_destination=RecallDestination.IN_HOUSE)
    make_agency(name="Northwind", placement_days=30)
    case = make_awaiting(days_past_due=95)
    placements_allocate(business_date=DAY, now=NOW)

    recall_due(later(30))

    case.refresh_from_db()
    assert (case.status, case.stage.action, case.team, case.assigned_to) == (
        Case.Status.OPEN,
        "agency",
        team,
        None,
    )
    assert case.next_action_at == at(later(30))  # back in the team's queue at once
    assert case.placements.get().recall_destination == "in_house"
    # In-house collection keeps it: the nightly pipeline does not refer it to litigation.
    pipeline_run_day(business_date=later(31), now=at(later(31)))
    case.refresh_from_db()
    assert (case.status, case.stage.action) == (Case.Status.OPEN, "agency")
    # Nor does the placement job place it again: its agency stage was done.
    assert placements_allocate(business_date=later(31), now=at(later(31)))["placed"] == 0


def test_a_placed_case_does_not_escalate_while_placed(make_awaiting, make_agency):
    make_agency(name="Northwind", placement_days=60)
    case = make_awaiting(days_past_due=95)
    placements_allocate(business_date=DAY, now=NOW)

    for n in (25, 40, 59):  # 120, 135 and 154 days past due: litigation's threshold is 120
        pipeline_run_day(business_date=later(n), now=at(later(n)))
        case.refresh_from_db()
        assert (case.status, case.stage.action) == (Case.Status.PLACED, "agency")

    agencies_run_day(business_date=later(60), now=at(later(60)))
    case.refresh_from_db()
    assert (case.status, case.stage.action) == (Case.Status.LITIGATION, "litigation")


# --- Extension ----------------------------------------------------------------------------


def test_an_extended_placement_is_recalled_on_its_new_date(placed, supervisor):
    extension = placement_extend(
        placement=placed,
        user=supervisor,
        recall_due_on=later(45),
        reason="Debtor pays by instalments",
        business_date=later(20),
        now=at(later(20)),
    )
    assert (extension.previous_recall_due_on, extension.recall_due_on) == (later(30), later(45))
    assert extension.extended_by == supervisor

    assert recall_due(later(30))["recalled"] == 0
    assert recall_due(later(44))["recalled"] == 0
    assert recall_due(later(45))["recalled"] == 1
    placed.refresh_from_db()
    assert placed.recalled_on == later(45)


@pytest.mark.parametrize(
    ("new_date", "reason", "message"),
    [
        (later(45), "  ", "Give the reason"),
        (later(30), "more time", "must be after 23 Dec 2026"),
        (later(10), "more time", "must be after 23 Dec 2026"),
    ],
)
def test_an_extension_needs_a_reason_and_a_later_date(
    placed, supervisor, new_date, reason, message
):
    with pytest.raises(PlacementRefused, match=message):
        placement_extend(
            placement=placed,
            user=supervisor,
            recall_due_on=new_date,
            reason=reason,
            business_date=DAY,
            now=NOW,
        )
    placed.refresh_from_db()
    assert placed.recall_due_on == later(30)
    assert not PlacementExtension.objects.exists()


def test_a_recalled_placement_cannot_be_extended(placed, supervisor):
    recall_due(later(30))
    with pytest.raises(PlacementRefused, match="only a current placement"):
        placement_extend(
            placement=placed,
            user=supervisor,
            recall_due_on=later(60),
            reason="more time",
            business_date=later(31),
            now=at(later(31)),
        )


# --- Manual recall ------------------------------------------------------------------------------


def test_a_supervisor_recalls_early_with_a_reason_and_a_destination(placed, supervisor):
    counts = placements_recall(
        placements=[placed],
        user=supervisor,
        reason="Complaint about the agency",
        destination=RecallDestination.IN_HOUSE,
        business_date=later(5),
        now=at(later(5)),
    )
    assert counts["recalled_to_in_house"] == 1
    placed.refresh_from_db()
    assert (placed.recalled_on, placed.recalled_by, placed.recall_reason) == (
        later(5),
        supervisor,
        "Complaint about the agency",
    )
    placed.case.refresh_from_db()
    assert placed.case.status == Case.Status.OPEN
    row = ComplianceLogEntry.objects.get(action="agency_recall")
    assert (row.actor, row.team, row.agency) == (supervisor, supervisor.team, placed.agency)


def test_a_manual_recall_needs_a_reason(placed, supervisor):
    with pytest.raises(PlacementRefused, match="reason"):
        placements_recall(
            placements=[placed],
            user=supervisor,
            reason="",
            destination=None,
            business_date=DAY,
            now=NOW,
        )
    placed.refresh_from_db()
    assert placed.is_current


def test_a_case_with_a_pending_promise_keeps_it_when_recalled(placed):
    case = placed.case
    PromiseToPayFactory(case=case, promised_on=later(25), due_date=later(35))
    Case.objects.filter(pk=case.pk).update(status=Case.Status.PROMISED)

    recall_due(later(30))

    case.refresh_from_db()
    placed.refresh_from_db()
    assert not placed.is_current
    # The promise pauses escalation: the case waits for its date, then the ladder resumes.
    assert (case.status, case.stage.action) == (Case.Status.PROMISED, "agency")
    pipeline_run_day(business_date=later(36), now=at(later(36)))
    case.refresh_from_db()
    assert (case.status, case.stage.action) == (Case.Status.LITIGATION, "litigation")


# --- Promises settled while placed ----------------------------------------------------------------


@pytest.mark.parametrize(("paid", "outcome"), [("100.00", "kept"), (None, "broken")])
def test_a_promise_settled_while_placed_leaves_the_case_placed(placed, paid, outcome):
    case = placed.case
    promise = PromiseToPayFactory(
        case=case, amount=Decimal("100.00"), promised_on=later(2), due_date=later(5)
    )
    Case.objects.filter(pk=case.pk).update(status=Case.Status.PROMISED)
    if paid:  # less than the minimum due (150.00): the case is not cured
        PaymentFactory(account=case.account, amount=Decimal(paid), received_on=later(4))

    pipeline_run_day(business_date=later(6), now=at(later(6)))

    promise.refresh_from_db()
    case.refresh_from_db()
    assert promise.status == outcome
    assert case.status == Case.Status.PLACED
    if outcome == PromiseToPay.Status.BROKEN:
        assert case.priority_score == BROKEN_PROMISE_PRIORITY


def test_a_cure_ends_the_placement_through_the_recall_with_its_log_row(placed):
    case = placed.case
    PaymentFactory(account=case.account, amount=Decimal("150.00"), received_on=later(3))
    pipeline_run_day(business_date=later(4), now=at(later(4)))
    counts = agencies_run_day(business_date=later(4), now=at(later(4)))

    assert counts["ended_on_closing"] == 1
    placed.refresh_from_db()
    assert (placed.recalled_on, placed.recall_reason, placed.recall_destination) == (
        later(4),
        "case cured",
        "",
    )
    case.refresh_from_db()
    assert case.status == Case.Status.CURED  # it stays closed: no next stage, no pool
    row = ComplianceLogEntry.objects.get(case=case, action="agency_recall")
    assert (row.agency, row.reason) == (placed.agency, "Ended: case cured")

    agencies_run_day(business_date=later(5), now=at(later(5)))
    assert ComplianceLogEntry.objects.filter(case=case, action="agency_recall").count() == 1


# --- The whole flow, night after night ----------------------------------------------------


def test_a_90_day_case_flows_to_an_agency_and_on_to_litigation(overdue_account, make_agency):
    """The nightly run (pipeline, then the agencies' step), from a few nights before day 90."""
    make_agency(name="Northwind", placement_days=30)
    for n in range(85, 122):
        business_date, now = pipeline_day(n), pipeline_moment(n)
        pipeline_run_day(business_date=business_date, now=now)
        agencies_run_day(business_date=business_date, now=now)

    case = Case.objects.get(account=overdue_account)
    entries = list(
        case.stage_entries.order_by("entered_on").values_list(
            "stage__action", "days_past_due", "action_note"
        )
    )
    assert entries[-2:] == [
        ("agency", 90, "placed with Northwind"),
        ("litigation", 120, "referred to the legal queue"),
    ]
    placement = case.placements.get()
    assert (placement.placed_on, placement.recalled_on) == (pipeline_day(90), pipeline_day(120))
    assert placement.placed_days_past_due == 90
    assert case.status == Case.Status.LITIGATION
