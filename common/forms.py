"""Form widgets several apps share."""

from __future__ import annotations

from django import forms


class DateInput(forms.DateInput):
    """The browser's own date picker; the value travels as YYYY-MM-DD."""

    input_type = "date"
