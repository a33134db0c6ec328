"""What supervisors did to cases and teams, and the compliance overrides they approved.

The tables keep the names they were created with (`cases_…`), from before the split of the
`cases` app.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q


class SupervisorAction(models.Model):
    """The audit trail of what supervisors did to cases and teams. Written once."""

    class Kind(models.TextChoices):
        REASSIGN = "reassign", "Cases reassigned"
        MOVE_COLLECTOR = "move_collector", "Collector moved to another team"
        PAUSE = "pause", "Case paused"
        RESUME = "resume", "Case resumed"
        APPROVE_OVERRIDE = "approve_override", "Compliance override approved"

    kind = models.CharField(max_length=20, choices=Kind)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="supervisor_actions"
    )
    occurred_at = models.DateTimeField()
    reason = models.TextField(blank=True)
    case_count = models.PositiveIntegerField(default=0)
    details = models.JSONField(
        default=dict, blank=True, help_text="What changed: ids before and after."
    )

    class Meta:
        db_table = "cases_supervisoraction"
        ordering = ["-occurred_at", "-id"]
        permissions = [("reassign_case", "Can reassign cases between collectors and teams")]
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
        "compliance.ComplianceLogEntry", on_delete=models.PROTECT, related_name="override_approval"
    )
    decision_entry = models.OneToOneField(
        "compliance.ComplianceLogEntry",
        on_delete=models.PROTECT,
        related_name="approval_decision",
        help_text="The gate's overridden decision written when the approval was given.",
    )
    case = models.ForeignKey(
        "cases.Case", on_delete=models.CASCADE, related_name="override_approvals"
    )
    collector = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="override_approvals"
    )
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="overrides_approved"
    )
    reason = models.TextField()
    approved_at = models.DateTimeField()
    valid_until = models.DateTimeField()
    used_activity = models.OneToOneField(
        "cases.Activity",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="override_approval",
        help_text="The contact made under the approval.",
    )

    class Meta:
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
