from __future__ import annotations

from django.contrib import admin

from common.admin import TIMESTAMPS, AmountFieldsMixin, FreeTextAdmin, ReadOnlyAdmin
from litigation.models import (
    EnforcementStep,
    Hearing,
    LawFirm,
    Lawsuit,
    LawsuitCost,
    LawsuitEvent,
    ReferralCriteria,
)


@admin.register(LawFirm)
class LawFirmAdmin(FreeTextAdmin, admin.ModelAdmin):
    list_display = ("name", "contact_name", "contract_reference", "is_active")
    list_filter = ("is_active",)
    search_fields = ("name", "contact_name", "contract_reference")
    readonly_fields = TIMESTAMPS


@admin.register(ReferralCriteria)
class ReferralCriteriaAdmin(AmountFieldsMixin, FreeTextAdmin, admin.ModelAdmin):
    list_display = (
        "stage",
        "min_balance",
        "failed_attempts",
        "failed_attempts_days",
        "when_unreachable",
        "when_broken_agreement",
    )
    list_select_related = ("stage__strategy",)


class LawsuitEventInline(admin.TabularInline):
    model = LawsuitEvent
    extra = 0
    can_delete = False
    readonly_fields = ("kind", "actor", "occurred_at", "note")

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Lawsuit)
class LawsuitAdmin(ReadOnlyAdmin):
    """Lawsuits move through the legal team's pages (their services); shown here."""

    list_display = ("pk", "case", "status", "law_firm", "lawyer", "filed_on", "referred_on")
    list_filter = ("status", "law_firm")
    list_select_related = ("case__account", "law_firm", "lawyer")
    inlines = [LawsuitEventInline]


@admin.register(LawsuitEvent)
class LawsuitEventAdmin(ReadOnlyAdmin):
    list_display = ("lawsuit", "kind", "actor", "occurred_at")
    list_filter = ("kind",)
    list_select_related = ("lawsuit", "actor")


@admin.register(Hearing)
class HearingAdmin(ReadOnlyAdmin):
    list_display = ("lawsuit", "scheduled_at", "place", "held")
    list_select_related = ("lawsuit",)


@admin.register(EnforcementStep)
class EnforcementStepAdmin(ReadOnlyAdmin):
    list_display = ("lawsuit", "taken_on", "description", "recovered")
    list_select_related = ("lawsuit",)


@admin.register(LawsuitCost)
class LawsuitCostAdmin(ReadOnlyAdmin):
    list_display = ("lawsuit", "kind", "amount", "incurred_on", "status", "recorded_by")
    list_filter = ("status", "kind")
    list_select_related = ("lawsuit", "recorded_by")
