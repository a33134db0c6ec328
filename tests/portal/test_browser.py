"""The debtor on a 360 px phone, in a real browser (Chromium, driven by Playwright): an SMS's
link, the identity questions, the debt in Simplified Chinese, a promise to pay; no horizontal
scrolling on any page, and nothing breaks the Content-Security-Policy. Screenshots are kept in
test-artifacts/portal/."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from cases.models import Activity, PromiseToPay
from common.days import business_day_of
from portal.access import portal_link_path
from tests.browser import ARTIFACTS, needs_chromium
from tests.portal.conftest import BIRTH_DATE

# live_server needs committed data.
pytestmark = [needs_chromium, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 360, "height": 740}


def no_horizontal_scroll(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def test_a_debtor_follows_the_link_proves_who_they_are_and_promises(
    live_server, browser_page, case
):
    page, errors = browser_page
    expect = pytest.importorskip("playwright.sync_api").expect
    case.debtor.language = "zh"
    case.debtor.save()
    shots = ARTIFACTS / "portal"
    shots.mkdir(parents=True, exist_ok=True)
    page.set_viewport_size(PHONE)

    page.goto(live_server.url + portal_link_path(case_id=case.pk))
    expect(page.locator("#id_birth_date")).to_be_visible()
    assert "1,200" not in page.content()  # nothing shown before identity is proven
    assert no_horizontal_scroll(page)
    page.screenshot(path=shots / "verify.png", full_page=True)

    page.fill("#id_birth_date", BIRTH_DATE.isoformat())
    page.fill("#id_national_id_last4", "1234")
    page.locator("#identity button[type=submit]").click()

    expect(page.locator("#balance")).to_contain_text("1,200.00")
    expect(page.locator("h2#debt-title")).to_have_text("您的欠款")
    assert no_horizontal_scroll(page)
    page.screenshot(path=shots / "account-zh-hans.png", full_page=True)

    due = business_day_of(timezone.now()) + dt.timedelta(days=7)
    page.fill("#id_promise-amount", "300")
    page.fill("#id_promise-due_date", due.isoformat())
    page.locator("#promise button[type=submit]").click()
    expect(page.locator(".alert-success")).to_contain_text("您的还款承诺已记录")
    expect(page.locator("#promises")).to_contain_text("300.00")
    assert no_horizontal_scroll(page)
    page.screenshot(path=shots / "promised.png", full_page=True)

    assert errors == [], errors
    promise = PromiseToPay.objects.get(case=case)
    assert (promise.due_date, promise.created_by) == (due, None)
    assert Activity.objects.filter(case=case, channel="portal", outcome="promise").exists()
