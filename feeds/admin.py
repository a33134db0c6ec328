from __future__ import annotations

from django.contrib import admin

from feeds.models import ImportRejectedRow, ImportRun


class ImportRejectedRowInline(admin.TabularInline):
    model = ImportRejectedRow
    fields = ("line_number", "reason", "raw_row")
    readonly_fields = fields
    extra = 0
    can_delete = False
    max_num = 0
    show_change_link = False


@admin.register(ImportRun)
class ImportRunAdmin(admin.ModelAdmin):
    """Imports are started from the upload page or the command; the admin only reads them."""

    list_display = (
        "created_at",
        "kind",
        "file_name",
        "business_date",
        "status",
        "rows_read",
        "inserted",
        "updated",
        "unchanged",
        "rejected",
        "duration_seconds",
        "user",
    )
    list_filter = ("kind", "status", "dry_run")
    search_fields = ("file_name", "checksum")
    date_hierarchy = "business_date"
    inlines = [ImportRejectedRowInline]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


@admin.register(ImportRejectedRow)
class ImportRejectedRowAdmin(admin.ModelAdmin):
    """Rejected rows, searchable across imports; only the importer writes them."""

    list_display = ("run", "line_number", "reason")
    list_select_related = ("run",)
    search_fields = ("reason", "run__file_name")
    list_filter = ("run__kind",)
    readonly_fields = ("run", "line_number", "raw_row", "reason")

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False
