"""The import service: idempotent, resumable after a crash, counts that add up, no card data."""

from __future__ import annotations

import datetime as dt
import io
import sys
import threading
from decimal import Decimal

import pytest
from django.core import serializers
from django.db import connection

from cases.models import CardAccount, Case, ContactPoint, Debtor, Payment
from cases.selectors import cases_visible_to
from feeds.importer import IMPORT_SWITCH_INTERVAL, feed_import
from feeds.models import ImportRejectedRow, ImportRun
from pipeline.services import pipeline_run_day
from tests.factories import CaseFactory
from tests.feeds.conftest import (
    BUSINESS_DATE,
    account_fields,
    accounts_feed,
    csv_line,
    feed_bytes,
    payment_fields,
)

pytestmark = pytest.mark.django_db

FULL_PAN = "4111111111111111"


class Crash(Exception):
    pass


def import_accounts(path, **options) -> ImportRun:
    return feed_import(kind="accounts", path_or_file=path, business_date=BUSINESS_DATE, **options)


def counts(run: ImportRun) -> tuple[int, int, int, int, int]:
    return (run.rows_read, run.inserted, run.updated, run.unchanged, run.rejected)


def test_an_accounts_feed_creates_debtors_accounts_and_contact_points(write_feed):
    run = import_accounts(write_feed(accounts_feed(3, home_phone="+15559990000")))

    assert counts(run) == (3, 3, 0, 0, 0)
    account = CardAccount.objects.select_related("debtor").get(account_reference="ACC-000002")
    assert account.balance == Decimal("1200.50")
    assert account.oldest_unpaid_due_date == dt.date(2026, 10, 15)
    assert account.debtor.full_name == "Debtor 2"
    assert account.debtor.national_id_last4 == "0002"
    kinds = set(account.debtor.contact_points.values_list("kind", "value", "sms_consent"))
    assert ("mobile", "+15550000002", True) in kinds
    assert {kind for kind, _, _ in kinds} == {"mobile", "home", "email", "postal"}
    assert run.checksum and len(run.checksum) == 64


@pytest.mark.parametrize("chunk_size", [20_000, 1], ids=["one chunk", "a chunk per row"])
def test_a_new_debtor_with_two_accounts_gets_each_contact_point_once(write_feed, chunk_size):
    """In one chunk the debtor is new for both rows; split, the second row finds it."""
    shared = {"national_id": "NID-SHARED-1", "mobile": "+15550000001"}
    feed = feed_bytes(
        [
            account_fields(1, **shared, full_name="Ann Old", email="", sms_consent="no"),
            account_fields(2, **shared, full_name="Ann New", email="ann@example.com"),
        ]
    )
    run = import_accounts(write_feed(feed), chunk_size=chunk_size)

    assert counts(run) == (2, 2, 0, 0, 0)
    debtor = Debtor.objects.get()
    assert debtor.full_name == "Ann New"  # the file's last row for the debtor wins
    assert debtor.accounts.count() == 2
    points = sorted(debtor.contact_points.values_list("kind", "value", "sms_consent"))
    assert points == [
        ("email", "ann@example.com", False),
        ("mobile", "+15550000001", True),
        ("postal", "1 Main Street, Springfield", False),
        ("postal", "2 Main Street, Springfield", False),
    ]


def test_importing_the_same_file_again_changes_nothing(write_feed):
    path = write_feed(accounts_feed(5))
    import_accounts(path, chunk_size=2)
    before = serializers.serialize("json", CardAccount.objects.order_by("pk"))

    again = import_accounts(path, chunk_size=2)

    assert counts(again) == (5, 0, 0, 5, 0)
    assert serializers.serialize("json", CardAccount.objects.order_by("pk")) == before
    assert (Debtor.objects.count(), ContactPoint.objects.count()) == (5, 15)


def test_a_changed_balance_counts_as_updated(write_feed):
    import_accounts(write_feed(accounts_feed(3)))
    rows = [account_fields(1), account_fields(2, balance="10.00"), account_fields(3)]

    run = import_accounts(write_feed(feed_bytes(rows), "day2.csv"))

    assert counts(run) == (3, 0, 1, 2, 0)
    assert CardAccount.objects.get(account_reference="ACC-000002").balance == Decimal("10.00")


def test_a_new_mobile_number_is_added_and_the_old_one_kept(write_feed):
    import_accounts(write_feed(accounts_feed(1)))
    run = import_accounts(write_feed(accounts_feed(1, mobile="+15557770000"), "day2.csv"))

    assert run.updated == 1
    assert set(ContactPoint.objects.filter(kind="mobile").values_list("value", flat=True)) == {
        "+15550000001",
        "+15557770000",
    }


