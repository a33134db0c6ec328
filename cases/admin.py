"""Admin for debtors, accounts, cases and the strategy ladder.

National ID numbers are never shown or stored: the admin sees the masked last four and
types a full number only to set or replace the keyed hash.
"""

from __future__ import annotations

from django import forms
from django.contrib import admin
from django.db.models import Count
from django.utils import timezone
from django.utils.decorators import method_decorator
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from django.views.decorators.debug import sensitive_post_parameters

from cases.identity import national_id_fields
from cases.models import (
    Activity,
    CardAccount,
    Case,
    ContactPoint,
    Debtor,
    Payment,
    PromiseInstalment,
    PromiseToPay,
    ReportedPayment,
    Stage,
    StageEntry,
    StageMessageTranslation,
    Strategy,
)
from common.admin import TIMESTAMPS, AmountFieldsMixin, FreeTextAdmin
from common.phones import phone_e164_or_none

DEBTOR_IDENTITY_FIELDS = ("full_name", "birth_date", "time_zone", "language")
DEBTOR_CIRCUMSTANCE_FIELDS = (
    "is_vulnerable",
    "vulnerability_note",
    "is_deceased",
    "estate_representative",
    "is_bankrupt",
    "cease_communication",
    "dispute_pending",
    "is_unreachable",
)
DEBTOR_ATTORNEY_FIELDS = ("has_attorney", "attorney_name", "attorney_phone", "attorney_email")


class DebtorAdminForm(forms.ModelForm):
    """Takes the full national ID number and keeps only its keyed hash and last four."""

    national_id = forms.CharField(
        label=_("National ID number"),
        required=False,
        # Never echo the number back into the page, not even on a form error.
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "off"}),
        help_text=_("The full number; only a keyed hash and the last four are stored."),
    )

    class Meta:
        model = Debtor
        fields = (*DEBTOR_IDENTITY_FIELDS, *DEBTOR_CIRCUMSTANCE_FIELDS, *DEBTOR_ATTORNEY_FIELDS)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance._state.adding:
            self.fields["national_id"].required = True
        else:
            self.fields["national_id"].label = _("Replace national ID number")
            self.fields["national_id"].help_text = _(
                "Leave blank to keep the current number. Only a keyed hash and the last four "
                "are stored."
            )

    def clean_national_id(self) -> dict[str, str]:
        """The Debtor fields standing for the number typed; the raw number goes no further."""
        raw = self.cleaned_data["national_id"]
        if not raw:
            return {}
        try:
            fields = national_id_fields(raw)
        except ValueError as error:
            raise forms.ValidationError(str(error)) from error
        # The hash is not a form field, so the form's unique check would not cover it.
        taken = Debtor.objects.filter(national_id_hash=fields["national_id_hash"])
        if taken.exclude(pk=self.instance.pk).exists():
            raise forms.ValidationError(_("Another debtor has this national ID number."))
        return fields

    def save(self, commit: bool = True) -> Debtor:
        for name, value in self.cleaned_data["national_id"].items():
            setattr(self.instance, name, value)
        return super().save(commit)


class ContactPointInline(FreeTextAdmin, admin.TabularInline):
    model = ContactPoint
    extra = 0
    show_change_link = True
    fields = (
        "kind",
        "value",
        "owner",
        "third_party_name",
        "sms_consent",
        "email_consent",
        "opted_out",
        "do_not_contact",
        "verified",
        "invalid",
    )


@admin.register(Debtor)
class DebtorAdmin(FreeTextAdmin, admin.ModelAdmin):
    form = DebtorAdminForm
    inlines = (ContactPointInline,)
    list_display = (
        "full_name",
        "masked_national_id",
        "time_zone",
        "is_vulnerable",
        "is_deceased",
        "is_bankrupt",
        "has_attorney",
        "cease_communication",
        "dispute_pending",
    )
    list_filter = (
        "is_vulnerable",
        "is_deceased",
        "is_bankrupt",
        "has_attorney",
        "cease_communication",
        "dispute_pending",
        "is_unreachable",
    )
    # Not the hash: a search term travels in the URL, and so into access logs.
    search_fields = ("full_name", "=national_id_last4")
    readonly_fields = ("masked_national_id", *TIMESTAMPS)
    show_full_result_count = False

    @admin.display(description=_("National ID"))
    def masked_national_id(self, debtor: Debtor) -> str:
        return debtor.masked_national_id

    def get_fieldsets(self, request, obj=None):
        adding = obj is None
        national_id = ("national_id",) if adding else ("masked_national_id", "national_id")
        fieldsets = [
            (None, {"fields": (*DEBTOR_IDENTITY_FIELDS, *national_id)}),
            (_("Circumstances"), {"fields": DEBTOR_CIRCUMSTANCE_FIELDS}),
            (_("Attorney"), {"fields": DEBTOR_ATTORNEY_FIELDS}),
        ]
        if not adding:
            fieldsets.append((_("Record"), {"fields": TIMESTAMPS}))
        return fieldsets

    @method_decorator(sensitive_post_parameters("national_id"))
    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        return super().changeform_view(request, object_id, form_url, extra_context)


