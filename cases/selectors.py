"""Who may see which case: the one scoping function every view, job and export goes through."""

from __future__ import annotations

from functools import reduce
from operator import or_

from django.db.models import (
    Exists,
    OuterRef,
    Q,
    QuerySet,
)

from accounts.roles import AGENCY_ROLES, Role
from cases.models import Case


def current_placements() -> QuerySet:
    """Placements not yet recalled. The agencies app declares them on the case (related name
    `placements`); the domain reads them through that relation and never imports the app,
    which sits above it."""
    return Case.placements.rel.related_model.objects.filter(recalled_on__isnull=True)


def case_scope_slices(user) -> list[Q]:
    """Every case `user` may see, as slices whose union is their scope; the one place
    row-level access is decided.

    Collectors: their own cases and their team's unassigned pool, not cases placed with an
    agency. Supervisors: the cases of the teams they supervise. Agency staff: the current
    placements of their own agency. Compliance officers and admins: all. The slices are
    disjoint and each follows one index, so the work queue can walk them one at a time.
    """
    if not user.is_authenticated or not user.is_active:
        return []
    role = user.role
    if role in (Role.ADMIN, Role.COMPLIANCE_OFFICER):
        return [Q()]
    if role == Role.SUPERVISOR:
        return [Q(team__in=user.supervised_teams.all())]
    if role in AGENCY_ROLES:
        if user.agency_id is None:
            return []
        return [Q(placements__agency_id=user.agency_id, placements__recalled_on__isnull=True)]
    if role == Role.COLLECTOR:
        # Placed with an agency: by status, and by a current placement whatever the status
        # (a promise taken by the agency makes the case "promised" while it stays placed).
        in_house = ~Q(status=Case.Status.PLACED) & ~Exists(
            current_placements().filter(case_id=OuterRef("pk"))
        )
        slices = [Q(assigned_to=user) & in_house]
        if user.team_id is not None:
            slices.append(Q(assigned_to__isnull=True, team_id=user.team_id) & in_house)
        return slices
    return []


def cases_visible_to(user) -> QuerySet[Case]:
    """Every case `user` may see (the union of case_scope_slices)."""
    slices = case_scope_slices(user)
    if not slices:
        return Case.objects.none()
    return Case.objects.filter(reduce(or_, slices))
