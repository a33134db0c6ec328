"""Paying on the portal: the provider's page, its signed notice, the report awaiting the bank."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal

import pytest
from django.utils import timezone

from cases.models import Activity, Case, ReportedPayment
from compliance.models import ComplianceLogEntry
from portal.models import OnlinePayment
from portal.providers import SIGNATURE_HEADER, payment_provider

pytestmark = pytest.mark.django_db

NOTICE_URL = "/portal/payments/notice/"


def start_payment(client, amount: str = "150.00") -> OnlinePayment:
    response = client.post("/portal/account/pay/", {"payment-amount": amount})
    assert response.status_code == 302
    payment = OnlinePayment.objects.latest("pk")
    assert response.url == f"/portal/payments/fake-provider/{payment.reference}/"
    return payment


def send_notice(
    client, payment: OnlinePayment, *, status: str = "paid", signature=None, sent_at=None, **fields
):
    body, good_signature = payment_provider().notice(
        reference=fields.get("reference", payment.reference),
        status=status,
        amount=fields.get("amount", payment.amount),
        currency=fields.get("currency", payment.currency),
        sent_at=sent_at or timezone.now(),
    )
    return client.post(
        NOTICE_URL,
        body,
        content_type="application/json",
        headers={SIGNATURE_HEADER: good_signature if signature is None else signature},
    )


def test_paying_through_the_fake_provider_reports_the_payment(signed_in, case):
    payment = start_payment(signed_in)
    page = signed_in.get(f"/portal/payments/fake-provider/{payment.reference}/")
    assert "no money is taken" in page.content.decode()
    response = signed_in.post(
        f"/portal/payments/fake-provider/{payment.reference}/", {"outcome": "paid"}, follow=True
    )
    assert "awaiting the bank" in response.content.decode()
    payment.refresh_from_db()
    report = payment.reported_payment
    assert payment.status == OnlinePayment.Status.PAID
    assert (report.status, report.method, report.amount, report.reported_by) == (
        ReportedPayment.Status.REPORTED,
        ReportedPayment.Method.ONLINE,
        Decimal("150.00"),
        None,
    )
    activity = Activity.objects.get(case=case, channel="portal", outcome="paid")
    assert ComplianceLogEntry.objects.get(activity=activity).action == "portal_action"


def test_a_signed_notice_reports_the_payment_and_a_replay_changes_nothing(client, signed_in, case):
    payment = start_payment(signed_in)
    assert send_notice(client, payment).status_code == 200
    assert send_notice(client, payment).status_code == 200
    assert ReportedPayment.objects.filter(case=case).count() == 1
    assert Activity.objects.filter(case=case, channel="portal", outcome="paid").count() == 1


def test_a_notice_with_a_bad_signature_is_refused(client, signed_in, case):
    payment = start_payment(signed_in)
    assert send_notice(client, payment, signature="0" * 64).status_code == 403
    assert send_notice(client, payment, signature="").status_code == 403
    payment.refresh_from_db()
    assert payment.status == OnlinePayment.Status.STARTED
    assert not ReportedPayment.objects.filter(case=case).exists()


def test_a_notice_played_again_late_or_sent_from_the_future_is_refused(client, signed_in, case):
    payment = start_payment(signed_in)
    late = timezone.now() - dt.timedelta(seconds=330)
    early = timezone.now() + dt.timedelta(seconds=330)
    assert send_notice(client, payment, sent_at=late).status_code == 403
    assert send_notice(client, payment, sent_at=early).status_code == 403
    payment.refresh_from_db()
    assert payment.status == OnlinePayment.Status.STARTED
    recent = timezone.now() - dt.timedelta(seconds=270)
    assert send_notice(client, payment, sent_at=recent).status_code == 200
    assert ReportedPayment.objects.filter(case=case).count() == 1


def test_a_signed_notice_without_its_time_is_refused(client, signed_in):
    payment = start_payment(signed_in)
    body = json.dumps(
        {"reference": payment.reference, "status": "paid", "amount": "50.00", "currency": "USD"}
    ).encode()
    response = client.post(
        NOTICE_URL,
        body,
        content_type="application/json",
        headers={SIGNATURE_HEADER: payment_provider().sign(body)},
    )
    assert response.status_code == 400


def test_a_tampered_notice_is_refused(client, signed_in):
    payment = start_payment(signed_in)
    body, signature = payment_provider().notice(
        reference=payment.reference,
        status="paid",
        amount=payment.amount,
        currency="USD",
        sent_at=timezone.now(),
    )
    tampered = json.dumps({**json.loads(body), "amount": "1.00"}).encode()
    response = client.post(
        NOTICE_URL, tampered, content_type="application/json", headers={SIGNATURE_HEADER: signature}
    )
    assert response.status_code == 403


def test_a_genuine_notice_that_does_not_match_the_payment_is_refused(client, signed_in):
    payment = start_payment(signed_in)
    assert send_notice(client, payment, amount=Decimal("1.00")).status_code == 400
    assert send_notice(client, payment, reference="PPNOSUCH").status_code == 400
    payment.refresh_from_db()
    assert payment.status == OnlinePayment.Status.STARTED


def test_a_failed_payment_reports_nothing(client, signed_in, case):
    payment = start_payment(signed_in)
    assert send_notice(client, payment, status="failed").status_code == 200
    payment.refresh_from_db()
    assert payment.status == OnlinePayment.Status.FAILED
    assert send_notice(client, payment).status_code == 200  # too late: it failed
    assert not ReportedPayment.objects.filter(case=case).exists()


def test_more_than_the_balance_cannot_be_paid(signed_in):
    response = signed_in.post("/portal/account/pay/", {"payment-amount": "5000"})
    assert response.status_code == 400
    assert not OnlinePayment.objects.exists()


def test_the_fake_provider_is_not_there_with_a_real_one(signed_in, settings):
    payment = start_payment(signed_in)
    settings.PAYMENT_PROVIDER = "portal.providers.PaymentProvider"
    assert signed_in.get(f"/portal/payments/fake-provider/{payment.reference}/").status_code == 404


def test_a_payment_the_case_can_no_longer_take_is_not_recorded(signed_in, case):
    payment = start_payment(signed_in)
    Case.objects.filter(pk=case.pk).update(status=Case.Status.CLOSED, closed_at=case.opened_at)
    response = signed_in.post(
        f"/portal/payments/fake-provider/{payment.reference}/", {"outcome": "paid"}, follow=True
    )
    assert "could not be recorded" in response.content.decode()
    payment.refresh_from_db()
    assert payment.status == OnlinePayment.Status.STARTED
