"""Admin for the dialers: the shared secret is typed, never shown back in full."""

from __future__ import annotations

from django import forms
from django.contrib import admin
from django.utils.decorators import method_decorator
from django.utils.translation import gettext_lazy as _
from django.views.decorators.debug import sensitive_post_parameters

from common.admin import TIMESTAMPS
from workspace.models import Dialer, DialerEvent


class DialerForm(forms.ModelForm):
    secret = forms.CharField(
        label=_("Shared secret"),
        required=False,
        max_length=200,
        widget=forms.PasswordInput(render_value=False),
        help_text=_("Type a new secret to replace it; leave empty to keep the current one."),
    )

    class Meta:
        model = Dialer
        fields = ("name", "secret", "is_active")

    def clean_secret(self) -> str:
        secret = self.cleaned_data["secret"].strip()
        if secret:
            return secret
        if self.instance.pk:
            return self.instance.secret
        raise forms.ValidationError(_("A new dialer needs a shared secret."))


@admin.register(Dialer)
class DialerAdmin(admin.ModelAdmin):
    form = DialerForm
    list_display = ("name", "secret_hint", "is_active", "updated_at")
    list_filter = ("is_active",)
    readonly_fields = ("secret_hint", *TIMESTAMPS)

    @admin.display(description=_("Shared secret"))
    def secret_hint(self, dialer: Dialer) -> str:
        return dialer.secret_hint if dialer.secret else ""

    @method_decorator(sensitive_post_parameters("secret"))
    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        return super().changeform_view(request, object_id, form_url, extra_context)


@admin.register(DialerEvent)
class DialerEventAdmin(admin.ModelAdmin):
    list_display = ("event_id", "dialer", "type", "call_id", "received_at", "activity")
    list_filter = ("dialer", "type")
    search_fields = ("event_id", "call_id")
    list_select_related = ("dialer", "activity")
    raw_id_fields = ("activity",)

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False
