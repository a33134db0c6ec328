"""The dashboards' tables in the admin, read-only: the statistics are recomputed from the raw
rows (`manage.py stats_rebuild`), and the supervisors' actions and approvals are an audit
trail written by their services."""

from __future__ import annotations

from django.contrib import admin

from cases.models import (
    DailyCaseFlow,
    DailyCollectorPerformance,
    DailyPerformance,
    DailyTeamPerformance,
    OverrideApproval,
    PortfolioSnapshot,
    QueueSnapshot,
    RollRate,
    StatsDay,
    StatsWatermark,
    SupervisorAction,
)


class ReadOnly(admin.ModelAdmin):
    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


PERFORMANCE = ("attempts", "right_party_contacts", "promises", "collected", "compliance_blocks")


@admin.register(DailyPerformance)
class DailyPerformanceAdmin(ReadOnly):
    list_display = (
        "day",
        "team",
        "collector",
        "agency",
        "strategy",
        "product",
        "currency",
        *PERFORMANCE,
    )
    list_select_related = ("team", "collector", "agency", "strategy")
    list_filter = ("currency", "product")
    date_hierarchy = "day"
    show_full_result_count = False


@admin.register(DailyCollectorPerformance)
class DailyCollectorPerformanceAdmin(ReadOnly):
    list_display = ("day", "team", "collector", "agency", "currency", *PERFORMANCE)
    list_select_related = ("team", "collector", "agency")
    list_filter = ("currency",)
    date_hierarchy = "day"
    show_full_result_count = False


@admin.register(DailyTeamPerformance)
class DailyTeamPerformanceAdmin(ReadOnly):
    list_display = ("day", "team", "agency", "strategy", "product", "currency", *PERFORMANCE)
    list_select_related = ("team", "agency", "strategy")
    list_filter = ("currency", "product")
    date_hierarchy = "day"
    show_full_result_count = False


@admin.register(DailyCaseFlow)
class DailyCaseFlowAdmin(ReadOnly):
    list_display = (
        "day",
        "team",
        "strategy",
        "stage",
        "product",
        "currency",
        "opened",
        "entered",
        "cured",
        "cured_balance",
    )
    list_select_related = ("team", "strategy", "stage")
    list_filter = ("currency", "product")
    date_hierarchy = "day"
    show_full_result_count = False


@admin.register(PortfolioSnapshot)
class PortfolioSnapshotAdmin(ReadOnly):
    list_display = (
        "day",
        "team",
        "agency",
        "strategy",
        "product",
        "currency",
        "bucket",
        "cases",
        "balance",
    )
    list_select_related = ("team", "agency", "strategy")
    list_filter = ("bucket", "currency")
    date_hierarchy = "day"
    show_full_result_count = False


@admin.register(RollRate)
class RollRateAdmin(ReadOnly):
    list_display = (
        "month",
        "as_of",
        "team",
        "strategy",
        "product",
        "currency",
        "from_bucket",
        "to_bucket",
        "cases",
        "balance",
    )
    list_select_related = ("team", "strategy")
    list_filter = ("from_bucket", "to_bucket", "currency")
    show_full_result_count = False


@admin.register(QueueSnapshot)
class QueueSnapshotAdmin(ReadOnly):
    list_display = (
        "day",
        "team",
        "taken_at",
        "queue_depth",
        "untouched",
        "paused",
        "oldest_untouched_case_id",
        "oldest_untouched_since",
    )
    list_select_related = ("team",)
    date_hierarchy = "day"


@admin.register(StatsDay)
class StatsDayAdmin(ReadOnly):
    list_display = ("day", "flows_computed_at", "snapshot_computed_at")
    date_hierarchy = "day"


@admin.register(StatsWatermark)
class StatsWatermarkAdmin(ReadOnly):
    list_display = (
        "__str__",
        "activity_id",
        "payment_id",
        "promise_id",
        "stage_entry_id",
        "compliance_sequence",
        "pipeline_run_id",
        "case_id",
    )


@admin.register(SupervisorAction)
class SupervisorActionAdmin(ReadOnly):
    list_display = ("occurred_at", "kind", "actor", "case_count", "reason")
    list_select_related = ("actor",)
    list_filter = ("kind",)
    search_fields = ("reason", "actor__username")
    date_hierarchy = "occurred_at"


@admin.register(OverrideApproval)
class OverrideApprovalAdmin(ReadOnly):
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
