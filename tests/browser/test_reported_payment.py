"""A collector reports a payment in a real browser (Chromium, driven by Playwright); the bank's
payments file comes in; the case page shows the payment confirmed.

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
from feeds.importer import feed_import
from feeds.models import ImportRun
from tests.browser import ARTIFACTS, log_in, needs_chromium
from tests.factories import PASSWORD, CaseFactory
from tests.feeds.conftest import feed_bytes, payment_fields

# live_server needs committed data.
pytestmark = [needs_chromium, pytest.mark.django_db(transaction=True)]


def test_a_reported_payment_shows_confirmed_once_the_bank_file_is_in(
    live_server, browser_page, collector, team
):
    page, errors = browser_page
    case = CaseFactory(team=team, assigned_to=collector)
    expect = pytest.importorskip("playwright.sync_api").expect
    yesterday = timezone.localdate() - dt.timedelta(days=1)

    log_in(page, live_server, collector, PASSWORD)
    page.wait_for_url(f"**{reverse('workspace:queue')}")
    page.goto(live_server.url + reverse("workspace:detail", args=[case.pk]))

    payments = page.locator("#payments")
    expect(payments.locator("#id_payment-currency")).to_have_value("USD")
    payments.locator("#id_payment-amount").fill("150.00")
    payments.locator("#id_payment-method").select_option("transfer")
    payments.locator("#id_payment-paid_on").fill(yesterday.isoformat())
    payments.locator("#payment-form button[type=submit]").click()
    # No reference for a transfer: refused, with the reason, and the amount kept.
    expect(page.locator("#payments")).to_contain_text("needs the payer's reference")
    expect(page.locator("#id_payment-amount")).to_have_value("150.00")

    page.locator("#id_payment-payer_reference").fill("TRF 2026-0042")
    page.locator("#payment-form button[type=submit]").click()
    expect(page.locator("#payment-feedback")).to_contain_text("Payment reported")
    expect(page.locator("#reported-payments tr[data-status=reported]")).to_contain_text("150.00")

    report = ReportedPayment.objects.get(case=case)
    assert report.status == ReportedPayment.Status.REPORTED
    assert case.activities.get().outcome == Activity.Outcome.PAID

    bank_file = feed_bytes(
        [
            payment_fields(
                account_reference=case.account.account_reference,
                amount="150.00",
                received_on=timezone.localdate().isoformat(),
                external_reference="TRF20260042",
            )
        ],
        kind="payments",
    )
    run = feed_import(
        kind="payments", path_or_file=io.BytesIO(bank_file), business_date=timezone.localdate()
    )
    assert run.status == ImportRun.Status.SUCCEEDED

    page.reload()
    confirmed = page.locator("#reported-payments tr[data-status=confirmed]")
    expect(confirmed).to_contain_text("Confirmed by the bank")
    expect(confirmed).to_contain_text("TRF20260042")
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "reported-payment.png"), full_page=True)

    assert errors == [], errors
    report.refresh_from_db()
    assert report.status == ReportedPayment.Status.CONFIRMED
