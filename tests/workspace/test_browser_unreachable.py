"""An htmx action that gets no usable answer (the network down, the server answering 503 while
its database restarts) says so on the page instead of failing silently; the next action that
succeeds takes the notice away. In a real browser (Chromium, driven by Playwright)."""

from __future__ import annotations

import pytest
from django.urls import reverse

from cases.models import Activity
from tests.browser import log_in, needs_chromium
from tests.factories import PASSWORD

# live_server needs committed data.
pytestmark = [needs_chromium, pytest.mark.django_db(transaction=True)]

NOTICE_TEXT = "The server could not be reached: what you just did may not have been saved."


def test_a_note_the_server_did_not_take_shows_the_notice_until_one_is_taken(
    live_server, browser_page, collector, team, make_case
):
    page, errors = browser_page
    case = make_case(team=team)
    note_url = live_server.url + reverse("workspace:note", args=[case.pk])
    expect = pytest.importorskip("playwright.sync_api").expect
    notice = page.locator("#server-unreachable")
    add_note = page.get_by_role("button", name="Add note")

    log_in(page, live_server, collector, PASSWORD)
    page.goto(live_server.url + reverse("workspace:detail", args=[case.pk]))
    page.fill("#id_note-text", "Debtor asked to be called after lunch.")
    expect(notice).to_be_hidden()

    page.route(note_url, lambda route: route.abort("connectionrefused"))
    add_note.click()
    expect(notice).to_be_visible()
    expect(notice).to_contain_text(NOTICE_TEXT)
    notice.get_by_role("button", name="Close").click()
    expect(notice).to_be_hidden()

    page.unroute(note_url)
    page.route(
        note_url,
        lambda route: route.fulfill(status=503, headers={"Retry-After": "10"}, body="later"),
    )
    add_note.click()
    expect(notice).to_be_visible()
    assert not Activity.objects.filter(case=case).exists()

    page.unroute(note_url)
    add_note.click()
    expect(page.locator("#action-feedback")).to_contain_text("Note added.")
    expect(notice).to_be_hidden()

    # What the two failures themselves left in the browser's log: htmx's errors and the 503.
    form = "[object HTMLDivElement]"  # the element htmx names: the workspace the form swaps
    assert errors == [
        f"htmx:afterRequest, {form}",
        f"htmx:sendError, {form}",
        f"503 {note_url}",
        f"Response Status Error Code 503 from {reverse('workspace:note', args=[case.pk])}, {form}",
    ], errors
