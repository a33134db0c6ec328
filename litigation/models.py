"""Law firms, the referral criteria of a litigation stage, and lawsuits with their steps."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from accounts.models import TimeStampedModel
from cases.models import Case, Stage
from common.money import AMOUNT, CENT


class LawFirm(TimeStampedModel):
    """External counsel on the bank's panel: who files and argues the lawsuits."""

    name = models.CharField(_("name"), max_length=150, unique=True)
    contact_name = models.CharField(_("contact person"), max_length=150, blank=True)
    contact_email = models.EmailField(_("contact e-mail"), blank=True)
    contact_phone = models.CharField(_("contact phone"), max_length=40, blank=True)
    contract_reference = models.CharField(_("contract reference"), max_length=100, blank=True)
    fee_schedule = models.TextField(
        _("fee schedule"),
        blank=True,
        help_text=_("The fees agreed with the firm: per filing, per hearing, success fee."),
    )
    is_active = models.BooleanField(
        _("active"), default=True, help_text=_("Only active firms take new lawsuits.")
    )

    class Meta:
        verbose_name = _("law firm")
        verbose_name_plural = _("law firms")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class ReferralCriteria(models.Model):
    """What a case must meet, besides the stage's days past due, to be referred to the legal
    team: a minimum balance, and at least one sign that collection has failed. A litigation
    stage without criteria refers every case that reaches it."""

    stage = models.OneToOneField(
        Stage,
        on_delete=models.CASCADE,
        related_name="referral_criteria",
        limit_choices_to={"action": Stage.Action.LITIGATION},
        verbose_name=_("stage"),
    )
    min_balance = models.DecimalField(
        _("minimum balance"),
        **AMOUNT,
        default=Decimal(0),
        validators=[MinValueValidator(Decimal(0))],
        help_text=_("In the account's own currency."),
    )
    failed_attempts = models.PositiveIntegerField(
        _("failed contact attempts"),
        null=True,
        blank=True,
        help_text=_(
            "Refer after this many unanswered or failed calls and visits in the period below. "
            "Blank: attempts do not count."
        ),
    )
    failed_attempts_days = models.PositiveIntegerField(
        _("period of the attempts (days)"), default=30, validators=[MinValueValidator(1)]
    )
    when_unreachable = models.BooleanField(
        _("debtor unreachable"),
        default=True,
        help_text=_("Refer when the debtor is marked unreachable (contact lost)."),
    )
    when_broken_agreement = models.BooleanField(
        _("broken promise or plan"),
        default=True,
        help_text=_("Refer when a promise to pay or a repayment plan of the case was broken."),
    )

    class Meta:
        verbose_name = _("litigation referral criteria")
        verbose_name_plural = _("litigation referral criteria")
        constraints = [
            models.CheckConstraint(
                condition=Q(failed_attempts__isnull=False)
                | Q(when_unreachable=True)
                | Q(when_broken_agreement=True),
                name="referral_criteria_need_a_sign",
                violation_error_message=_(
                    "Choose at least one sign: failed attempts, unreachable, or a broken promise."
                ),
            ),
            models.CheckConstraint(
                condition=Q(failed_attempts__isnull=True) | Q(failed_attempts__gte=1),
                name="referral_criteria_attempts_positive",
            ),
        ]

    def __str__(self) -> str:
        return str(self.stage)


