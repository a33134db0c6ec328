from __future__ import annotations

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from common.forms import DateInput, PeriodChecked
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


class ExportPeriodForm(PeriodChecked, forms.Form):
    longest_period_days = MAX_EXPORT_DAYS

    date_from = forms.DateField(label=_("From"), widget=DateInput)
    date_to = forms.DateField(label=_("To"), widget=DateInput)
