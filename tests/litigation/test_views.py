"""The legal team's pages: who may open them (everyone else: 404), the step forms, and bad
input answered with a clear message and nothing lost."""

from __future__ import annotations

import pytest
from django.urls import reverse

from litigation.models import Lawsuit, LawsuitCost

pytestmark = pytest.mark.django_db


def logged_in(client, user):
    client.force_login(user)
    return client


def test_the_legal_team_lands_on_the_queue_of_referrals(client, lawyer, lawsuit):
    response = logged_in(client, lawyer).get(reverse("litigation:queue"))
    assert response.status_code == 200
    assert f'href="{reverse("litigation:detail", args=[lawsuit.pk])}"' in response.content.decode()


@pytest.mark.parametrize("page", ["litigation:queue", "litigation:list", "litigation:figures"])
def test_a_collector_and_an_agency_collector_find_no_litigation_page(
    client, collector, agency_collector, page
):
    for user in (collector, agency_collector):
        client.logout()
        assert logged_in(client, user).get(reverse(page)).status_code == 404


def test_an_anonymous_visitor_is_sent_to_log_in(client):
    response = client.get(reverse("litigation:queue"))
    assert response.status_code == 302
    assert "login" in response.url


def test_a_supervisor_sees_the_lawsuit_of_a_team_case_but_not_another_teams(
    client, supervisor, lawsuit, other_team
):
    url = reverse("litigation:detail", args=[lawsuit.pk])
    assert logged_in(client, supervisor).get(url).status_code == 200
    lawsuit.case.team = other_team
    lawsuit.case.save(update_fields=["team"])
    assert client.get(url).status_code == 404


def test_a_supervisor_may_not_take_a_step(client, supervisor, lawsuit):
    response = logged_in(client, supervisor).post(
        reverse("litigation:review", args=[lawsuit.pk]), {"decision": "accept"}
    )
    assert response.status_code == 404
    lawsuit.refresh_from_db()
    assert lawsuit.status == Lawsuit.Status.REFERRED


def test_a_lawsuit_that_does_not_exist_is_a_404(client, lawyer):
    assert logged_in(client, lawyer).get("/litigation/lawsuits/999999/").status_code == 404


def test_declining_without_a_reason_says_so_and_changes_nothing(client, lawyer, lawsuit):
    response = logged_in(client, lawyer).post(
        reverse("litigation:review", args=[lawsuit.pk]), {"decision": "decline", "reason": ""}
    )
    assert response.status_code == 400
    assert "Say why the referral is declined." in response.content.decode()
    lawsuit.refresh_from_db()
    assert lawsuit.status == Lawsuit.Status.REFERRED


def test_the_legal_team_accepts_files_and_the_case_is_held(client, lawyer, law_firm, lawsuit):
    logged_in(client, lawyer)
    client.post(reverse("litigation:review", args=[lawsuit.pk]), {"decision": "accept"})
    response = client.post(
        reverse("litigation:file", args=[lawsuit.pk]),
        {
            "court": "Springfield District Court",
            "court_case_number": "CV-2026-0042",
            "filed_on": "2026-11-23",
            "claimed_amount": "1200.00",
            "law_firm": law_firm.pk,
            "lawyer": lawyer.pk,
        },
    )
    assert response.status_code == 302
    lawsuit.refresh_from_db()
    assert lawsuit.status == Lawsuit.Status.FILED
    assert lawsuit.case.legal_hold_since is not None
    page = client.get(reverse("litigation:detail", args=[lawsuit.pk])).content.decode()
    assert 'id="legal-hold"' in page


@pytest.mark.parametrize(
    "amount, message",
    [("1e3", "1234.50"), ("-5", "more than zero"), ("0", "more than zero"), ("NaN", "1234.50")],
)
def test_a_bad_claimed_amount_is_refused_with_what_was_typed_kept(
    client, lawyer, law_firm, lawsuit, amount, message
):
    logged_in(client, lawyer)
    client.post(reverse("litigation:review", args=[lawsuit.pk]), {"decision": "accept"})
    response = client.post(
        reverse("litigation:file", args=[lawsuit.pk]),
        {
            "court": "Springfield District Court",
            "court_case_number": "CV-2026-0042",
            "filed_on": "2026-11-23",
            "claimed_amount": amount,
            "law_firm": law_firm.pk,
            "lawyer": lawyer.pk,
        },
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert "CV-2026-0042" in page
    lawsuit.refresh_from_db()
    assert lawsuit.status == Lawsuit.Status.ACCEPTED


def test_a_card_number_in_a_reason_is_refused(client, lawyer, lawsuit):
    response = logged_in(client, lawyer).post(
        reverse("litigation:review", args=[lawsuit.pk]),
        {"decision": "decline", "reason": "card 4111 1111 1111 1111"},
    )
    assert response.status_code == 400
    assert not lawsuit.events.filter(kind="declined").exists()


def test_a_step_out_of_order_is_explained(client, lawyer, lawsuit):
    response = logged_in(client, lawyer).post(
        reverse("litigation:judge", args=[lawsuit.pk]),
        {"judgment_on": "2026-12-01", "amount_awarded": "100", "costs_awarded": "0"},
    )
    assert response.status_code == 400
    assert "cannot be judged" in response.content.decode()


def test_a_supervisor_approves_a_cost_the_lawyer_recorded(
    client, settings, lawyer, supervisor, lawsuit
):
    settings.LITIGATION_COST_APPROVAL_LIMIT = 100
    logged_in(client, lawyer)
    client.post(reverse("litigation:review", args=[lawsuit.pk]), {"decision": "accept"})
    client.post(
        reverse("litigation:cost", args=[lawsuit.pk]),
        {"kind": "court_fee", "amount": "450.00", "incurred_on": "2026-11-21"},
    )
    cost = LawsuitCost.objects.get()
    assert cost.status == LawsuitCost.Status.AWAITING
    assert client.post(reverse("litigation:cost_decide", args=[cost.pk])).status_code == 404
    client.logout()
    logged_in(client, supervisor).post(
        reverse("litigation:cost_decide", args=[cost.pk]), {"decision": "approve"}
    )
    cost.refresh_from_db()
    assert cost.status == LawsuitCost.Status.APPROVED


def test_the_list_by_step_and_the_figures_open(client, lawyer, lawsuit):
    logged_in(client, lawyer)
    page = client.get(reverse("litigation:list"), {"status": "referred"}).content.decode()
    assert f"#{lawsuit.pk}" in page
    assert client.get(reverse("litigation:list"), {"status": "nonsense"}).status_code == 200
    assert client.get(reverse("litigation:figures")).status_code == 200


def test_a_supervisor_opens_the_held_back_list(client, supervisor):
    assert logged_in(client, supervisor).get(reverse("litigation:held_back")).status_code == 200