@admin.register(ContactPoint)
class ContactPointAdmin(FreeTextAdmin, admin.ModelAdmin):
    list_display = (
        "value",
        "kind",
        "debtor",
        "owner",
        "sms_consent",
        "email_consent",
        "opted_out",
        "do_not_contact",
        "verified",
        "invalid",
    )
    list_filter = (
        "kind",
        "owner",
        "verified",
        "invalid",
        "do_not_contact",
        "opted_out",
        "sms_consent",
        "email_consent",
        "employer_prohibits_contact",
    )
    list_select_related = ("debtor",)
    search_fields = ("value", "debtor__full_name")
    autocomplete_fields = ("debtor",)
    readonly_fields = TIMESTAMPS
    show_full_result_count = False
    actions = ("mark_invalid", "mark_do_not_contact")

    def get_search_results(self, request, queryset, search_term):
        """A phone number typed in any format also finds the number stored in E.164."""
        results, may_have_duplicates = super().get_search_results(request, queryset, search_term)
        if e164 := phone_e164_or_none(search_term):
            results |= queryset.filter(kind__in=ContactPoint.PHONE_KINDS, value=e164)
        return results, may_have_duplicates

    @admin.action(
        description=_("Mark selected as invalid (wrong number or address)"),
        permissions=["change"],
    )
    def mark_invalid(self, request, queryset):
        updated = queryset.update(invalid=True, updated_at=timezone.now())
        self.message_user(
            request,
            ngettext(
                "Marked %(count)d contact point as invalid.",
                "Marked %(count)d contact points as invalid.",
                updated,
            )
            % {"count": updated},
        )

    @admin.action(description=_("Mark selected as do not contact"), permissions=["change"])
    def mark_do_not_contact(self, request, queryset):
        updated = queryset.update(do_not_contact=True, updated_at=timezone.now())
        self.message_user(
            request,
            ngettext(
                "Marked %(count)d contact point as do not contact.",
                "Marked %(count)d contact points as do not contact.",
                updated,
            )
            % {"count": updated},
        )


@admin.register(CardAccount)
class CardAccountAdmin(AmountFieldsMixin, FreeTextAdmin, admin.ModelAdmin):
    list_display = (
        "account_reference",
        "debtor",
        "card",
        "product",
        "portfolio",
        "balance",
        "minimum_due",
        "currency",
        "oldest_unpaid_due_date",
    )
    list_filter = ("portfolio",)
    list_select_related = ("debtor",)
    search_fields = ("=account_reference", "=card_last4", "debtor__full_name")
    autocomplete_fields = ("debtor",)
    readonly_fields = TIMESTAMPS
    show_full_result_count = False

    @admin.display(description=_("Card"), ordering="card_last4")
    def card(self, account: CardAccount) -> str:
        return account.masked_card


class StageInline(FreeTextAdmin, admin.TabularInline):
    model = Stage
    extra = 0
    ordering = ("position",)
    show_change_link = True
    # The message template is long text: it is edited on the stage's own page.
    fields = ("position", "name", "min_days_past_due", "action", "replay_if_skipped")


@admin.register(Strategy)
class StrategyAdmin(FreeTextAdmin, admin.ModelAdmin):
    inlines = (StageInline,)
    list_display = (
        "name",
        "is_active",
        "is_default",
        "product",
        "policy",
        "charge_off_days",
        "stage_count",
    )
    list_filter = ("is_active", "is_default")
    search_fields = ("name",)
    readonly_fields = TIMESTAMPS

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(stage_count=Count("stages"))

    @admin.display(description=_("Stages"), ordering="stage_count")
    def stage_count(self, strategy: Strategy) -> int:
        return strategy.stage_count


class StageMessageTranslationInline(FreeTextAdmin, admin.StackedInline):
    model = StageMessageTranslation
    extra = 0


@admin.register(Stage)
class StageAdmin(FreeTextAdmin, admin.ModelAdmin):
    inlines = (StageMessageTranslationInline,)
    list_display = (
        "name",
        "strategy",
        "position",
        "min_days_past_due",
        "action",
        "replay_if_skipped",
    )
    list_filter = ("strategy", "action")
    list_select_related = ("strategy",)
    search_fields = ("name", "strategy__name")


class StageChoicesMixin:
    """Labels the stage choices ("strategy: stage") without a query per stage."""

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "stage":
            kwargs["queryset"] = Stage.objects.select_related("strategy")
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


@admin.register(StageMessageTranslation)
class StageMessageTranslationAdmin(StageChoicesMixin, FreeTextAdmin, admin.ModelAdmin):
    list_display = ("stage", "language")
    list_filter = ("language", "stage__strategy")
    list_select_related = ("stage__strategy",)
    search_fields = ("stage__name", "=language")


