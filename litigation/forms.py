"""The legal team's step forms. Dates stop at common.forms.LATEST_DATE and start in 1900;
amounts are read by AmountField; free text refuses card and national ID numbers."""

from __future__ import annotations

import datetime as dt

from django import forms
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from accounts.roles import Role
from common.days import bank_time_zone
from common.forms import AmountField, DateInput, FreeTextField, latest_date
from litigation.models import LawFirm, Lawsuit, LawsuitCost

EARLIEST_DATE = dt.date(1900, 1, 1)


def earliest_date(value: dt.date) -> None:
    if value < EARLIEST_DATE:
        raise forms.ValidationError(
            _("Choose a date no earlier than %(earliest)s."),
            code="too_early",
            params={"earliest": EARLIEST_DATE.isoformat()},
        )


def date_field(label) -> forms.DateField:
    return forms.DateField(label=label, widget=DateInput, validators=[earliest_date, latest_date])


class TimeInput(forms.TimeInput):
    input_type = "time"


class ReviewForm(forms.Form):
    decision = forms.ChoiceField(
        label=_("Decision"),
        choices=[("accept", _("Accept: we sue")), ("decline", _("Decline"))],
        widget=forms.RadioSelect,
    )
    reason = FreeTextField(
        label=_("Reason"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Required to decline."),
    )

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("decision") == "decline" and not cleaned.get("reason", "").strip():
            self.add_error("reason", _("Say why the referral is declined."))
        return cleaned


def legal_team():
    return User.objects.filter(groups__name=Role.LEGAL, is_active=True).order_by("username")


class FileForm(forms.Form):
    court = FreeTextField(label=_("Court"), max_length=200)
    court_case_number = FreeTextField(label=_("Court case number"), max_length=100)
    filed_on = date_field(_("Filed on"))
    claimed_amount = AmountField(label=_("Claimed amount"), positive=True)
    law_firm = forms.ModelChoiceField(
        label=_("Law firm"), queryset=LawFirm.objects.filter(is_active=True)
    )
    lawyer = forms.ModelChoiceField(label=_("Assigned lawyer"), queryset=User.objects.none())

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["lawyer"].queryset = legal_team()
        self.fields["lawyer"].label_from_instance = lambda user: (
            user.get_full_name() or user.get_username()
        )


class HearingForm(forms.Form):
    day = date_field(_("Day"))
    time = forms.TimeField(label=_("Time"), widget=TimeInput)
    place = FreeTextField(label=_("Courtroom"), max_length=200, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["time"].help_text = _("In the bank's time zone.")

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("day") and cleaned.get("time"):
            cleaned["scheduled_at"] = dt.datetime.combine(
                cleaned["day"], cleaned["time"], tzinfo=bank_time_zone()
            )
        return cleaned


class HearingHeldForm(forms.Form):
    notes = FreeTextField(
        label=_("What happened"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class JudgmentForm(forms.Form):
    judgment_on = date_field(_("Judgment on"))
    amount_awarded = AmountField(label=_("Amount awarded"))
    costs_awarded = AmountField(label=_("Costs awarded"))


class EnforcementForm(forms.Form):
    taken_on = date_field(_("Taken on"))
    description = FreeTextField(label=_("Step"), max_length=300)
    recovered = AmountField(label=_("Recovered"), required=False)


class CloseForm(forms.Form):
    outcome = forms.ChoiceField(label=_("Outcome"), choices=Lawsuit.Outcome.choices)
    closed_on = date_field(_("Closed on"))
    note = FreeTextField(
        label=_("Note"), required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )


class CostForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), choices=LawsuitCost.Kind.choices)
    amount = AmountField(label=_("Amount"), positive=True)
    incurred_on = date_field(_("Incurred on"))
    description = FreeTextField(label=_("Description"), max_length=300, required=False)


class StepFilterForm(forms.Form):
    status = forms.ChoiceField(
        label=_("Step"), choices=[("", _("Every step")), *Lawsuit.Status.choices], required=False
    )
