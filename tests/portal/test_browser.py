"""The debtor on a 360 px phone, in a real browser (Chromium, driven by Playwright): an SMS's
link, the identity questions, the debt in Simplified Chinese, a promise to pay; the whole way
from the link to a plan and a payment through the provider, which the case then shows its staff
step by step. No horizontal scrolling on any page, and nothing breaks the
Content-Security-Policy. Screenshots are kept in test-artifacts/portal/."""

from __future__ import annotations

import datetime as dt
import json
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from agreements.models import RepaymentPlan
from cases.models import Activity, PromiseToPay, ReportedPayment, StageEntry, Strategy
from common.days import business_day_of
from compliance.engine import PORTAL_ACTION
from compliance.models import ComplianceLogEntry
from pipeline.messaging import messages_claim_batch, messages_send_claimed
from pipeline.models import OutboundMessage
from portal.access import portal_link_path
from portal.models import OnlinePayment, PortalVisit
from tests.browser import ARTIFACTS, log_in, needs_chromium
from tests.factories import PASSWORD
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


def sms_sent_with_its_link(case, settings, tmp_path) -> tuple[OutboundMessage, str]:
    """The ladder's first SMS to the case, dispatched an hour ago (inside the contact hours of
    the debtor's zone); the message and the link its text carries."""
    settings.SMS_BACKEND = "pipeline.channels.FileSMSBackend"
    settings.SMS_FILE_PATH = str(tmp_path / "sms.jsonl")
    sent_at = timezone.now().replace(hour=12, minute=0) - dt.timedelta(days=1)
    stage = Strategy.objects.get(is_default=True).stages.order_by("position").first()
    entry = StageEntry.objects.create(
        case=case, stage=stage, entered_on=sent_at.date(), entered_at=sent_at, days_past_due=5
    )
    message = OutboundMessage.objects.create(
        case=case,
        stage_entry=entry,
        channel="sms",
        contact_point=case.debtor.contact_points.get(kind="mobile"),
    )
    ids = messages_claim_batch(now=sent_at, slot=0, limit=10)
    messages_send_claimed(ids=ids, slot=0, now=sent_at)
    message.refresh_from_db()
    assert message.status == OutboundMessage.Status.SENT, message.last_error
    [text] = [
        json.loads(line)["body"] for line in (tmp_path / "sms.jsonl").read_text().splitlines()
    ]
    [link] = re.findall(r"https?://\S+/portal/l/\S+/", text)
    return message, link


def test_a_debtor_follows_the_link_sees_the_debt_in_chinese_agrees_a_plan_and_pays(
    live_server, browser_page, case, supervisor, settings, tmp_path
):
    page, errors = browser_page
    expect = pytest.importorskip("playwright.sync_api").expect
    case.debtor.language = "zh"
    case.debtor.save()
    shots = ARTIFACTS / "portal"
    shots.mkdir(parents=True, exist_ok=True)
    page.set_viewport_size(PHONE)

    def shot(name: str) -> None:
        assert no_horizontal_scroll(page), name
        page.screenshot(path=shots / f"flow-{name}.png", full_page=True)

    # The SMS's link, and who they are.
    settings.PORTAL_BASE_URL = live_server.url
    sms, link = sms_sent_with_its_link(case, settings, tmp_path)
    page.goto(link)
    expect(page.locator("#id_birth_date")).to_be_visible()
    shot("1-verify")
    page.fill("#id_birth_date", BIRTH_DATE.isoformat())
    page.fill("#id_national_id_last4", "1234")
    page.locator("#identity button[type=submit]").click()

    # The debt, in their language.
    expect(page.locator("h2#debt-title")).to_have_text("您的欠款")
    expect(page.locator("#balance")).to_have_text("US$1,200.00")
    expect(page.locator("html")).to_have_attribute("lang", "zh-hans")
    shot("2-account")

    # Six monthly instalments are within the policy's plan rules: agreed at once.
    first_due = business_day_of(timezone.now()) + dt.timedelta(days=7)
    page.fill("#id_plan-instalment_count", "6")
    page.select_option("#id_plan-frequency", "monthly")
    page.fill("#id_plan-first_due_date", first_due.isoformat())
    page.locator("#plan button[type=submit]").click()
    expect(page.locator("main h1")).to_have_text("还款计划确认函")
    expect(page.locator(".portal-letter")).to_contain_text("US$200.00")
    shot("3-plan-letter")
    page.locator("main a", has_text="返回您的账户").click()
    expect(page.locator("#plans")).to_contain_text("US$1,200.00")

    # The first instalment, paid through the provider's page.
    page.fill("#id_payment-amount", "200.00")
    page.locator("#pay button[type=submit]").click()
    expect(page.locator("main h1")).to_contain_text("US$200.00")
    shot("4-provider")
    page.locator("main button[value=paid]").click()
    expect(page.locator(".alert-success")).to_contain_text("已收到您的付款")
    expect(page.locator("#history")).to_contain_text("US$200.00 · 等待银行确认")
    shot("5-paid")
    page.locator("header form[action$='/sign-out/'] button").click()
    expect(page.locator(".alert-info")).to_have_text("您已退出自助服务。")
    shot("6-signed-out")

    # The case shows its staff each step, in order.
    plan = RepaymentPlan.objects.get(case=case)
    payment = OnlinePayment.objects.get(case=case)
    assert (plan.status, plan.instalment_count, plan.first_due_date) == (
        RepaymentPlan.Status.ACTIVE,
        6,
        first_due,
    )
    assert (payment.status, payment.amount) == (OnlinePayment.Status.PAID, 200)
    assert payment.reported_payment.status == ReportedPayment.Status.REPORTED
    steps = list(
        Activity.objects.filter(case=case, channel=Activity.Channel.PORTAL)
        .order_by("occurred_at", "pk")
        .values_list("direction", "actor", "outcome")
    )
    inbound = Activity.Direction.INBOUND
    assert steps == [
        (inbound, None, Activity.Outcome.NOTE),
        (inbound, None, Activity.Outcome.PROMISE),
        (inbound, None, Activity.Outcome.PAID),
    ]
    logged = ComplianceLogEntry.objects.filter(case_id=case.pk, action=PORTAL_ACTION)
    assert logged.count() == len(steps)
    [visit] = PortalVisit.objects.filter(case=case)
    assert visit.message_id == sms.pk and visit.verified_at is not None

    # The team's supervisor, at a desk: another device.
    page.context.clear_cookies()
    page.set_viewport_size({"width": 1280, "height": 900})
    log_in(page, live_server, supervisor, PASSWORD)
    page.goto(live_server.url + reverse("workspace:detail", args=[case.pk]))
    history = page.locator("#history")
    expect(history).to_contain_text("Identity proven on the portal.")
    expect(history).to_contain_text(f"Repayment plan #{plan.pk} agreed on the portal")
    expect(history).to_contain_text("Paid on the portal: 200.00 USD")
    history.screenshot(path=shots / "flow-7-case-history.png")
    assert errors == [], errors
