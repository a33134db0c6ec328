"""An incoming call in a real browser (Chromium, driven by Playwright): the case page opened
for it has the inbound form open with its outcome focused; a right-party contact asks for the
disclosure first; nothing breaks the page's Content-Security-Policy."""

from __future__ import annotations

import pytest
from django.urls import reverse

from cases.models import Activity
from tests.browser import log_in, needs_chromium
from tests.factories import PASSWORD

# live_server needs committed data.
pytestmark = [needs_chromium, pytest.mark.django_db(transaction=True)]


def test_a_collector_logs_an_incoming_call_from_the_keyboard(
    live_server, browser_page, collector, team, make_case
):
    page, errors = browser_page
    case = make_case(team=team)
    expect = pytest.importorskip("playwright.sync_api").expect
    feedback = page.locator("#action-feedback")

    log_in(page, live_server, collector, PASSWORD)
    page.goto(live_server.url + reverse("workspace:detail", args=[case.pk]) + "?call=inbound")

    outcome = page.locator("#id_inbound-outcome")
    expect(outcome).to_be_focused()
    outcome.select_option("rpc")
    page.fill("#id_inbound-notes", "Called about the letter.")
    page.get_by_role("button", name="Log inbound call").click()
    expect(page.locator("#inbound-form")).to_contain_text("A right-party contact needs the")
    expect(page.locator("#id_inbound-notes")).to_have_value("Called about the letter.")

    page.locator("#id_inbound-disclosure_given").check()
    page.get_by_role("button", name="Log inbound call").click()
    expect(feedback).to_contain_text("Inbound call logged: Right-party contact.")
    expect(page.locator("#history")).to_contain_text("inbound")

    assert errors == [], errors
    activity = case.activities.get()
    assert (activity.direction, activity.outcome, activity.disclosure_given) == (
        Activity.Direction.INBOUND,
        Activity.Outcome.RIGHT_PARTY_CONTACT,
        True,
    )
