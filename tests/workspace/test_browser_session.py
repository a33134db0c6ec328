"""The session behind the case page in a real browser (Chromium, driven by Playwright): an
action after it ended leads to the log-in page and back, and the page warns a minute before it
ends for inactivity. The page's clock is Playwright's, moved forward by the test."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.conf import settings
from django.contrib.sessions.models import Session
from django.urls import reverse
from django.utils import timezone

from cases.models import Activity
from tests.browser import log_in, needs_chromium
from tests.factories import PASSWORD

# live_server needs committed data.
pytestmark = [needs_chromium, pytest.mark.django_db(transaction=True)]

IDLE_MS = settings.SESSION_COOKIE_AGE * 1000
WARNING_MS = 60_000
RENEW_MS = settings.WORKSPACE_RENEW_SECONDS * 1000


def test_an_outcome_after_the_session_ended_leads_to_log_in_and_back_to_the_case(
    live_server, browser_page, collector, team, make_case
):
    page, errors = browser_page
    case = make_case(team=team)
    case_url = reverse("workspace:detail", args=[case.pk])
    expect = pytest.importorskip("playwright.sync_api").expect

    log_in(page, live_server, collector, PASSWORD)
    page.goto(live_server.url + case_url)
    Session.objects.all().delete()  # the session ends while the page is open

    page.get_by_role("button", name="No answer").click()
    page.wait_for_url(re.compile(re.escape(reverse("accounts:login")) + r"\?"))
    expect(page.get_by_role("alert")).to_contain_text(
        "Your session had ended, so your last action was not saved."
    )
    expect(page.locator("#workspace")).to_have_count(0)  # a whole page, not a swap

    page.fill("input[name=username]", collector.username)
    page.fill("input[name=password]", PASSWORD)
    page.keyboard.press("Enter")
    page.wait_for_url(live_server.url + case_url)
    expect(page.locator("#call-form")).to_be_visible()

    assert errors == [], errors
    assert not Activity.objects.filter(case=case).exists()


def test_the_page_warns_a_minute_before_the_session_ends_and_keeps_it_on_request(
    live_server, browser_page, collector, team, make_case
):
    page, errors = browser_page
    case = make_case(
        team=team,
        claimed_by=collector,
        claim_expires_at=timezone.now() + dt.timedelta(minutes=15),
    )
    expect = pytest.importorskip("playwright.sync_api").expect
    warning = page.locator("#session-warning")
    page.clock.install()

    log_in(page, live_server, collector, PASSWORD)
    page.goto(live_server.url + reverse("workspace:detail", args=[case.pk]))
    expect(warning).to_be_hidden()

    # The page's clock also flows as it does in life: each check leaves half a minute or more
    # for the time the test itself takes.
    page.clock.fast_forward(IDLE_MS - WARNING_MS - 60_000)
    expect(warning).to_be_hidden()
    # An htmx request restarts the count (a note: an outcome would release the case's lease).
    page.fill("#id_note-text", "Debtor asked to be called after lunch.")
    page.get_by_role("button", name="Add note").click()
    expect(page.locator("#action-feedback")).to_contain_text("Note added.")
    # htmx starts the new lease form's timer when the swap settles: before moving the clock.
    expect(page.locator("#workspace")).not_to_have_class(re.compile(r"\bhtmx-settling\b"))

    # The page renewing its lease by itself is no activity: it does not restart the count.
    with page.expect_response(re.compile(r"/claim/renew/$")):
        page.clock.fast_forward(RENEW_MS)
    page.clock.fast_forward(IDLE_MS - WARNING_MS - RENEW_MS - 30_000)
    expect(warning).to_be_hidden()
    page.clock.fast_forward(45_000)
    expect(warning).to_be_visible()
    expect(warning).to_have_attribute("role", "alert")
    expect(warning).to_contain_text("Your session will end in a minute")

    session = Session.objects.get()
    ends_before = session.expire_date
    with page.expect_response("**" + reverse("accounts:session_renew")) as renewal:
        warning.get_by_role("button", name="Stay signed in").click()
    assert renewal.value.status == 204
    expect(warning).to_be_hidden()
    session.refresh_from_db()
    assert session.expire_date > ends_before

    page.clock.fast_forward(IDLE_MS)  # nothing more done: the page says the session ended
    expect(warning).to_be_visible()
    expect(warning).to_contain_text("Your session has ended")
    expect(warning.get_by_role("link", name="Log in again")).to_be_visible()

    assert errors == [], errors
