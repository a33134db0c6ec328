"""Which visits a user may see, and the visit board's figures."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field

from django.db.models import Q, QuerySet

from cases.selectors import cases_visible_to
from visits.models import Visit, VisitEvidence

MISSED = "missed"  # a board state computed from the planned time, never stored


def visits_visible_to(user) -> QuerySet[Visit]:
    """The visits of the cases `user` may see (cases_visible_to decides)."""
    return Visit.objects.filter(case__in=cases_visible_to(user))


def evidence_visible_to(user) -> QuerySet[VisitEvidence]:
    return VisitEvidence.objects.filter(visit__case__in=cases_visible_to(user))


def missed_q(*, now: dt.datetime, missed_after: dt.timedelta) -> Q:
    """Planned visits whose planned time passed `missed_after` ago with nobody checked in."""
    return Q(status=Visit.Status.PLANNED, planned_at__lt=now - missed_after)


def board_state(visit: Visit, *, now: dt.datetime, missed_after: dt.timedelta) -> str:
    """planned, checked_in, done, or missed."""
    if visit.status == Visit.Status.PLANNED and visit.planned_at < now - missed_after:
        return MISSED
    return visit.status


@dataclass
class VisitorFigures:
    """One visitor's visits in the period: by state, and the outcomes of those done."""

    visitor: object
    states: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    outcomes: dict[str, int] = field(default_factory=lambda: defaultdict(int))


def visit_board(
    *,
    user,
    start: dt.date,
    end: dt.date,
    zone,
    visitor_id: int | None,
    now: dt.datetime,
    missed_after: dt.timedelta,
) -> tuple[list[Visit], list[VisitorFigures]]:
    """The visits planned in [start, end] (days in `zone`) that `user` may see, optionally of
    one visitor, newest first, and each visitor's figures over them."""
    first = dt.datetime.combine(start, dt.time(0), tzinfo=zone)
    after = dt.datetime.combine(end + dt.timedelta(days=1), dt.time(0), tzinfo=zone)
    visits = (
        visits_visible_to(user)
        .filter(planned_at__gte=first, planned_at__lt=after)
        .select_related("case__debtor", "address", "planned_by")
        .prefetch_related("visitors")
        .order_by("-planned_at", "-id")
    )
    if visitor_id is not None:
        visits = visits.filter(visitors=visitor_id)
    visits = list(visits)
    figures: dict[int, VisitorFigures] = {}
    for visit in visits:
        visit.board_state = board_state(visit, now=now, missed_after=missed_after)
        for person in visit.visitors.all():
            if visitor_id is not None and person.pk != visitor_id:
                continue
            row = figures.setdefault(person.pk, VisitorFigures(person))
            row.states[visit.board_state] += 1
            if visit.outcome:
                row.outcomes[visit.outcome] += 1
    ordered = sorted(
        figures.values(), key=lambda row: (row.visitor.get_full_name(), row.visitor.pk)
    )
    return visits, ordered
