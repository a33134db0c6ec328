"""Outsourced collection agencies and the placements of cases with them."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils.formats import date_format
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from accounts.models import TimeStampedModel
from common.money import AMOUNT
from common.phones import phone_e164_for_field

# A commission rate: a share of collected amounts, from 0 to 1 with four decimals.
RATE = {
    "max_digits": 5,
    "decimal_places": 4,
    "validators": [MinValueValidator(Decimal(0)), MaxValueValidator(Decimal(1))],
}


def evaluation_days() -> int:
    """How many days an agency's evaluation keeps it on the approved list; 0: no list kept."""
    return settings.AGENCY_EVALUATION_DAYS


class AgencyQuerySet(models.QuerySet):
    def eligible_on(self, day: dt.date) -> AgencyQuerySet:
        """Agencies that may take placements and collect on `day` (see Agency.problems_on)."""
        eligible = self.filter(
            is_active=True,
            licence_expires_on__gte=day,
            contract_start__lte=day,
            contract_end__gte=day,
        )
        days = evaluation_days()
        if days:
            eligible = eligible.filter(
                evaluated_on__lte=day, evaluated_on__gt=day - dt.timedelta(days=days)
            )
        return eligible


class Agency(TimeStampedModel):
    class CommissionBasis(models.TextChoices):
        FLAT = "flat", _("Flat rate")
        DAYS_PAST_DUE = "days_past_due", _("Tiered by days past due at placement")
        BALANCE = "balance", _("Tiered by balance at placement")

    name = models.CharField(_("name"), max_length=150, unique=True)
    licence_number = models.CharField(_("licence number"), max_length=60, unique=True)
    licence_expires_on = models.DateField(_("licence expires on"))
    contract_start = models.DateField(_("contract start"))
    contract_end = models.DateField(_("contract end"))
    evaluated_on = models.DateField(
        _("last evaluated on"),
        null=True,
        blank=True,
        help_text=_(
            "The day of the latest evaluation that keeps the agency on the bank's approved "
            "list. An evaluation is valid for a year (AGENCY_EVALUATION_DAYS) and must be "
            "renewed before the contract ends; blank: never evaluated, not on the list."
        ),
    )
    commission_rate = models.DecimalField(
        _("commission rate"),
        **RATE,
        help_text=_("Share of collected amounts, e.g. 0.1800 for 18%."),
    )
    commission_basis = models.CharField(
        _("commission basis"),
        max_length=16,
        choices=CommissionBasis,
        default=CommissionBasis.FLAT,
        help_text=_(
            "Tiered: the rate of the highest tier the placement reached; below the "
            "first tier, the commission rate above."
        ),
    )
    capacity = models.PositiveIntegerField(_("capacity"), help_text=_("Maximum open placements."))
    placement_days = models.PositiveSmallIntegerField(
        _("placement days"), default=90, help_text=_("Length of one placement.")
    )
    is_active = models.BooleanField(_("active"), default=True)
    contact_name = models.CharField(_("contact name"), max_length=150, blank=True)
    contact_email = models.EmailField(_("contact e-mail"), blank=True)
    contact_phone = models.CharField(_("contact phone"), max_length=40, blank=True)

    objects = AgencyQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        verbose_name = _("agency")
        verbose_name_plural = _("agencies")
        permissions = [("view_agency_performance", _("Can view agency performance and statements"))]
        constraints = [
            models.CheckConstraint(
                condition=Q(contract_end__gte=F("contract_start")),
                name="agency_contract_ends_after_start",
            ),
            models.CheckConstraint(
                condition=Q(commission_rate__gte=0, commission_rate__lte=1),
                name="agency_commission_rate_range",
            ),
            models.CheckConstraint(
                condition=Q(placement_days__gt=0), name="agency_placement_days_positive"
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        super().clean()
        if self.contact_phone.strip():
            self.contact_phone = phone_e164_for_field("contact_phone", self.contact_phone)

    def problems_on(self, day: dt.date) -> list[str]:
        """Why the agency may not take placements or collect on `day`; empty when it may.

        The one definition of eligibility: the placement job, manual placement and the
        compliance gate's agency rule all read it (AgencyQuerySet.eligible_on is its SQL twin).
        When the bank keeps an approved list (AGENCY_EVALUATION_DAYS > 0), the agency must
        also have been evaluated on or before `day`, less than that many days before it.
        """
        problems = []
        if not self.is_active:
            problems.append(gettext("the agency is suspended"))
        if self.licence_expires_on < day:
            problems.append(
                gettext("its licence expired on %(date)s")
                % {"date": date_format(self.licence_expires_on)}
            )
        if not self.contract_start <= day <= self.contract_end:
            problems.append(
                gettext("its contract runs %(start)s to %(end)s")
                % {
                    "start": date_format(self.contract_start),
                    "end": date_format(self.contract_end),
                }
            )
        problems.extend(self.evaluation_problems_on(day))
        return problems

    def evaluation_lapses_on(self) -> dt.date | None:
        """The first day the latest evaluation no longer covers (None: never evaluated, or no
        approved list kept)."""
        days = evaluation_days()
        if not days or self.evaluated_on is None:
            return None
        return self.evaluated_on + dt.timedelta(days=days)

    def evaluation_due_by(self) -> dt.date | None:
        """The last day for the next evaluation: before the current one lapses, and no later
        than the contract's end (a renewal rests on an evaluation made during the contract)."""
        lapses_on = self.evaluation_lapses_on()
        if lapses_on is None:
            return None
        return min(lapses_on - dt.timedelta(days=1), self.contract_end)

    def evaluation_problems_on(self, day: dt.date) -> list[str]:
        """Why the agency is not on the approved list on `day` (empty when it is, or when the
        bank keeps no list)."""
        if not evaluation_days():
            return []
        if self.evaluated_on is None or self.evaluated_on > day:
            return [gettext("it is not on the approved list: it has not been evaluated")]
        lapses_on = self.evaluation_lapses_on()
        if lapses_on <= day:
            return [
                gettext(
                    "it is off the approved list: its evaluation of %(evaluated)s lapsed on "
                    "%(lapsed)s"
                )
                % {"evaluated": date_format(self.evaluated_on), "lapsed": date_format(lapses_on)}
            ]
        return []

    def is_eligible_on(self, day: dt.date) -> bool:
        """Active, licensed and under contract on the given day."""
        return not self.problems_on(day)

    def commission_rate_for(
        self, *, days_past_due: int, balance: Decimal, tiers: Iterable[CommissionTier]
    ) -> Decimal:
        """The rate a placement made now gets: flat, or the highest tier reached."""
        if self.commission_basis == self.CommissionBasis.FLAT:
            return self.commission_rate
        measure = (
            Decimal(days_past_due)
            if self.commission_basis == self.CommissionBasis.DAYS_PAST_DUE
            else balance
        )
        rate = self.commission_rate
        for tier in sorted(tiers, key=lambda tier: tier.starts_at):
            if tier.starts_at <= measure:
                rate = tier.rate
        return rate


class CommissionTier(models.Model):
    """From `starts_at` (days past due, or balance, at placement) on, the agency earns `rate`."""

    agency = models.ForeignKey(
        Agency,
        on_delete=models.CASCADE,
        related_name="commission_tiers",
        verbose_name=_("agency"),
    )
    starts_at = models.DecimalField(
        _("starts at"),
        **AMOUNT,
        validators=[MinValueValidator(Decimal(0))],
        help_text=_("Days past due or balance (account currency) at placement."),
    )
    rate = models.DecimalField(_("rate"), **RATE, help_text=_("e.g. 0.2000 for 20%."))

    class Meta:
        ordering = ["agency", "starts_at"]
        verbose_name = _("commission tier")
        verbose_name_plural = _("commission tiers")
        constraints = [
            models.UniqueConstraint(fields=["agency", "starts_at"], name="commission_tier_unique"),
            models.CheckConstraint(
                condition=Q(rate__gte=0, rate__lte=1), name="commission_tier_rate_range"
            ),
            models.CheckConstraint(
                condition=Q(starts_at__gte=0), name="commission_tier_starts_not_negative"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.agency}: {self.rate:.2%} from {self.starts_at.normalize():f}"


class AllocationMethod(models.TextChoices):
    ROUND_ROBIN = "round_robin", _("Round-robin")
    CAPACITY_WEIGHTED = "capacity_weighted", _("Weighted by capacity left")
    PERFORMANCE_WEIGHTED = "performance_weighted", _("Weighted by recovery rate")


class RecallDestination(models.TextChoices):
    NEXT_STAGE = "next_stage", _("The ladder's next stage (litigation)")
    IN_HOUSE = "in_house", _("In-house collection (the team's pool)")


class PlacementRule(TimeStampedModel):
    """How the placement job allocates a strategy's cases and where recalled cases go.

    A strategy without a rule gets `PlacementRule.default()`: round-robin, recall to the
    next stage.
    """

    strategy = models.OneToOneField(
        "cases.Strategy",
        on_delete=models.CASCADE,
        related_name="placement_rule",
        verbose_name=_("strategy"),
    )
    method = models.CharField(
        _("method"),
        max_length=24,
        choices=AllocationMethod,
        default=AllocationMethod.ROUND_ROBIN,
    )
    performance_days = models.PositiveSmallIntegerField(
        _("performance days"),
        default=90,
        help_text=_("Recovery rates for performance weighting cover this many days."),
    )
    challenger_method = models.CharField(
        _("challenger method"),
        max_length=24,
        choices=AllocationMethod,
        blank=True,
        help_text=_("Champion/challenger: the method tried on a share of the cases."),
    )
    challenger_percent = models.PositiveSmallIntegerField(
        _("challenger percent"),
        default=0,
        validators=[MaxValueValidator(100)],
        help_text=_("Share of cases (0-100) allocated by the challenger method."),
    )
    recall_destination = models.CharField(
        _("recall destination"),
        max_length=12,
        choices=RecallDestination,
        default=RecallDestination.NEXT_STAGE,
    )

    class Meta:
        ordering = ["strategy"]
        verbose_name = _("placement rule")
        verbose_name_plural = _("placement rules")
        constraints = [
            models.CheckConstraint(
                condition=Q(challenger_percent__lte=100), name="placement_rule_percent_range"
            ),
            models.CheckConstraint(
                condition=Q(challenger_percent=0) | ~Q(challenger_method=""),
                name="placement_rule_challenger_named",
                violation_error_message=_("A challenger share needs a challenger method."),
            ),
            models.CheckConstraint(
                condition=Q(performance_days__gt=0), name="placement_rule_window_positive"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.strategy}: {self.get_method_display()}"

    @classmethod
    def default(cls) -> PlacementRule:
        return cls(method=AllocationMethod.ROUND_ROBIN, performance_days=90)


class Placement(TimeStampedModel):
    class Allocation(models.TextChoices):
        MANUAL = "manual", _("Manual")
        ROUND_ROBIN = AllocationMethod.ROUND_ROBIN.value, AllocationMethod.ROUND_ROBIN.label
        CAPACITY_WEIGHTED = (
            AllocationMethod.CAPACITY_WEIGHTED.value,
            AllocationMethod.CAPACITY_WEIGHTED.label,
        )
        PERFORMANCE_WEIGHTED = (
            AllocationMethod.PERFORMANCE_WEIGHTED.value,
            AllocationMethod.PERFORMANCE_WEIGHTED.label,
        )

    class Arm(models.TextChoices):
        CHAMPION = "champion", _("Champion")
        CHALLENGER = "challenger", _("Challenger")

    case = models.ForeignKey(
        "cases.Case", on_delete=models.CASCADE, related_name="placements", verbose_name=_("case")
    )
    agency = models.ForeignKey(
        Agency, on_delete=models.PROTECT, related_name="placements", verbose_name=_("agency")
    )
    placed_on = models.DateField(_("placed on"))
    recall_due_on = models.DateField(_("recall due on"))
    recalled_on = models.DateField(_("recalled on"), null=True, blank=True)
    reason = models.CharField(_("reason"), max_length=300, blank=True)
    recall_reason = models.CharField(_("recall reason"), max_length=300, blank=True)
    placed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="placements_made",
        verbose_name=_("placed by"),
        help_text=_("Blank when the placement job placed it."),
    )
    allocation = models.CharField(
        _("allocation"), max_length=24, choices=Allocation, default=Allocation.MANUAL
    )
    arm = models.CharField(
        _("arm"),
        max_length=10,
        choices=Arm,
        blank=True,
        help_text=_("Champion/challenger arm, if split."),
    )
    # Snapshots taken when placed: the commission rate never changes after placing.
    placed_balance = models.DecimalField(_("placed balance"), **AMOUNT, default=Decimal(0))
    placed_days_past_due = models.PositiveIntegerField(_("days past due at placement"), default=0)
    commission_rate = models.DecimalField(_("commission rate"), **RATE, default=Decimal(0))
    recall_destination = models.CharField(
        _("recall destination"),
        max_length=12,
        choices=RecallDestination,
        blank=True,
        help_text=_("Where the case went when recalled; blank while placed or when cured."),
    )
    recalled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="placements_recalled",
        verbose_name=_("recalled by"),
        help_text=_("Blank when the recall job or the cure recalled it."),
    )

    class Meta:
        ordering = ["-placed_on", "-id"]
        verbose_name = _("placement")
        verbose_name_plural = _("placements")
        constraints = [
            models.UniqueConstraint(
                fields=["case"],
                condition=Q(recalled_on__isnull=True),
                name="one_current_placement_per_case",
                violation_error_message=_("This case is already placed with an agency."),
            ),
            models.CheckConstraint(
                condition=Q(recall_due_on__gt=F("placed_on")), name="placement_recall_after_placing"
            ),
            models.CheckConstraint(
                condition=Q(recalled_on__isnull=True) | Q(recalled_on__gte=F("placed_on")),
                name="placement_recalled_after_placing",
            ),
            models.CheckConstraint(
                condition=Q(commission_rate__gte=0, commission_rate__lte=1),
                name="placement_commission_rate_range",
            ),
            models.CheckConstraint(
                condition=Q(placed_balance__gte=0), name="placement_balance_not_negative"
            ),
        ]
        indexes = [
            models.Index(
                fields=["agency"],
                condition=Q(recalled_on__isnull=True),
                name="placement_current_by_agency",
            ),
            models.Index(
                fields=["recall_due_on"],
                condition=Q(recalled_on__isnull=True),
                name="placement_recall_due",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.case} → {self.agency} ({self.placed_on})"

    @property
    def is_current(self) -> bool:
        return self.recalled_on is None


class PlacementExtension(models.Model):
    """A supervisor moved a placement's recall date later, with a reason."""

    placement = models.ForeignKey(
        Placement,
        on_delete=models.CASCADE,
        related_name="extensions",
        verbose_name=_("placement"),
    )
    extended_on = models.DateField(
        _("extended on"), help_text=_("The business date of the extension.")
    )
    previous_recall_due_on = models.DateField(_("previous recall due on"))
    recall_due_on = models.DateField(_("recall due on"))
    reason = models.CharField(_("reason"), max_length=300)
    extended_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="placement_extensions",
        verbose_name=_("extended by"),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        ordering = ["placement", "created_at", "id"]
        verbose_name = _("placement extension")
        verbose_name_plural = _("placement extensions")
        constraints = [
            models.CheckConstraint(
                condition=Q(recall_due_on__gt=F("previous_recall_due_on")),
                name="placement_extension_moves_later",
            ),
            models.CheckConstraint(condition=~Q(reason=""), name="placement_extension_has_reason"),
        ]

    def __str__(self) -> str:
        was = self.previous_recall_due_on
        return f"{self.placement}: due back {self.recall_due_on} (was {was})"


class CommissionStatement(TimeStampedModel):
    """What an agency earned in one calendar month: one line per placement it held."""

    agency = models.ForeignKey(
        Agency, on_delete=models.PROTECT, related_name="statements", verbose_name=_("agency")
    )
    period_start = models.DateField(_("period start"), help_text=_("The first day of the month."))
    period_end = models.DateField(_("period end"), help_text=_("The last day of the month."))
    generated_at = models.DateTimeField(_("generated at"))
    generated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("generated by"),
        help_text=_("Blank when the monthly job generated it."),
    )

    class Meta:
        ordering = ["-period_start", "agency__name"]
        verbose_name = _("commission statement")
        verbose_name_plural = _("commission statements")
        constraints = [
            models.UniqueConstraint(
                fields=["agency", "period_start"],
                name="one_statement_per_agency_month",
                violation_error_message=_("This agency already has a statement for this month."),
            ),
            models.CheckConstraint(
                condition=Q(period_end__gte=F("period_start")), name="statement_period_order"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.agency} · {self.period_start:%B %Y}"


class CommissionStatementLine(models.Model):
    """One placement on a statement: what was collected in the month and the commission on it."""

    statement = models.ForeignKey(
        CommissionStatement,
        on_delete=models.CASCADE,
        related_name="lines",
        verbose_name=_("statement"),
    )
    placement = models.ForeignKey(
        Placement,
        on_delete=models.PROTECT,
        related_name="statement_lines",
        verbose_name=_("placement"),
    )
    account_reference = models.CharField(_("account reference"), max_length=40)
    currency = models.CharField(_("currency"), max_length=3)
    placed_on = models.DateField(_("placed on"))
    recalled_on = models.DateField(_("recalled on"), null=True, blank=True)
    payments = models.PositiveIntegerField(
        _("payments"), default=0, help_text=_("Payments counted.")
    )
    collected = models.DecimalField(_("collected"), **AMOUNT)
    commission_rate = models.DecimalField(_("commission rate"), **RATE)
    commission = models.DecimalField(_("commission"), **AMOUNT)

    class Meta:
        ordering = ["statement", "placed_on", "placement"]
        verbose_name = _("statement line")
        verbose_name_plural = _("statement lines")
        constraints = [
            models.UniqueConstraint(
                fields=["statement", "placement"], name="statement_line_once_per_placement"
            ),
            models.CheckConstraint(
                condition=Q(collected__gte=0, commission__gte=0),
                name="statement_line_amounts_not_negative",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.account_reference}: {self.commission} {self.currency}"
