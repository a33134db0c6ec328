"""Outsourced collection agencies and the placements of cases with them."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q

from accounts.models import TimeStampedModel


class Agency(TimeStampedModel):
    name = models.CharField(max_length=150, unique=True)
    licence_number = models.CharField(max_length=60, unique=True)
    licence_expires_on = models.DateField()
    contract_start = models.DateField()
    contract_end = models.DateField()
    commission_rate = models.DecimalField(
        max_digits=5,
        decimal_places=4,
        validators=[MinValueValidator(Decimal(0)), MaxValueValidator(Decimal(1))],
        help_text="Share of collected amounts, e.g. 0.1800 for 18%.",
    )
    capacity = models.PositiveIntegerField(help_text="Maximum open placements.")
    placement_days = models.PositiveSmallIntegerField(
        default=90, help_text="Length of one placement."
    )
    is_active = models.BooleanField(default=True)
    contact_name = models.CharField(max_length=150, blank=True)
    contact_email = models.EmailField(blank=True)
    contact_phone = models.CharField(max_length=40, blank=True)

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

    def is_eligible_on(self, day: dt.date) -> bool:
        """Active, licensed and under contract on the given day."""
        return (
            self.is_active
            and self.licence_expires_on >= day
            and self.contract_start <= day <= self.contract_end
        )


class Placement(TimeStampedModel):
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
