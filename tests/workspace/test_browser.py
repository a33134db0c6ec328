"""A collector works a case in a real browser (Chromium, driven by Playwright), keyboard only.

Needs Debian's chromium at /usr/bin/chromium (`bash tests/browser/ensure_chromium.sh`) and the
`playwright` package; Playwright's own browser download is never used. Without them the test
is skipped and says why. The screenshot lands in test-artifacts/workspace.png.
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connections
from django.urls import reverse
from django.utils import timezone

from cases.models import Activity, Case, PromiseToPay
from tests.factories import PASSWORD

CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = Path(settings.BASE_DIR) / "test-artifacts"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]

pytestmark = [
    pytest.mark.skipif(
        not CHROMIUM.exists(),
        reason="no /usr/bin/chromium: run `bash tests/browser/ensure_chromium.sh` as root",
    ),
    # live_server needs committed data.
    pytest.mark.django_db(transaction=True),
]


@pytest.fixture
def browser_page(monkeypatch):
    playwright_api = pytest.importorskip(
        "playwright.sync_api", reason="playwright is not installed (pip install playwright)"
    )
    # Playwright's sync API keeps an event loop running in this thread; Django's ORM refuses
    # to run beside one unless told to (the test's own queries are plain synchronous ones).
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    with playwright_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        errors: list[str] = []
        page.on("pageerror", lambda error: errors.append(str(error)))
        # CSP refusals are console errors; a failed load is reported by its response below.
        page.on(
            "console",
            lambda message: (
                message.type == "error"
                and not message.text.startswith("Failed to load resource")
                and errors.append(message.text)
            ),
        )
        page.on(
            "response",
            lambda response: (
                response.status >= 400
                and not response.url.endswith("/favicon.ico")
                and errors.append(f"{response.status} {response.url}")
            ),
        )
        yield page, errors
        # The test's queries ran in Playwright's context, on connections of their own:
        # closed here, or the test database cannot be dropped at the end of the run.
        connections.close_all()
        browser.close()


def test_a_collector_claims_calls_and_takes_a_promise_from_the_keyboard(
    live_server, browser_page, collector, team, make_case
):
    page, errors = browser_page
    case = make_case(team=team, priority_score=500)
    next_case = make_case(team=team, priority_score=10)
    expect = pytest.importorskip("playwright.sync_api").expect

    page.goto(live_server.url + reverse("accounts:login"))
    page.fill("input[name=username]", collector.username)
    page.fill("input[name=password]", PASSWORD)
    page.keyboard.press("Enter")
    page.wait_for_url(f"**{reverse('cases:queue')}")  # collectors land on their queue

    page.keyboard.press("n")  # next case: the top of the queue is claimed and opened
    page.wait_for_url(f"**{reverse('cases:detail', args=[case.pk])}")
    case.refresh_from_db()
    assert case.claimed_by == collector

    page.keyboard.press("1")  # no answer
    expect(page.locator("#action-feedback")).to_contain_text("Logged: No answer.")

    page.keyboard.press("p")  # the promise form's amount takes the focus
    expect(page.locator("#id_promise-amount")).to_be_focused()
    page.keyboard.type("150.00")
    due = timezone.localdate() + dt.timedelta(days=10)
    page.fill("#id_promise-due_date", due.isoformat())
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
    page.wait_for_url(f"**{reverse('cases:detail', args=[next_case.pk])}")

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

    page.goto(live_server.url + reverse("accounts:login"))
    page.keyboard.type(collector.username)  # the username field has the focus
    page.keyboard.press("Tab")
    page.keyboard.type(PASSWORD)
    page.keyboard.press("Enter")
    page.wait_for_url(f"**{reverse('cases:queue')}")

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
