"""Reporting a payment from the case page: each refusal explained, the report and its
activity recorded, in-house and by agency staff; out of scope is 404."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from accounts.roles import Role
from cases.models import Activity, Case, ReportedPayment
from compliance.models import ComplianceLogEntry
from tests.factories import (
    CaseFactory,
    PaymentFactory,
    PlacementFactory,
    ReportedPaymentFactory,
    UserFactory,
)
from workspace.services import payment_report

pytestmark = pytest.mark.django_db
HTMX = {"HTTP_HX_REQUEST": "true"}
NOW = dt.datetime(2026, 11, 23, 15, 0, tzinfo=dt.UTC)
TODAY = dt.date(2026, 11, 23)


@pytest.fixture
def case(team, make_case):
    return make_case(team=team)


def report(case, user, **overrides):
    fields = {
        "amount": Decimal("150.00"),
        "currency": "USD",
        "method": ReportedPayment.Method.BANK_TRANSFER,
        "payer_reference": "TRF-0001",
        "paid_on": TODAY - dt.timedelta(days=1),
        "notes": "",
    }
    fields.update(overrides)
    return payment_report(case=case, user=user, now=NOW, **fields)


def refusal(case, user, **overrides) -> dict[str, list[str]]:
    with pytest.raises(ValidationError) as refused:
        report(case, user, **overrides)
    assert not ReportedPayment.objects.exists()
    return refused.value.message_dict


# --- The service ----------------------------------------------------------------------------


def test_a_report_is_recorded_with_its_activity_and_no_contact(case, collector):
    reported = report(case, collector, notes="Paid from her salary account.")

    assert reported.status == ReportedPayment.Status.REPORTED
    assert (reported.amount, reported.currency, reported.reference_key) == (
        Decimal("150.00"),
        "USD",
        "TRF0001",
    )
    assert (reported.reported_by, reported.agency, reported.reported_on) == (collector, None, TODAY)
    activity = Activity.objects.get(case=case)
    assert (activity.outcome, activity.channel, activity.direction) == ("paid", "note", "internal")
    assert "150.00 USD" in activity.notes and "TRF-0001" in activity.notes
    assert "salary" in activity.notes
    assert not ComplianceLogEntry.objects.filter(case_id=case.pk).exists()


@pytest.mark.parametrize("amount", [Decimal("0"), Decimal("-5.00")])
def test_the_amount_must_be_above_zero(case, collector, amount):
    assert "more than zero" in refusal(case, collector, amount=amount)["amount"][0]


def test_the_currency_must_be_the_accounts(case, collector):
    message = refusal(case, collector, currency="EUR")["currency"][0]
    assert "USD only" in message


def test_the_method_must_be_known(case, collector):
    assert refusal(case, collector, method="bitcoin")["method"]


def test_the_date_paid_cannot_be_in_the_future(case, collector):
    message = refusal(case, collector, paid_on=TODAY + dt.timedelta(days=1))["paid_on"][0]
    assert "cannot be after today" in message


def test_the_date_paid_cannot_be_absurdly_old(case, collector, settings):
    settings.REPORTED_PAYMENT_MAX_AGE_DAYS = 90
    report(case, collector, paid_on=TODAY - dt.timedelta(days=90), payer_reference="A")
    old = TODAY - dt.timedelta(days=91)
    message = refusal_after_one(case, collector, paid_on=old)["paid_on"][0]
    assert "more than 90 days ago" in message


def refusal_after_one(case, user, **overrides):
    before = ReportedPayment.objects.count()
    with pytest.raises(ValidationError) as refused:
        report(case, user, **overrides)
    assert ReportedPayment.objects.count() == before
    return refused.value.message_dict


@pytest.mark.parametrize("method", ["card_phone", "transfer"])
def test_a_card_payment_or_transfer_needs_the_reference(case, collector, method):
    message = refusal(case, collector, method=method, payer_reference="  ")["payer_reference"][0]
    assert "needs the payer's reference" in message


def test_cash_at_the_agency_needs_no_reference(case, collector):
    reported = report(case, collector, method="cash_agency", payer_reference="")
    assert reported.reference_key == ""


def test_a_card_number_is_refused_as_a_reference(case, collector):
    message = refusal(case, collector, payer_reference="4111 1111 1111 1111")["payer_reference"]
    assert "never stored" in message[0]


def test_the_same_reference_twice_for_the_account_is_refused(case, collector):
    report(case, collector, payer_reference="TRF-0001")
    message = refusal_after_one(case, collector, payer_reference="trf 0001")["payer_reference"]
    assert "already reported for this account" in message[0]


def test_a_closed_case_takes_no_report(team, collector):
    closed = CaseFactory(team=team, status=Case.Status.CURED, closed_at=NOW)
    assert "closed" in refusal(closed, collector)["__all__"][0]


def test_a_report_whose_bank_payment_is_already_in_is_confirmed_at_once(case, collector):
    PaymentFactory(account=case.account, external_reference="TRF0001", received_on=TODAY)
    reported = report(case, collector, payer_reference="trf-0001")
    assert reported.status == ReportedPayment.Status.CONFIRMED


def test_agency_staff_report_for_their_agency(team, agency, agency_collector, make_case):
    placed = PlacementFactory(agency=agency, case=make_case(team=team)).case
    reported = report(placed, agency_collector)
    assert reported.agency == agency
    assert Activity.objects.get(case=placed).agency == agency


# --- The case page --------------------------------------------------------------------------


def form(**overrides) -> dict[str, str]:
    fields = {
        "amount": "150.00",
        "currency": "USD",
        "method": "transfer",
        "payer_reference": "TRF-0001",
        "paid_on": timezone.localdate().isoformat(),
        "notes": "",
    }
    fields.update(overrides)
    return {f"payment-{name}": value for name, value in fields.items()}


def post(client, case: Case, data: dict, **headers):
    return client.post(reverse("workspace:payment", args=[case.pk]), data, **headers)


def test_a_collector_reports_a_payment_from_the_case_page(client, collector, case):
    client.force_login(collector)
    page = client.get(reverse("workspace:detail", args=[case.pk])).content.decode()
    assert 'id="payment-form"' in page

    response = post(client, case, form(), **HTMX)

    assert response.status_code == 200
    text = response.content.decode()
    assert "Payment reported" in text and 'data-status="reported"' in text
    assert ReportedPayment.objects.get().reported_by == collector


def test_a_refused_report_says_why_and_keeps_what_was_typed(client, collector, case):
    client.force_login(collector)
    response = post(client, case, form(currency="eur", payer_reference="MY-REF-9"), **HTMX)

    text = response.content.decode()
    assert response.status_code == 200
    assert "USD only" in text
    assert 'value="MY-REF-9"' in text
    assert not ReportedPayment.objects.exists()


@pytest.mark.parametrize(
    "overrides", [{"amount": "abc"}, {"paid_on": "yesterday"}, {"method": "x"}, {"amount": ""}]
)
def test_nonsense_gets_a_form_error_not_a_crash(client, collector, case, overrides):
    client.force_login(collector)
    response = post(client, case, form(**overrides), **HTMX)
    assert response.status_code == 200
    assert "invalid-feedback" in response.content.decode()
    assert not ReportedPayment.objects.exists()


def test_without_htmx_the_whole_page_answers(client, collector, case):
    client.force_login(collector)
    response = post(client, case, form())
    assert response.status_code == 200
    assert 'id="workspace"' in response.content.decode()
    assert ReportedPayment.objects.exists()


def test_an_agency_collector_reports_on_their_placement(
    client, team, agency, agency_collector, make_case
):
    placed = PlacementFactory(agency=agency, case=make_case(team=team)).case
    client.force_login(agency_collector)
    assert post(client, placed, form(), **HTMX).status_code == 200
    assert ReportedPayment.objects.get().agency == agency


def test_a_case_outside_the_scope_is_404(client, outsider, agency_collector, case):
    for user in (outsider, agency_collector):
        client.force_login(user)
        assert post(client, case, form(), **HTMX).status_code == 404
    assert not ReportedPayment.objects.exists()


def test_the_case_page_shows_reported_and_confirmed_payments_apart(client, collector, case):
    payment = PaymentFactory(account=case.account, external_reference="BANK-REF-1")
    ReportedPaymentFactory(
        case=case,
        status=ReportedPayment.Status.CONFIRMED,
        confirmed_by=payment,
        confirmed_at=NOW,
    )
    ReportedPaymentFactory(case=case, amount=Decimal("70.00"))
    client.force_login(collector)

    page = client.get(reverse("workspace:detail", args=[case.pk])).content.decode()

    assert 'data-status="confirmed"' in page and "BANK-REF-1" in page
    assert 'data-status="reported"' in page
    assert "Reported, awaiting the bank" in page and "Confirmed by the bank" in page


def test_a_case_another_collector_holds_takes_no_report(client, collector, team, case):
    other = UserFactory(username="other", role=Role.COLLECTOR, team=team)
    Case.objects.filter(pk=case.pk).update(
        claimed_by=other, claim_expires_at=timezone.now() + dt.timedelta(minutes=10)
    )
    client.force_login(collector)

    response = post(client, case, form(), **HTMX)

    assert response.status_code == 200
    assert "being worked by someone else" in response.content.decode()
    assert not ReportedPayment.objects.exists()
