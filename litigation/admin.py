from __future__ import annotations

from django.contrib import admin

from common.admin import TIMESTAMPS, AmountFieldsMixin, FreeTextAdmin, ReadOnlyAdmin
from litigation.models import LawFirm, Lawsuit, LawsuitEvent, ReferralCriteria


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
    inlines = [LawsuitEventInline]
