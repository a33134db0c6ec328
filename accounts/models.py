from __future__ import annotations

import zoneinfo

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _

from accounts.roles import Role


def validate_time_zone(value: str) -> None:
    if value not in zoneinfo.available_timezones():
        raise ValidationError(
            _("%(value)r is not an IANA time zone name (e.g. America/New_York)."),
            code="invalid_time_zone",
            params={"value": value},
        )


class TimeStampedModel(models.Model):
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        abstract = True


class Team(TimeStampedModel):
    name = models.CharField(_("name"), max_length=100, unique=True)
    supervisors = models.ManyToManyField(
        "accounts.User",
        related_name="supervised_teams",
        blank=True,
        verbose_name=_("supervisors"),
    )
    # Vulnerable customers are routed to such a team (FCA FG21/1): its members' queue serves
    # them, and a policy may let its members contact them without a per-call approval.
    is_specialist = models.BooleanField(
        _("vulnerable customers' team"),
        default=False,
        help_text=_(
            "A specialist team: its members are served vulnerable customers' cases, and a "
            "policy may let them call those customers without a per-call approval."
        ),
    )

    class Meta:
        ordering = ["name"]
        verbose_name = _("team")
        verbose_name_plural = _("teams")

    def __str__(self) -> str:
        return self.name


class User(AbstractUser):
    """A person who logs in: in-house staff belong to a team, agency staff to an agency."""

    team = models.ForeignKey(
        Team,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="members",
        verbose_name=_("team"),
    )
    agency = models.ForeignKey(
        "agencies.Agency",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="staff",
        verbose_name=_("agency"),
    )
    time_zone = models.CharField(
        _("time zone"),
        max_length=64,
        default="UTC",
        validators=[validate_time_zone],
        help_text=_("Shown beside the debtor's local time on call-backs."),
    )
    # Blank until chosen on the log-in page, the first time: the browser's language stands.
    language = models.CharField(
        _("language"),
        max_length=10,
        choices=settings.LANGUAGES,
        blank=True,
        help_text=_("The language of the interface; blank: the browser's."),
    )

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        constraints = [
            models.CheckConstraint(
                condition=Q(team__isnull=True) | Q(agency__isnull=True),
                name="user_in_one_team_or_one_agency",
                violation_error_message=_("A user belongs to a team or to an agency, not both."),
            ),
        ]

    @cached_property
    def role(self) -> Role | None:
        """The user's role: the first of their role groups, admin for superusers."""
        if self.is_superuser:
            return Role.ADMIN
        names = {group.name for group in self.groups.all()}
        for role in Role:
            if role.value in names:
                return role
        return None