@admin.register(Case)
class CaseAdmin(StageChoicesMixin, FreeTextAdmin, admin.ModelAdmin):
    list_display = (
        "__str__",
        "debtor",
        "status",
        "strategy",
        "stage",
        "team",
        "assigned_to",
        "priority_score",
        "next_action_at",
        "opened_at",
    )
    # By the stage's action, not the stage: one filter across every strategy's ladder.
    list_filter = ("status", "strategy", "stage__action", "team")
    list_select_related = (
        "account",
        "debtor",
        "strategy",
        "stage__strategy",
        "team",
        "assigned_to",
    )
    search_fields = ("=account__account_reference", "debtor__full_name")
    autocomplete_fields = ("account", "debtor", "assigned_to", "claimed_by")
    date_hierarchy = "opened_at"
    # A write-off is approved by a manager in the product, never typed in here.
    readonly_fields = (*TIMESTAMPS, "written_off_on", "written_off_amount")
    show_full_result_count = False
    fieldsets = (
        (
            None,
            {"fields": ("account", "debtor", "status", "strategy", "stage", "stage_entered_at")},
        ),
        (
            _("Work"),
            {
                "fields": (
                    "team",
                    "assigned_to",
                    "priority_score",
                    "next_action_at",
                    "claimed_by",
                    "claim_expires_at",
                )
            },
        ),
        (
            _("Life"),
            {
                "fields": (
                    "opened_at",
                    "closed_at",
                    "balance_at_open",
                    "written_off_on",
                    "written_off_amount",
                )
            },
        ),
        (_("Record"), {"fields": TIMESTAMPS}),
    )


@admin.register(Activity)
class ActivityAdmin(FreeTextAdmin, admin.ModelAdmin):
    list_display = (
        "occurred_at",
        "case",
        "debtor",
        "channel",
        "direction",
        "outcome",
        "actor",
        "agency",
        "duration_seconds",
    )
    list_filter = ("channel", "direction", "outcome", "agency")
    list_select_related = ("case__account", "debtor", "actor", "agency")
    search_fields = ("=case__account__account_reference", "debtor__full_name")
    autocomplete_fields = ("case", "debtor", "contact_point", "actor")
    date_hierarchy = "occurred_at"
    show_full_result_count = False


class PromiseInstalmentInline(AmountFieldsMixin, FreeTextAdmin, admin.TabularInline):
    model = PromiseInstalment
    extra = 0


@admin.register(PromiseToPay)
class PromiseToPayAdmin(AmountFieldsMixin, FreeTextAdmin, admin.ModelAdmin):
    inlines = (PromiseInstalmentInline,)
    list_display = ("case", "amount", "currency", "due_date", "status", "created_by", "resolved_on")
    list_filter = ("status",)
    list_select_related = ("case__account", "created_by")
    search_fields = ("=case__account__account_reference", "case__debtor__full_name")
    autocomplete_fields = ("case", "created_by")
    date_hierarchy = "due_date"
    readonly_fields = TIMESTAMPS


@admin.register(PromiseInstalment)
class PromiseInstalmentAdmin(AmountFieldsMixin, FreeTextAdmin, admin.ModelAdmin):
    list_display = ("promise", "due_date", "amount")
    list_select_related = ("promise",)
    search_fields = ("=promise__case__account__account_reference",)
    autocomplete_fields = ("promise",)
    date_hierarchy = "due_date"


@admin.register(Payment)
class PaymentAdmin(AmountFieldsMixin, FreeTextAdmin, admin.ModelAdmin):
    list_display = (
        "external_reference",
        "received_on",
        "account",
        "case",
        "amount",
        "currency",
        "source",
        "agency",
    )
    list_filter = ("source", "agency")
    list_select_related = ("account", "case__account", "agency")
    search_fields = ("=external_reference", "=account__account_reference")
    autocomplete_fields = ("account", "case", "agency")
    date_hierarchy = "received_on"
    readonly_fields = TIMESTAMPS
    show_full_result_count = False


@admin.register(ReportedPayment)
class ReportedPaymentAdmin(AmountFieldsMixin, FreeTextAdmin, admin.ModelAdmin):
    """Read only: collectors report payments from the case page, the payments feed confirms
    them and the night flags them; nobody edits one by hand."""

    list_display = (
        "reported_at",
        "case",
        "amount",
        "currency",
        "method",
        "payer_reference",
        "paid_on",
        "status",
        "reported_by",
        "agency",
    )
    list_filter = ("status", "method", "agency")
    list_select_related = ("case__account", "reported_by", "agency")
    search_fields = ("=payer_reference", "=account__account_reference")
    date_hierarchy = "reported_at"
    show_full_result_count = False

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(StageEntry)
class StageEntryAdmin(StageChoicesMixin, FreeTextAdmin, admin.ModelAdmin):
    list_display = ("case", "stage", "entered_on", "days_past_due", "action_status")
    list_filter = ("action_status", "stage__action")
    list_select_related = ("case__account", "stage__strategy")
    search_fields = ("=case__account__account_reference",)
    autocomplete_fields = ("case",)
    date_hierarchy = "entered_on"
    show_full_result_count = False
