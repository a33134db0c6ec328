"""Agreements with a debtor: repayment plans (instalments) and settlement or waiver offers, and the
approval matrix that says how large a discount each role may grant on its own."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils import formats
from django.utils.translation import gettext, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from accounts.models import TimeStampedModel
from accounts.roles import Role
from cases.models import Case, currency_code
from common.formatting import money
from common.money import AMOUNT, CENT


class RepaymentPlan(TimeStampedModel):
    """A formal agreement to pay a total in instalments; while kept, the case is paused."""

    class Frequency(models.TextChoices):
        WEEKLY = "weekly", _("Weekly")
        FORTNIGHTLY = "fortnightly", _("Fortnightly")
        MONTHLY = "monthly", _("Monthly")

    class Channel(models.TextChoices):
        CALL = "call", _("Call")
        LETTER = "letter", _("Letter")
        PORTAL = "portal", _("Debtor portal")

    class Status(models.TextChoices):
        # Asked for by the debtor beyond the policy's plan rules: a supervisor decides.
        REQUESTED = "requested", _("Requested, awaiting a supervisor")
        DECLINED = "declined", _("Declined")
        ACTIVE = "active", _("Active")
        KEPT = "kept", _("Kept (completed)")
        BROKEN = "broken", _("Broken")
        CANCELLED = "cancelled", _("Cancelled")

    # Asked for and not (yet) agreed: no confirmation letter.
    UNAGREED_STATUSES = (Status.REQUESTED, Status.DECLINED)

    case = models.ForeignKey(
        Case, on_delete=models.PROTECT, related_name="repayment_plans", verbose_name=_("case")
    )
    total_amount = models.DecimalField(
        _("total amount"), **AMOUNT, validators=[MinValueValidator(CENT)]
    )
    currency = models.CharField(_("currency"), max_length=3, validators=[currency_code])
    frequency = models.CharField(_("frequency"), max_length=12, choices=Frequency)
    instalment_count = models.PositiveSmallIntegerField(
        _("number of instalments"), validators=[MinValueValidator(1)]
    )
    first_due_date = models.DateField(_("first instalment due"))
    agreed_on = models.DateField(
        _("agreed on"), help_text=_("The business date the plan was agreed.")
    )
    agreed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="repayment_plans",
        verbose_name=_("agreed by"),
    )
    agreed_via = models.CharField(_("agreed by way of"), max_length=10, choices=Channel)
    status = models.CharField(_("status"), max_length=10, choices=Status, default=Status.ACTIVE)
    resolved_on = models.DateField(_("resolved on"), null=True, blank=True)
    paid_amount = models.DecimalField(
        _("paid so far"),
        **AMOUNT,
        default=Decimal(0),
        help_text=_("The account's payments since the plan was agreed, as of the last review."),
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("decided by"),
        help_text=_("Who approved or declined the plan the debtor asked for."),
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    decision_note = models.CharField(
        _("decision note"),
        max_length=300,
        blank=True,
        help_text=_("The reason for declining (shown to the debtor), or a note on approving."),
    )
    paused_case_at = models.DateTimeField(
        _("paused the case at"),
        null=True,
        blank=True,
        help_text=_(
            "When the plan paused its case; blank if the case was paused already. A broken "
            "plan lifts its own pause only, not one a supervisor set since."
        ),
    )
    letter = models.OneToOneField(
        "pipeline.OutboundMessage",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("confirmation letter"),
        help_text=_("The letter confirming the plan, queued when it was agreed."),
    )

    class Meta:
        verbose_name = _("repayment plan")
        verbose_name_plural = _("repayment plans")
        ordering = ["-agreed_on", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(total_amount__gt=0), name="plan_total_positive"),
            models.CheckConstraint(
                condition=Q(instalment_count__gte=1), name="plan_has_instalments"
            ),
            models.CheckConstraint(
                condition=Q(first_due_date__gte=F("agreed_on")), name="plan_due_after_agreed"
            ),
            # A case follows one plan at a time: the nightly review pauses and resumes by it.
            models.UniqueConstraint(
                fields=["case"],
                condition=Q(status="active"),
                name="one_active_plan_per_case",
                violation_error_message=_("This case already has an active repayment plan."),
            ),
        ]
        # The nightly review walks the active plans.
        indexes = [
            models.Index(fields=["id"], condition=Q(status="active"), name="plan_active"),
        ]

    def __str__(self) -> str:
        return gettext("Plan #%(id)s: %(total)s in %(count)s instalments") % {
            "id": self.pk,
            "total": money(self.total_amount, self.currency),
            "count": self.instalment_count,
        }


class PlanInstalment(models.Model):
    plan = models.ForeignKey(
        RepaymentPlan,
        on_delete=models.CASCADE,
        related_name="instalments",
        verbose_name=_("repayment plan"),
    )
    number = models.PositiveSmallIntegerField(_("number"))
    due_date = models.DateField(_("due date"))
    amount = models.DecimalField(_("amount"), **AMOUNT, validators=[MinValueValidator(CENT)])
    kept_on = models.DateField(
        _("kept on"),
        null=True,
        blank=True,
        help_text=_("The business date the payments were found to cover it."),
    )

    class Meta:
        verbose_name = _("plan instalment")
        verbose_name_plural = _("plan instalments")
        ordering = ["plan", "number"]
        constraints = [
            models.CheckConstraint(
                condition=Q(amount__gt=0), name="plan_instalment_amount_positive"
            ),
            models.UniqueConstraint(fields=["plan", "number"], name="plan_instalment_unique"),
        ]

    def __str__(self) -> str:
        return gettext("%(number)s. %(amount)s by %(date)s") % {
            "number": self.number,
            "amount": money(self.amount, self.plan.currency),
            "date": formats.date_format(self.due_date),
        }


class ApprovalLimit(models.Model):
    """The largest discount a role may grant on its own, in one currency: both limits hold."""

    role = models.CharField(_("role"), max_length=20, choices=Role)
    currency = models.CharField(_("currency"), max_length=3, validators=[currency_code])
    max_discount_percent = models.DecimalField(
        _("largest discount (%)"),
        max_digits=5,
        decimal_places=2,
        validators=[MinValueValidator(Decimal(0)), MaxValueValidator(Decimal(100))],
    )
    max_discount_amount = models.DecimalField(
        _("largest discount (amount)"), **AMOUNT, validators=[MinValueValidator(Decimal(0))]
    )

    class Meta:
        verbose_name = _("approval limit")
        verbose_name_plural = _("approval limits")
        ordering = ["currency", "role"]
        constraints = [
            models.UniqueConstraint(fields=["role", "currency"], name="approval_limit_unique"),
            models.CheckConstraint(
                condition=Q(max_discount_percent__gte=0, max_discount_percent__lte=100),
                name="approval_limit_percent_range",
            ),
            models.CheckConstraint(
                condition=Q(max_discount_amount__gte=0), name="approval_limit_amount_not_negative"
            ),
        ]

    def __str__(self) -> str:
        return gettext("%(role)s: up to %(percent)s%% or %(amount)s") % {
            "role": self.get_role_display(),
            "percent": self.max_discount_percent,
            "amount": money(self.max_discount_amount, self.currency),
        }


class SettlementOffer(TimeStampedModel):
    """An offer to settle the debt for less than the balance, or to waive fees and interest."""

    class Kind(models.TextChoices):
        SETTLEMENT = "settlement", _("Settlement for less")
        WAIVER = "waiver", _("Waiver of fees and interest")

    class Status(models.TextChoices):
        AWAITING = "awaiting", _("Awaiting approval")
        OFFERED = "offered", _("Approved, offered")
        ACCEPTED = "accepted", _("Accepted by the debtor")
        REJECTED = "rejected", _("Rejected by the approver")
        PAID = "paid", _("Paid (settled)")
        LAPSED = "lapsed", pgettext_lazy("settlement offer", "Lapsed")

    OPEN_STATUSES = (Status.AWAITING, Status.OFFERED, Status.ACCEPTED)

    case = models.ForeignKey(
        Case, on_delete=models.PROTECT, related_name="settlement_offers", verbose_name=_("case")
    )
    kind = models.CharField(_("kind"), max_length=12, choices=Kind, default=Kind.SETTLEMENT)
    balance = models.DecimalField(
        _("balance"), **AMOUNT, help_text=_("The account's balance when the offer was made.")
    )
    amount = models.DecimalField(_("amount to pay"), **AMOUNT, validators=[MinValueValidator(CENT)])
    waived_amount = models.DecimalField(_("waived"), **AMOUNT)
    currency = models.CharField(_("currency"), max_length=3, validators=[currency_code])
    expires_on = models.DateField(_("expires on"))
    reason = models.CharField(_("reason"), max_length=300)
    status = models.CharField(_("status"), max_length=10, choices=Status)
    offered_on = models.DateField(_("offered on"), help_text=_("The business date of the offer."))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        on_delete=models.SET_NULL,
        related_name="settlement_offers",
        verbose_name=_("made by"),
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="settlement_decisions",
        verbose_name=_("decided by"),
        help_text=_("Who approved or rejected it; the maker when it was within their authority."),
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    decision_note = models.CharField(_("decision note"), max_length=300, blank=True)
    accepted_on = models.DateField(_("accepted on"), null=True, blank=True)
    resolved_on = models.DateField(_("resolved on"), null=True, blank=True)
    paid_amount = models.DecimalField(
        _("paid"),
        **AMOUNT,
        default=Decimal(0),
        help_text=_("The account's payments since acceptance, as of the last review."),
    )
    written_off_amount = models.DecimalField(
        _("waived remainder"),
        **AMOUNT,
        null=True,
        blank=True,
        help_text=_("The balance left unpaid once the settlement was paid."),
    )
    letter = models.OneToOneField(
        "pipeline.OutboundMessage",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("settlement letter"),
        help_text=_("The letter confirming the settlement, queued when the debtor accepted it."),
    )

    class Meta:
        verbose_name = _("settlement offer")
        verbose_name_plural = _("settlement offers")
        ordering = ["-offered_on", "-id"]
        permissions = [("decide_settlementoffer", "Can approve or reject settlement offers")]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="offer_amount_positive"),
            models.CheckConstraint(
                condition=Q(amount__lte=F("balance")), name="offer_not_above_balance"
            ),
            # Within a tenth of a cent: SQLite holds decimals as floating point, in which
            # 1234.56 - 1000 is not 234.56 (PostgreSQL's numeric is exact either way).
            models.CheckConstraint(
                condition=Q(
                    waived_amount__gt=F("balance") - F("amount") - Decimal("0.001"),
                    waived_amount__lt=F("balance") - F("amount") + Decimal("0.001"),
                ),
                name="offer_waived_is_the_rest",
            ),
            models.CheckConstraint(
                condition=Q(expires_on__gte=F("offered_on")), name="offer_expires_after_offered"
            ),
            models.UniqueConstraint(
                fields=["case"],
                condition=Q(status__in=["awaiting", "offered", "accepted"]),
                name="one_open_offer_per_case",
                violation_error_message=_("This case already has an open settlement offer."),
            ),
        ]
        indexes = [
            models.Index(
                fields=["status", "expires_on"],
                condition=Q(status__in=["awaiting", "offered", "accepted"]),
                name="offer_open_by_expiry",
            ),
        ]

    def __str__(self) -> str:
        return gettext("Offer #%(id)s: %(amount)s instead of %(balance)s") % {
            "id": self.pk,
            "amount": money(self.amount, self.currency),
            "balance": money(self.balance, self.currency),
        }

    @property
    def discount_rate(self) -> Decimal:
        """The waived part as a fraction of the balance (the `percent` filter shows it)."""
        return self.waived_amount / self.balance if self.balance else Decimal(0)

    @property
    def discount_percent(self) -> Decimal:
        """The waived part as a percentage of the balance, to two places."""
        if not self.balance:
            return Decimal(0)
        return (self.waived_amount * 100 / self.balance).quantize(CENT)


class WriteOffBatch(TimeStampedModel):
    """The night's proposals to write off cases past their strategy's charge-off rule, for a
    manager to approve together."""

    class Status(models.TextChoices):
        PROPOSED = "proposed", _("Proposed")
        DECIDED = "decided", _("Decided")

    proposed_on = models.DateField(_("proposed on"), help_text=_("The night's business date."))
    status = models.CharField(_("status"), max_length=10, choices=Status, default=Status.PROPOSED)

    class Meta:
        verbose_name = _("write-off batch")
        verbose_name_plural = _("write-off batches")
        ordering = ["-proposed_on", "-id"]
        permissions = [("approve_writeoffbatch", "Can approve write-offs")]
        constraints = [
            # The night's proposals gather in one batch; a rerun adds to it, never a second.
            models.UniqueConstraint(
                fields=["proposed_on"],
                condition=Q(status="proposed"),
                name="one_proposed_writeoff_batch_per_day",
            ),
        ]

    def __str__(self) -> str:
        return gettext("Write-off batch #%(id)s of %(date)s") % {
            "id": self.pk,
            "date": formats.date_format(self.proposed_on),
        }


class WriteOffProposal(TimeStampedModel):
    """One case proposed for write-off: approved with its batch, or removed with a reason."""

    class Status(models.TextChoices):
        PROPOSED = "proposed", _("Proposed")
        APPROVED = "approved", pgettext_lazy("write-off", "Approved")
        REMOVED = "removed", pgettext_lazy("write-off", "Removed from the batch")

    batch = models.ForeignKey(
        WriteOffBatch,
        on_delete=models.PROTECT,
        related_name="proposals",
        verbose_name=_("write-off batch"),
    )
    case = models.ForeignKey(
        Case, on_delete=models.PROTECT, related_name="writeoff_proposals", verbose_name=_("case")
    )
    balance = models.DecimalField(
        _("balance"), **AMOUNT, help_text=_("The account's balance when proposed.")
    )
    currency = models.CharField(_("currency"), max_length=3, validators=[currency_code])
    days_past_due = models.PositiveIntegerField(_("days past due"))
    status = models.CharField(_("status"), max_length=10, choices=Status, default=Status.PROPOSED)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="writeoff_decisions",
        verbose_name=_("decided by"),
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    removal_reason = models.CharField(_("reason for removal"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("write-off proposal")
        verbose_name_plural = _("write-off proposals")
        ordering = ["batch", "-balance", "id"]
        constraints = [
            # A case is proposed once: a removal is the manager's decision, not asked again.
            models.UniqueConstraint(fields=["case"], name="one_writeoff_proposal_per_case"),
            models.CheckConstraint(
                condition=~Q(status="removed") | ~Q(removal_reason=""),
                name="writeoff_removal_has_reason",
            ),
            models.CheckConstraint(
                condition=Q(status="proposed") | Q(decided_at__isnull=False),
                name="writeoff_decision_recorded",
            ),
        ]

    def __str__(self) -> str:
        return gettext("Case %(case)s: %(balance)s") % {
            "case": self.case_id,
            "balance": money(self.balance, self.currency),
        }
