from __future__ import annotations

import datetime as dt
from decimal import ROUND_HALF_EVEN, Decimal, InvalidOperation
from zoneinfo import ZoneInfo

from django import forms
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from common.forms import DateInput, FreeTextField, PeriodChecked, latest_date
from visits.models import Visit
from visits.services import EVIDENCE_EXTENSIONS

DEFAULT_PERIOD_DAYS = 31
MAX_PERIOD_DAYS = 366
POSITION_PLACES = Decimal("0.000001")
EARLIEST_DATE = dt.date(1900, 1, 1)


def earliest_date(value: dt.date) -> None:
    """No date before 1900: nothing the visits record happened then, and a moment of the
    year 1 cannot always be moved to UTC."""
    if value < EARLIEST_DATE:
        raise forms.ValidationError(
            gettext("Choose a date no earlier than %(earliest)s."),
            code="too_early",
            params={"earliest": EARLIEST_DATE.isoformat()},
        )


class TimeInput(forms.TimeInput):
    input_type = "time"


class PlanForm(forms.Form):
    """Where, when (the debtor's own clock) and who. The time zone is stated on the form."""

    address = forms.ModelChoiceField(label=_("Address"), queryset=None, empty_label=None)
    day = forms.DateField(label=_("Day"), widget=DateInput, validators=[earliest_date, latest_date])
    time = forms.TimeField(label=_("Time"), widget=TimeInput)
    visitors = forms.MultipleChoiceField(
        label=_("Visitors"), widget=forms.CheckboxSelectMultiple, choices=()
    )

    def __init__(self, *args, addresses, visitors, time_zone: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.zone = ZoneInfo(time_zone)
        self.people = {str(person.pk): person for person in visitors}
        self.fields["address"].queryset = addresses
        self.fields["visitors"].choices = [
            (key, person.get_full_name() or person.get_username())
            for key, person in self.people.items()
        ]
        self.fields["time"].help_text = gettext("In the debtor's time zone, %(zone)s.") % {
            "zone": time_zone
        }

    def clean(self):
        cleaned = super().clean()
        day, time = cleaned.get("day"), cleaned.get("time")
        if day and time:
            try:
                cleaned["planned_at"] = dt.datetime.combine(day, time, tzinfo=self.zone)
            except OverflowError:
                self.add_error("day", gettext("Choose a real day."))
        cleaned["visitor_users"] = [self.people[key] for key in cleaned.get("visitors", [])]
        return cleaned


class PositionField(forms.Field):
    """A latitude or longitude in degrees, as the browser's geolocation gives it; optional."""

    widget = forms.HiddenInput

    def __init__(self, *, limit: int, **kwargs):
        self.limit = limit
        super().__init__(required=False, **kwargs)

    def to_python(self, value):
        text = str(value or "").strip()
        if not text:
            return None
        try:
            degrees = Decimal(text) if len(text) <= 40 else None
        except InvalidOperation:
            degrees = None
        if degrees is None or not degrees.is_finite() or abs(degrees) > self.limit:
            raise forms.ValidationError(gettext("The position sent is not a place on Earth."))
        return degrees.quantize(POSITION_PLACES, rounding=ROUND_HALF_EVEN)


class CheckInForm(forms.Form):
    latitude = PositionField(limit=90, label=_("Latitude"))
    longitude = PositionField(limit=180, label=_("Longitude"))

    def clean(self):
        cleaned = super().clean()
        if (cleaned.get("latitude") is None) != (cleaned.get("longitude") is None):
            cleaned["latitude"] = cleaned["longitude"] = None
        return cleaned


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class EvidenceField(forms.FileField):
    """Several files from one input; empty is fine."""

    def __init__(self, **kwargs):
        accept = "image/*,audio/*," + ",".join(sorted(EVIDENCE_EXTENSIONS))
        kwargs.setdefault("widget", MultipleFileInput(attrs={"accept": accept}))
        super().__init__(required=False, **kwargs)

    def clean(self, data, initial=None):
        if isinstance(data, list | tuple):
            return [super(EvidenceField, self).clean(item, initial) for item in data if item]
        return [super().clean(data, initial)] if data else []


class CheckOutForm(forms.Form):
    outcome = forms.ChoiceField(
        label=_("Outcome"), choices=Visit.Outcome.choices, widget=forms.RadioSelect
    )
    notes = FreeTextField(
        label=_("Notes"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    identification_shown = forms.BooleanField(
        label=_("We showed our identification"), required=False
    )
    files = EvidenceField(label=_("Photos and recordings"))

    def __init__(self, *args, identification_required: bool, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["identification_shown"].required = identification_required
        if identification_required:
            self.fields["identification_shown"].error_messages["required"] = gettext(
                "The policy asks the visitors to show their identification: confirm it."
            )


class BoardForm(PeriodChecked, forms.Form):
    longest_period_days = MAX_PERIOD_DAYS

    """The board's period (days planned) and visitor; blank fields take the defaults: 30 days
    either side of today, every visitor."""

    date_from = forms.DateField(
        required=False, widget=DateInput, label=_("From"), validators=[earliest_date, latest_date]
    )
    date_to = forms.DateField(
        required=False,
        widget=DateInput,
        label=_("To (inclusive)"),
        validators=[earliest_date, latest_date],
    )
    visitor = forms.ChoiceField(label=_("Visitor"), required=False)

    def __init__(self, *args, visitors, today: dt.date, **kwargs):
        super().__init__(*args, **kwargs)
        self.today = today
        self.fields["visitor"].choices = [("", gettext("Every visitor"))] + [
            (str(person.pk), person.get_full_name() or person.get_username()) for person in visitors
        ]
        for name, board_field in self.fields.items():
            css = (
                "form-select form-select-sm"
                if name == "visitor"
                else "form-control form-control-sm"
            )
            board_field.widget.attrs["class"] = css

    def choice(self) -> tuple[dt.date, dt.date, int | None]:
        """(start, end, visitor id): what was asked when valid, else the defaults."""
        data = self.cleaned_data if self.is_bound and self.is_valid() else {}
        span = dt.timedelta(days=DEFAULT_PERIOD_DAYS - 1)
        start, end = data.get("date_from"), data.get("date_to")
        if start is None and end is None:
            start, end = self.today - span, self.today + span
        elif start is None:
            start = end - 2 * span
        elif end is None:
            end = min(start + 2 * span, dt.date(2999, 12, 31))
        visitor = data.get("visitor")
        return start, end, int(visitor) if visitor else None
