"""The case page on a phone (390 x 844, in Chromium driven by Playwright): the call form is on
the first screen, nothing scrolls sideways, the claim badge stays right after an action, and
every time says whose clock it is. Saves test-artifacts/workspace-phone.png."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from cases.models import Activity
from tests.browser import ARTIFACTS, log_in, needs_chromium
from tests.factories import PASSWORD, ActivityFactory, PaymentFactory, PromiseToPayFactory

# live_server needs committed data.
pytestmark = [needs_chromium, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}
LONG_NOTE = (
    "Debtor asked for a statement by post and a call back after payday; spoke to the spouse "
    "first, who passed the phone over. Reference-number-without-spaces-0123456789ABCDEFGHIJ."
)


def a_case_with_a_long_history(make_case, team, collector):
    case = make_case(team=team, priority_score=500, debtor__full_name="Alexandra Montgomery-Smythe")
    point = case.debtor.contact_points.get()
    now = timezone.now()
    for n in range(12):
        ActivityFactory(
            case=case,
            debtor=case.debtor,
            actor=collector,
            contact_point=point,
            channel=Activity.Channel.CALL,
            outcome=Activity.Outcome.NO_ANSWER,
            occurred_at=now - dt.timedelta(days=n + 1),
            notes=LONG_NOTE,
        )
    today = timezone.localdate()
    PromiseToPayFactory(
        case=case,
        promised_on=today - dt.timedelta(days=2),
        due_date=today + dt.timedelta(days=5),
        status="broken",
    )
    PaymentFactory(account=case.account, received_on=today - dt.timedelta(days=20))
    return case


def page_metrics(page) -> dict:
    return page.evaluate(
        """() => ({
            callFormTop: document.querySelector("#call-form").getBoundingClientRect().top
                + window.scrollY,
            scrollWidth: document.documentElement.scrollWidth,
            clientWidth: document.documentElement.clientWidth,
            pageHeight: document.documentElement.scrollHeight,
        })"""
    )


def test_on_a_phone_the_call_form_is_on_the_first_screen_and_the_claim_badge_stays_right(
    live_server, browser_page, collector, team, make_case
):
    page, errors = browser_page
    expect = pytest.importorskip("playwright.sync_api").expect
    page.set_viewport_size(PHONE)
    case = a_case_with_a_long_history(make_case, team, collector)

    log_in(page, live_server, collector, PASSWORD)
    page.wait_for_url(f"**{reverse('workspace:queue')}")
    page.locator("#next-case").click()  # a tap: no keyboard on a phone
    page.wait_for_url(f"**{reverse('workspace:detail', args=[case.pk])}")

    metrics = page_metrics(page)
    assert metrics["callFormTop"] < PHONE["height"], metrics
    assert metrics["scrollWidth"] <= metrics["clientWidth"], metrics
    lease = page.locator("#lease")
    expect(lease).to_contain_text("Yours")
    expect(lease).to_contain_text("your time (UTC)")  # the collector's clock, named

    # The folded panels say the debtor's time on their header and open with a tap.
    debtor_header = page.locator("#debtor-title")
    expect(debtor_header).to_contain_text("debtor's time (")
    national_id = page.get_by_text(case.debtor.masked_national_id)
    expect(national_id).to_be_hidden()
    debtor_header.get_by_role("button").click()
    expect(national_id).to_be_visible()

    page.get_by_role("button", name="No answer").click()
    expect(page.locator("#action-feedback")).to_contain_text("Logged: No answer.")
    expect(national_id).to_be_visible()  # the panel opened stays open after the action
    expect(page.locator("#account-panel")).to_be_hidden()  # and the others folded
    expect(lease).to_contain_text("Yours")  # claimed with Next case, still the collector's
    expect(lease).not_to_contain_text("Not claimed")
    history = page.locator("#history")
    expect(history.locator("tbody tr").first).to_contain_text("your time (UTC)")

    metrics = page_metrics(page)
    assert metrics["scrollWidth"] <= metrics["clientWidth"], metrics
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "workspace-phone.png"), full_page=True)
    assert errors == [], errors
    case.refresh_from_db()
    assert case.claimed_by == collector


def test_on_a_wide_screen_the_panels_are_open(
    live_server, browser_page, collector, team, make_case
):
    page, errors = browser_page
    expect = pytest.importorskip("playwright.sync_api").expect
    case = a_case_with_a_long_history(make_case, team, collector)

    log_in(page, live_server, collector, PASSWORD)
    page.goto(live_server.url + reverse("workspace:detail", args=[case.pk]))

    for panel in ("#debtor-panel", "#contact-points-panel", "#account-panel", "#promises-panel"):
        expect(page.locator(panel)).to_be_visible()
    metrics = page_metrics(page)
    assert metrics["scrollWidth"] <= metrics["clientWidth"], metrics
    assert errors == [], errors
