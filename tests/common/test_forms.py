"""The period check every form with a "from" and a "to" date shares."""

from __future__ import annotations

import datetime as dt

from django import forms

from common.forms import PeriodChecked, period_problem

JAN_1 = dt.date(2026, 1, 1)


class AYear(PeriodChecked, forms.Form):
    longest_period_days = 366
    date_from = forms.DateField(required=False)
    date_to = forms.DateField(required=False)


def test_a_period_of_the_longest_length_passes_and_a_day_more_does_not():
    assert period_problem(JAN_1, JAN_1 + dt.timedelta(days=365), longest_days=366) is None
    assert period_problem(JAN_1, JAN_1 + dt.timedelta(days=366), longest_days=366) == (
        "Choose a period of at most 366 days."
    )


def test_a_period_that_ends_before_it_starts_is_refused_and_an_open_end_is_not_judged():
    assert period_problem(JAN_1, JAN_1 - dt.timedelta(days=1)) == (
        "The period ends before it starts."
    )
    assert period_problem(JAN_1, JAN_1) is None
    assert period_problem(None, JAN_1) is None
    assert period_problem(JAN_1, None, longest_days=1) is None


def test_a_form_refuses_an_unusable_period_with_the_reason():
    backwards = AYear({"date_from": "2026-02-01", "date_to": "2026-01-31"})
    assert not backwards.is_valid()
    assert backwards.non_field_errors() == ["The period ends before it starts."]

    too_long = AYear({"date_from": "2026-01-01", "date_to": "2027-01-02"})
    assert not too_long.is_valid()
    assert too_long.non_field_errors() == ["Choose a period of at most 366 days."]

    assert AYear({"date_from": "2026-01-01", "date_to": "2027-01-01"}).is_valid()
