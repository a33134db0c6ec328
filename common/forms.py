"""Form fields and widgets several apps share."""

from __future__ import annotations

from django import forms

from common.sensitive import reject_secrets


class DateInput(forms.DateInput):
    """The browser's own date picker; the value travels as YYYY-MM-DD."""

    input_type = "date"


class FreeTextField(forms.CharField):
    """Text a person types to be kept (a note, a reason): a card number or a national ID
    number in it is refused with a form error, and never stored."""

    default_validators = [reject_secrets]