def test_a_file_killed_half_way_completes_without_duplicates_when_imported_again(write_feed):
    path = write_feed(accounts_feed(7))

    def crash_after_two_chunks(chunk_number: int) -> None:
        if chunk_number == 2:
            raise Crash

    with pytest.raises(Crash):
        import_accounts(path, chunk_size=2, after_chunk=crash_after_two_chunks)
    crashed = ImportRun.objects.get()
    assert crashed.status == ImportRun.Status.FAILED
    assert CardAccount.objects.count() == 4

    rerun = import_accounts(path, chunk_size=2)

    assert counts(rerun) == (7, 3, 0, 4, 0)
    assert CardAccount.objects.count() == 7
    assert Debtor.objects.count() == 7
    assert ContactPoint.objects.count() == 21


def test_the_counts_add_up_to_the_rows_read(write_feed):
    rows = [
        account_fields(1),
        account_fields(2, currency="??"),
        account_fields(3),
        account_fields(1),
        account_fields(4, card_number_last4=FULL_PAN),
        account_fields(5, balance="abc"),
    ]
    import_accounts(write_feed(feed_bytes([account_fields(3, balance="1.00")]), "first.csv"))

    run = import_accounts(write_feed(feed_bytes(rows)), chunk_size=4)

    assert counts(run) == (6, 1, 1, 0, 4)
    assert run.rows_read == run.inserted + run.updated + run.unchanged + run.rejected
    assert run.rejected_rows.count() == run.rejected


def test_neither_a_full_card_number_nor_a_raw_national_id_is_stored_anywhere(write_feed):
    rows = [
        account_fields(1, national_id="AB-123-456-789"),
        account_fields(2, card_number_last4=FULL_PAN, national_id="CD-987-654-321"),
        account_fields(3, card_number_last4="4111-1111-1111-1111"),
        account_fields(4, full_name=f"Card {FULL_PAN}"),
    ]
    run = import_accounts(write_feed(feed_bytes(rows)))
    assert run.rejected == 3

    stored = "".join(
        serializers.serialize("json", model.objects.all())
        for model in (ImportRun, ImportRejectedRow, Debtor, CardAccount, ContactPoint)
    )
    for secret in (FULL_PAN, "4111-1111-1111-1111", "AB123456789", "AB-123-456-789", "CD-987"):
        assert secret not in stored
    assert "••••1111" in stored  # the rejected row keeps the last four only


def test_the_feed_never_clears_what_collectors_learned_about_a_contact_point(write_feed):
    import_accounts(write_feed(accounts_feed(1)))
    mobile = ContactPoint.objects.get(kind="mobile")
    ContactPoint.objects.filter(pk=mobile.pk).update(
        invalid=True, opted_out=True, do_not_contact=True, verified=True
    )

    run = import_accounts(write_feed(accounts_feed(1, sms_consent="no"), "day2.csv"))

    assert run.updated == 1
    mobile.refresh_from_db()
    assert (mobile.invalid, mobile.opted_out, mobile.do_not_contact, mobile.verified) == (
        True,
        True,
        True,
        True,
    )
    assert mobile.sms_consent is False  # the bank's consent is the bank's to change


def test_a_dry_run_counts_but_writes_nothing(write_feed):
    run = import_accounts(write_feed(accounts_feed(3)), dry_run=True)

    assert run.status == ImportRun.Status.PREVIEWED
    assert counts(run) == (3, 3, 0, 0, 0)
    assert not CardAccount.objects.exists()
    assert not Debtor.objects.exists()


def test_imported_accounts_get_cases_after_the_next_pipeline_run(write_feed, collector):
    import_accounts(write_feed(accounts_feed(2)))
    current = feed_bytes([account_fields(3, oldest_unpaid_due_date="", balance="0.00")])
    import_accounts(write_feed(current, "current.csv"))

    pipeline_run_day(
        business_date=BUSINESS_DATE, now=dt.datetime(2026, 11, 23, 2, 0, tzinfo=dt.UTC)
    )

    opened = set(Case.objects.values_list("account__account_reference", flat=True))
    assert opened == {"ACC-000001", "ACC-000002"}
    assert cases_visible_to(collector).count() == 2


