from __future__ import annotations

import datetime as dt

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from agencies.models import Agency, RecallDestination
from common.formatting import number
from common.forms import DateInput, FreeTextField, PeriodChecked, latest_date

DEFAULT_PERIOD_DAYS = 90
MAX_PERIOD_DAYS = 366


class PeriodForm(PeriodChecked, forms.Form):
    longest_period_days = MAX_PERIOD_DAYS

    """The league table's period and currency (a GET form); blank fields take the defaults:
    the last 90 days to today, in the currency with the most placements."""

    date_from = forms.DateField(
        required=False, widget=DateInput, label=_("From"), validators=[latest_date]
    )
    date_to = forms.DateField(
        required=False, widget=DateInput, label=_("To (inclusive)"), validators=[latest_date]
    )
    currency = forms.ChoiceField(label=_("Currency"), required=False)

    def __init__(self, *args, currencies: list[str], today: dt.date, **kwargs):
        super().__init__(*args, **kwargs)
        self.today = today
        self.currencies = currencies or ["USD"]
        self.fields["currency"].choices = [(code, code) for code in self.currencies]

    def period(self) -> tuple[dt.date, dt.date, str]:
        """(start, end, currency): what was asked when valid, else the defaults."""
        data = self.cleaned_data if self.is_bound and self.is_valid() else {}
        end = data.get("date_to") or self.today
        start = data.get("date_from") or end - dt.timedelta(days=DEFAULT_PERIOD_DAYS - 1)
        return start, end, data.get("currency") or self.currencies[0]


class PlaceForm(forms.Form):
    agency = forms.ModelChoiceField(label=_("Agency"), queryset=Agency.objects.none())
    reason = FreeTextField(
        label=_("Reason"), max_length=300, help_text=_("Why this case is placed by hand.")
    )

    def __init__(self, *args, agencies, **kwargs):
        """`agencies` annotated with `current` (their current placements)."""
        super().__init__(*args, **kwargs)
        field = self.fields["agency"]
        field.queryset = agencies
        field.label_from_instance = lambda agency: (
            ngettext(
                "%(agency)s (%(count)s place left)",
                "%(agency)s (%(count)s places left)",
                room(agency),
            )
            % {"agency": agency.name, "count": number(room(agency))}
        )


def room(agency: Agency) -> int:
    """Places left: capacity less the current placements (annotated as `current`)."""
    return max(0, agency.capacity - agency.current)


class RecallForm(forms.Form):
    destination = forms.ChoiceField(label=_("Destination"), choices=RecallDestination.choices)
    reason = FreeTextField(label=_("Reason"), max_length=300)


class ExtendForm(forms.Form):
    recall_due_on = forms.DateField(widget=DateInput, label=_("New recall date"))
    reason = FreeTextField(label=_("Reason"), max_length=300)


class ExtendByDaysForm(forms.Form):
    """The admin action: extend every selected placement by the same number of days."""

    days = forms.IntegerField(label=_("Days"), min_value=1, max_value=365)
    reason = FreeTextField(label=_("Reason"), max_length=300)
