"""The supervisors' audit trail and approvals in the admin, read-only: their services write them."""

from __future__ import annotations

from django.contrib import admin

from common.admin import ReadOnlyAdmin
from supervision.models import OverrideApproval, SupervisorAction


@admin.register(SupervisorAction)
class SupervisorActionAdmin(ReadOnlyAdmin):
    list_display = ("occurred_at", "kind", "actor", "case_count", "reason")
    list_select_related = ("actor",)
    list_filter = ("kind",)
    search_fields = ("reason", "actor__username")
    date_hierarchy = "occurred_at"


@admin.register(OverrideApproval)
class OverrideApprovalAdmin(ReadOnlyAdmin):
    list_display = (
        "approved_at",
        "case",
        "collector",
        "approved_by",
        "reason",
        "valid_until",
        "used_activity",
    )
    list_select_related = ("case__account", "collector", "approved_by", "used_activity")
    search_fields = ("reason", "collector__username", "approved_by__username")
    date_hierarchy = "approved_at"
