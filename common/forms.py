"""Form fields and widgets several apps share."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django import forms
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from common.money import AMOUNT_LIMIT
from common.numbers import AMOUNT_MESSAGES, AmountError, parse_amount
from common.sensitive import reject_secrets

# The latest date a form takes: far enough for any real date, and a period ending on it can
# still be widened by days or months without leaving the calendar (Python's ends in 9999).
LATEST_DATE = dt.date(2999, 12, 31)


def latest_date(value: dt.date) -> None:
    """A form field's validator: no date after LATEST_DATE."""
    if value > LATEST_DATE:
        raise forms.ValidationError(
            _("Choose a date no later than %(latest)s."),
            code="too_late",
            params={"latest": LATEST_DATE.isoformat()},
        )


def period_problem(
    start: dt.date | None, end: dt.date | None, *, longest_days: int | None = None
) -> str | None:
    """Why the period from `start` to `end` (both days included) is unusable, if it is."""
    if start is None or end is None:
        return None
    if end < start:
        return gettext("The period ends before it starts.")
    if longest_days is not None and (end - start).days + 1 > longest_days:
        return gettext("Choose a period of at most %(days)s days.") % {"days": longest_days}
    return None


class PeriodChecked:
    """A form with the fields `date_from` and `date_to`: refused when the period is unusable,
    and longer than `longest_period_days` when that is set."""

    longest_period_days: int | None = None

    def clean(self):
        cleaned = super().clean()
        problem = period_problem(
            cleaned.get("date_from"),
            cleaned.get("date_to"),
            longest_days=self.longest_period_days,
        )
        if problem:
            raise forms.ValidationError(problem)
        return cleaned


class DateInput(forms.DateInput):
    """The browser's own date picker; the value travels as YYYY-MM-DD."""

    input_type = "date"


class FreeTextField(forms.CharField):
    """Text a person types to be kept (a note, a reason): a card number or a national ID
    number in it is refused with a form error, and never stored."""

    default_validators = [reject_secrets]


class AmountField(forms.CharField):
    """An amount of money, read by common.numbers.parse_amount: `1234.50`, never `1e3`, `NaN`
    or other scripts' digits. A text box (inputmode decimal) rather than a number box, whose
    browsers accept exponents and read the decimal separator by locale."""

    default_error_messages = {
        **AMOUNT_MESSAGES,
        "not_positive": _("The amount must be more than zero."),
    }

    def __init__(self, *, positive: bool = False, **kwargs):
        self.positive = positive
        super().__init__(**kwargs)

    def widget_attrs(self, widget):
        return {**super().widget_attrs(widget), "inputmode": "decimal", "autocomplete": "off"}

    def to_python(self, value) -> Decimal | None:
        text = super().to_python(value)
        if text in self.empty_values:
            return None
        try:
            amount = parse_amount(text)
        except AmountError as error:
            raise forms.ValidationError(
                self.error_messages[error.code], code=error.code, params={"limit": AMOUNT_LIMIT}
            ) from None
        if self.positive and amount == 0:
            raise forms.ValidationError(self.error_messages["not_positive"], code="not_positive")
        return amount


def address_with(request, name: str, value: str) -> str:
    """The request's own address with the query parameter `name` set to `value`."""
    query = request.GET.copy()
    query[name] = value
    return f"{request.path}?{query.urlencode()}"
