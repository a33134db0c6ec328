"""Which teams and people a user may see and hand work to."""

from __future__ import annotations

from django.db.models import QuerySet

from accounts.models import Team, User
from accounts.roles import SUPERVISING_ROLES, Role


def collector_teams_for(user) -> QuerySet[Team]:
    """Teams the user may move collectors into and assign cases to."""
    if user.role == Role.ADMIN:
        return Team.objects.all()
    if user.role in SUPERVISING_ROLES:
        return user.supervised_teams.all()
    return Team.objects.none()


def assignable_collectors_for(user) -> QuerySet[User]:
    """In-house collectors of the teams the user supervises (all teams for admins)."""
    return (
        User.objects.filter(team__in=collector_teams_for(user), is_active=True)
        .filter(groups__name=Role.COLLECTOR)
        .select_related("team")
        .order_by("team__name", "username")
    )


def sees_every_team(user) -> bool:
    return user.is_authenticated and user.role in (Role.ADMIN, Role.COMPLIANCE_OFFICER)


def teams_visible_to(user) -> QuerySet[Team]:
    """The teams whose figures `user` may read: supervised ones, or all for compliance/admin."""
    if not user.is_authenticated or not user.is_active:
        return Team.objects.none()
    if sees_every_team(user):
        return Team.objects.all()
    if user.role in SUPERVISING_ROLES:
        return user.supervised_teams.all()
    return Team.objects.none()
