"""What the daily pipeline keeps: its runs, and the messages it owes debtors."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from accounts.models import TimeStampedModel
from cases.models import Activity, Case, ContactPoint, StageEntry


class PipelineRun(models.Model):
    """One run of the daily collection pipeline for a business date (or its dry-run preview)."""

    class Status(models.TextChoices):
        RUNNING = "running", "Running"
        SUCCEEDED = "succeeded", "Succeeded"
        FAILED = "failed", "Failed"
        PREVIEWED = "previewed", "Previewed (dry run)"

    class StartedFrom(models.TextChoices):
        SCHEDULE = "schedule", "Schedule"
        PAGE = "page", "Pipeline page"
        COMMAND = "command", "Command line"

    business_date = models.DateField()
    dry_run = models.BooleanField(default=False)
    status = models.CharField(max_length=10, choices=Status, default=Status.RUNNING)
    started_at = models.DateTimeField()
    finished_at = models.DateTimeField(null=True, blank=True)
    counts = models.JSONField(
        default=dict, blank=True, help_text="Cases or messages per transition."
    )
    error = models.TextField(blank=True)
    triggered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="pipeline_runs",
        help_text="The person who started it from the pipeline page.",
    )
    started_from = models.CharField(
        max_length=10, choices=StartedFrom, default=StartedFrom.SCHEDULE
    )

    class Meta:
        db_table = "cases_pipelinerun"
        ordering = ["-started_at", "-id"]
        permissions = [("run_pipeline", "Can run or preview the daily pipeline")]
        constraints = [
            # Two workers given the same date: the second cannot start while the first runs.
            models.UniqueConstraint(
                fields=["business_date"],
                condition=Q(status="running", dry_run=False),
                name="one_running_pipeline_per_date",
            ),
        ]

    def __str__(self) -> str:
        kind = "preview" if self.dry_run else "run"
        return f"Pipeline {kind} for {self.business_date} ({self.get_status_display()})"

    @property
    def starter(self) -> str:
        """Who started the run: the person, else where it came from."""
        if self.triggered_by is not None:
            return self.triggered_by.get_full_name() or self.triggered_by.username
        return self.get_started_from_display()


class OutboundMessage(TimeStampedModel):
    """An SMS, email or letter the pipeline owes a debtor; sent once by the dispatch job."""

    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        QUEUED = "queued", "Queued for sending"
        SENDING = "sending", "Sending"
        SENT = "sent", "Sent"
        BLOCKED = "blocked", "Blocked by compliance"
        FAILED = "failed", "Failed"
        CANCELLED = "cancelled", "Cancelled"
        REVIEW = "review", "Needs review: may have been sent"

    OPEN_STATUSES = (Status.PENDING, Status.QUEUED)

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="messages")
    stage_entry = models.ForeignKey(StageEntry, on_delete=models.CASCADE, related_name="messages")
    channel = models.CharField(max_length=10, choices=Activity.Channel)
    contact_point = models.ForeignKey(
        ContactPoint, null=True, blank=True, on_delete=models.SET_NULL, related_name="messages"
    )
    status = models.CharField(max_length=10, choices=Status, default=Status.PENDING)
    send_after = models.DateTimeField(
        null=True, blank=True, help_text="Held back until then, e.g. outside contact hours."
    )
    subject = models.CharField(max_length=200, blank=True)
    body = models.TextField(blank=True, help_text="Rendered when the message is sent.")
    document_html = models.TextField(blank=True)
    document_pdf = models.FileField(upload_to="letters/%Y/%m/", blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    claim = models.PositiveIntegerField(
        null=True,
        blank=True,
        help_text="The dispatch slot whose worker is sending it (while it is sending).",
    )
    last_error = models.TextField(blank=True)
    provider_reference = models.CharField(max_length=100, blank=True)
    delivery_status = models.CharField(max_length=40, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    activity = models.OneToOneField(
        Activity, null=True, blank=True, on_delete=models.SET_NULL, related_name="message"
    )

    class Meta:
        db_table = "cases_outboundmessage"
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["case", "stage_entry", "channel"],
                name="one_message_per_stage_entry_channel",
            ),
        ]
        indexes = [
            models.Index(
                fields=["status"],
                condition=Q(status__in=["pending", "queued"]),
                name="message_open",
            ),
            # Dispatch claims pending messages in id order: a walk of this index alone,
            # however many messages were sent before them.
            models.Index(fields=["id"], condition=Q(status="pending"), name="message_pending"),
            # Reconciliation looks up who is sending what, among few rows.
            models.Index(fields=["claim"], condition=Q(status="sending"), name="message_sending"),
        ]

    def __str__(self) -> str:
        return f"{self.get_channel_display()} for {self.case} ({self.get_status_display()})"
