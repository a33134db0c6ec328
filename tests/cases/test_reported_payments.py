"""The payments feed confirms reported payments: by reference, else by amount within the
window; once; one bank payment for one report. The night flags the ones left unconfirmed."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.db import IntegrityError

from cases.models import ReportedPayment, Strategy
from cases.services import reported_payments_confirm, reported_payments_flag_unconfirmed
from feeds.importer import feed_import
from feeds.models import ImportRun
from tests.factories import CaseFactory, PaymentFactory, ReportedPaymentFactory
from tests.feeds.conftest import feed_bytes, payment_fields

pytestmark = pytest.mark.django_db
Status = ReportedPayment.Status
BUSINESS_DATE = dt.date(2026, 11, 27)
NOW = dt.datetime(2026, 11, 27, 3, 0, tzinfo=dt.UTC)


@pytest.fixture
def case(team):
    return CaseFactory(team=team)


def import_payments(*rows: dict[str, str]) -> ImportRun:
    run = feed_import(
        kind="payments",
        path_or_file=io.BytesIO(feed_bytes(list(rows), kind="payments")),
        business_date=BUSINESS_DATE,
    )
    assert run.status == ImportRun.Status.SUCCEEDED, run.message
    return run


def bank_payment(case, n: int = 1, **overrides: str) -> dict[str, str]:
    return payment_fields(n, account_reference=case.account.account_reference, **overrides)


def test_a_bank_payment_quoting_the_reported_reference_confirms_it(case):
    report = ReportedPaymentFactory(case=case, payer_reference="trf-2026 0001", amount="80.00")

    import_payments(bank_payment(case, external_reference="TRF20260001", amount="75.00"))

    report.refresh_from_db()
    assert report.status == Status.CONFIRMED
    assert report.confirmed_by.external_reference == "TRF20260001"
    assert report.confirmed_at is not None


def test_a_payment_of_the_same_amount_within_the_window_confirms_it(case, settings):
    settings.REPORTED_PAYMENT_MATCH_DAYS = 5
    report = ReportedPaymentFactory(case=case, paid_on=dt.date(2026, 11, 20), amount="150.00")

    import_payments(bank_payment(case, amount="150.00", received_on="2026-11-25"))

    report.refresh_from_db()
    assert report.status == Status.CONFIRMED


@pytest.mark.parametrize(
    "overrides",
    [
        {"received_on": "2026-11-26"},  # six days after: outside the window
        {"received_on": "2026-11-14"},  # six days before
        {"amount": "150.01"},
    ],
)
def test_a_payment_outside_the_window_or_of_another_amount_confirms_nothing(
    case, settings, overrides
):
    settings.REPORTED_PAYMENT_MATCH_DAYS = 5
    report = ReportedPaymentFactory(case=case, paid_on=dt.date(2026, 11, 20), amount="150.00")

    import_payments(bank_payment(case, **{"amount": "150.00", **overrides}))

    report.refresh_from_db()
    assert report.status == Status.REPORTED
    assert report.confirmed_by is None


def test_a_payment_on_another_account_confirms_nothing(case, team):
    report = ReportedPaymentFactory(case=case, payer_reference="REF-1", amount="150.00")
    other = CaseFactory(team=team)

    import_payments(bank_payment(other, external_reference="REF-1", amount="150.00"))

    report.refresh_from_db()
    assert report.status == Status.REPORTED


def test_importing_the_same_file_twice_confirms_nothing_twice(case):
    report = ReportedPaymentFactory(case=case, amount="150.00", paid_on=dt.date(2026, 11, 20))
    rows = [bank_payment(case, 1, amount="150.00"), bank_payment(case, 2, amount="150.00")]

    import_payments(*rows)
    report.refresh_from_db()
    first = (report.status, report.confirmed_by_id, report.confirmed_at)
    import_payments(*rows)
    report.refresh_from_db()

    assert first[0] == Status.CONFIRMED
    assert (report.status, report.confirmed_by_id, report.confirmed_at) == first
    assert ReportedPayment.objects.filter(status=Status.CONFIRMED).count() == 1
    assert reported_payments_confirm(now=NOW) == 0


def test_one_bank_payment_confirms_one_reported_payment(case):
    earlier = ReportedPaymentFactory(case=case, amount="150.00", paid_on=dt.date(2026, 11, 19))
    later = ReportedPaymentFactory(case=case, amount="150.00", paid_on=dt.date(2026, 11, 20))

    import_payments(bank_payment(case, 1, amount="150.00", received_on="2026-11-20"))
    earlier.refresh_from_db()
    later.refresh_from_db()
    assert (earlier.status, later.status) == (Status.CONFIRMED, Status.REPORTED)

    import_payments(bank_payment(case, 2, amount="150.00", received_on="2026-11-21"))
    later.refresh_from_db()
    assert later.status == Status.CONFIRMED
    assert later.confirmed_by_id != earlier.confirmed_by_id


def test_a_reference_match_wins_over_an_amount_match(case):
    by_amount = ReportedPaymentFactory(
        case=case, method="cash_agency", payer_reference="", amount="150.00"
    )
    by_reference = ReportedPaymentFactory(case=case, payer_reference="BANK-77", amount="150.00")

    import_payments(bank_payment(case, external_reference="BANK-77", amount="150.00"))

    by_amount.refresh_from_db()
    by_reference.refresh_from_db()
    assert by_reference.status == Status.CONFIRMED
    assert by_amount.status == Status.REPORTED


def test_the_database_refuses_one_payment_confirming_two_reports(case):
    payment = PaymentFactory(account=case.account)
    confirmed = {"status": Status.CONFIRMED, "confirmed_by": payment, "confirmed_at": NOW}
    ReportedPaymentFactory(case=case, **confirmed)
    with pytest.raises(IntegrityError):
        ReportedPaymentFactory(case=case, **confirmed)


def test_the_database_refuses_a_reference_reported_twice_for_an_account(case):
    ReportedPaymentFactory(case=case, payer_reference="ABC-1")
    with pytest.raises(IntegrityError):
        ReportedPaymentFactory(case=case, payer_reference="abc 1")


# --- Flagged after the strategy's days ------------------------------------------------------


def test_a_report_unconfirmed_after_the_strategys_days_is_flagged_once(case):
    Strategy.objects.filter(pk=case.strategy_id).update(unconfirmed_payment_days=7)
    report = ReportedPaymentFactory(case=case, reported_on=dt.date(2026, 11, 20))

    assert reported_payments_flag_unconfirmed(business_date=dt.date(2026, 11, 26)) == 0
    report.refresh_from_db()
    assert report.status == Status.REPORTED

    assert reported_payments_flag_unconfirmed(business_date=dt.date(2026, 11, 27)) == 1
    assert reported_payments_flag_unconfirmed(business_date=dt.date(2026, 11, 27)) == 0
    report.refresh_from_db()
    assert (report.status, report.flagged_on) == (Status.FLAGGED, dt.date(2026, 11, 27))


def test_each_strategy_waits_its_own_days(case, team):
    quick = Strategy.objects.create(name="Quick", unconfirmed_payment_days=2)
    quick_case = CaseFactory(team=team, strategy=quick)
    waiting = ReportedPaymentFactory(case=case, reported_on=dt.date(2026, 11, 20))
    flagged = ReportedPaymentFactory(case=quick_case, reported_on=dt.date(2026, 11, 20))

    reported_payments_flag_unconfirmed(business_date=dt.date(2026, 11, 22))

    assert ReportedPayment.objects.get(pk=waiting.pk).status == Status.REPORTED
    assert ReportedPayment.objects.get(pk=flagged.pk).status == Status.FLAGGED


def test_confirmed_reports_are_never_flagged(case):
    payment = PaymentFactory(account=case.account)
    report = ReportedPaymentFactory(
        case=case, status=Status.CONFIRMED, confirmed_by=payment, confirmed_at=NOW
    )
    reported_payments_flag_unconfirmed(business_date=dt.date(2027, 1, 1))
    report.refresh_from_db()
    assert report.status == Status.CONFIRMED


def test_a_later_feed_still_confirms_a_flagged_report(case):
    report = ReportedPaymentFactory(
        case=case, status=Status.FLAGGED, flagged_on=dt.date(2026, 11, 27), amount="150.00"
    )
    import_payments(bank_payment(case, amount="150.00", received_on="2026-11-21"))
    report.refresh_from_db()
    assert report.status == Status.CONFIRMED
    assert report.flagged_on == dt.date(2026, 11, 27)  # the history stays


def test_reference_keys_ignore_case_and_separators():
    assert ReportedPayment.key_of(" ab-12/34.5_6 7 ") == "AB1234567"
