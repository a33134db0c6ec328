"""Every page of the portal, in English and in Simplified Chinese, on a 360 px phone, passes
axe-core's accessibility rules: no violation of serious or critical impact (WCAG 2.x A and AA,
and axe's best practices). The pages are checked as a debtor meets them, refusals and the
lockout included. A screenshot of each is kept in test-artifacts/portal/a11y-<language>-<page>.png.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.conf import settings
from django.utils import timezone

from common.days import business_day_of
from portal.access import portal_link_path
from portal.models import IdentityFailure
from portal.services import reference_key
from tests.browser import ARTIFACTS, needs_chromium
from tests.browser.accessibility import axe_prepare, axe_violations, described, serious
from tests.portal.conftest import BIRTH_DATE
from tests.portal.test_browser import PHONE, no_horizontal_scroll

# live_server needs committed data.
pytestmark = [needs_chromium, pytest.mark.django_db(transaction=True)]


@pytest.mark.parametrize(("language", "debtor_language"), [("en", "en"), ("zh-hans", "zh")])
def test_every_portal_page_passes_axe_in_each_language(
    live_server, browser_page, case, other_case, language, debtor_language
):
    page, errors = browser_page
    expect = pytest.importorskip("playwright.sync_api").expect
    case.debtor.language = debtor_language
    case.debtor.save()
    shots = ARTIFACTS / "portal"
    shots.mkdir(parents=True, exist_ok=True)
    page.set_viewport_size(PHONE)
    axe_prepare(page)
    found: list[str] = []

    def check(name: str) -> None:
        expect(page.locator("html")).to_have_attribute("lang", language)
        assert no_horizontal_scroll(page), name
        page.screenshot(path=shots / f"a11y-{language}-{name}.png", full_page=True)
        violations = axe_violations(page)
        found.extend(described(serious(violations), where=name))

    def submit(form: str) -> None:
        page.locator(f"{form} button[type=submit]").first.click()

    url = live_server.url
    page.goto(url + "/portal/")
    page.locator(f"header button[name=language][value={language}]").click()
    check("start")

    page.goto(url + "/portal/l/forged-token/")
    expect(page.locator(".alert-warning")).to_be_visible()
    check("link-refused")

    page.fill("#id_reference", other_case.account.account_reference)
    page.fill("#id_birth_date", "1990-01-01")
    page.fill("#id_national_id_last4", "0000")
    submit("main form")
    expect(page.locator(".alert-danger")).to_be_visible()
    check("start-refused")

    now = timezone.now()
    IdentityFailure.objects.bulk_create(
        IdentityFailure(
            reference_key=reference_key(other_case.account.account_reference), failed_at=now
        )
        for _ in range(settings.PORTAL_FAILURE_LIMIT)
    )
    submit("main form")
    expect(page.locator(".alert-danger")).to_contain_text(str(settings.PORTAL_LOCKOUT_MINUTES))
    check("locked")

    page.goto(url + portal_link_path(case_id=case.pk))
    expect(page.locator("#id_birth_date")).to_be_visible()
    check("verify")

    page.fill("#id_birth_date", "1990-01-01")
    page.fill("#id_national_id_last4", "0000")
    submit("main form")
    expect(page.locator(".alert-danger")).to_be_visible()
    check("verify-refused")

    page.fill("#id_birth_date", BIRTH_DATE.isoformat())
    page.fill("#id_national_id_last4", "1234")
    submit("main form")
    expect(page.locator("#balance")).to_be_visible()
    check("account")

    for section in ("pay", "promise", "plan", "callback"):
        page.locator(f"#{section} input:not([type=hidden])").first.fill("")
        submit(f"#{section}")
        expect(page.locator(f"#{section} .is-invalid").first).to_be_visible()
        check(f"account-{section}-refused")

    due = business_day_of(timezone.now()) + dt.timedelta(days=7)
    page.fill("#id_promise-amount", "300")
    page.fill("#id_promise-due_date", due.isoformat())
    submit("#promise")
    expect(page.locator(".alert-success")).to_be_visible()
    check("account-promised")

    page.fill("#id_plan-instalment_count", "6")
    page.fill("#id_plan-first_due_date", due.isoformat())
    submit("#plan")
    page.wait_for_url("**/account/plans/*/")
    check("plan-letter")

    page.goto(url + "/portal/account/")
    page.fill("#id_payment-amount", "100")
    submit("#pay")
    page.wait_for_url("**/fake-provider/*/")
    check("fake-provider")

    page.locator("main button[value=paid]").click()
    expect(page.locator(".alert-success")).to_be_visible()
    check("account-paid")

    page.goto(url + "/portal/account/disputes/")
    check("disputes")

    submit("#dispute")
    expect(page.locator("#dispute .is-invalid").first).to_be_visible()
    check("disputes-refused")

    page.fill("#id_dispute-description", "I paid this in March.")
    submit("#dispute")
    expect(page.locator("#grievances")).to_be_visible()
    check("account-disputed")

    page.locator("header form[action$='sign-out/'] button").click()
    expect(page.locator(".alert-info")).to_be_visible()
    check("signed-out")

    assert found == [], "\n".join(found)
    # The answers refused on purpose are 400s (two on the start page, one on the identity page,
    # four forms of the account page, one on the disputes page); nothing else failed or broke
    # the policy.
    refused = [error for error in errors if error.startswith("400 ")]
    assert [error for error in errors if error not in refused] == [], errors
    assert len(refused) == 8, refused
