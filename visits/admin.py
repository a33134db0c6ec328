from django.contrib import admin

from visits.models import Visit, VisitEvidence


class EvidenceInline(admin.TabularInline):
    model = VisitEvidence
    fields = ("original_name", "size", "sha256", "uploaded_by", "uploaded_at")
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Visit)
class VisitAdmin(admin.ModelAdmin):
    """Visits are read here; they are planned, checked in and out through their pages, which
    pass the compliance gate."""

    list_display = ("id", "case", "planned_at", "status", "outcome", "checked_in_at")
    list_select_related = ("case__account",)
    list_filter = ("status", "outcome")
    search_fields = ("=id", "=case__id")
    raw_id_fields = ("case", "address", "planned_by", "checked_in_by", "activity")
    readonly_fields = ("plan_decision", "check_in_decision")
    inlines = [EvidenceInline]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(VisitEvidence)
class VisitEvidenceAdmin(admin.ModelAdmin):
    """Evidence is read here (its name, size and SHA-256); the file itself is served only by
    the visits' scoped view, and nothing is changed or removed: the log holds its hash."""

    list_display = ("id", "visit", "original_name", "size", "sha256", "uploaded_at")
    list_select_related = ("visit",)
    search_fields = ("=visit__id", "sha256")
    fields = ("visit", "original_name", "size", "sha256", "uploaded_by", "uploaded_at")
    readonly_fields = fields

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
