"""Scope: every workspace URL loads the case through cases_visible_to; outside it, a 404."""

from __future__ import annotations

import pytest
from django.urls import reverse
from django.utils import timezone

from cases.models import Activity, Case
from tests.factories import AgencyFactory, PlacementFactory
from workspace.services import case_claim_next
from workspace.urls import CASE_ACTION_URL_NAMES

pytestmark = pytest.mark.django_db


# A valid-looking body for each action, so only the scope check can refuse it.
def _payload(case: Case) -> dict:
    point = case.debtor.contact_points.first()
    fields = {
        "contact_point": point.pk,
        "outcome": Activity.Outcome.NO_ANSWER,
        "amount": "10.00",
        "due_date": "2099-01-01",
        "when": "2099-01-01T12:00",
        "text": "note",
        "mark": "invalid",
        "flag": "dispute_pending",
        "reason": "because",
    }
    prefixes = ("call", "promise", "callback", "note", "mark", "flag")
    return {f"{prefix}-{name}": value for prefix in prefixes for name, value in fields.items()}


@pytest.fixture
def cases_out_of_reach(team, other_team, agency, make_case):
    other_agency = AgencyFactory()
    placed = {
        "placed_with_agency": PlacementFactory(agency=agency, case=make_case(team=team)),
        "placed_elsewhere": PlacementFactory(agency=other_agency, case=make_case(team=team)),
        "recalled": PlacementFactory(
            agency=agency, case=make_case(team=team), recalled_on="2026-11-20"
        ),
    }
    Case.objects.filter(pk__in=[p.case_id for p in placed.values()]).exclude(
        pk=placed["recalled"].case_id
    ).update(status=Case.Status.PLACED)
    return {
        "other_team": make_case(team=other_team),
        **{name: placement.case for name, placement in placed.items()},
    }


IN_HOUSE_OUT_OF_SCOPE = ["other_team", "placed_with_agency", "placed_elsewhere"]
AGENCY_OUT_OF_SCOPE = ["other_team", "placed_elsewhere", "recalled"]


def _assert_untouched(case: Case) -> None:
    case.refresh_from_db()
    assert case.claimed_by_id is None
    assert not case.activities.exists()
    assert not case.promises.exists()
    assert not case.debtor.contact_points.filter(invalid=True).exists()
    assert not case.debtor.dispute_pending


@pytest.mark.parametrize("url_name", CASE_ACTION_URL_NAMES)
@pytest.mark.parametrize("which", IN_HOUSE_OUT_OF_SCOPE)
def test_a_collector_cannot_act_on_a_case_outside_their_scope(
    client, collector, cases_out_of_reach, url_name, which
):
    case = cases_out_of_reach[which]
    client.force_login(collector)
    response = client.post(reverse(f"workspace:{url_name}", args=[case.pk]), _payload(case))
    assert response.status_code == 404
    _assert_untouched(case)


@pytest.mark.parametrize("url_name", CASE_ACTION_URL_NAMES)
@pytest.mark.parametrize("which", AGENCY_OUT_OF_SCOPE)
def test_agency_staff_cannot_act_on_a_case_outside_their_placements(
    client, agency_collector, cases_out_of_reach, url_name, which
):
    case = cases_out_of_reach[which]
    client.force_login(agency_collector)
    response = client.post(reverse(f"workspace:{url_name}", args=[case.pk]), _payload(case))
    assert response.status_code == 404
    _assert_untouched(case)


@pytest.mark.parametrize("which", IN_HOUSE_OUT_OF_SCOPE)
def test_a_collector_cannot_open_a_case_outside_their_scope(
    client, collector, cases_out_of_reach, which
):
    client.force_login(collector)
    response = client.get(reverse("workspace:detail", args=[cases_out_of_reach[which].pk]))
    assert response.status_code == 404


def test_a_collector_is_never_served_a_case_outside_their_scope(collector, cases_out_of_reach):
    # The recalled case is back in the team's pool: the only one of them the collector works.
    assert case_claim_next(user=collector, now=timezone.now()) == cases_out_of_reach["recalled"]
    Case.objects.filter(pk=cases_out_of_reach["recalled"].pk).update(
        status=Case.Status.CLOSED, closed_at=timezone.now(), claimed_by=None, claim_expires_at=None
    )
    assert case_claim_next(user=collector, now=timezone.now()) is None
    for which in IN_HOUSE_OUT_OF_SCOPE:
        _assert_untouched(cases_out_of_reach[which])


def test_agency_staff_are_served_only_their_agency_placements(agency_collector, cases_out_of_reach):
    served = case_claim_next(user=agency_collector, now=timezone.now())
    assert served == cases_out_of_reach["placed_with_agency"]


@pytest.mark.parametrize("url_name", CASE_ACTION_URL_NAMES)
def test_anonymous_visitors_are_sent_to_log_in(client, make_case, team, url_name):
    case = make_case(team=team)
    response = client.post(reverse(f"workspace:{url_name}", args=[case.pk]))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))


@pytest.mark.parametrize("url_name", CASE_ACTION_URL_NAMES)
def test_a_compliance_officer_may_read_but_not_work_a_case(
    client, compliance_officer, make_case, team, url_name
):
    case = make_case(team=team)
    client.force_login(compliance_officer)
    assert client.get(reverse("workspace:detail", args=[case.pk])).status_code == 200
    response = client.post(reverse(f"workspace:{url_name}", args=[case.pk]), _payload(case))
    assert response.status_code == 404
    _assert_untouched(case)
