from __future__ import annotations

import datetime as dt

from django import forms
from django.utils import timezone

from common.forms import DateInput
from feeds.models import ImportRun

MAX_EXPORT_DAYS = 366


class FeedUploadForm(forms.Form):
    kind = forms.ChoiceField(choices=ImportRun.Kind.choices, label="Feed")
    file = forms.FileField(help_text="UTF-8 CSV, comma-separated, with a header row.")
    business_date = forms.DateField(initial=timezone.localdate, widget=DateInput)


class ExportPeriodForm(forms.Form):
    date_from = forms.DateField(label="From", widget=DateInput)
    date_to = forms.DateField(label="To", widget=DateInput)

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("date_from"), cleaned.get("date_to")
        if start and end:
            if end < start:
                raise forms.ValidationError("The period ends before it starts.")
            if end - start > dt.timedelta(days=MAX_EXPORT_DAYS):
                raise forms.ValidationError(f"Export at most {MAX_EXPORT_DAYS} days at a time.")
        return cleaned
