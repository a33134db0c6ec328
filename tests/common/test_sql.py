"""Rows copied table to table by one INSERT ... SELECT, built from a queryset, on both
databases; whole days between two dates."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.db.models import F, Value

from accounts.models import Team
from cases.models import CardAccount, Case, StageEntry, Strategy
from common.sql import DaysBetween, insert_from_select
from tests.factories import CaseFactory

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2026, 11, 23, 6, 30, tzinfo=dt.UTC)


def test_the_selected_rows_are_inserted_with_the_values_given_and_the_defaults_for_the_rest():
    cases = CaseFactory.create_batch(3, account__oldest_unpaid_due_date=dt.date(2026, 11, 1))
    stage = Strategy.objects.get(is_default=True).stages.get(action="sms")

    inserted = insert_from_select(
        StageEntry,
        Case.objects.filter(pk__in=[cases[0].pk, cases[2].pk]),
        {
            "case": F("pk"),
            "stage": Value(stage.pk),
            "entered_on": Value(dt.date(2026, 11, 23)),
            "entered_at": Value(NOW),
            "days_past_due": DaysBetween(
                Value(dt.date(2026, 11, 23)), F("account__oldest_unpaid_due_date")
            ),
        },
    )

    assert inserted == 2
    assert sorted(
        StageEntry.objects.values_list(
            "case_id", "stage_id", "entered_at", "days_past_due", "action_status", "action_note"
        )
    ) == [
        (cases[0].pk, stage.pk, NOW, 22, StageEntry.ActionStatus.PENDING, ""),
        (cases[2].pk, stage.pk, NOW, 22, StageEntry.ActionStatus.PENDING, ""),
    ]


def test_returning_gives_a_field_of_each_row_inserted():
    cases = CaseFactory.create_batch(2)
    stage = Strategy.objects.get(is_default=True).stages.get(action="sms")
    returned = insert_from_select(
        StageEntry,
        Case.objects.all(),
        {
            "case": F("pk"),
            "stage": Value(stage.pk),
            "entered_on": Value(dt.date(2026, 11, 23)),
            "entered_at": Value(NOW),
            "days_past_due": Value(1),
        },
        returning="case",
    )
    assert sorted(returned) == sorted(case.pk for case in cases)


def test_a_field_the_model_does_not_have_is_refused():
    with pytest.raises(ImproperlyConfigured, match="no field"):
        insert_from_select(Team, Team.objects.all(), {"colour": Value("red")})


def test_a_field_without_a_default_that_cannot_be_null_must_be_supplied():
    with pytest.raises(ImproperlyConfigured, match="created_at has no default"):
        insert_from_select(Team, Team.objects.all(), {"name": F("name")})


@pytest.mark.parametrize(
    ("later", "earlier", "days"),
    [
        (dt.date(2026, 11, 23), dt.date(2026, 11, 1), 22),
        (dt.date(2024, 3, 1), dt.date(2024, 2, 28), 2),  # a leap day between
        (dt.date(2026, 11, 1), dt.date(2026, 11, 23), -22),
        (dt.date(2026, 11, 23), dt.date(2026, 11, 23), 0),
    ],
)
def test_days_between_two_dates_are_whole_days(later, earlier, days):
    CardAccount.objects.all().delete()
    CaseFactory(account__oldest_unpaid_due_date=earlier)
    [between] = CardAccount.objects.annotate(
        days=DaysBetween(Value(later), F("oldest_unpaid_due_date"))
    ).values_list("days", flat=True)
    assert between == days
