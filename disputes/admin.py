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
    list_select_related = ("case__account",)
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
    list_select_related = ("case__account", "concerns_user", "concerns_agency")
    list_filter = ("subject", *GrievanceAdmin.list_filter)


class ReadOnlyAdmin(admin.ModelAdmin):
    """Written by the disputes' services alone: read here, never changed or removed."""

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Step)
class StepAdmin(ReadOnlyAdmin):
    list_display = ("id", "kind", "dispute", "complaint", "actor", "occurred_at")
    list_select_related = ("dispute", "complaint", "actor")
    list_filter = ("kind",)
    search_fields = ("=dispute__id", "=complaint__id")
    raw_id_fields = ("dispute", "complaint", "actor", "activity")


@admin.register(Document)
class DocumentAdmin(ReadOnlyAdmin):
    """The file itself is served only by the disputes' scoped view."""

    list_display = ("id", "original_name", "dispute", "complaint", "size", "uploaded_at")
    list_select_related = ("dispute", "complaint")
    search_fields = ("=dispute__id", "=complaint__id", "sha256")
    fields = (
        "dispute",
        "complaint",
        "original_name",
        "size",
        "sha256",
        "uploaded_by",
        "uploaded_at",
    )
    readonly_fields = fields
