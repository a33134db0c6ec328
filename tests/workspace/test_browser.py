"""A collector works a case in a real browser (Chromium, driven by Playwright), keyboard only.

Needs Debian's chromium at /usr/bin/chromium (`bash tests/browser/ensure_chromium.sh`) and the
`playwright` package; Playwright's own browser download is never used. Without them the test
is skipped and says why. The screenshot lands in test-artifacts/workspace.png.
"""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from cases.models import Activity, Case, PromiseToPay
from tests.browser import ARTIFACTS, log_in, needs_chromium
from tests.factories import PASSWORD

# live_server needs committed data.
pytestmark = [needs_chromium, pytest.mark.django_db(transaction=True)]


def test_a_collector_claims_calls_and_takes_a_promise_from_the_keyboard(
    live_server, browser_page, collector, team, make_case
):
    page, errors = browser_page
    case = make_case(team=team, priority_score=500)
    next_case = make_case(team=team, priority_score=10)
    expect = pytest.importorskip("playwright.sync_api").expect

    log_in(page, live_server, collector, PASSWORD)
    page.wait_for_url(f"**{reverse('workspace:queue')}")  # collectors land on their queue

    page.keyboard.press("n")  # next case: the top of the queue is claimed and opened
    page.wait_for_url(f"**{reverse('workspace:detail', args=[case.pk])}")
    case.refresh_from_db()
    assert case.claimed_by == collector

    page.keyboard.press("1")  # no answer
    expect(page.locator("#action-feedback")).to_contain_text("Logged: No answer.")

    page.keyboard.press("p")  # the promise form's amount takes the focus
    expect(page.locator("#id_promise-amount")).to_be_focused()
    page.keyboard.type("150.00")
    due = timezone.localdate() + dt.timedelta(days=10)
    page.fill("#id_promise-due_date", due.isoformat())
    page.locator("#id_promise-disclosure_given").check()  # a promise is a right-party contact
    page.locator("#id_promise-amount").press("Enter")
    expect(page.locator("#action-feedback")).to_contain_text("Promise taken")

    history = page.locator("#history")
    expect(history).to_contain_text("No answer")
    expect(history).to_contain_text("Promise to pay")
    expect(page.locator("#promise-list")).to_contain_text("150.00")

    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "workspace.png"), full_page=True)

    page.keyboard.press("?")  # the focus left the promise form: shortcuts work at once
    expect(page.locator("#shortcut-help")).to_be_visible()
    page.keyboard.press("Escape")
    expect(page.locator("#shortcut-help")).to_be_hidden()
    page.keyboard.press("n")  # and on to the next case
    page.wait_for_url(f"**{reverse('workspace:detail', args=[next_case.pk])}")

    assert errors == [], errors  # no CSP refusal, no script error, no failed request
    assert list(case.activities.values_list("outcome", flat=True)) == [
        Activity.Outcome.PROMISE,
        Activity.Outcome.NO_ANSWER,
    ]
    assert case.promises.get().status == PromiseToPay.Status.PENDING
    case.refresh_from_db()
    assert case.status == Case.Status.PROMISED


def test_a_collector_works_twenty_cases_in_a_row_without_the_mouse(
    live_server, browser_page, collector, team, make_case
):
    page, errors = browser_page
    cases = [make_case(team=team, priority_score=100 + n) for n in range(20)]
    expect = pytest.importorskip("playwright.sync_api").expect

    log_in(page, live_server, collector, PASSWORD)
    page.wait_for_url(f"**{reverse('workspace:queue')}")

    worked: list[int] = []

    def on_a_new_case(url: str) -> bool:
        opened = re.search(r"/cases/(\d+)/$", url)
        return opened is not None and int(opened[1]) not in worked

    for _ in cases:
        page.keyboard.press("n")
        page.wait_for_url(on_a_new_case)
        worked.append(int(re.search(r"/cases/(\d+)/$", page.url)[1]))
        page.keyboard.press("1")  # no answer: the case comes back later, the next one is due
        expect(page.locator("#action-feedback")).to_contain_text("Logged: No answer.")

    assert errors == [], errors
    # Best first, each once, and every call recorded against the collector.
    assert worked == [case.pk for case in reversed(cases)]
    assert (
        Activity.objects.filter(actor=collector, outcome=Activity.Outcome.NO_ANSWER).count() == 20
    )
