from __future__ import annotations

import datetime as dt

from crispy_forms.helper import FormHelper
from django import forms
from django.conf import settings
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from agreements.forms import MAX_INSTALMENTS
from agreements.models import RepaymentPlan
from common.forms import AmountField, DateInput, latest_date
from compliance.presets import ContactWindow
from workspace.forms import CallbackForm, PreferredHoursMixin


def _helper() -> FormHelper:
    """Crispy renders the fields; the template draws the form tag and its button."""
    helper = FormHelper()
    helper.form_tag = False
    return helper


class _PortalForm(forms.Form):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = _helper()


class IdentityForm(_PortalForm):
    """What only the debtor knows: their date of birth and the end of their national ID."""

    birth_date = forms.DateField(
        label=_("Your date of birth"), widget=DateInput, validators=[latest_date]
    )
    national_id_last4 = forms.CharField(
        label=_("The last four characters of your national ID number"),
        min_length=4,
        max_length=4,
        widget=forms.TextInput(attrs={"autocomplete": "off", "inputmode": "text"}),
    )


class StartForm(IdentityForm):
    field_order = ["reference", "birth_date", "national_id_last4"]

    reference = forms.CharField(
        label=_("Your account reference"),
        max_length=40,
        help_text=_("As it is written on our letters and messages."),
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )


class PromiseForm(_PortalForm):
    prefix = "promise"
    amount = AmountField(positive=True, label=_("Amount"))
    due_date = forms.DateField(label=_("I will pay by"), widget=DateInput)

    def __init__(self, *args, business_date: dt.date, latest: dt.date, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["due_date"].widget.attrs.update(
            {
                "min": (business_date + dt.timedelta(days=1)).isoformat(),
                "max": latest.isoformat(),
            }
        )


class PlanForm(_PortalForm):
    prefix = "plan"
    instalment_count = forms.IntegerField(
        label=_("Number of instalments"), min_value=1, max_value=MAX_INSTALMENTS
    )
    frequency = forms.ChoiceField(
        label=_("How often"),
        choices=RepaymentPlan.Frequency.choices,
        initial=RepaymentPlan.Frequency.MONTHLY,
    )
    first_due_date = forms.DateField(
        label=_("First instalment on"), widget=DateInput, validators=[latest_date]
    )


# The channels of portal.services.STOPPABLE_CHANNELS, as the debtor calls them.
STOP_CHOICES = [
    ("calls", _("Phone calls")),
    ("sms", _("Text messages (SMS)")),
    ("email", _("E-mails")),
]


class PreferencesForm(PreferredHoursMixin, _PortalForm):
    prefix = "preferences"
    stop_channels = forms.MultipleChoiceField(
        label=_("Stop contacting me by"),
        choices=STOP_CHOICES,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("We will still write to you by post where the law requires it."),
    )
    language = forms.ChoiceField(label=_("Write to me in"), choices=settings.LANGUAGES)

    def __init__(self, *args, call_window: ContactWindow | None, **kwargs):
        super().__init__(*args, **kwargs)
        self.add_preferred_hours_fields(call_window=call_window)

    def clean(self):
        cleaned = super().clean()
        self.clean_preferred_hours(cleaned)
        return cleaned


class PortalCallbackForm(CallbackForm):
    """The workspace's call-back form (the debtor's clock, the call window), in their words."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["when"].label = gettext("Call me at (your time, %(zone)s)") % {
            "zone": self.debtor_zone.key
        }
        del self.fields["notes"]


class PaymentForm(_PortalForm):
    prefix = "payment"
    amount = AmountField(positive=True, label=_("Amount to pay"))
