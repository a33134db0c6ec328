"""What the daily pipeline keeps: its runs, and the messages it owes debtors."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import formats
from django.utils.translation import gettext, gettext_lazy

from accounts.models import TimeStampedModel
from cases.models import Activity, Case, ContactPoint, StageEntry


class PipelineRun(models.Model):
    """One run of the daily collection pipeline for a business date (or its dry-run preview)."""

    class Status(models.TextChoices):
        RUNNING = "running", gettext_lazy("Running")
        SUCCEEDED = "succeeded", gettext_lazy("Succeeded")
        FAILED = "failed", gettext_lazy("Failed")
        PREVIEWED = "previewed", gettext_lazy("Previewed (dry run)")

    class StartedFrom(models.TextChoices):
        SCHEDULE = "schedule", gettext_lazy("Schedule")
        PAGE = "page", gettext_lazy("Pipeline page")
        COMMAND = "command", gettext_lazy("Command line")

    business_date = models.DateField(verbose_name=gettext_lazy("business date"))
    dry_run = models.BooleanField(default=False, verbose_name=gettext_lazy("dry run"))
    status = models.CharField(
        max_length=10, choices=Status, default=Status.RUNNING, verbose_name=gettext_lazy("status")
    )
    started_at = models.DateTimeField(verbose_name=gettext_lazy("started at"))
    finished_at = models.DateTimeField(
        null=True, blank=True, verbose_name=gettext_lazy("finished at")
    )
    counts = models.JSONField(
        default=dict,
        blank=True,
        help_text=gettext_lazy("Cases or messages per transition."),
        verbose_name=gettext_lazy("counts"),
    )
    error = models.TextField(blank=True, verbose_name=gettext_lazy("error"))
    triggered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="pipeline_runs",
        help_text=gettext_lazy("The person who started it from the pipeline page."),
        verbose_name=gettext_lazy("triggered by"),
    )
    started_from = models.CharField(
        max_length=10,
        choices=StartedFrom,
        default=StartedFrom.SCHEDULE,
        verbose_name=gettext_lazy("started from"),
    )

    class Meta:
        db_table = "cases_pipelinerun"
        ordering = ["-started_at", "-id"]
        verbose_name = gettext_lazy("pipeline run")
        verbose_name_plural = gettext_lazy("pipeline runs")
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
        facts = {
            "date": formats.date_format(self.business_date, "DATE_FORMAT"),
            "status": self.get_status_display(),
        }
        if self.dry_run:
            return gettext("Pipeline preview for %(date)s (%(status)s)") % facts
        return gettext("Pipeline run for %(date)s (%(status)s)") % facts

    @property
    def starter(self) -> str:
        """Who started the run: the person, else where it came from."""
        if self.triggered_by is not None:
            return self.triggered_by.get_full_name() or self.triggered_by.username
        return self.get_started_from_display()


class PrintFile(models.Model):
    """Letters handed to print, set in one PDF: the file a print-and-mail house takes."""

    created_at = models.DateTimeField(verbose_name=gettext_lazy("created at"))
    file = models.FileField(upload_to="print/%Y/%m/", verbose_name=gettext_lazy("file (PDF)"))
    letters = models.PositiveIntegerField(verbose_name=gettext_lazy("letters"))

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = gettext_lazy("print file")
        verbose_name_plural = gettext_lazy("print files")

    def __str__(self) -> str:
        return self.file.name


class OutboundMessage(TimeStampedModel):
    """An SMS, email or letter owed to a debtor; sent once by the dispatch job.

    Most are the ladder's: a stage entered queues its reminder or demand letter (`stage_entry`).
    An agreement sends its own letter (a repayment plan's confirmation, an accepted
    settlement's letter): it has no stage entry, and its text is written when it is queued.
    """

    class Purpose(models.TextChoices):
        STAGE = "stage", gettext_lazy("Collection stage")
        PLAN_CONFIRMATION = "plan_confirmation", gettext_lazy("Repayment plan confirmation")
        SETTLEMENT_LETTER = "settlement_letter", gettext_lazy("Settlement letter")

    class Status(models.TextChoices):
        PENDING = "pending", gettext_lazy("Pending")
        QUEUED = "queued", gettext_lazy("Queued for sending")
        SENDING = "sending", gettext_lazy("Sending")
        SENT = "sent", gettext_lazy("Sent")
        BLOCKED = "blocked", gettext_lazy("Blocked by compliance")
        FAILED = "failed", gettext_lazy("Failed")
        CANCELLED = "cancelled", gettext_lazy("Cancelled")
        REVIEW = "review", gettext_lazy("Needs review: may have been sent")

    OPEN_STATUSES = (Status.PENDING, Status.QUEUED)

    case = models.ForeignKey(
        Case, on_delete=models.CASCADE, related_name="messages", verbose_name=gettext_lazy("case")
    )
    purpose = models.CharField(
        max_length=20,
        choices=Purpose,
        default=Purpose.STAGE,
        db_default=Purpose.STAGE,
        help_text=gettext_lazy(
            "Why it is sent: a stage of the ladder, or an agreement made with the debtor."
        ),
        verbose_name=gettext_lazy("purpose"),
    )
    stage_entry = models.ForeignKey(
        StageEntry,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="messages",
        help_text=gettext_lazy("The stage entry that queued it; none for an agreement's letter."),
        verbose_name=gettext_lazy("stage entry"),
    )
    channel = models.CharField(
        max_length=10, choices=Activity.Channel, verbose_name=gettext_lazy("channel")
    )
    contact_point = models.ForeignKey(
        ContactPoint,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="messages",
        verbose_name=gettext_lazy("contact point"),
    )
    status = models.CharField(
        max_length=10, choices=Status, default=Status.PENDING, verbose_name=gettext_lazy("status")
    )
    send_after = models.DateTimeField(
        null=True,
        blank=True,
        help_text=gettext_lazy("Held back until then, e.g. outside contact hours."),
        verbose_name=gettext_lazy("send after"),
    )
    subject = models.CharField(max_length=200, blank=True, verbose_name=gettext_lazy("subject"))
    body = models.TextField(
        blank=True,
        help_text=gettext_lazy("Rendered when the message is sent."),
        verbose_name=gettext_lazy("body"),
    )
    document_html = models.TextField(blank=True, verbose_name=gettext_lazy("document (HTML)"))
    print_file = models.ForeignKey(
        PrintFile,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="messages",
        help_text=gettext_lazy("The print file in which a letter was set, once it was."),
        verbose_name=gettext_lazy("print file"),
    )
    print_page = models.PositiveIntegerField(
        null=True,
        blank=True,
        help_text=gettext_lazy("The letter's first page in its print file."),
        verbose_name=gettext_lazy("page in the print file"),
    )
    attempts = models.PositiveSmallIntegerField(default=0, verbose_name=gettext_lazy("attempts"))
    claim = models.PositiveIntegerField(
        null=True,
        blank=True,
        help_text=gettext_lazy(
            "The dispatch slot whose worker is sending it (while it is sending)."
        ),
        verbose_name=gettext_lazy("claim"),
    )
    last_error = models.TextField(blank=True, verbose_name=gettext_lazy("last error"))
    provider_reference = models.CharField(
        max_length=100, blank=True, verbose_name=gettext_lazy("provider reference")
    )
    delivery_status = models.CharField(
        max_length=40, blank=True, verbose_name=gettext_lazy("delivery status")
    )
    sent_at = models.DateTimeField(null=True, blank=True, verbose_name=gettext_lazy("sent at"))
    activity = models.OneToOneField(
        Activity,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="message",
        verbose_name=gettext_lazy("activity"),
    )

    class Meta:
        db_table = "cases_outboundmessage"
        ordering = ["-created_at", "-id"]
        verbose_name = gettext_lazy("outbound message")
        verbose_name_plural = gettext_lazy("outbound messages")
        constraints = [
            models.UniqueConstraint(
                fields=["case", "stage_entry", "channel"],
                name="one_message_per_stage_entry_channel",
            ),
            # A ladder's message comes from its stage entry; an agreement's letter from no stage.
            models.CheckConstraint(
                condition=Q(purpose="stage", stage_entry__isnull=False)
                | (~Q(purpose="stage") & Q(stage_entry__isnull=True)),
                name="message_stage_entry_matches_purpose",
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
            # Print runs take the letters sent and not yet set in a print file, in id order.
            models.Index(
                fields=["id"],
                condition=Q(channel="letter", status="sent", print_file__isnull=True),
                name="message_awaiting_print",
            ),
        ]

    def __str__(self) -> str:
        return gettext("%(channel)s for %(case)s (%(status)s)") % {
            "channel": self.get_channel_display(),
            "case": self.case,
            "status": self.get_status_display(),
        }
