"""The agencies' league table counts each agency's field visits, and those that met the debtor."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.urls import reverse

from agencies.views import LEAGUE_COLUMNS
from tests.factories import UserFactory
from tests.visits.conftest import NOW, TOMORROW_10
from visits.models import Visit
from visits.services import visit_check_in, visit_check_out, visit_plan

pytestmark = pytest.mark.django_db


def visit_done(case, visitors, *, at: dt.datetime, outcome: str) -> Visit:
    address = case.debtor.contact_points.get(kind="postal")
    visit = visit_plan(
        case=case, user=visitors[0], address=address, planned_at=at, visitors=visitors, now=NOW
    ).visit
    visit_check_in(visit=visit, user=visitors[0], now=at)
    return visit_check_out(
        visit=visit,
        user=visitors[0],
        now=at + dt.timedelta(minutes=15),
        outcome=outcome,
        identification_shown=True,
        files=[],
    )


def test_the_league_table_counts_visits_and_those_that_met_the_debtor(
    client, supervisor, placed_case, agency, agency_manager
):
    agent = UserFactory(username="agent-2", role="agency_collector", agency=agency)
    visit_done(placed_case, [agent, agency_manager], at=TOMORROW_10, outcome="nobody_home")
    visit_done(
        placed_case,
        [agency_manager, agent],
        at=TOMORROW_10 + dt.timedelta(days=1),
        outcome="promise",
    )

    client.force_login(supervisor)
    with time_machine.travel(TOMORROW_10 + dt.timedelta(days=3), tick=False):
        response = client.get(reverse("agencies:league"))
    rows = {agency.name: [cell for cell, _ in cells] for agency, cells in response.context["rows"]}
    visits = [str(column.title) for column in LEAGUE_COLUMNS].index("Field visits")
    assert rows[agency.name][visits : visits + 2] == ["2", "1"]
