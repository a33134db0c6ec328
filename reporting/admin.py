"""The dashboards' tables in the admin, read-only: the statistics are recomputed from the raw
rows (`manage.py stats_rebuild`)."""

from __future__ import annotations

from django.contrib import admin

from common.admin import ReadOnlyAdmin
from reporting.models import (
    DailyCaseFlow,
    DailyCollectorPerformance,
    DailyPerformance,
    DailyTeamPerformance,
    PortfolioSnapshot,
    QueueSnapshot,
    RollRate,
    StatsDay,
    StatsWatermark,
)

PERFORMANCE = ("attempts", "right_party_contacts", "promises", "collected", "compliance_blocks")


@admin.register(DailyPerformance)
class DailyPerformanceAdmin(ReadOnlyAdmin):
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
class DailyCollectorPerformanceAdmin(ReadOnlyAdmin):
    list_display = ("day", "team", "collector", "agency", "currency", *PERFORMANCE)
    list_select_related = ("team", "collector", "agency")
    list_filter = ("currency",)
    date_hierarchy = "day"
    show_full_result_count = False


@admin.register(DailyTeamPerformance)
class DailyTeamPerformanceAdmin(ReadOnlyAdmin):
    list_display = ("day", "team", "agency", "strategy", "product", "currency", *PERFORMANCE)
    list_select_related = ("team", "agency", "strategy")
    list_filter = ("currency", "product")
    date_hierarchy = "day"
    show_full_result_count = False


@admin.register(DailyCaseFlow)
class DailyCaseFlowAdmin(ReadOnlyAdmin):
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
class PortfolioSnapshotAdmin(ReadOnlyAdmin):
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
class RollRateAdmin(ReadOnlyAdmin):
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
class QueueSnapshotAdmin(ReadOnlyAdmin):
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
class StatsDayAdmin(ReadOnlyAdmin):
    list_display = ("day", "flows_computed_at", "snapshot_computed_at")
    date_hierarchy = "day"


@admin.register(StatsWatermark)
class StatsWatermarkAdmin(ReadOnlyAdmin):
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
