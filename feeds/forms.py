from __future__ import annotations

import datetime as dt

from django import forms
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from common.forms import DateInput
from feeds.models import ImportRun

MAX_EXPORT_DAYS = 366


class FeedUploadForm(forms.Form):
    kind = forms.ChoiceField(choices=ImportRun.Kind.choices, label=_("Feed"))
    file = forms.FileField(
        label=_("File"), help_text=_("UTF-8 CSV, comma-separated, with a header row.")
    )
    business_date = forms.DateField(
        label=_("Business date"), initial=timezone.localdate, widget=DateInput
    )


class ExportPeriodForm(forms.Form):
    date_from = forms.DateField(label=_("From"), widget=DateInput)
    date_to = forms.DateField(label=_("To"), widget=DateInput)

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("date_from"), cleaned.get("date_to")
        if start and end:
            if end < start:
                raise forms.ValidationError(gettext("The period ends before it starts."))
            if end - start > dt.timedelta(days=MAX_EXPORT_DAYS):
                raise forms.ValidationError(
                    gettext("Export at most %(days)s days at a time.") % {"days": MAX_EXPORT_DAYS}
                )
        return cleaned
