"""What supervisors did to cases and teams, and the compliance overrides they approved.

The tables keep the names they were created with (`cases_…`), from before the split of the
`cases` app.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class SupervisorAction(models.Model):
    """The audit trail of what supervisors did to cases and teams. Written once."""

    class Kind(models.TextChoices):
        REASSIGN = "reassign", _("Cases reassigned")
        MOVE_COLLECTOR = "move_collector", _("Collector moved to another team")
        PAUSE = "pause", _("Case paused")
        RESUME = "resume", _("Case resumed")
        APPROVE_OVERRIDE = "approve_override", _("Compliance override approved")
        WITHDRAW_PAYMENT = "withdraw_payment", _("Reported payment withdrawn")

    kind = models.CharField(_("kind"), max_length=20, choices=Kind)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="supervisor_actions",
        verbose_name=_("supervisor"),
    )
    occurred_at = models.DateTimeField(_("occurred at"))
    reason = models.TextField(_("reason"), blank=True)
    case_count = models.PositiveIntegerField(_("cases"), default=0)
    details = models.JSONField(
        _("details"), default=dict, blank=True, help_text=_("What changed: ids before and after.")
    )

    class Meta:
        verbose_name = _("supervisor action")
        verbose_name_plural = _("supervisor actions")
        db_table = "cases_supervisoraction"
        ordering = ["-occurred_at", "-id"]
        permissions = [("reassign_case", _("Can reassign cases between collectors and teams"))]
        indexes = [models.Index(fields=["occurred_at"], name="supervisor_action_time")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} by {self.actor} at {self.occurred_at:%Y-%m-%d %H:%M}"


class OverrideApproval(models.Model):
    """A supervisor's approval of a blocked contact, judged again by the compliance gate.

    The approval is itself a decision of the gate (verdict overridden, with the reason and the
    approver); the collector it names may then make that contact until `valid_until`, and the
    gate judges that contact once more with the same approver and reason.
    """

    blocked_entry = models.OneToOneField(
        "compliance.ComplianceLogEntry",
        on_delete=models.PROTECT,
        related_name="override_approval",
        verbose_name=_("blocked attempt"),
    )
    decision_entry = models.OneToOneField(
        "compliance.ComplianceLogEntry",
        on_delete=models.PROTECT,
        related_name="approval_decision",
        verbose_name=_("decision"),
        help_text=_("The gate's overridden decision written when the approval was given."),
    )
    case = models.ForeignKey(
        "cases.Case",
        on_delete=models.CASCADE,
        related_name="override_approvals",
        verbose_name=_("case"),
    )
    collector = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="override_approvals",
        verbose_name=_("collector"),
    )
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="overrides_approved",
        verbose_name=_("approved by"),
    )
    reason = models.TextField(_("reason"))
    approved_at = models.DateTimeField(_("approved at"))
    valid_until = models.DateTimeField(_("valid until"))
    used_activity = models.OneToOneField(
        "cases.Activity",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="override_approval",
        verbose_name=_("contact made"),
        help_text=_("The contact made under the approval."),
    )

    class Meta:
        verbose_name = _("override approval")
        verbose_name_plural = _("override approvals")
        db_table = "cases_overrideapproval"
        ordering = ["-approved_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=~Q(reason=""), name="override_approval_has_reason"),
            models.CheckConstraint(
                condition=Q(valid_until__gt=models.F("approved_at")),
                name="override_approval_valid_after_approval",
            ),
        ]

    def __str__(self) -> str:
        return f"Override on case {self.case_id} for {self.collector} by {self.approved_by}"
