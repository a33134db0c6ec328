"""Complaints count against the agency they concern: the league table's complaints columns."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from agencies.views import LEAGUE_COLUMNS
from cases.models import Case
from disputes.services import complaint_receive, grievance_resolve
from tests.disputes.conftest import NOW, case_of
from tests.factories import AgencyFactory, PlacementFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("standing_clock")]


def complaint(case, user, *, days_ago: int, **about):
    return complaint_receive(
        case=case,
        user=user,
        channel="letter",
        description="They called my employer.",
        received_at=NOW - dt.timedelta(days=days_ago),
        now=NOW,
        **about,
    )


@pytest.fixture
def placed_case(team, agency) -> Case:
    case = case_of(team, "US-RegF")
    case.status = Case.Status.PLACED
    case.save(update_fields=["status"])
    PlacementFactory(case=case, agency=agency, placed_on=NOW.date() - dt.timedelta(days=40))
    return case


def test_the_league_table_counts_complaints_received_and_upheld(
    client, supervisor, agency, placed_case
):
    quiet = AgencyFactory(name="Quiet Collections")
    PlacementFactory(agency=quiet, placed_on=NOW.date() - dt.timedelta(days=40))
    upheld = complaint(
        placed_case, supervisor, days_ago=10, subject="agency", concerns_agency=agency
    )
    grievance_resolve(
        grievance=upheld, user=supervisor, outcome="upheld", resolution="Warned.", now=NOW
    )
    complaint(placed_case, supervisor, days_ago=3, subject="agency", concerns_agency=agency)
    complaint(placed_case, supervisor, days_ago=200, subject="agency", concerns_agency=agency)

    client.force_login(supervisor)
    response = client.get(reverse("agencies:league"))
    titles = [str(column.title) for column in LEAGUE_COLUMNS]
    rows = {a.name: [cell for cell, _ in cells] for a, cells in response.context["rows"]}
    at = titles.index("Complaints")
    assert rows[agency.name][at : at + 2] == ["2", "1"]
    assert rows["Quiet Collections"][at : at + 2] == ["0", "0"]