def test_a_payments_feed_records_each_payment_once(write_feed):
    import_accounts(write_feed(accounts_feed(2)))
    rows = [payment_fields(1), payment_fields(2, account_reference="ACC-000002", amount="9.99")]
    path = write_feed(feed_bytes(rows, kind="payments"), "payments.csv")

    first = feed_import(kind="payments", path_or_file=path, business_date=BUSINESS_DATE)
    second = feed_import(kind="payments", path_or_file=path, business_date=BUSINESS_DATE)

    assert counts(first) == (2, 2, 0, 0, 0)
    assert counts(second) == (2, 0, 0, 2, 0)
    payment = Payment.objects.get(external_reference="PAY-000002")
    assert (payment.amount, payment.source) == (Decimal("9.99"), Payment.Source.BANK_FEED)


def test_a_payment_goes_to_the_accounts_open_case_and_never_to_a_closed_one(write_feed):
    import_accounts(write_feed(accounts_feed(2)))
    first, second = CardAccount.objects.order_by("account_reference")
    closed_at = dt.datetime(2026, 11, 1, tzinfo=dt.UTC)
    for status in Case.CLOSED_STATUSES:
        written_off = (
            {"written_off_on": closed_at.date(), "written_off_amount": 100}
            if status == Case.Status.WRITTEN_OFF
            else {}
        )
        CaseFactory(account=first, status=status, closed_at=closed_at, **written_off)
        CaseFactory(account=second, status=status, closed_at=closed_at, **written_off)
    open_case = CaseFactory(account=first)
    rows = [payment_fields(1), payment_fields(2, account_reference="ACC-000002")]

    feed_import(
        kind="payments",
        path_or_file=write_feed(feed_bytes(rows, kind="payments"), "payments.csv"),
        business_date=BUSINESS_DATE,
    )

    cases = dict(Payment.objects.values_list("account__account_reference", "case"))
    assert cases == {"ACC-000001": open_case.pk, "ACC-000002": None}


def test_a_payment_reference_reused_for_another_amount_is_rejected(write_feed):
    import_accounts(write_feed(accounts_feed(1)))
    first = feed_bytes([payment_fields(1)], kind="payments")
    feed_import(
        kind="payments", path_or_file=write_feed(first, "p1.csv"), business_date=BUSINESS_DATE
    )
    changed = feed_bytes([payment_fields(1, amount="1.00")], kind="payments")

    run = feed_import(
        kind="payments", path_or_file=write_feed(changed, "p2.csv"), business_date=BUSINESS_DATE
    )

    assert run.rejected == 1
    assert "already recorded" in run.rejected_rows.get().reason
    assert Payment.objects.get().amount == Decimal("150.00")


def reader_threads() -> list[threading.Thread]:
    return [thread for thread in threading.enumerate() if thread.name == "feed-reader"]


def test_a_crash_while_merging_leaves_no_reader_thread_behind(write_feed):
    def crash(chunk_number: int) -> None:
        raise Crash

    with pytest.raises(Crash):
        import_accounts(write_feed(accounts_feed(9)), chunk_size=2, after_chunk=crash)

    assert reader_threads() == []


class FailsOnSecondReading(io.BytesIO):
    """A file that can be read once (the checksum pass) and then breaks halfway."""

    def __init__(self, content: bytes):
        super().__init__(content)
        self.passes = 0

    def seek(self, *args):
        self.passes += 1
        return super().seek(*args)

    def read(self, size=-1):
        if self.passes > 2 and self.tell() > 100:
            raise OSError("the disk went away")
        return super().read(size)

    def read1(self, size=-1):
        return self.read(size)

    def readinto(self, buffer):
        data = self.read(len(buffer))
        buffer[: len(data)] = data
        return len(data)


def test_an_error_while_reading_the_rows_fails_the_run_and_stops_the_reader():
    upload = FailsOnSecondReading(accounts_feed(500))

    with pytest.raises(OSError, match="the disk went away"):
        import_accounts(upload, chunk_size=50)

    run = ImportRun.objects.get()
    assert run.status == ImportRun.Status.FAILED
    assert "the disk went away" in run.message
    assert reader_threads() == []


def test_a_duplicate_found_in_a_later_chunk_is_kept_with_its_row_as_read(write_feed):
    rows = [
        account_fields(1),
        account_fields(2),
        account_fields(3),
        account_fields(1, balance="99.00", full_name="Smith, Anne"),
    ]

    run = import_accounts(write_feed(feed_bytes(rows)), chunk_size=2)

    rejected = run.rejected_rows.get()
    assert (rejected.line_number, rejected.reason) == (
        5,
        "duplicate account_reference in this file (first on line 2)",
    )
    masked = account_fields(1, balance="99.00", full_name="Smith, Anne", national_id="••••0001")
    assert rejected.raw_row == csv_line(masked.values())
    assert CardAccount.objects.get(account_reference="ACC-000001").balance == Decimal("1200.50")


