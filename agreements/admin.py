from django.contrib import admin

from agreements.models import (
    ApprovalLimit,
    PlanInstalment,
    RepaymentPlan,
    SettlementOffer,
    WriteOffBatch,
    WriteOffProposal,
)
from common.admin import AmountFieldsMixin, FreeTextAdmin, ReadOnlyAdmin


@admin.register(ApprovalLimit)
class ApprovalLimitAdmin(AmountFieldsMixin, FreeTextAdmin, admin.ModelAdmin):
    """The approval matrix: the largest discount each role grants alone, per currency."""

    list_display = ("role", "currency", "max_discount_percent", "max_discount_amount")
    list_filter = ("currency", "role")


class PlanInstalmentInline(admin.TabularInline):
    model = PlanInstalment
    extra = 0
    can_delete = False
    readonly_fields = ("number", "due_date", "amount", "kept_on")

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


@admin.register(RepaymentPlan)
class RepaymentPlanAdmin(ReadOnlyAdmin):
    """Plans are made and monitored by the product; the admin reads them."""

    list_display = ("pk", "case", "total_amount", "currency", "status", "agreed_on", "agreed_by")
    list_select_related = ("case__account", "agreed_by")
    list_filter = ("status", "frequency", "agreed_via")
    raw_id_fields = ("case", "agreed_by")
    inlines = [PlanInstalmentInline]


@admin.register(PlanInstalment)
class PlanInstalmentAdmin(ReadOnlyAdmin):
    list_display = ("plan", "number", "due_date", "amount", "kept_on")
    list_select_related = ("plan",)
    raw_id_fields = ("plan",)


@admin.register(SettlementOffer)
class SettlementOfferAdmin(ReadOnlyAdmin):
    list_display = ("pk", "case", "amount", "balance", "currency", "status", "expires_on")
    list_select_related = ("case__account",)
    list_filter = ("status", "kind")
    raw_id_fields = ("case", "created_by", "decided_by")


class WriteOffProposalInline(admin.TabularInline):
    model = WriteOffProposal
    extra = 0
    can_delete = False
    fields = ("case", "balance", "currency", "days_past_due", "status", "decided_by", "decided_at")
    readonly_fields = fields

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


@admin.register(WriteOffBatch)
class WriteOffBatchAdmin(ReadOnlyAdmin):
    """Write-offs are proposed by the night's step and approved on the write-offs page."""

    list_display = ("pk", "proposed_on", "status")
    list_filter = ("status",)
    inlines = [WriteOffProposalInline]


@admin.register(WriteOffProposal)
class WriteOffProposalAdmin(ReadOnlyAdmin):
    list_display = ("pk", "batch", "case", "balance", "currency", "status", "decided_by")
    list_select_related = ("batch", "case__account", "decided_by")
    list_filter = ("status", "currency")
    raw_id_fields = ("batch", "case", "decided_by")