class Lawsuit(TimeStampedModel):
    """A case's way through the court, from the referral to its close."""

    class Status(models.TextChoices):
        REFERRED = "referred", _("Referred")
        ACCEPTED = "accepted", _("Accepted")
        DECLINED = "declined", _("Declined")
        FILED = "filed", _("Filed")
        HEARINGS = "hearings", _("Hearings")
        JUDGED = "judged", _("Judgment")
        ENFORCING = "enforcing", _("Enforcement")
        CLOSED = "closed", _("Closed")

    class Outcome(models.TextChoices):
        PAID = "paid", _("Paid")
        SETTLED = "settled", _("Settled")
        UNCOLLECTABLE = "uncollectable", _("Uncollectable")

    # A lawsuit in these steps no longer holds its case.
    ENDED_STATUSES = (Status.DECLINED, Status.CLOSED)
    # Filed and on: the legal hold is on.
    FILED_STATUSES = (Status.FILED, Status.HEARINGS, Status.JUDGED, Status.ENFORCING)

    case = models.ForeignKey(
        Case, on_delete=models.PROTECT, related_name="lawsuits", verbose_name=_("case")
    )
    status = models.CharField(
        _("step"), max_length=10, choices=Status, default=Status.REFERRED, db_index=True
    )
    currency = models.CharField(_("currency"), max_length=3)
    referred_on = models.DateField(_("referred on"))
    referred_at = models.DateTimeField(_("referred at"))
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="lawsuits_reviewed",
        verbose_name=_("reviewed by"),
    )
    reviewed_at = models.DateTimeField(_("reviewed at"), null=True, blank=True)
    review_reason = models.TextField(_("reason of the review"), blank=True)
    law_firm = models.ForeignKey(
        LawFirm,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="lawsuits",
        verbose_name=_("law firm"),
    )
    lawyer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="lawsuits_assigned",
        verbose_name=_("assigned lawyer"),
    )
    court = models.CharField(_("court"), max_length=200, blank=True)
    court_case_number = models.CharField(_("court case number"), max_length=100, blank=True)
    filed_on = models.DateField(_("filed on"), null=True, blank=True)
    claimed_amount = models.DecimalField(_("claimed amount"), **AMOUNT, null=True, blank=True)
    judgment_on = models.DateField(_("judgment on"), null=True, blank=True)
    amount_awarded = models.DecimalField(_("amount awarded"), **AMOUNT, null=True, blank=True)
    costs_awarded = models.DecimalField(_("costs awarded"), **AMOUNT, null=True, blank=True)
    closed_on = models.DateField(_("closed on"), null=True, blank=True)
    outcome = models.CharField(_("outcome"), max_length=14, choices=Outcome, blank=True)

    class Meta:
        verbose_name = _("lawsuit")
        verbose_name_plural = _("lawsuits")
        ordering = ["-referred_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["case"],
                condition=~Q(status__in=["declined", "closed"]),
                name="one_open_lawsuit_per_case",
                violation_error_message=_("This case already has a lawsuit under way."),
            ),
            # Filed and on: everything a filing needs is there.
            models.CheckConstraint(
                condition=~Q(status__in=["filed", "hearings", "judged", "enforcing"])
                | Q(
                    filed_on__isnull=False,
                    claimed_amount__gt=0,
                    law_firm__isnull=False,
                    lawyer__isnull=False,
                )
                & ~Q(court="")
                & ~Q(court_case_number=""),
                name="lawsuit_filed_whole",
            ),
            models.CheckConstraint(
                condition=~Q(status__in=["judged", "enforcing"])
                | Q(judgment_on__isnull=False, amount_awarded__gte=0, costs_awarded__gte=0),
                name="lawsuit_judgment_whole",
            ),
            models.CheckConstraint(
                condition=Q(status="closed", closed_on__isnull=False) & ~Q(outcome="")
                | ~Q(status="closed") & Q(outcome=""),
                name="lawsuit_closed_with_outcome",
            ),
            models.CheckConstraint(
                condition=~Q(status="declined")
                | Q(reviewed_at__isnull=False) & ~Q(review_reason=""),
                name="lawsuit_declined_with_reason",
            ),
        ]

    def __str__(self) -> str:
        return _("Lawsuit %(id)s · case %(case)s") % {"id": self.pk, "case": self.case_id}

    @property
    def is_filed(self) -> bool:
        return self.status in self.FILED_STATUSES

    @property
    def is_ended(self) -> bool:
        return self.status in self.ENDED_STATUSES


class LawsuitEvent(models.Model):
    """One step of a lawsuit: who took it, when; written once."""

    class Kind(models.TextChoices):
        REFERRED = "referred", _("Referred")
        ACCEPTED = "accepted", _("Accepted")
        DECLINED = "declined", _("Declined")
        FILED = "filed", _("Filed")
        HEARING_SCHEDULED = "hearing", _("Hearing scheduled")
        HEARING_HELD = "hearing_held", _("Hearing held")
        JUDGED = "judged", _("Judgment")
        ENFORCEMENT_STEP = "enforcement", _("Enforcement step")
        COST_RECORDED = "cost", _("Cost recorded")
        COST_DECIDED = "cost_decided", _("Cost decided")
        CLOSED = "closed", _("Closed")

    lawsuit = models.ForeignKey(
        Lawsuit, on_delete=models.CASCADE, related_name="events", verbose_name=_("lawsuit")
    )
    kind = models.CharField(_("step"), max_length=12, choices=Kind)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="lawsuit_events",
        help_text=_("Blank for the system."),
        verbose_name=_("actor"),
    )
    occurred_at = models.DateTimeField(_("occurred at"))
    note = models.TextField(_("note"), blank=True)

    class Meta:
        verbose_name = _("lawsuit event")
        verbose_name_plural = _("lawsuit events")
        ordering = ["occurred_at", "id"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} · {self.occurred_at:%Y-%m-%d %H:%M}"


