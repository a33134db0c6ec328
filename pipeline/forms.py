from __future__ import annotations

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Submit
from django import forms
from django.utils import timezone
from django.utils.translation import gettext, gettext_lazy

from common.forms import DateInput


class PipelineDateForm(forms.Form):
    business_date = forms.DateField(label=gettext_lazy("Business date"), widget=DateInput)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["business_date"].initial = timezone.localdate()
        self.helper = FormHelper()
        self.helper.form_class = "d-flex gap-2 align-items-end"
        preview = Submit("preview", gettext("Preview"))
        preview.field_classes = "btn btn-outline-primary"
        self.helper.add_input(preview)
        self.helper.add_input(Submit("run", gettext("Run now")))
