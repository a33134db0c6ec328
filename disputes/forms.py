from __future__ import annotations

import datetime as dt

from django import forms
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from common.days import business_day_of, business_day_start
from common.forms import DateInput, FreeTextField, latest_date
from disputes.models import Channel, Complaint, Dispute, Outcome, Status
from disputes.selectors import COMPLAINT, DISPUTE
from disputes.services import DOCUMENT_EXTENSIONS, VERIFICATION_CHANNELS

EARLIEST_DATE = dt.date(2000, 1, 1)


def not_before_2000(value: dt.date) -> None:
    if value < EARLIEST_DATE:
        raise forms.ValidationError(
            gettext("Choose a date no earlier than %(earliest)s."),
            params={"earliest": EARLIEST_DATE.isoformat()},
        )


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class DocumentsField(forms.FileField):
    """Several files from one input; empty is fine unless required."""

    def __init__(self, **kwargs):
        accept = ",".join(sorted(DOCUMENT_EXTENSIONS))
        kwargs.setdefault("widget", MultipleFileInput(attrs={"accept": accept}))
        kwargs.setdefault("required", False)
        super().__init__(**kwargs)

    def clean(self, data, initial=None):
        if isinstance(data, list | tuple):
            files = [super(DocumentsField, self).clean(item, initial) for item in data if item]
        else:
            files = [super().clean(data, initial)] if data else []
        if self.required and not files:
            raise forms.ValidationError(self.error_messages["required"], code="required")
        return files


class ReceiptForm(forms.Form):
    """What every dispute and complaint records at receipt."""

    channel = forms.ChoiceField(label=_("Received by"), choices=Channel.choices)
    received_on = forms.DateField(
        label=_("Received on"), widget=DateInput, validators=[not_before_2000, latest_date]
    )
    description = FreeTextField(
        label=_("What the debtor says"), widget=forms.Textarea(attrs={"rows": 4}), max_length=5000
    )
    files = DocumentsField(label=_("Documents"))

    def __init__(self, *args, now: dt.datetime, **kwargs):
        self.now = now
        kwargs.setdefault("initial", {"received_on": business_day_of(now)})
        super().__init__(*args, **kwargs)

    def clean_received_on(self):
        day = self.cleaned_data["received_on"]
        if day > business_day_of(self.now):
            raise forms.ValidationError(gettext("The day it was received cannot be in the future."))
        return day

    def received_at(self) -> dt.datetime:
        """Today's: now; an earlier day's: its start."""
        day = self.cleaned_data["received_on"]
        return self.now if day == business_day_of(self.now) else business_day_start(day)


class DisputeForm(ReceiptForm):
    kind = forms.ChoiceField(label=_("The debtor says"), choices=Dispute.Kind.choices)
    field_order = ["kind", "channel", "received_on", "description", "files"]


class ComplaintForm(ReceiptForm):
    subject = forms.ChoiceField(label=_("About"), choices=Complaint.Subject.choices)
    concerns_user = forms.ModelChoiceField(
        label=_("Collector concerned"), queryset=None, required=False
    )
    concerns_agency = forms.ModelChoiceField(
        label=_("Agency concerned"), queryset=None, required=False
    )
    concerns_message = forms.ModelChoiceField(
        label=_("Letter or message concerned"), queryset=None, required=False
    )
    field_order = [
        "subject",
        "concerns_user",
        "concerns_agency",
        "concerns_message",
        "channel",
        "received_on",
        "description",
        "files",
    ]

    def __init__(self, *args, collectors, agencies, messages, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["concerns_user"].queryset = collectors
        self.fields["concerns_user"].label_from_instance = lambda user: (
            user.get_full_name() or user.get_username()
        )
        self.fields["concerns_agency"].queryset = agencies
        self.fields["concerns_message"].queryset = messages

    def clean(self):
        cleaned = super().clean()
        needed = {
            Complaint.Subject.COLLECTOR: (
                "concerns_user",
                gettext("Name the collector the complaint is about."),
            ),
            Complaint.Subject.AGENCY: (
                "concerns_agency",
                gettext("Name the agency the complaint is about."),
            ),
            Complaint.Subject.MESSAGE: (
                "concerns_message",
                gettext("Choose the letter or message the complaint is about."),
            ),
        }
        subject = cleaned.get("subject")
        if subject in needed:
            name, message = needed[subject]
            if not cleaned.get(name) and name not in self.errors:
                self.add_error(name, message)
        return cleaned


FORMS = {DISPUTE: DisputeForm, COMPLAINT: ComplaintForm}


class InvestigateForm(forms.Form):
    note = FreeTextField(
        label=_("Note"), required=False, widget=forms.Textarea(attrs={"rows": 2}), max_length=5000
    )


class VerificationForm(forms.Form):
    channel = forms.ChoiceField(
        label=_("Sent by"),
        choices=[(c.value, c.label) for c in VERIFICATION_CHANNELS],
    )
    note = FreeTextField(
        label=_("Note"), required=False, widget=forms.Textarea(attrs={"rows": 2}), max_length=5000
    )


class ResolveForm(forms.Form):
    outcome = forms.ChoiceField(
        label=_("Outcome"), choices=Outcome.choices, widget=forms.RadioSelect
    )
    resolution = FreeTextField(
        label=_("Resolution"), widget=forms.Textarea(attrs={"rows": 3}), max_length=5000
    )


class DocumentsForm(forms.Form):
    files = DocumentsField(label=_("Documents"), required=True)
    note = FreeTextField(label=_("Note"), required=False, max_length=500)


class RegisterForm(forms.Form):
    """The register's filters; anything invalid is ignored (the whole register shows)."""

    kind = forms.ChoiceField(
        label=_("Kind"),
        required=False,
        choices=[
            ("", _("Disputes and complaints")),
            (DISPUTE, _("Disputes")),
            (COMPLAINT, _("Complaints")),
        ],
    )
    status = forms.ChoiceField(
        label=_("Status"), required=False, choices=[("", _("Any status")), *Status.choices]
    )
    overdue = forms.BooleanField(label=_("Overdue only"), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name, field in self.fields.items():
            if name != "overdue":
                field.widget.attrs["class"] = "form-select form-select-sm"

    def choice(self) -> dict:
        data = self.cleaned_data if self.is_bound and self.is_valid() else {}
        return {
            "kind": data.get("kind", ""),
            "status": data.get("status", ""),
            "overdue_only": bool(data.get("overdue")),
        }