class Hearing(models.Model):
    lawsuit = models.ForeignKey(
        Lawsuit, on_delete=models.CASCADE, related_name="hearings", verbose_name=_("lawsuit")
    )
    scheduled_at = models.DateTimeField(_("scheduled at"))
    place = models.CharField(_("courtroom"), max_length=200, blank=True)
    held = models.BooleanField(_("held"), default=False)
    notes = models.TextField(_("notes"), blank=True)

    class Meta:
        verbose_name = _("hearing")
        verbose_name_plural = _("hearings")
        ordering = ["scheduled_at", "id"]
        indexes = [
            models.Index(fields=["scheduled_at"], condition=Q(held=False), name="hearing_upcoming"),
        ]

    def __str__(self) -> str:
        return f"{self.scheduled_at:%Y-%m-%d %H:%M}"


class EnforcementStep(models.Model):
    """A step to enforce the judgment (a garnishment, a seizure) and what it recovered."""

    lawsuit = models.ForeignKey(
        Lawsuit,
        on_delete=models.CASCADE,
        related_name="enforcement_steps",
        verbose_name=_("lawsuit"),
    )
    taken_on = models.DateField(_("taken on"))
    description = models.CharField(_("step"), max_length=300)
    recovered = models.DecimalField(
        _("recovered"), **AMOUNT, default=Decimal(0), validators=[MinValueValidator(Decimal(0))]
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="enforcement_steps",
        verbose_name=_("recorded by"),
    )

    class Meta:
        verbose_name = _("enforcement step")
        verbose_name_plural = _("enforcement steps")
        ordering = ["taken_on", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(recovered__gte=0), name="enforcement_recovered_not_negative"
            ),
        ]

    def __str__(self) -> str:
        return self.description


class LawsuitCost(models.Model):
    """A cost of the lawsuit; above the approval limit it waits for an approver."""

    class Kind(models.TextChoices):
        COURT_FEE = "court_fee", _("Court fee")
        LAWYER_FEE = "lawyer_fee", _("Lawyer's fee")
        OTHER = "other", _("Other")

    class Status(models.TextChoices):
        APPROVED = "approved", _("Approved")
        AWAITING = "awaiting", _("Awaiting approval")
        REJECTED = "rejected", _("Rejected")

    lawsuit = models.ForeignKey(
        Lawsuit, on_delete=models.CASCADE, related_name="costs", verbose_name=_("lawsuit")
    )
    kind = models.CharField(_("kind"), max_length=10, choices=Kind)
    amount = models.DecimalField(_("amount"), **AMOUNT, validators=[MinValueValidator(CENT)])
    incurred_on = models.DateField(_("incurred on"))
    description = models.CharField(_("description"), max_length=300, blank=True)
    status = models.CharField(_("status"), max_length=10, choices=Status)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="lawsuit_costs_recorded",
        verbose_name=_("recorded by"),
    )
    recorded_at = models.DateTimeField(_("recorded at"))
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="lawsuit_costs_decided",
        verbose_name=_("decided by"),
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)

    class Meta:
        verbose_name = _("lawsuit cost")
        verbose_name_plural = _("lawsuit costs")
        ordering = ["incurred_on", "id"]
        permissions = [("approve_lawsuitcost", "Can approve lawsuit costs above the limit")]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="lawsuit_cost_positive"),
            # Nobody approves a cost they recorded themselves.
            models.CheckConstraint(
                condition=Q(decided_by__isnull=True) | ~Q(decided_by=models.F("recorded_by")),
                name="lawsuit_cost_four_eyes",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.amount} {self.lawsuit.currency}"
