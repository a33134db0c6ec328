"""Disputes (the debtor contests the debt) and complaints (about how they were treated).

Each is received on a case, investigated, then resolved with an outcome; its deadline (`due_on`)
comes from the case's compliance policy at receipt. Every step is a `Step` row (who, when) and
an internal note on the case; documents are files kept under Django's storage and served only
through the app's scoped view.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from accounts.models import TimeStampedModel
from agencies.models import Agency
from cases.models import Activity, Case


class Channel(models.TextChoices):
    """How the dispute or complaint reached the bank."""

    CALL = "call", _("Call")
    LETTER = "letter", _("Letter")
    EMAIL = "email", _("E-mail")
    PORTAL = "portal", _("Portal")
    IN_PERSON = "in_person", _("In person")


class Status(models.TextChoices):
    RECEIVED = "received", _("Received")
    INVESTIGATING = "investigating", _("Investigating")
    RESOLVED = "resolved", _("Resolved")


class Outcome(models.TextChoices):
    UPHELD = "upheld", _("Upheld")
    REJECTED = "rejected", _("Rejected")
    WITHDRAWN = "withdrawn", _("Withdrawn")


class Grievance(TimeStampedModel):
    """What disputes and complaints share: receipt, lifecycle, deadline, resolution."""

    case = models.ForeignKey(
        Case, on_delete=models.PROTECT, related_name="%(class)ss", verbose_name=_("case")
    )
    channel = models.CharField(_("received by"), max_length=10, choices=Channel)
    received_at = models.DateTimeField(_("received at"))
    received_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("recorded by"),
        help_text=_("Blank: the debtor raised it on the portal."),
    )
    description = models.TextField(_("what the debtor says"))
    status = models.CharField(_("status"), max_length=14, choices=Status, default=Status.RECEIVED)
    due_on = models.DateField(
        _("answer due on"),
        null=True,
        blank=True,
        help_text=_("From the policy at receipt; blank: the policy sets no deadline."),
    )
    outcome = models.CharField(_("outcome"), max_length=10, choices=Outcome, blank=True)
    resolution = models.TextField(_("resolution"), blank=True)
    resolved_at = models.DateTimeField(_("resolved at"), null=True, blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("resolved by"),
    )

    class Meta:
        abstract = True

    @property
    def is_open(self) -> bool:
        return self.status != Status.RESOLVED


def _resolved_whole(name: str) -> models.CheckConstraint:
    # Resolved exactly when it has an outcome, a moment and who resolved it.
    return models.CheckConstraint(
        condition=(
            Q(status="resolved", resolved_at__isnull=False, resolved_by__isnull=False)
            & ~Q(outcome="")
        )
        | (~Q(status="resolved") & Q(outcome="", resolved_at__isnull=True)),
        name=name,
    )


class Dispute(Grievance):
    """The debtor contests the debt. Under a policy that says so (US-RegF), collection stops
    (the debtor's `dispute_pending` flag) until verification is sent."""

    class Kind(models.TextChoices):
        DEBT_WRONG = "debt_wrong", _("The debt is not theirs")
        AMOUNT_WRONG = "amount_wrong", _("The amount is wrong")
        IDENTITY = "identity", _("Identity (fraud, mistaken identity)")
        ALREADY_PAID = "already_paid", _("Already paid")

    kind = models.CharField(_("kind"), max_length=14, choices=Kind)
    holds_collection = models.BooleanField(
        _("stops collection"),
        default=False,
        help_text=_("The policy stopped collection at receipt, until verification is sent."),
    )
    verification_sent_at = models.DateTimeField(_("verification sent at"), null=True, blank=True)

    class Meta:
        verbose_name = _("dispute")
        verbose_name_plural = _("disputes")
        ordering = ["-received_at", "-id"]
        constraints = [_resolved_whole("dispute_resolved_whole")]
        indexes = [
            # The register and the overdue flags read the open ones by deadline.
            models.Index(fields=["status", "due_on"], name="dispute_status_due"),
        ]

    def __str__(self) -> str:
        return _("Dispute %(id)s on case %(case)s") % {"id": self.pk, "case": self.case_id}


class Complaint(Grievance):
    """A complaint about conduct: a collector's, an agency's, a letter or message, or other.
    It counts against the collector or agency it concerns (their figures)."""

    class Subject(models.TextChoices):
        COLLECTOR = "collector", _("A collector")
        AGENCY = "agency", _("An agency")
        MESSAGE = "message", _("A letter or message")
        OTHER = "other", _("Other")

    subject = models.CharField(_("about"), max_length=10, choices=Subject)
    concerns_user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="complaints",
        verbose_name=_("collector concerned"),
    )
    concerns_agency = models.ForeignKey(
        Agency,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="complaints",
        verbose_name=_("agency concerned"),
    )
    concerns_message = models.ForeignKey(
        Activity,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="complaints",
        verbose_name=_("letter or message concerned"),
    )

    class Meta:
        verbose_name = _("complaint")
        verbose_name_plural = _("complaints")
        ordering = ["-received_at", "-id"]
        constraints = [
            _resolved_whole("complaint_resolved_whole"),
            # A complaint about someone names them, so that it counts against them.
            models.CheckConstraint(
                condition=~Q(subject="collector") | Q(concerns_user__isnull=False),
                name="complaint_collector_named",
            ),
            models.CheckConstraint(
                condition=~Q(subject="agency") | Q(concerns_agency__isnull=False),
                name="complaint_agency_named",
            ),
            models.CheckConstraint(
                condition=~Q(subject="message") | Q(concerns_message__isnull=False),
                name="complaint_message_named",
            ),
        ]
        indexes = [
            models.Index(fields=["status", "due_on"], name="complaint_status_due"),
        ]

    def __str__(self) -> str:
        return _("Complaint %(id)s on case %(case)s") % {"id": self.pk, "case": self.case_id}