def test_an_unknown_account_in_a_payments_file_is_kept_with_its_row_as_read(write_feed):
    import_accounts(write_feed(accounts_feed(1)))
    rows = [payment_fields(1), payment_fields(2, account_reference="ACC-404")]
    path = write_feed(feed_bytes(rows, kind="payments"), "payments.csv")

    run = feed_import(kind="payments", path_or_file=path, business_date=BUSINESS_DATE)

    rejected = run.rejected_rows.get()
    assert (rejected.line_number, rejected.reason) == (3, "unknown account_reference")
    assert rejected.raw_row == "ACC-404,150.00,USD,2026-11-20,PAY-000002"


def test_values_that_need_quoting_reach_the_database_exactly(write_feed):
    """On PostgreSQL the rows travel as CSV through COPY: quotes, commas, backslashes, line
    breaks and the end-of-data marker must all arrive as written, blanks as NULL."""
    address = 'Flat "B", 1 Main Street\n\\.\nC:\\post\\box'
    rows = [
        account_fields(
            1,
            full_name='Zoë "Ziggy" O\'Brien, Jr.',
            postal_address=address,
            birth_date="",
            oldest_unpaid_due_date="",
            email_consent="yes",
            sms_consent="",
        )
    ]

    run = import_accounts(write_feed(feed_bytes(rows)))

    assert run.inserted == 1
    account = CardAccount.objects.select_related("debtor").get()
    assert account.debtor.full_name == 'Zoë "Ziggy" O\'Brien, Jr.'
    assert account.debtor.birth_date is None
    assert account.oldest_unpaid_due_date is None
    assert ContactPoint.objects.get(kind="postal").value == address
    assert ContactPoint.objects.get(kind="email").email_consent is True
    assert ContactPoint.objects.get(kind="mobile").sms_consent is False


def test_the_import_switches_threads_often_and_puts_the_interval_back(write_feed):
    before = sys.getswitchinterval()
    during = []
    run = import_accounts(
        write_feed(accounts_feed(3)),
        chunk_size=1,
        after_chunk=lambda number: during.append(sys.getswitchinterval()),
    )
    assert run.status == ImportRun.Status.SUCCEEDED
    assert during == [IMPORT_SWITCH_INTERVAL] * 3
    assert sys.getswitchinterval() == before


NBSP = "\u00a0"
# A Chinese resident ID whose 18 digits are also Luhn-valid (tests/common/test_sensitive.py).
RESIDENT_ID = "440304199003070050"


def stored_text() -> str:
    return "".join(
        serializers.serialize("json", model.objects.all())
        for model in (ImportRun, ImportRejectedRow, Debtor, CardAccount, ContactPoint, Payment)
    )


@pytest.mark.parametrize(
    ("column", "written", "reason"),
    [
        ("mobile", FULL_PAN, "mobile holds what looks like a full card number"),
        ("home_phone", "4111-1111-1111-1111", "home_phone holds what looks like a full card"),
        (
            "postal_address",
            f"4111{NBSP}1111{NBSP}1111{NBSP}1111, 1 Main Street",
            "postal_address holds what looks like a full card number",
        ),
        (
            "full_name",
            "Ann " + "\uff14" + "\uff11" * 15,  # full-width digits
            "full_name holds what looks like a full",
        ),
        (
            "postal_address",
            f"{RESIDENT_ID} Nanjing Road",
            "postal_address holds what looks like a national ID number (Chinese resident ID)",
        ),
        ("postal_address", "SSN 123-45-6789", "national ID number (US SSN)"),
        ("email", "AB123456C@example.com", "national ID number (UK National Insurance)"),
        ("account_reference", "ACC 4111 1111 1111 1111", "account_reference holds what looks"),
    ],
)
def test_a_card_or_national_id_number_in_a_free_text_column_rejects_the_row_and_is_not_kept(
    write_feed, column, written, reason
):
    run = import_accounts(write_feed(feed_bytes([account_fields(1, **{column: written})])))

    assert counts(run) == (1, 0, 0, 0, 1)
    rejected = run.rejected_rows.get()
    assert reason in rejected.reason
    stored = stored_text()
    digits_only = "".join(ch for ch in written if ch.isdigit())
    assert written not in stored
    assert digits_only[:8] not in "".join(ch for ch in stored if ch.isdigit())


