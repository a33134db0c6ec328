"""Field visits: planned on a case, checked in and out on the spot, with their evidence."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from accounts.models import TimeStampedModel
from cases.models import Activity, Case, ContactPoint
from compliance.models import ComplianceLogEntry


class Visit(TimeStampedModel):
    """One visit to a debtor's postal address by one or more staff.

    Planned (the gate judged the planned moment), checked in (the gate judged again, on the
    spot), then done: the check-out records the outcome as an `Activity` on the visit channel
    and its compliance-log contact row, under the check-in's decision.
    """

    class Status(models.TextChoices):
        PLANNED = "planned", _("Planned")
        CHECKED_IN = "checked_in", _("Checked in")
        DONE = "done", _("Done")

    class Outcome(models.TextChoices):
        MET_DEBTOR = "met_debtor", _("Met the debtor")
        MET_THIRD_PARTY = "met_third_party", _("Met a third party")
        NOBODY_HOME = "nobody_home", _("Nobody home")
        REFUSED = "refused", _("Refused")
        ADDRESS_WRONG = "address_wrong", _("Address wrong")
        PROMISE = "promise", _("Promise taken")
        PAYMENT = "payment", _("Payment taken")

    case = models.ForeignKey(
        Case, on_delete=models.CASCADE, related_name="visits", verbose_name=_("case")
    )
    address = models.ForeignKey(
        ContactPoint, on_delete=models.PROTECT, related_name="visits", verbose_name=_("address")
    )
    planned_at = models.DateTimeField(_("planned for"))
    planned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="visits_planned",
        verbose_name=_("planned by"),
    )
    visitors = models.ManyToManyField(
        settings.AUTH_USER_MODEL, related_name="field_visits", verbose_name=_("visitors")
    )
    status = models.CharField(_("status"), max_length=12, choices=Status, default=Status.PLANNED)
    plan_decision = models.ForeignKey(
        ComplianceLogEntry,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("planning decision"),
    )
    checked_in_at = models.DateTimeField(_("checked in at"), null=True, blank=True)
    checked_in_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("checked in by"),
    )
    check_in_decision = models.ForeignKey(
        ComplianceLogEntry,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("check-in decision"),
    )
    latitude = models.DecimalField(
        _("latitude"), max_digits=9, decimal_places=6, null=True, blank=True
    )
    longitude = models.DecimalField(
        _("longitude"), max_digits=9, decimal_places=6, null=True, blank=True
    )
    checked_out_at = models.DateTimeField(_("checked out at"), null=True, blank=True)
    outcome = models.CharField(_("outcome"), max_length=16, choices=Outcome, blank=True)
    notes = models.TextField(_("notes"), blank=True)
    identification_shown = models.BooleanField(_("identification shown"), null=True, blank=True)
    activity = models.OneToOneField(
        Activity,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="visit",
        verbose_name=_("activity"),
    )

    class Meta:
        verbose_name = _("visit")
        verbose_name_plural = _("visits")
        ordering = ["-planned_at", "-id"]
        constraints = [
            # Each step has what it needs: a check-in its moment and decision, a done visit its
            # outcome, check-out and activity.
            models.CheckConstraint(
                condition=Q(status="planned")
                | Q(checked_in_at__isnull=False, check_in_decision__isnull=False),
                name="visit_checked_in_whole",
            ),
            models.CheckConstraint(
                condition=~Q(status="done")
                | (Q(checked_out_at__isnull=False, activity__isnull=False) & ~Q(outcome="")),
                name="visit_done_whole",
            ),
            models.CheckConstraint(
                condition=Q(latitude__isnull=True, longitude__isnull=True)
                | Q(latitude__gte=-90, latitude__lte=90, longitude__gte=-180, longitude__lte=180),
                name="visit_position_on_earth",
            ),
        ]
        indexes = [
            models.Index(fields=["status", "planned_at"], name="visit_status_time"),
            models.Index(fields=["case", "planned_at"], name="visit_case_time"),
        ]

    def __str__(self) -> str:
        return _("Visit %(id)s to case %(case)s") % {"id": self.pk, "case": self.case_id}


def evidence_path(evidence: VisitEvidence, filename: str) -> str:
    """visits/%Y/%m/<name>, by the month the file was taken in (its `uploaded_at`, given by the
    service), not by the clock of the moment it is written."""
    return f"visits/{evidence.uploaded_at:%Y/%m}/{filename}"


class VisitEvidence(models.Model):
    """A photo or a recording taken on a visit. Its SHA-256 is in the visit's compliance-log
    contact row; the file is served only through the visits app's scoped view."""

    visit = models.ForeignKey(
        Visit, on_delete=models.PROTECT, related_name="evidence", verbose_name=_("visit")
    )
    file = models.FileField(_("file"), upload_to=evidence_path, max_length=200)
    original_name = models.CharField(_("file name"), max_length=200)
    size = models.PositiveBigIntegerField(_("size (bytes)"))
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("uploaded by"),
    )
    uploaded_at = models.DateTimeField(_("uploaded at"))

    class Meta:
        verbose_name = _("visit evidence")
        verbose_name_plural = _("visit evidence")
        ordering = ["visit", "id"]

    def __str__(self) -> str:
        return self.original_name
