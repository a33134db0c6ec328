"""The record of every feed import, and the rows it turned away.

The tables keep the names they were created with (`cases_…`), from before the split of the
`cases` app.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from accounts.models import TimeStampedModel


class ImportRun(TimeStampedModel):
    """One import of one bank file (or its dry run), with its counts and its outcome."""

    class Kind(models.TextChoices):
        ACCOUNTS = "accounts", _("Accounts")
        PAYMENTS = "payments", _("Payments")

    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        RUNNING = "running", _("Running")
        SUCCEEDED = "succeeded", _("Succeeded")
        PREVIEWED = "previewed", _("Previewed (dry run)")
        REFUSED = "refused", _("Refused: file unreadable")
        FAILED = "failed", _("Failed")

    FINISHED_STATUSES = (Status.SUCCEEDED, Status.PREVIEWED, Status.REFUSED, Status.FAILED)

    kind = models.CharField(_("feed"), max_length=10, choices=Kind)
    file_name = models.CharField(_("file name"), max_length=255)
    upload = models.FileField(_("upload"), upload_to="feeds/%Y/%m/", blank=True)
    checksum = models.CharField(
        _("checksum"), max_length=64, blank=True, help_text=_("SHA-256 of the file.")
    )
    business_date = models.DateField(_("business date"))
    dry_run = models.BooleanField(_("dry run"), default=False)
    status = models.CharField(_("status"), max_length=10, choices=Status, default=Status.QUEUED)
    message = models.TextField(
        _("message"), blank=True, help_text=_("Why the file was refused, or the error.")
    )
    rows_read = models.PositiveIntegerField(_("rows read"), default=0)
    inserted = models.PositiveIntegerField(_("inserted"), default=0)
    updated = models.PositiveIntegerField(_("updated"), default=0)
    unchanged = models.PositiveIntegerField(_("unchanged"), default=0)
    rejected = models.PositiveIntegerField(_("rejected"), default=0)
    progress_percent = models.PositiveSmallIntegerField(_("progress (%)"), default=0)
    lines_done = models.PositiveIntegerField(
        _("lines done"),
        default=0,
        help_text=_(
            "The file's lines (header included) merged and counted, committed with them: "
            "an import taken over after its process died goes on from the next line."
        ),
    )
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    duration_seconds = models.FloatField(_("duration (seconds)"), null=True, blank=True)
    language = models.CharField(
        _("language"),
        max_length=10,
        default=settings.LANGUAGE_CODE,
        help_text=_("The language of the person who uploaded the file: its report's language."),
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="import_runs",
        verbose_name=_("user"),
        help_text=_("Blank when run from the command line."),
    )

    class Meta:
        db_table = "cases_importrun"
        verbose_name = _("import run")
        verbose_name_plural = _("import runs")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["checksum"], name="import_run_checksum")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} feed {self.file_name} ({self.get_status_display()})"

    @property
    def is_finished(self) -> bool:
        return self.status in self.FINISHED_STATUSES


class ImportRejectedRow(models.Model):
    """A row the import turned away: where it was, what it said (masked) and why."""

    run = models.ForeignKey(
        ImportRun,
        on_delete=models.CASCADE,
        related_name="rejected_rows",
        verbose_name=_("import run"),
    )
    line_number = models.PositiveIntegerField(_("line number"))
    raw_row = models.TextField(
        _("row as read"),
        help_text=_("The row as read, card numbers and national IDs masked."),
    )
    reason = models.CharField(_("reason"), max_length=500)

    class Meta:
        db_table = "cases_importrejectedrow"
        verbose_name = _("rejected row")
        verbose_name_plural = _("rejected rows")
        ordering = ["run", "line_number", "id"]

    def __str__(self) -> str:
        return f"line {self.line_number}: {self.reason}"