@pytest.mark.parametrize(
    ("mobile", "e164"),
    [
        ("13800138000", "+8613800138000"),
        ("+86 138 0013 8002", "+8613800138002"),
        ("0086 138 0013 8002", "+8613800138002"),
        ("+1 (555) 000-0001", "+15550000001"),
    ],
)
def test_a_phone_number_is_not_taken_for_a_card_number(write_feed, settings, mobile, e164):
    settings.PHONE_DEFAULT_REGION = "CN"
    run = import_accounts(write_feed(feed_bytes([account_fields(1, mobile=mobile)])))

    assert counts(run) == (1, 1, 0, 0, 0)
    assert ContactPoint.objects.filter(kind="mobile", value=e164).exists()


def test_phone_numbers_are_stored_in_e164_however_the_bank_writes_them(write_feed):
    rows = [
        account_fields(1, mobile="(415) 555-0100", home_phone="001 212 555 0199"),
        account_fields(2, mobile="+44 (0)7911 123456", work_phone="0086 10 5555 0100"),
    ]
    run = import_accounts(write_feed(feed_bytes(rows)))

    assert counts(run) == (2, 2, 0, 0, 0)
    assert set(
        ContactPoint.objects.exclude(kind__in=["email", "postal"]).values_list("kind", "value")
    ) == {
        ("mobile", "+14155550100"),
        ("home", "+12125550199"),
        ("mobile", "+447911123456"),
        ("work", "+861055550100"),
    }


def test_the_same_number_written_otherwise_in_a_later_feed_changes_nothing(write_feed):
    import_accounts(write_feed(feed_bytes([account_fields(1, mobile="(415) 555-0100")])))
    run = import_accounts(
        write_feed(feed_bytes([account_fields(1, mobile="+1 415-555-0100")]), "later.csv")
    )

    assert counts(run) == (1, 0, 0, 1, 0)
    assert list(ContactPoint.objects.filter(kind="mobile").values_list("value", flat=True)) == [
        "+14155550100"
    ]


@pytest.mark.parametrize(
    ("column", "written"),
    [
        ("mobile", "555 0100"),  # no area code
        ("home_phone", "call after six"),
        ("work_phone", "+1 1505 555 0100"),
        ("mobile", "13800138000"),  # a Chinese mobile without its code, the region being the US
    ],
)
def test_a_number_that_does_not_parse_rejects_the_row_with_its_reason(write_feed, column, written):
    run = import_accounts(
        write_feed(feed_bytes([account_fields(1, **{column: written}), account_fields(2)]))
    )

    assert counts(run) == (2, 1, 0, 0, 1)
    rejected = run.rejected_rows.get()
    assert rejected.line_number == 2
    assert rejected.reason == f"{column} is not a phone number"
    assert not Debtor.objects.filter(full_name="Debtor 1").exists()


@pytest.mark.parametrize("national_id", [RESIDENT_ID, "11010119850101005X", "123-45-6789"])
def test_a_national_id_in_the_national_id_column_is_expected(write_feed, national_id):
    run = import_accounts(write_feed(feed_bytes([account_fields(1, national_id=national_id)])))

    assert counts(run) == (1, 1, 0, 0, 0)
    assert Debtor.objects.get().national_id_last4 == national_id[-4:]
    assert national_id not in stored_text()


def test_a_card_number_in_a_formatted_column_is_masked_in_the_reason_too(write_feed):
    run = import_accounts(
        write_feed(feed_bytes([account_fields(1, balance="4111 1111 1111 1111")]))
    )

    rejected = run.rejected_rows.get()
    assert rejected.reason == (
        "balance is not an amount written with digits and a point, like 1234.50: "
        "'[card number ••••1111]'"
    )
    assert "4111" not in rejected.raw_row


def test_a_card_number_as_a_payment_reference_rejects_the_payment(write_feed):
    import_accounts(write_feed(accounts_feed(1)))
    feed = feed_bytes([payment_fields(1, external_reference=f"PAY {FULL_PAN}")], kind="payments")

    run = feed_import(kind="payments", path_or_file=write_feed(feed), business_date=BUSINESS_DATE)

    assert run.rejected_rows.get().reason == (
        "external_reference holds what looks like a full card number"
    )
    assert FULL_PAN not in stored_text()


@pytest.mark.postgres
def test_the_planner_settings_a_chunk_changes_are_put_back_after_it(write_feed):
    seen = []
    run = feed_import(
        kind="accounts",
        path_or_file=write_feed(accounts_feed(3)),
        business_date=BUSINESS_DATE,
        chunk_size=1,
        after_chunk=lambda number: seen.append(_setting("enable_nestloop")),
    )

    assert counts(run) == (3, 3, 0, 0, 0)
    assert seen == ["on", "on", "on"]


def _setting(name: str) -> str:
    with connection.cursor() as cursor:
        cursor.execute(f"SHOW {name}")
        return cursor.fetchone()[0]
