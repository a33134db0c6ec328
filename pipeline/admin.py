"""The pipeline's runs and the messages it owes, in the admin."""

from __future__ import annotations

from django.contrib import admin

from common.admin import TIMESTAMPS, FreeTextAdmin
from pipeline.models import OutboundMessage, PipelineRun


@admin.register(PipelineRun)
class PipelineRunAdmin(FreeTextAdmin, admin.ModelAdmin):
    list_display = (
        "business_date",
        "dry_run",
        "status",
        "started_at",
        "finished_at",
        "triggered_by",
    )
    list_filter = ("status", "dry_run")
    list_select_related = ("triggered_by",)
    autocomplete_fields = ("triggered_by",)
    date_hierarchy = "business_date"


@admin.register(OutboundMessage)
class OutboundMessageAdmin(FreeTextAdmin, admin.ModelAdmin):
    list_display = (
        "case",
        "channel",
        "status",
        "contact_point",
        "attempts",
        "sent_at",
        "delivery_status",
        "created_at",
    )
    list_filter = ("status", "channel")
    list_select_related = ("case__account", "contact_point")
    search_fields = ("=case__account__account_reference", "=provider_reference")
    autocomplete_fields = ("case", "stage_entry", "contact_point", "activity")
    readonly_fields = TIMESTAMPS
    show_full_result_count = False


# Compliance: a policy changes by a new version (added through the service, validated); the
# log and its chain head are written by the compliance engine alone.
