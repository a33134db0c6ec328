from __future__ import annotations

from django.contrib import admin
from django.db.models import Count, Q
from django.utils import timezone

from agencies.models import Agency, Placement

TIMESTAMPS = ("created_at", "updated_at")


@admin.register(Agency)
class AgencyAdmin(admin.ModelAdmin):
    list_display = (
        "name",
        "licence_number",
        "licence_expires_on",
        "contract_start",
        "contract_end",
        "commission_rate",
        "current_placements",
        "capacity",
        "is_active",
    )
    list_filter = ("is_active",)
    search_fields = ("name", "licence_number")
    readonly_fields = TIMESTAMPS
    actions = ("suspend", "reactivate")

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .annotate(
                current_placements=Count(
                    "placements", filter=Q(placements__recalled_on__isnull=True)
                )
            )
        )

    @admin.display(description="Current placements", ordering="current_placements")
    def current_placements(self, agency: Agency) -> int:
        return agency.current_placements

    @admin.action(description="Suspend selected agencies", permissions=["change"])
    def suspend(self, request, queryset):
        updated = queryset.update(is_active=False, updated_at=timezone.now())
        self.message_user(request, f"Suspended {updated} agency(ies).")

    @admin.action(description="Reactivate selected agencies", permissions=["change"])
    def reactivate(self, request, queryset):
        updated = queryset.update(is_active=True, updated_at=timezone.now())
        self.message_user(request, f"Reactivated {updated} agency(ies).")


@admin.register(Placement)
class PlacementAdmin(admin.ModelAdmin):
    list_display = (
        "case",
        "agency",
        "placed_on",
        "recall_due_on",
        "recalled_on",
        "is_current",
        "placed_by",
    )
    list_filter = ("agency", ("recalled_on", admin.EmptyFieldListFilter))
    list_select_related = ("case__account", "agency", "placed_by")
    search_fields = ("=case__account__account_reference", "case__debtor__full_name")
    autocomplete_fields = ("case", "placed_by")
    date_hierarchy = "placed_on"
    readonly_fields = TIMESTAMPS

    @admin.display(description="Current", boolean=True)
    def is_current(self, placement: Placement) -> bool:
        return placement.is_current
