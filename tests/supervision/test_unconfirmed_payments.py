"""The supervisors' list of reported payments the bank never confirmed: theirs only."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from accounts.navigation import nav_links_for
from cases.models import ReportedPayment
from tests.factories import CaseFactory, ReportedPaymentFactory

pytestmark = pytest.mark.django_db
FLAGGED = {"status": ReportedPayment.Status.FLAGGED, "flagged_on": dt.date(2026, 11, 27)}


def test_supervisors_see_the_flagged_reports_of_their_teams_only(
    client, supervisor, team, other_team
):
    mine = ReportedPaymentFactory(case=CaseFactory(team=team), payer_reference="MINE-1", **FLAGGED)
    ReportedPaymentFactory(case=CaseFactory(team=other_team), payer_reference="THEIRS-1", **FLAGGED)
    ReportedPaymentFactory(case=CaseFactory(team=team), payer_reference="WAITING-1")
    client.force_login(supervisor)

    response = client.get(reverse("supervision:unconfirmed_payments"))

    page = response.content.decode()
    assert response.status_code == 200
    assert "MINE-1" in page
    assert reverse("workspace:detail", args=[mine.case_id]) in page
    assert "THEIRS-1" not in page and "WAITING-1" not in page


def test_collectors_and_anonymous_visitors_do_not_get_the_list(client, collector):
    url = reverse("supervision:unconfirmed_payments")
    assert client.get(url).status_code in (302, 404)
    client.force_login(collector)
    assert client.get(url).status_code == 404


def test_the_list_is_in_the_supervisors_navigation(supervisor, collector):
    assert "supervision:unconfirmed_payments" in {
        link.url_name for link in nav_links_for(supervisor)
    }
    assert "supervision:unconfirmed_payments" not in {
        link.url_name for link in nav_links_for(collector)
    }
