from __future__ import annotations

import datetime as dt

from django import forms
from django.contrib import admin, messages
from django.db.models import Count, Q
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from agencies.forms import ExtendByDaysForm
from agencies.models import (
    Agency,
    CommissionStatement,
    CommissionStatementLine,
    CommissionTier,
    Placement,
    PlacementExtension,
    PlacementRule,
    RecallDestination,
)
from agencies.services import (
    PlacementRefused,
    placement_create,
    placement_extend,
    placement_problems,
    placements_recall,
    statements_generate_month,
)
from common.admin import TIMESTAMPS, AmountFieldsMixin, FreeTextAdmin, ReadOnlyAdmin
from common.days import month_bounds
from common.forms import FreeTextField


def _action_form(modeladmin, request, queryset, *, form, title: str, submit: str):
    """The intermediate page of an action that needs input (a reason): render it until the
    form is valid, then return the cleaned data."""
    if form.is_valid():
        return form.cleaned_data
    return render(
        request,
        "agencies/admin_action.html",
        {
            **modeladmin.admin_site.each_context(request),
            "title": title,
            "opts": modeladmin.model._meta,
            "queryset": queryset,
            "form": form,
            "action": request.POST["action"],
            "submit": submit,
        },
    )


class CommissionTierInline(AmountFieldsMixin, FreeTextAdmin, admin.TabularInline):
    model = CommissionTier
    extra = 0


@admin.register(Agency)
class AgencyAdmin(FreeTextAdmin, admin.ModelAdmin):
    list_display = (
        "name",
        "licence_number",
        "licence_expires_on",
        "contract_start",
        "contract_end",
        "evaluated_on",
        "commission_basis",
        "commission_rate",
        "current_placements",
        "capacity",
        "is_active",
    )
    list_filter = ("is_active", "commission_basis")
    search_fields = ("name", "licence_number")
    readonly_fields = TIMESTAMPS
    inlines = (CommissionTierInline,)
    actions = ("suspend", "reactivate", "write_last_month_statement")

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .annotate(
                current_placements=Count(
                    "placements", filter=Q(placements__recalled_on__isnull=True)
                )
            )
        )

    @admin.display(description=_("Current placements"), ordering="current_placements")
    def current_placements(self, agency: Agency) -> int:
        return agency.current_placements

    @admin.action(description=_("Suspend selected agencies"), permissions=["change"])
    def suspend(self, request, queryset):
        updated = queryset.update(is_active=False, updated_at=timezone.now())
        self.message_user(
            request,
            ngettext("Suspended %(count)d agency.", "Suspended %(count)d agencies.", updated)
            % {"count": updated},
        )

    @admin.action(description=_("Reactivate selected agencies"), permissions=["change"])
    def reactivate(self, request, queryset):
        updated = queryset.update(is_active=True, updated_at=timezone.now())
        self.message_user(
            request,
            ngettext("Reactivated %(count)d agency.", "Reactivated %(count)d agencies.", updated)
            % {"count": updated},
        )

    @admin.action(description=_("Write last month's commission statement"), permissions=["change"])
    def write_last_month_statement(self, request, queryset):
        month, _last_day = month_bounds(timezone.localdate().replace(day=1) - dt.timedelta(days=1))
        statements = statements_generate_month(
            month=month, now=timezone.now(), user=request.user, agencies=list(queryset)
        )
        self.message_user(
            request,
            ngettext(
                "Wrote %(count)d statement for %(month)s.",
                "Wrote %(count)d statements for %(month)s.",
                len(statements),
            )
            % {"count": len(statements), "month": date_format(month, "YEAR_MONTH_FORMAT")},
        )


@admin.register(CommissionTier)
class CommissionTierAdmin(AmountFieldsMixin, FreeTextAdmin, admin.ModelAdmin):
    list_display = ("agency", "starts_at", "rate")
    list_filter = ("agency",)
    list_select_related = ("agency",)


@admin.register(PlacementRule)
class PlacementRuleAdmin(FreeTextAdmin, admin.ModelAdmin):
    list_display = (
        "strategy",
        "method",
        "challenger_method",
        "challenger_percent",
        "performance_days",
        "recall_destination",
    )
    list_select_related = ("strategy",)
    readonly_fields = TIMESTAMPS


class PlacementAddForm(forms.ModelForm):
    """Placing by hand in the admin runs the same checks and service as the supervisor's page."""

    class Meta:
        model = Placement
        fields = ("case", "agency", "reason")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["reason"].required = True

    def clean(self):
        cleaned = super().clean()
        case, agency = cleaned.get("case"), cleaned.get("agency")
        if case and agency:
            problems = placement_problems(
                case=case, agency=agency, business_date=timezone.localdate()
            )
            if problems:
                raise forms.ValidationError(
                    gettext("Cannot place this case: %(problems)s.")
                    % {"problems": "; ".join(problems)}
                )
        return cleaned


class PlacementExtensionInline(FreeTextAdmin, admin.TabularInline):
    model = PlacementExtension
    extra = 0
    fields = ("extended_on", "previous_recall_due_on", "recall_due_on", "reason", "extended_by")
    readonly_fields = fields
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


class RecallActionForm(forms.Form):
    destination = forms.ChoiceField(
        label=_("Destination"),
        choices=[("", _("As the strategy's rule says")), *RecallDestination.choices],
        required=False,
    )
    reason = FreeTextField(label=_("Reason"), max_length=300)


