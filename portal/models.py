"""The debtor portal's own records: arrivals, wrong answers to its identity questions (the
lockout counts them), one-time codes sent by SMS, and the payments started with the payment
provider."""

from __future__ import annotations

from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from accounts.models import TimeStampedModel
from cases.models import Case, ContactPoint, ReportedPayment, currency_code
from common.money import AMOUNT, CENT
from pipeline.models import OutboundMessage


class PortalVisit(models.Model):
    """A debtor's arrival on the portal for a case: by a message's link (the message is known)
    or by the account reference typed on the start page (recorded once proven: before that,
    nothing says whose it was). `verified_at` is set when the identity questions, or a
    one-time code, were answered right."""

    case = models.ForeignKey(
        Case, on_delete=models.CASCADE, related_name="portal_visits", verbose_name=_("case")
    )
    message = models.ForeignKey(
        OutboundMessage,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="portal_visits",
        help_text=_("The message whose link brought the debtor; empty from the start page."),
        verbose_name=_("message"),
    )
    arrived_at = models.DateTimeField(_("arrived at"))
    verified_at = models.DateTimeField(_("verified at"), null=True, blank=True)

    class Meta:
        verbose_name = _("portal visit")
        verbose_name_plural = _("portal visits")
        ordering = ["-arrived_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(verified_at__isnull=True) | Q(verified_at__gte=models.F("arrived_at")),
                name="portal_visit_verified_after_arrival",
            ),
        ]
        # The dashboards count arrivals in a period; actions are matched to a case's visits.
        indexes = [
            models.Index(fields=["arrived_at"], name="portal_visit_arrived"),
            models.Index(fields=["case", "verified_at"], name="portal_visit_case_verified"),
        ]

    def __str__(self) -> str:
        return f"{self.case} · {self.arrived_at:%Y-%m-%d %H:%M}"


class OneTimeCode(models.Model):
    """A code sent by SMS to the debtor's consented mobile, answering the identity questions
    for the visit that asked for it. Only its hash is kept; it works once, until `expires_at`."""

    visit = models.ForeignKey(
        PortalVisit, on_delete=models.CASCADE, related_name="codes", verbose_name=_("visit")
    )
    contact_point = models.ForeignKey(
        ContactPoint,
        on_delete=models.CASCADE,
        related_name="portal_codes",
        verbose_name=_("contact point"),
    )
    code_hash = models.CharField(_("code (hashed)"), max_length=64)
    sent_at = models.DateTimeField(_("sent at"))
    expires_at = models.DateTimeField(_("expires at"))
    used_at = models.DateTimeField(_("used at"), null=True, blank=True)

    class Meta:
        verbose_name = _("one-time code")
        verbose_name_plural = _("one-time codes")
        ordering = ["-sent_at", "-id"]

    def __str__(self) -> str:
        return f"{self.visit_id} · {self.sent_at:%Y-%m-%d %H:%M}"


class IdentityFailure(models.Model):
    """One wrong answer to the identity questions: for an account reference (whether or not
    any account has it) and from a client address. Enough of them in the lockout window lock
    the portal for that reference, or for that address."""

    reference_key = models.CharField(_("account reference (as typed)"), max_length=40)
    client_ip = models.GenericIPAddressField(_("client address"), null=True, blank=True)
    failed_at = models.DateTimeField(_("failed at"))

    class Meta:
        verbose_name = _("identity failure")
        verbose_name_plural = _("identity failures")
        ordering = ["-failed_at"]
        # The lockout counts recent failures by reference and by address.
        indexes = [
            models.Index(fields=["reference_key", "failed_at"], name="portal_failure_reference"),
            models.Index(fields=["client_ip", "failed_at"], name="portal_failure_client"),
        ]

    def __str__(self) -> str:
        return f"{self.reference_key} · {self.client_ip} · {self.failed_at:%Y-%m-%d %H:%M}"


class OnlinePayment(TimeStampedModel):
    """A payment the debtor started on the portal: sent to the provider's page, and reported
    (a `ReportedPayment`, awaiting the bank's feed) once the provider's signed notice says it
    was paid."""

    class Status(models.TextChoices):
        STARTED = "started", _("Started, at the provider")
        PAID = "paid", _("Paid (reported, awaiting the bank)")
        FAILED = "failed", _("Failed or abandoned")

    case = models.ForeignKey(
        Case, on_delete=models.CASCADE, related_name="online_payments", verbose_name=_("case")
    )
    amount = models.DecimalField(_("amount"), **AMOUNT, validators=[MinValueValidator(CENT)])
    currency = models.CharField(_("currency"), max_length=3, validators=[currency_code])
    provider = models.CharField(_("provider"), max_length=60)
    reference = models.CharField(
        _("reference"),
        max_length=64,
        unique=True,
        help_text=_("Ours, given to the provider; its notices quote it."),
    )
    status = models.CharField(_("status"), max_length=10, choices=Status, default=Status.STARTED)
    started_at = models.DateTimeField(_("started at"))
    paid_at = models.DateTimeField(_("paid at"), null=True, blank=True)
    reported_payment = models.OneToOneField(
        ReportedPayment,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="online_payment",
        verbose_name=_("reported payment"),
    )

    class Meta:
        verbose_name = _("online payment")
        verbose_name_plural = _("online payments")
        ordering = ["-started_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(amount__gt=0), name="online_payment_amount_positive"
            ),
            # Paid exactly when it was reported: a notice is acted on once.
            models.CheckConstraint(
                condition=Q(status="paid", paid_at__isnull=False, reported_payment__isnull=False)
                | (~Q(status="paid") & Q(reported_payment__isnull=True)),
                name="online_payment_paid_is_reported",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.reference} · {self.amount} {self.currency} · {self.get_status_display()}"
