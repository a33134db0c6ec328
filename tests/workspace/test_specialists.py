"""Vulnerable customers' cases: served to a specialist team under UK-FCA, never to standard
collectors, and routed there when a collector records the vulnerability."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.roles import Role
from cases.models import Activity, Case
from tests.factories import TeamFactory, UserFactory
from workspace.selectors import queue_for
from workspace.services import call_log, case_claim_next, vulnerable_cases_route

pytestmark = pytest.mark.django_db
HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def uk_fca(settings):
    settings.COLLECTIONS_POLICY = "UK-FCA"


@pytest.fixture
def specialist_team(db):
    return TeamFactory(name="Vulnerable customers", is_specialist=True)


@pytest.fixture
def specialist(specialist_team):
    return UserFactory(username="specialist", role=Role.COLLECTOR, team=specialist_team)


def test_under_uk_fca_the_specialist_queue_serves_vulnerable_and_other_cases(
    uk_fca, specialist, specialist_team, make_case
):
    vulnerable = make_case(team=specialist_team, priority_score=900, debtor__is_vulnerable=True)
    usual = make_case(team=specialist_team, priority_score=100)
    assert queue_for(specialist, now=timezone.now()) == [vulnerable, usual]


def test_a_specialist_calls_the_vulnerable_debtor_served_without_approval(
    uk_fca, specialist, specialist_team, make_case
):
    case = make_case(team=specialist_team, debtor__is_vulnerable=True)
    now = timezone.now()
    case_claim_next(user=specialist, now=now)
    result = call_log(
        case=case,
        user=specialist,
        contact_point=case.debtor.contact_points.get(),
        outcome=Activity.Outcome.RIGHT_PARTY_CONTACT,
        now=now,
    )
    assert result.allowed and not result.decision.overridden


def test_a_standard_collector_is_never_served_a_vulnerable_case(uk_fca, collector, team, make_case):
    make_case(team=team, priority_score=900, debtor__is_vulnerable=True)
    usual = make_case(team=team, priority_score=100)
    assert queue_for(collector, now=timezone.now()) == [usual]


def test_without_the_policy_saying_so_specialists_are_not_served_vulnerable_cases(
    specialist, specialist_team, make_case
):
    """US-RegF, the default: every call would wait for an approver, so the queue avoids it."""
    make_case(team=specialist_team, debtor__is_vulnerable=True)
    assert case_claim_next(user=specialist, now=timezone.now()) is None


def test_recording_a_vulnerability_moves_the_debtors_cases_to_the_specialist_team(
    uk_fca, client, collector, team, specialist, specialist_team, make_case
):
    case = make_case(team=team, assigned_to=collector)
    case_claim_next(user=collector, now=timezone.now())
    client.force_login(collector)
    response = client.post(
        reverse("workspace:debtor_flag", args=[case.pk]),
        {"flag-flag": "is_vulnerable", "flag-reason": "Recently bereaved"},
        **HTMX,
    )
    assert response.status_code == 200
    assert "moved to the specialist team Vulnerable customers" in response.content.decode()
    case.refresh_from_db()
    assert (case.team, case.assigned_to, case.claimed_by) == (specialist_team, None, None)
    assert "Moved to the specialist team" in case.activities.get().notes
    # Served to the specialist now, and gone from the collector's scope.
    assert case_claim_next(user=specialist, now=timezone.now()) == case
    assert client.get(reverse("workspace:detail", args=[case.pk])).status_code == 404


def test_without_a_specialist_team_the_case_stays_where_it_is(
    uk_fca, client, collector, team, make_case
):
    case = make_case(team=team)
    client.force_login(collector)
    client.post(
        reverse("workspace:debtor_flag", args=[case.pk]),
        {"flag-flag": "is_vulnerable", "flag-reason": "Serious illness"},
        **HTMX,
    )
    case.refresh_from_db()
    assert case.team == team and case.debtor.is_vulnerable
    assert Case.objects.filter(team__is_specialist=True).count() == 0


def test_the_teams_page_says_which_team_is_specialist(client, supervisor, team, specialist_team):
    specialist_team.supervisors.add(supervisor)
    client.force_login(supervisor)
    page = client.get(reverse("supervision:teams")).content.decode()
    assert "Vulnerable customers' team" in page
    assert page.count("Vulnerable customers' team") == 1


def test_supervisors_see_the_specialist_team_named_where_cases_and_collectors_move(
    client, supervisor, team, specialist_team
):
    specialist_team.supervisors.add(supervisor)
    client.force_login(supervisor)
    for name in ("supervision:reassign", "supervision:teams"):
        page = client.get(reverse(name)).content.decode().replace("&#x27;", "'")
        assert "Vulnerable customers (vulnerable customers' team)" in page
        assert "Team A (" not in page


def test_cases_of_debtors_flagged_elsewhere_move_to_the_specialist_team_once(
    uk_fca, collector, outsider, team, other_team, specialist_team, make_case
):
    now = timezone.now()
    flagged = make_case(team=team, assigned_to=collector, debtor__is_vulnerable=True)
    held = make_case(
        team=other_team,
        debtor__is_vulnerable=True,
        claimed_by=outsider,
        claim_expires_at=now + dt.timedelta(minutes=5),
    )
    there = make_case(team=specialist_team, debtor__is_vulnerable=True)
    usual = make_case(team=team)

    assert vulnerable_cases_route(now=now) == 1
    flagged.refresh_from_db()
    assert (flagged.team, flagged.assigned_to) == (specialist_team, None)
    assert flagged.activities.get().notes == (
        "Vulnerable debtor: moved to the specialist team Vulnerable customers."
    )
    for case, team_now in ((held, other_team), (there, specialist_team), (usual, team)):
        case.refresh_from_db()
        assert case.team == team_now and not case.activities.exists()

    later = now + dt.timedelta(minutes=10)  # the claim has run out: the held case moves too
    assert vulnerable_cases_route(now=later) == 1
    assert vulnerable_cases_route(now=later) == 0


def test_without_a_specialist_team_nothing_moves(uk_fca, team, make_case):
    make_case(team=team, debtor__is_vulnerable=True)
    assert vulnerable_cases_route(now=timezone.now()) == 0
