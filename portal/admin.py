from django.contrib import admin

from portal.models import IdentityFailure, OnlinePayment, PortalVisit


@admin.register(IdentityFailure)
class IdentityFailureAdmin(admin.ModelAdmin):
    list_display = ["reference_key", "client_ip", "failed_at"]
    search_fields = ["reference_key", "client_ip"]
    date_hierarchy = "failed_at"

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


@admin.register(OnlinePayment)
class OnlinePaymentAdmin(admin.ModelAdmin):
    list_display = ["reference", "case", "amount", "currency", "status", "started_at", "paid_at"]
    list_filter = ["status", "provider"]
    search_fields = ["reference", "case__account__account_reference"]
    raw_id_fields = ["case", "reported_payment"]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


@admin.register(PortalVisit)
class PortalVisitAdmin(admin.ModelAdmin):
    list_display = ["case", "message", "arrived_at", "verified_at"]
    search_fields = ["case__account__account_reference"]
    raw_id_fields = ["case", "message"]
    date_hierarchy = "arrived_at"

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False
