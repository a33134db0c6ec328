"""Read-only queries that depend on who is asking."""

from __future__ import annotations

from django.db.models import Q, QuerySet

from accounts.roles import AGENCY_ROLES, Role
from cases.models import Case


def cases_visible_to(user) -> QuerySet[Case]:
    """Every case `user` may see; the one place row-level access is decided.

    Collectors: their own cases and their team's unassigned pool, not cases placed
    with an agency. Supervisors: the cases of the teams they supervise. Agency staff:
    the current placements of their own agency. Compliance officers and admins: all.
    """
    cases = Case.objects.all()
    if not user.is_authenticated or not user.is_active:
        return cases.none()
    role = user.role
    if role in (Role.ADMIN, Role.COMPLIANCE_OFFICER):
        return cases
    if role == Role.SUPERVISOR:
        return cases.filter(team__in=user.supervised_teams.all())
    if role in AGENCY_ROLES:
        if user.agency_id is None:
            return cases.none()
        return cases.filter(
            placements__agency_id=user.agency_id, placements__recalled_on__isnull=True
        )
    if role == Role.COLLECTOR:
        own_or_pool = Q(assigned_to=user)
        if user.team_id is not None:
            own_or_pool |= Q(assigned_to__isnull=True, team_id=user.team_id)
        return cases.filter(own_or_pool).exclude(status=Case.Status.PLACED)
    return cases.none()
