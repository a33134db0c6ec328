"""The supervisors' list of reported payments the bank never confirmed: theirs only."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.navigation import nav_links_for
from cases.models import Activity, ReportedPayment
from cases.services import reported_payments_confirm
from supervision.models import SupervisorAction
from tests.factories import CaseFactory, PaymentFactory, ReportedPaymentFactory

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


def withdraw(client, report, reason: str):
    return client.post(
        reverse("supervision:unconfirmed_payments"), {"report": report.pk, "reason": reason}
    )


def test_a_supervisor_withdraws_a_flagged_report_with_a_reason(client, supervisor, team):
    report = ReportedPaymentFactory(case=CaseFactory(team=team), payer_reference="X-1", **FLAGGED)
    client.force_login(supervisor)

    response = withdraw(client, report, "The debtor admitted it was never sent.")

    assert response.status_code == 302
    report.refresh_from_db()
    assert report.status == ReportedPayment.Status.WITHDRAWN
    assert report.withdrawal_reason == "The debtor admitted it was never sent."
    note = Activity.objects.get(case=report.case_id)
    assert "withdrawn" in note.notes and note.actor == supervisor
    action = SupervisorAction.objects.get()
    assert (action.kind, action.details["reported_payment"]) == ("withdraw_payment", report.pk)
    assert "X-1" not in client.get(reverse("supervision:unconfirmed_payments")).content.decode()
    # Withdrawn, it is confirmed by nothing and its reference may be reported again.
    PaymentFactory(account=report.account, external_reference="X1", amount=report.amount)
    assert reported_payments_confirm(now=timezone.now()) == 0
    ReportedPaymentFactory(case=report.case, payer_reference="x-1")


def test_a_withdrawal_needs_a_reason_and_keeps_the_report(client, supervisor, team):
    report = ReportedPaymentFactory(case=CaseFactory(team=team), **FLAGGED)
    client.force_login(supervisor)

    response = withdraw(client, report, "   ")

    assert response.status_code == 200
    page = response.content.decode()
    assert "is-invalid" in page and "This field is required." in page
    report.refresh_from_db()
    assert report.status == ReportedPayment.Status.FLAGGED


def test_a_report_outside_the_supervisors_teams_cannot_be_withdrawn(client, supervisor, other_team):
    report = ReportedPaymentFactory(case=CaseFactory(team=other_team), **FLAGGED)
    client.force_login(supervisor)

    assert withdraw(client, report, "Not mine.").status_code == 404
    report.refresh_from_db()
    assert report.status == ReportedPayment.Status.FLAGGED


@pytest.mark.parametrize("report", ["abc", "", "99999999999999999999", "1.5"])
def test_a_nonsense_report_id_is_404(client, supervisor, report):
    client.force_login(supervisor)
    response = client.post(
        reverse("supervision:unconfirmed_payments"), {"report": report, "reason": "r"}
    )
    assert response.status_code == 404
