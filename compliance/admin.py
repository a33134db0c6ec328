"""Compliance policies (versioned, checked against their preset) and the read-only log."""

from __future__ import annotations

from django import forms
from django.contrib import admin
from django.db.models import Max
from django.utils.translation import gettext_lazy

from common.admin import TIMESTAMPS, FreeTextAdmin, ReadOnlyAdmin, WrittenOnceAdmin
from compliance.models import (
    ComplianceChainHead,
    ComplianceLogEntry,
    CompliancePolicy,
    CompliancePolicyVersion,
    PortfolioPolicy,
)
from compliance.policies import policy_version_create
from compliance.presets import parse_parameters


class CompliancePolicyVersionInline(FreeTextAdmin, admin.TabularInline):
    model = CompliancePolicyVersion
    extra = 0
    can_delete = False
    show_change_link = True
    fields = ("version", "note", "created_by", "created_at")
    readonly_fields = fields

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("created_by")

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(CompliancePolicy)
class CompliancePolicyAdmin(FreeTextAdmin, admin.ModelAdmin):
    inlines = (CompliancePolicyVersionInline,)
    list_display = ("code", "name", "preset", "latest_version")
    list_filter = ("preset",)
    search_fields = ("code", "name")
    readonly_fields = TIMESTAMPS

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(latest_version=Max("versions__version"))

    @admin.display(description=gettext_lazy("Latest version"), ordering="latest_version")
    def latest_version(self, policy: CompliancePolicy) -> int | None:
        return policy.latest_version

    def get_readonly_fields(self, request, obj=None):
        """Strategies and portfolios name a policy by its code: it is fixed once made."""
        if obj is None:
            return TIMESTAMPS
        return ("code", *TIMESTAMPS)


class CompliancePolicyVersionForm(forms.ModelForm):
    class Meta:
        model = CompliancePolicyVersion
        fields = ("policy", "parameters", "note")

    def clean_parameters(self):
        parameters = self.cleaned_data["parameters"]
        parse_parameters(parameters)
        return parameters


@admin.register(CompliancePolicyVersion)
class CompliancePolicyVersionAdmin(WrittenOnceAdmin):
    form = CompliancePolicyVersionForm
    list_display = ("policy", "version", "note", "created_by", "created_at")
    list_filter = ("policy",)
    list_select_related = ("policy", "created_by")

    def save_model(self, request, obj, form, change):
        saved = policy_version_create(
            policy=obj.policy, parameters=obj.parameters, note=obj.note, created_by=request.user
        )
        # The admin goes on with `obj` (its log entry, the redirect): make it the saved row.
        obj.__dict__.update(saved.__dict__)


@admin.register(PortfolioPolicy)
class PortfolioPolicyAdmin(FreeTextAdmin, admin.ModelAdmin):
    list_display = ("portfolio", "policy")
    list_filter = ("policy",)
    list_select_related = ("policy",)
    search_fields = ("portfolio",)
    readonly_fields = TIMESTAMPS


@admin.register(ComplianceLogEntry)
class ComplianceLogEntryAdmin(ReadOnlyAdmin):
    list_display = (
        "sequence",
        "occurred_at",
        "kind",
        "verdict",
        "channel",
        "action",
        "case",
        "actor",
        "agency",
        "policy_code",
        "policy_version",
    )
    list_filter = ("verdict", "kind", "agency")
    list_select_related = ("case__account", "actor", "agency")
    search_fields = ("=sequence", "=case__account__account_reference")
    date_hierarchy = "occurred_at"
    show_full_result_count = False


@admin.register(ComplianceChainHead)
class ComplianceChainHeadAdmin(ReadOnlyAdmin):
    list_display = ("__str__", "last_hash")
