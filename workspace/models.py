"""The dialers that report calls to the workspace, and the events they reported."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from accounts.models import TimeStampedModel

SECRET_SHOWN_CHARACTERS = 4


class Dialer(TimeStampedModel):
    """A telephony system that places and receives the collectors' calls and reports them.

    Each request it sends is signed with `secret` (HMAC-SHA256), which is why the secret is
    kept as the admin typed it; the admin never shows it back in full.
    """

    name = models.CharField(
        _("name"),
        max_length=100,
        unique=True,
        help_text=_("The dialer sends it in the X-Dialer-Id header."),
    )
    secret = models.CharField(
        _("shared secret"),
        max_length=200,
        help_text=_("The key the dialer signs its requests with."),
    )
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("dialer")
        verbose_name_plural = _("dialers")

    def __str__(self) -> str:
        return self.name

    @property
    def secret_hint(self) -> str:
        """The secret's last characters, enough to tell two secrets apart."""
        return "•" * 8 + self.secret[-SECRET_SHOWN_CHARACTERS:]


class DialerEvent(models.Model):
    """One event a dialer reported, kept so that the same event is never applied twice."""

    class Type(models.TextChoices):
        CALL_STARTED = "call.started", _("Call started")
        CALL_ENDED = "call.ended", _("Call ended")

    dialer = models.ForeignKey(
        Dialer, on_delete=models.PROTECT, related_name="events", verbose_name=_("dialer")
    )
    event_id = models.CharField(_("event id"), max_length=200)
    type = models.CharField(_("type"), max_length=20, choices=Type)
    call_id = models.CharField(
        _("call id"),
        max_length=200,
        blank=True,
        help_text=_("The dialer's id of the call; its events share it."),
    )
    received_at = models.DateTimeField(_("received at"))
    payload = models.JSONField(_("payload"))
    activity = models.ForeignKey(
        "cases.Activity",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="dialer_events",
        verbose_name=_("activity"),
    )
    awaiting_outcome = models.BooleanField(
        _("awaiting the collector's outcome"),
        default=False,
        help_text=_(
            "The event recorded a call the collector had not logged, with no outcome: the "
            "collector's outcome, logged next, completes that call instead of adding one."
        ),
    )

    class Meta:
        ordering = ["-received_at", "-id"]
        verbose_name = _("dialer event")
        verbose_name_plural = _("dialer events")
        constraints = [
            # A replayed event (the same id again) is refused by the database itself.
            models.UniqueConstraint(fields=["dialer", "event_id"], name="dialer_event_once"),
        ]
        indexes = [
            # An ended call's event finds its started one (and its activity) by the call id.
            models.Index(fields=["dialer", "call_id"], name="dialer_event_call"),
        ]

    def __str__(self) -> str:
        return f"{self.dialer} · {self.event_id}"
