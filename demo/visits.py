"""A few field visits in the demo world: some done in the last days, some planned ahead.

Each goes through the visits' services, so the compliance gate judges every step and the log
holds their rows; an attempt the gate refuses is simply left out (or, refused at check-in,
stays planned and shows as missed on the board).
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from accounts.models import User
from agencies.models import Placement
from cases.models import ContactPoint
from visits.models import Visit
from visits.services import (
    VISITING_ROLES,
    VisitRefused,
    visit_check_in,
    visit_check_out,
    visit_plan,
)

DONE_VISITS = 4
PLANNED_VISITS = 3
CANDIDATES = 60  # placements looked at, at most
OUTCOMES = (
    Visit.Outcome.MET_DEBTOR,
    Visit.Outcome.NOBODY_HOME,
    Visit.Outcome.PROMISE,
    Visit.Outcome.MET_THIRD_PARTY,
)
NOTES = {
    Visit.Outcome.MET_DEBTOR: "Met the cardholder at home; explained the arrears and the options.",
    Visit.Outcome.NOBODY_HOME: "Nobody answered; left no notice, as the policy asks.",
    Visit.Outcome.PROMISE: "The cardholder promised to pay the arrears at the end of the month.",
    Visit.Outcome.MET_THIRD_PARTY: "A relative answered; asked only for a good time to call.",
}


def _visitors(agency_id: int) -> list[User]:
    staff = User.objects.filter(agency_id=agency_id, is_active=True).prefetch_related("groups")
    return [user for user in staff.order_by("id") if user.role in VISITING_ROLES][:2]


def _plan(placement: Placement, day: dt.date):
    """A visit of the placement's case planned for 10:30 on `day`, debtor's time, the day
    before; None when it has no address or visitors, or is refused or blocked."""
    case, debtor = placement.case, placement.case.debtor
    address = ContactPoint.objects.filter(
        debtor=debtor, kind=ContactPoint.Kind.POSTAL, owner="debtor", invalid=False
    ).first()
    visitors = _visitors(placement.agency_id)
    if address is None or not visitors:
        return None
    planned_at = dt.datetime.combine(day, dt.time(10, 30), tzinfo=ZoneInfo(debtor.time_zone))
    try:
        result = visit_plan(
            case=case,
            user=visitors[0],
            address=address,
            planned_at=planned_at,
            visitors=visitors,
            now=planned_at - dt.timedelta(days=1),
        )
    except VisitRefused:
        return None
    return result.visit


def write_visits(*, business_date: dt.date) -> int:
    """Plan and record the demo's visits around `business_date`; returns how many were made.

    The visits done come first, on the days before the business date, one per placement; the
    planned ones follow on the days ahead, on placements not visited yet and then on those
    visited before, so that a small world still shows both."""
    placements = list(
        Placement.objects.filter(recalled_on__isnull=True, placed_on__lt=business_date)
        .select_related("case__debtor")
        .order_by("id")[:CANDIDATES]
    )
    done, visited = 0, set()
    for placement in placements:
        if done >= DONE_VISITS:
            break
        visit = _plan(placement, business_date - dt.timedelta(days=1 + done))
        if visit is None:
            continue
        visitor = visit.visitors.order_by("id").first()
        planned_at = visit.planned_at
        if visit_check_in(visit=visit, user=visitor, now=planned_at).visit is None:
            continue
        outcome = OUTCOMES[done % len(OUTCOMES)]
        visit_check_out(
            visit=visit,
            user=visitor,
            now=planned_at + dt.timedelta(minutes=25),
            outcome=outcome,
            notes=NOTES[outcome],
            identification_shown=True,
            files=[],
        )
        visited.add(placement.pk)
        done += 1
    planned = 0
    not_yet = [placement for placement in placements if placement.pk not in visited]
    again = [placement for placement in placements if placement.pk in visited]
    for placement in not_yet + again:
        if planned >= PLANNED_VISITS:
            break
        if _plan(placement, business_date + dt.timedelta(days=1 + planned)) is not None:
            planned += 1
    return done + planned
