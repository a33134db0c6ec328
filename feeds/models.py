"""The record of every feed import, and the rows it turned away.

The tables keep the names they were created with (`cases_…`), from before the split of the
`cases` app.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models

from accounts.models import TimeStampedModel


class ImportRun(TimeStampedModel):
    """One import of one bank file (or its dry run), with its counts and its outcome."""

    class Kind(models.TextChoices):
        ACCOUNTS = "accounts", "Accounts"
        PAYMENTS = "payments", "Payments"

    class Status(models.TextChoices):
        QUEUED = "queued", "Queued"
        RUNNING = "running", "Running"
        SUCCEEDED = "succeeded", "Succeeded"
        PREVIEWED = "previewed", "Previewed (dry run)"
        REFUSED = "refused", "Refused: file unreadable"
        FAILED = "failed", "Failed"

    FINISHED_STATUSES = (Status.SUCCEEDED, Status.PREVIEWED, Status.REFUSED, Status.FAILED)

    kind = models.CharField(max_length=10, choices=Kind)
    file_name = models.CharField(max_length=255)
    upload = models.FileField(upload_to="feeds/%Y/%m/", blank=True)
    checksum = models.CharField(max_length=64, blank=True, help_text="SHA-256 of the file.")
    business_date = models.DateField()
    dry_run = models.BooleanField(default=False)
    status = models.CharField(max_length=10, choices=Status, default=Status.QUEUED)
    message = models.TextField(blank=True, help_text="Why the file was refused, or the error.")
    rows_read = models.PositiveIntegerField(default=0)
    inserted = models.PositiveIntegerField(default=0)
    updated = models.PositiveIntegerField(default=0)
    unchanged = models.PositiveIntegerField(default=0)
    rejected = models.PositiveIntegerField(default=0)
    progress_percent = models.PositiveSmallIntegerField(default=0)
    lines_done = models.PositiveIntegerField(
        default=0,
        help_text="The file's lines (header included) merged and counted, committed with them: "
        "an import taken over after its process died goes on from the next line.",
    )
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    duration_seconds = models.FloatField(null=True, blank=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="import_runs",
        help_text="Blank when run from the command line.",
    )

    class Meta:
        db_table = "cases_importrun"
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["checksum"], name="import_run_checksum")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} feed {self.file_name} ({self.get_status_display()})"

    @property
    def is_finished(self) -> bool:
        return self.status in self.FINISHED_STATUSES


class ImportRejectedRow(models.Model):
    """A row the import turned away: where it was, what it said (masked) and why."""

    run = models.ForeignKey(ImportRun, on_delete=models.CASCADE, related_name="rejected_rows")
    line_number = models.PositiveIntegerField()
    raw_row = models.TextField(help_text="The row as read, card numbers and national IDs masked.")
    reason = models.CharField(max_length=500)

    class Meta:
        db_table = "cases_importrejectedrow"
        ordering = ["run", "line_number", "id"]

    def __str__(self) -> str:
        return f"line {self.line_number}: {self.reason}"