@admin.register(Placement)
class PlacementAdmin(AmountFieldsMixin, FreeTextAdmin, admin.ModelAdmin):
    list_display = (
        "case",
        "agency",
        "placed_on",
        "recall_due_on",
        "recalled_on",
        "is_current",
        "allocation",
        "commission_rate",
        "placed_by",
    )
    list_filter = ("agency", "allocation", ("recalled_on", admin.EmptyFieldListFilter))
    list_select_related = ("case__account", "agency", "placed_by")
    search_fields = ("=case__account__account_reference", "case__debtor__full_name")
    autocomplete_fields = ("case",)
    date_hierarchy = "placed_on"
    inlines = (PlacementExtensionInline,)
    actions = ("recall", "extend")

    def get_form(self, request, obj=None, change=False, **kwargs):
        if obj is None:
            kwargs["form"] = PlacementAddForm
        return super().get_form(request, obj, change=change, **kwargs)

    def get_fields(self, request, obj=None):
        if obj is None:
            return PlacementAddForm.Meta.fields
        return super().get_fields(request, obj)

    def get_readonly_fields(self, request, obj=None):
        if obj is None:
            return ()
        return [field.name for field in Placement._meta.fields]

    def save_model(self, request, obj, form, change):
        if change:
            return
        placement = placement_create(
            case=form.cleaned_data["case"],
            agency=form.cleaned_data["agency"],
            user=request.user,
            reason=form.cleaned_data["reason"],
            business_date=timezone.localdate(),
            now=timezone.now(),
        )
        obj.pk, obj._state.adding = placement.pk, False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description=_("Current"), boolean=True)
    def is_current(self, placement: Placement) -> bool:
        return placement.is_current

    @admin.action(description=_("Recall selected placements…"), permissions=["change"])
    def recall(self, request, queryset):
        data = _action_form(
            self,
            request,
            queryset,
            form=RecallActionForm(request.POST if "apply" in request.POST else None),
            title=_("Recall placements"),
            submit=_("Recall"),
        )
        if not isinstance(data, dict):
            return data
        counts = placements_recall(
            placements=queryset,
            user=request.user,
            reason=data["reason"],
            destination=data["destination"] or None,
            business_date=timezone.localdate(),
            now=timezone.now(),
        )
        recalled = counts["recalled"]
        self.message_user(
            request,
            ngettext("Recalled %(count)d placement.", "Recalled %(count)d placements.", recalled)
            % {"count": recalled},
        )
        return None

    @admin.action(description=_("Extend selected placements…"), permissions=["change"])
    def extend(self, request, queryset):
        data = _action_form(
            self,
            request,
            queryset,
            form=ExtendByDaysForm(request.POST if "apply" in request.POST else None),
            title=_("Extend placements"),
            submit=_("Extend"),
        )
        if not isinstance(data, dict):
            return data
        extended, now = 0, timezone.now()
        for placement in queryset.order_by("pk"):
            try:
                placement_extend(
                    placement=placement,
                    user=request.user,
                    recall_due_on=placement.recall_due_on + dt.timedelta(days=data["days"]),
                    reason=data["reason"],
                    business_date=timezone.localdate(now),
                    now=now,
                )
            except PlacementRefused as refused:
                self.message_user(request, f"{placement}: {refused}", messages.WARNING)
            else:
                extended += 1
        period = ngettext("%(days)d day", "%(days)d days", data["days"]) % {"days": data["days"]}
        self.message_user(
            request,
            ngettext(
                "Extended %(count)d placement by %(period)s.",
                "Extended %(count)d placements by %(period)s.",
                extended,
            )
            % {"count": extended, "period": period},
        )
        return None


@admin.register(PlacementExtension)
class PlacementExtensionAdmin(ReadOnlyAdmin):
    list_display = (
        "placement",
        "extended_on",
        "previous_recall_due_on",
        "recall_due_on",
        "extended_by",
    )
    list_select_related = ("placement__case__account", "placement__agency", "extended_by")
    search_fields = ("=placement__case__account__account_reference",)


@admin.register(CommissionStatement)
class CommissionStatementAdmin(ReadOnlyAdmin):
    list_display = (
        "agency",
        "period_start",
        "period_end",
        "line_count",
        "generated_at",
        "generated_by",
    )
    list_filter = ("agency",)
    list_select_related = ("agency", "generated_by")
    date_hierarchy = "period_start"
    actions = ("regenerate",)

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(line_count=Count("lines"))

    @admin.display(description=_("Lines"), ordering="line_count")
    def line_count(self, statement: CommissionStatement) -> int:
        return statement.line_count

    def view_on_site(self, statement: CommissionStatement) -> str:
        return reverse("agencies:statement", args=[statement.pk])

    def has_regenerate_permission(self, request) -> bool:
        return request.user.has_perm("agencies.change_commissionstatement")

    @admin.action(description=_("Write selected statements again"), permissions=["regenerate"])
    def regenerate(self, request, queryset):
        written = 0
        for statement in queryset.select_related("agency").order_by("period_start", "pk"):
            statements_generate_month(
                month=statement.period_start,
                now=timezone.now(),
                user=request.user,
                agencies=[statement.agency],
            )
            written += 1
        self.message_user(
            request,
            ngettext(
                "Wrote %(count)d statement again.", "Wrote %(count)d statements again.", written
            )
            % {"count": written},
        )


@admin.register(CommissionStatementLine)
class CommissionStatementLineAdmin(ReadOnlyAdmin):
    list_display = (
        "statement",
        "account_reference",
        "placed_on",
        "recalled_on",
        "currency",
        "collected",
        "commission_rate",
        "commission",
    )
    list_filter = ("statement__agency", "currency")
    list_select_related = ("statement__agency",)
    search_fields = ("=account_reference",)
