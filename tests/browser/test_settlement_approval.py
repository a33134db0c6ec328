"""A collector offers a settlement beyond their authority; a supervisor approves it on the
Approvals page, and the offer stands with the approver's name."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.urls import reverse

from accounts.roles import Role
from agreements.models import ApprovalLimit, SettlementOffer
from tests.agreements.conftest import case_in_team
from tests.browser import log_in, needs_chromium
from tests.factories import PASSWORD, UserFactory

# live_server needs committed data.
pytestmark = [needs_chromium, pytest.mark.django_db(transaction=True)]


def test_a_supervisor_approves_a_collectors_offer_on_the_approvals_page(
    live_server, browser_page, team
):
    expect = pytest.importorskip("playwright.sync_api").expect
    page, errors = browser_page
    collector = UserFactory(username="collector", role=Role.COLLECTOR, team=team)
    supervisor = UserFactory(username="supervisor", role=Role.SUPERVISOR, team=team)
    team.supervisors.add(supervisor)
    for role, percent, amount in (("collector", 10, 100), ("supervisor", 50, 1000)):
        ApprovalLimit.objects.create(
            role=role,
            currency="USD",
            max_discount_percent=Decimal(percent),
            max_discount_amount=Decimal(amount),
        )
    case = case_in_team(team)

    log_in(page, live_server, collector, PASSWORD)
    page.goto(live_server.url + reverse("agreements:case", args=[case.pk]))
    page.locator("#new-offer").click()
    page.get_by_label("Amount to pay").fill("800.00")
    page.get_by_label("Reason").fill("Lost his job; a lump sum from family")
    page.locator("#make-offer").click()
    expect(page.locator("#offer-status")).to_have_text("Awaiting approval")

    page.context.clear_cookies()
    log_in(page, live_server, supervisor, PASSWORD)
    page.goto(live_server.url + reverse("supervision:approvals"))
    offer = SettlementOffer.objects.get(case=case)
    row = page.locator("tr", has=page.get_by_label(f"Note on offer {offer.pk}"))
    expect(row).to_contain_text("33.33%")
    row.get_by_label(f"Note on offer {offer.pk}").fill("Hardship verified")
    row.get_by_role("button", name="Approve").click()
    expect(page.get_by_text(f"Offer #{offer.pk} approved.")).to_be_visible()
    expect(page.get_by_text("No offer awaits approval.")).to_be_visible()

    offer.refresh_from_db()
    assert offer.status == SettlementOffer.Status.OFFERED
    assert offer.decided_by == supervisor
    assert offer.decision_note == "Hardship verified"
    assert errors == []
