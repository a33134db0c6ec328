from __future__ import annotations

import datetime as dt

from crispy_forms.helper import FormHelper
from django import forms
from django.conf import settings
from django.contrib.auth import get_user_model
from django.utils import formats
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from agencies.models import Agency
from agreements.forms import MAX_INSTALMENTS
from agreements.models import RepaymentPlan
from cases.models import Activity, Case
from common.forms import AmountField, DateInput, FreeTextField, latest_date
from compliance.presets import ContactWindow
from disputes.models import Complaint, Dispute
from disputes.services import DOCUMENT_EXTENSIONS, DOCUMENT_MAX_MB
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


class CodeForm(_PortalForm):
    """The one-time code sent by SMS, instead of the two questions."""

    prefix = "code"
    code = forms.RegexField(
        label=_("The code we sent you by SMS"),
        regex=r"^\s*[0-9]{6}\s*$",
        max_length=20,
        error_messages={"invalid": _("Enter the six digits of the code.")},
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric"}),
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


def _document_field() -> forms.FileField:
    return forms.FileField(
        label=_("A document (optional)"),
        required=False,
        widget=forms.ClearableFileInput(attrs={"accept": ",".join(sorted(DOCUMENT_EXTENSIONS))}),
    )


class _GrievanceForm(_PortalForm):
    description = FreeTextField(
        label=_("Tell us what happened"),
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=5000,
    )
    document = _document_field()

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["document"].help_text = gettext(
            "PDF, image, text or e-mail, up to %(limit)s MB."
        ) % {"limit": DOCUMENT_MAX_MB}

    def files_given(self) -> list:
        document = self.cleaned_data.get("document")
        return [document] if document else []


class DisputeRaiseForm(_GrievanceForm):
    prefix = "dispute"
    field_order = ["kind", "description", "document"]
    kind = forms.ChoiceField(
        label=_("What is wrong"),
        choices=[
            (Dispute.Kind.DEBT_WRONG, _("This debt is not mine")),
            (Dispute.Kind.AMOUNT_WRONG, _("The amount is wrong")),
            (Dispute.Kind.IDENTITY, _("Someone used my identity, or you have the wrong person")),
            (Dispute.Kind.ALREADY_PAID, _("I have already paid")),
        ],
    )


class _Collector(forms.ModelChoiceField):
    def label_from_instance(self, obj) -> str:
        return obj.get_full_name() or gettext("Collector %(id)s") % {"id": obj.pk}


class _Message(forms.ModelChoiceField):
    def label_from_instance(self, obj) -> str:
        return f"{formats.date_format(obj.occurred_at.date())} · {obj.get_channel_display()}"


class ComplaintRaiseForm(_GrievanceForm):
    """A complaint; the collector, agency or message it is about is chosen among those that
    dealt with this case."""

    prefix = "complaint"
    field_order = ["subject", "collector", "agency", "message", "description", "document"]
    subject = forms.ChoiceField(
        label=_("What it is about"),
        choices=[
            (Complaint.Subject.COLLECTOR, _("Someone who contacted me")),
            (Complaint.Subject.AGENCY, _("A collection agency")),
            (Complaint.Subject.MESSAGE, _("A letter or message I received")),
            (Complaint.Subject.OTHER, _("Something else")),
        ],
    )
    collector = _Collector(
        label=_("Who contacted you"),
        queryset=get_user_model().objects.none(),
        required=False,
        empty_label=_("Choose one"),
    )
    agency = forms.ModelChoiceField(
        label=_("Which agency"),
        queryset=Agency.objects.none(),
        required=False,
        empty_label=_("Choose one"),
    )
    message = _Message(
        label=_("Which letter or message"),
        queryset=Activity.objects.none(),
        required=False,
        empty_label=_("Choose one"),
    )

    def __init__(self, *args, case: Case, **kwargs):
        super().__init__(*args, **kwargs)
        outbound = case.activities.filter(direction=Activity.Direction.OUTBOUND)
        self.fields["collector"].queryset = get_user_model().objects.filter(
            pk__in=outbound.filter(actor__isnull=False).values("actor")
        )
        self.fields["agency"].queryset = Agency.objects.filter(
            pk__in=case.placements.values("agency")
        ).order_by("name")
        self.fields["message"].queryset = outbound.filter(
            channel__in=(Activity.Channel.LETTER, Activity.Channel.SMS, Activity.Channel.EMAIL)
        ).order_by("-occurred_at", "-pk")

    def clean(self):
        cleaned = super().clean()
        named = {
            Complaint.Subject.COLLECTOR: ("collector", _("Choose who contacted you.")),
            Complaint.Subject.AGENCY: ("agency", _("Choose the agency.")),
            Complaint.Subject.MESSAGE: ("message", _("Choose the letter or message.")),
        }
        subject = cleaned.get("subject")
        if subject in named and not cleaned.get(named[subject][0]):
            self.add_error(named[subject][0], named[subject][1])
        return cleaned

    def concerns(self) -> dict:
        """What the complaint names, for portal_complaint."""
        subject = self.cleaned_data["subject"]
        return {
            "concerns_user": self.cleaned_data["collector"]
            if subject == Complaint.Subject.COLLECTOR
            else None,
            "concerns_agency": self.cleaned_data["agency"]
            if subject == Complaint.Subject.AGENCY
            else None,
            "concerns_message": self.cleaned_data["message"]
            if subject == Complaint.Subject.MESSAGE
            else None,
        }
