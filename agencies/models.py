"""Outsourced collection agencies and the placements of cases with them."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q

from accounts.models import TimeStampedModel
from common.money import AMOUNT

# A commission rate: a share of collected amounts, from 0 to 1 with four decimals.
RATE = {
    "max_digits": 5,
    "decimal_places": 4,
    "validators": [MinValueValidator(Decimal(0)), MaxValueValidator(Decimal(1))],
}


class AgencyQuerySet(models.QuerySet):
    def eligible_on(self, day: dt.date) -> AgencyQuerySet:
        """Agencies that may take placements and collect on `day` (see Agency.problems_on)."""
        return self.filter(
            is_active=True,
            licence_expires_on__gte=day,
            contract_start__lte=day,
            contract_end__gte=day,
        )


class Agency(TimeStampedModel):
    class CommissionBasis(models.TextChoices):
        FLAT = "flat", "Flat rate"
        DAYS_PAST_DUE = "days_past_due", "Tiered by days past due at placement"
        BALANCE = "balance", "Tiered by balance at placement"

    name = models.CharField(max_length=150, unique=True)
    licence_number = models.CharField(max_length=60, unique=True)
    licence_expires_on = models.DateField()
    contract_start = models.DateField()
    contract_end = models.DateField()
    commission_rate = models.DecimalField(
        **RATE, help_text="Share of collected amounts, e.g. 0.1800 for 18%."
    )
    commission_basis = models.CharField(
        max_length=16,
        choices=CommissionBasis,
        default=CommissionBasis.FLAT,
        help_text="Tiered: the rate of the highest tier the placement reached; below the "
        "first tier, the commission rate above.",
    )
    capacity = models.PositiveIntegerField(help_text="Maximum open placements.")
    placement_days = models.PositiveSmallIntegerField(
        default=90, help_text="Length of one placement."
    )
    is_active = models.BooleanField(default=True)
    contact_name = models.CharField(max_length=150, blank=True)
    contact_email = models.EmailField(blank=True)
    contact_phone = models.CharField(max_length=40, blank=True)

    objects = AgencyQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        verbose_name_plural = "agencies"
        permissions = [("view_agency_performance", "Can view agency performance and statements")]
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

    def problems_on(self, day: dt.date) -> list[str]:
        """Why the agency may not take placements or collect on `day`; empty when it may.

        The one definition of eligibility: the placement job, manual placement and the
        compliance gate's agency rule all read it (AgencyQuerySet.eligible_on is its SQL twin).
        """
        problems = []
        if not self.is_active:
            problems.append("the agency is suspended")
        if self.licence_expires_on < day:
            problems.append(f"its licence expired on {self.licence_expires_on.isoformat()}")
        if not self.contract_start <= day <= self.contract_end:
            problems.append(
                f"its contract runs {self.contract_start.isoformat()} to "
                f"{self.contract_end.isoformat()}"
            )
        return problems

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

    agency = models.ForeignKey(Agency, on_delete=models.CASCADE, related_name="commission_tiers")
    starts_at = models.DecimalField(
        **AMOUNT,
        validators=[MinValueValidator(Decimal(0))],
        help_text="Days past due or balance (account currency) at placement.",
    )
    rate = models.DecimalField(**RATE, help_text="e.g. 0.2000 for 20%.")

    class Meta:
        ordering = ["agency", "starts_at"]
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
    ROUND_ROBIN = "round_robin", "Round-robin"
    CAPACITY_WEIGHTED = "capacity_weighted", "Weighted by capacity left"
    PERFORMANCE_WEIGHTED = "performance_weighted", "Weighted by recovery rate"


class RecallDestination(models.TextChoices):
    NEXT_STAGE = "next_stage", "The ladder's next stage (litigation)"
    IN_HOUSE = "in_house", "In-house collection (the team's pool)"


class PlacementRule(TimeStampedModel):
    """How the placement job allocates a strategy's cases and where recalled cases go.

    A strategy without a rule gets `PlacementRule.default()`: round-robin, recall to the
    next stage.
    """

    strategy = models.OneToOneField(
        "cases.Strategy", on_delete=models.CASCADE, related_name="placement_rule"
    )
    method = models.CharField(
        max_length=24, choices=AllocationMethod, default=AllocationMethod.ROUND_ROBIN
    )
    performance_days = models.PositiveSmallIntegerField(
        default=90, help_text="Recovery rates for performance weighting cover this many days."
    )
    challenger_method = models.CharField(
        max_length=24,
        choices=AllocationMethod,
        blank=True,
        help_text="Champion/challenger: the method tried on a share of the cases.",
    )
    challenger_percent = models.PositiveSmallIntegerField(
        default=0,
        validators=[MaxValueValidator(100)],
        help_text="Share of cases (0-100) allocated by the challenger method.",
    )
    recall_destination = models.CharField(
        max_length=12, choices=RecallDestination, default=RecallDestination.NEXT_STAGE
    )

    class Meta:
        ordering = ["strategy"]
        constraints = [
            models.CheckConstraint(
                condition=Q(challenger_percent__lte=100), name="placement_rule_percent_range"
            ),
            models.CheckConstraint(
                condition=Q(challenger_percent=0) | ~Q(challenger_method=""),
                name="placement_rule_challenger_named",
                violation_error_message="A challenger share needs a challenger method.",
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
        MANUAL = "manual", "Manual"
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
        CHAMPION = "champion", "Champion"
        CHALLENGER = "challenger", "Challenger"

    case = models.ForeignKey("cases.Case", on_delete=models.CASCADE, related_name="placements")
    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="placements")
    placed_on = models.DateField()
    recall_due_on = models.DateField()
    recalled_on = models.DateField(null=True, blank=True)
    reason = models.CharField(max_length=300, blank=True)
    recall_reason = models.CharField(max_length=300, blank=True)
    placed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="placements_made",
        help_text="Blank when the placement job placed it.",
    )
    allocation = models.CharField(max_length=24, choices=Allocation, default=Allocation.MANUAL)
    arm = models.CharField(
        max_length=10, choices=Arm, blank=True, help_text="Champion/challenger arm, if split."
    )
    # Snapshots taken when placed: the commission rate never changes after placing.
    placed_balance = models.DecimalField(**AMOUNT, default=Decimal(0))
    placed_days_past_due = models.PositiveIntegerField(default=0)
    commission_rate = models.DecimalField(**RATE, default=Decimal(0))
    recall_destination = models.CharField(
        max_length=12,
        choices=RecallDestination,
        blank=True,
        help_text="Where the case went when recalled; blank while placed or when cured.",
    )
    recalled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="placements_recalled",
        help_text="Blank when the recall job or the cure recalled it.",
    )

    class Meta:
        ordering = ["-placed_on", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["case"],
                condition=Q(recalled_on__isnull=True),
                name="one_current_placement_per_case",
                violation_error_message="This case is already placed with an agency.",
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

    placement = models.ForeignKey(Placement, on_delete=models.CASCADE, related_name="extensions")
    extended_on = models.DateField(help_text="The business date of the extension.")
    previous_recall_due_on = models.DateField()
    recall_due_on = models.DateField()
    reason = models.CharField(max_length=300)
    extended_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="placement_extensions",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["placement", "created_at", "id"]
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

    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="statements")
    period_start = models.DateField(help_text="The first day of the month.")
    period_end = models.DateField(help_text="The last day of the month.")
    generated_at = models.DateTimeField()
    generated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="Blank when the monthly job generated it.",
    )

    class Meta:
        ordering = ["-period_start", "agency__name"]
        constraints = [
            models.UniqueConstraint(
                fields=["agency", "period_start"],
                name="one_statement_per_agency_month",
                violation_error_message="This agency already has a statement for this month.",
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
        CommissionStatement, on_delete=models.CASCADE, related_name="lines"
    )
    placement = models.ForeignKey(
        Placement, on_delete=models.PROTECT, related_name="statement_lines"
    )
    account_reference = models.CharField(max_length=40)
    currency = models.CharField(max_length=3)
    placed_on = models.DateField()
    recalled_on = models.DateField(null=True, blank=True)
    payments = models.PositiveIntegerField(default=0, help_text="Payments counted.")
    collected = models.DecimalField(**AMOUNT)
    commission_rate = models.DecimalField(**RATE)
    commission = models.DecimalField(**AMOUNT)

    class Meta:
        ordering = ["statement", "placed_on", "placement"]
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