def _one_of_both() -> Q:
    return Q(dispute__isnull=False, complaint__isnull=True) | Q(
        dispute__isnull=True, complaint__isnull=False
    )


class Step(models.Model):
    """One step of a dispute's or a complaint's life: who took it and when. Never changed."""

    class Kind(models.TextChoices):
        RECEIVED = "received", _("Received")
        INVESTIGATING = "investigating", _("Investigation started")
        VERIFICATION_SENT = "verification_sent", _("Verification sent")
        DOCUMENTS_ADDED = "documents_added", _("Documents added")
        RESOLVED = "resolved", _("Resolved")

    dispute = models.ForeignKey(
        Dispute,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="steps",
        verbose_name=_("dispute"),
    )
    complaint = models.ForeignKey(
        Complaint,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="steps",
        verbose_name=_("complaint"),
    )
    kind = models.CharField(_("step"), max_length=18, choices=Kind)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("by"),
        help_text=_("Blank: the debtor, on the portal."),
    )
    occurred_at = models.DateTimeField(_("at"))
    note = models.TextField(_("note"), blank=True)
    activity = models.OneToOneField(
        Activity,
        on_delete=models.PROTECT,
        related_name="grievance_step",
        verbose_name=_("note on the case"),
    )

    class Meta:
        verbose_name = _("step")
        verbose_name_plural = _("steps")
        ordering = ["occurred_at", "id"]
        constraints = [models.CheckConstraint(condition=_one_of_both(), name="step_of_one")]

    def __str__(self) -> str:
        return self.get_kind_display()


def document_path(document: Document, filename: str) -> str:
    """disputes/%Y/%m/<name>, by the month the document was added (given by the service)."""
    return f"disputes/{document.uploaded_at:%Y/%m}/{filename}"


class Document(models.Model):
    """A file kept with a dispute or a complaint (the debtor's letter, a receipt, the answer),
    served only to users who may see its case."""

    dispute = models.ForeignKey(
        Dispute,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="documents",
        verbose_name=_("dispute"),
    )
    complaint = models.ForeignKey(
        Complaint,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="documents",
        verbose_name=_("complaint"),
    )
    file = models.FileField(_("file"), upload_to=document_path, max_length=200)
    original_name = models.CharField(_("file name"), max_length=200)
    size = models.PositiveBigIntegerField(_("size (bytes)"))
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("added by"),
        help_text=_("Blank: the debtor, on the portal."),
    )
    uploaded_at = models.DateTimeField(_("added at"))

    class Meta:
        verbose_name = _("document")
        verbose_name_plural = _("documents")
        ordering = ["id"]
        constraints = [models.CheckConstraint(condition=_one_of_both(), name="document_of_one")]

    def __str__(self) -> str:
        return self.original_name
