"""The case page's actions keep to the Content-Security-Policy in a real browser (Chromium, driven
by Playwright): no inline style or script is refused while a collector works, with the mouse or
the keyboard, after making a notes box bigger as people do."""

from __future__ import annotations

import datetime as dt
import re
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse
from django.utils import timezone

from cases.models import Activity
from tests.browser import log_in, needs_chromium
from tests.factories import PASSWORD

# live_server needs committed data.
pytestmark = [needs_chromium, pytest.mark.django_db(transaction=True)]


def enlarge(page, field) -> None:
    """Drag the corner of a text box, as a collector does to see a long note: the browser keeps
    the new size in the box's style attribute, which the page's policy allows (it is set
    through the style object, not written as an inline style)."""
    expect = pytest.importorskip("playwright.sync_api").expect
    field.scroll_into_view_if_needed()
    box = field.bounding_box()
    corner_x, corner_y = box["x"] + box["width"] - 2, box["y"] + box["height"] - 2
    page.mouse.move(corner_x, corner_y)
    page.mouse.down()
    page.mouse.move(corner_x + 20, corner_y + 60, steps=4)
    page.mouse.up()
    expect(field).to_have_attribute("style", re.compile("height"))


def test_working_a_case_with_the_mouse_and_the_keyboard_breaks_no_policy_rule(
    live_server, browser_page, collector, team, make_case
):
    page, errors = browser_page
    case = make_case(team=team)
    expect = pytest.importorskip("playwright.sync_api").expect
    feedback = page.locator("#action-feedback")

    log_in(page, live_server, collector, PASSWORD)
    page.goto(live_server.url + reverse("workspace:detail", args=[case.pk]))

    enlarge(page, page.locator("#id_call-notes"))
    page.get_by_role("button", name="No answer").click()
    expect(feedback).to_contain_text("Logged: No answer.")

    enlarge(page, page.locator("#id_call-notes"))
    page.keyboard.press("2")  # voicemail
    expect(feedback).to_contain_text("Logged: Voicemail.")

    enlarge(page, page.locator("#id_promise-notes"))
    page.fill("#id_promise-amount", "120.00")
    page.locator("#id_promise-disclosure_given").check()
    page.fill("#id_promise-due_date", (timezone.localdate() + dt.timedelta(days=7)).isoformat())
    page.get_by_role("button", name="Record promise").click()
    expect(feedback).to_contain_text("Promise taken")

    enlarge(page, page.locator("#id_callback-notes"))
    tomorrow_noon = dt.datetime.combine(
        timezone.localdate() + dt.timedelta(days=1),
        dt.time(12),
        tzinfo=ZoneInfo(case.debtor.time_zone),
    )
    page.fill("#id_callback-when", tomorrow_noon.strftime("%Y-%m-%dT%H:%M"))  # debtor's clock
    page.get_by_role("button", name="Schedule").click()
    expect(feedback).to_contain_text("Call-back scheduled")

    enlarge(page, page.locator("#id_note-text"))
    page.fill("#id_note-text", "Asked for the statement by post.")
    page.get_by_role("button", name="Add note").click()
    expect(feedback).to_contain_text("Note added.")

    assert errors == [], errors
    assert list(case.activities.order_by("pk").values_list("outcome", flat=True)) == [
        Activity.Outcome.NO_ANSWER,
        Activity.Outcome.VOICEMAIL,
        Activity.Outcome.PROMISE,
        Activity.Outcome.NOTE,  # the call-back, noted
        Activity.Outcome.NOTE,
    ]
