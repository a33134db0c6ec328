"""Who sees which case: one scoping function, and a 404 for everything else."""

from __future__ import annotations

import pytest
from django.urls import reverse

from cases.models import Case
from cases.selectors import cases_visible_to
from tests.factories import CaseFactory, PlacementFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(collector, outsider, team, other_team, agency):
    return {
        "own": CaseFactory(assigned_to=collector, team=team),
        "team_pool": CaseFactory(assigned_to=None, team=team),
        "teammate": CaseFactory(assigned_to=None, team=team, status=Case.Status.PROMISED),
        "other_team": CaseFactory(assigned_to=outsider, team=other_team),
        "placed_here": PlacementFactory(agency=agency, case__team=team).case,
        "promised_while_placed": PlacementFactory(
            agency=agency, case__team=team, case__status=Case.Status.PROMISED
        ).case,
        "placed_elsewhere": PlacementFactory(case__team=team).case,
        "recalled": PlacementFactory(agency=agency, recalled_on="2026-11-20", case__team=team).case,
    }


def visible(user, world):
    ids = set(cases_visible_to(user).values_list("pk", flat=True))
    return {name for name, case in world.items() if case.pk in ids}


def test_a_collector_sees_own_cases_and_the_team_pool_but_not_placed_cases(collector, world):
    assert visible(collector, world) == {"own", "team_pool", "teammate"}


def test_a_supervisor_sees_the_cases_of_the_teams_they_supervise(supervisor, world):
    assert visible(supervisor, world) == set(world) - {"other_team"}


def test_agency_staff_see_only_their_agency_current_placements(agency_collector, world):
    assert visible(agency_collector, world) == {"placed_here", "promised_while_placed"}


def test_compliance_and_admins_see_everything(compliance_officer, admin_user, world):
    assert visible(compliance_officer, world) == set(world)
    assert visible(admin_user, world) == set(world)


def test_an_inactive_user_sees_nothing(collector, world):
    collector.is_active = False
    assert visible(collector, world) == set()


@pytest.mark.parametrize(
    "name", ["other_team", "placed_here", "promised_while_placed", "placed_elsewhere", "recalled"]
)
def test_a_collector_gets_404_for_a_case_outside_their_scope(client, collector, world, name):
    client.force_login(collector)
    response = client.get(reverse("workspace:detail", args=[world[name].pk]))
    assert response.status_code == 404


def test_a_collector_opens_their_own_case_with_the_id_masked(client, collector, world):
    client.force_login(collector)
    case = world["own"]
    response = client.get(reverse("workspace:detail", args=[case.pk]))
    assert response.status_code == 200
    page = response.content.decode()
    assert case.debtor.masked_national_id in page
    assert case.debtor.national_id_hash not in page


def test_the_case_list_shows_only_visible_cases(client, agency_collector, world):
    client.force_login(agency_collector)
    page = client.get(reverse("workspace:list")).content.decode()
    shown = {
        name for name, case in world.items() if reverse("workspace:detail", args=[case.pk]) in page
    }
    assert shown == {"placed_here", "promised_while_placed"}


def test_the_case_list_searches_by_account_reference(client, collector, world):
    client.force_login(collector)
    reference = world["team_pool"].account.account_reference
    response = client.get(reverse("workspace:list"), {"q": reference})
    assert reverse("workspace:detail", args=[world["team_pool"].pk]) in response.content.decode()
    assert reverse("workspace:detail", args=[world["own"].pk]) not in response.content.decode()
