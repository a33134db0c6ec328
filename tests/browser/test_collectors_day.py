"""A collector's inbound call from end to end in a real browser (Chromium, driven by Playwright):
the caller's number typed as people say it finds the debtor; the case opens on the inbound
form; the call and a payment the debtor made are recorded; the bank's payments file comes in
and the case page shows the payment confirmed.

Needs Debian's chromium at /usr/bin/chromium and the `playwright` package (see
tests/browser/ensure_chromium.sh); without them the test is skipped and says why.
"""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.urls import reverse
from django.utils import timezone

from cases.models import Activity, ReportedPayment
from compliance.models import ComplianceLogEntry
from feeds.importer import feed_import
from feeds.models import ImportRun
from tests.browser import ARTIFACTS, log_in, needs_chromium
from tests.factories import PASSWORD, CaseFactory, ContactPointFactory
from tests.feeds.conftest import feed_bytes, payment_fields

# live_server needs committed data.
pytestmark = [needs_chromium, pytest.mark.django_db(transaction=True)]


def test_an_inbound_call_found_by_number_ends_in_a_payment_the_bank_confirms(
    live_server, browser_page, collector, team, settings
):
    settings.PHONE_DEFAULT_REGION = "US"
    page, errors = browser_page
    expect = pytest.importorskip("playwright.sync_api").expect
    case = CaseFactory(team=team, assigned_to=collector)
    mobile = ContactPointFactory(debtor=case.debtor, kind="mobile", value="+14155550123")
    yesterday = timezone.localdate() - dt.timedelta(days=1)

    log_in(page, live_server, collector, PASSWORD)
    page.wait_for_url(f"**{reverse('workspace:queue')}")
    page.get_by_role("link", name="Incoming call").click()
    page.fill("#id_number", "(415) 555-0123")
    page.get_by_role("button", name="Find the caller").click()
    match = page.locator(".incoming-match")
    expect(match).to_contain_text(case.debtor.full_name)
    expect(match).to_contain_text("The debtor's own number")

    match.get_by_role("link", name=f"Case #{case.pk}: take the call").click()
    outcome = page.locator("#id_inbound-outcome")
    expect(outcome).to_be_focused()
    outcome.select_option("paid")
    page.locator("#id_inbound-contact_point").select_option(str(mobile.pk))
    page.locator("#id_inbound-disclosure_given").check()
    page.fill("#id_inbound-notes", "Says she paid by transfer yesterday.")
    page.get_by_role("button", name="Log inbound call").click()
    expect(page.locator("#action-feedback")).to_contain_text("Now report the payment below")

    payments = page.locator("#payments")
    amount = payments.locator("#id_payment-amount")
    expect(amount).to_be_focused()  # "Paid" leads on to the payment's report
    amount.fill("150.00")
    payments.locator("#id_payment-method").select_option("transfer")
    payments.locator("#id_payment-paid_on").fill(yesterday.isoformat())
    payments.locator("#id_payment-payer_reference").fill("TRF 2026-0077")
    payments.locator("#payment-form button[type=submit]").click()
    expect(page.locator("#reported-payments tr[data-status=reported]")).to_contain_text("150.00")

    bank_file = feed_bytes(
        [
            payment_fields(
                account_reference=case.account.account_reference,
                amount="150.00",
                received_on=timezone.localdate().isoformat(),
                external_reference="TRF20260077",
            )
        ],
        kind="payments",
    )
    run = feed_import(
        kind="payments", path_or_file=io.BytesIO(bank_file), business_date=timezone.localdate()
    )
    assert run.status == ImportRun.Status.SUCCEEDED

    page.reload()
    expect(page.locator("#reported-payments tr[data-status=confirmed]")).to_contain_text(
        "TRF20260077"
    )
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "collectors-day.png"), full_page=True)
    assert errors == [], errors

    inbound = case.activities.get(direction=Activity.Direction.INBOUND)
    assert (inbound.outcome, inbound.contact_point) == ("paid", mobile)
    assert ComplianceLogEntry.objects.get(activity=inbound).kind == "received"
    assert ReportedPayment.objects.get(case=case).status == ReportedPayment.Status.CONFIRMED
