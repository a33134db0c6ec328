from django.contrib import admin

from disputes.models import Complaint, Dispute, Document, Step


class ReadOnlyInline(admin.TabularInline):
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


class StepInline(ReadOnlyInline):
    model = Step
    fields = ("kind", "actor", "occurred_at", "note")
    readonly_fields = fields


class DocumentInline(ReadOnlyInline):
    model = Document
    fields = ("original_name", "size", "sha256", "uploaded_by", "uploaded_at")
    readonly_fields = fields


class GrievanceAdmin(admin.ModelAdmin):
    """Read here; received, moved through their steps and given documents on their pages, which
    record every step on the case (and pass the compliance gate where a contact is made)."""

    list_filter = ("status", "outcome", "channel")
    search_fields = ("=id", "=case__id")
    date_hierarchy = "received_at"
    inlines = [StepInline, DocumentInline]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Dispute)
class DisputeAdmin(GrievanceAdmin):
    list_display = ("id", "case", "kind", "status", "received_at", "due_on", "outcome")
    list_filter = ("kind", "holds_collection", *GrievanceAdmin.list_filter)


@admin.register(Complaint)
class ComplaintAdmin(GrievanceAdmin):
    list_display = (
        "id",
        "case",
        "subject",
        "concerns_user",
        "concerns_agency",
        "status",
        "received_at",
        "due_on",
        "outcome",
    )
    list_select_related = ("concerns_user", "concerns_agency")
    list_filter = ("subject", *GrievanceAdmin.list_filter)
