"""The row checks: their quick paths give what the reference rules give."""

from __future__ import annotations

import csv
import io

import pytest

from cases.identity import national_id_fields
from feeds.formats import (
    ACCOUNT_COLUMNS,
    AccountRowValidator,
    RawRowFormatter,
    RowRejected,
)
from tests.feeds.conftest import BUSINESS_DATE, account_fields

NATIONAL_IDS = [
    "123-45-6789",
    "ab 12 cd 34",
    "NID00000000001",
    "nid_0001",
    "Müller-1234",
    "ΐ1234",  # its upper case holds a combining mark, which normalising drops
    "ß-9876",
]


def validate(**overrides: str) -> tuple:
    fields = account_fields(1, **overrides)
    validator = AccountRowValidator(list(fields), business_date=BUSINESS_DATE)
    return validator([fields[name] for name in fields])


@pytest.mark.parametrize("raw", NATIONAL_IDS)
def test_the_national_id_is_hashed_as_cases_identity_hashes_it(raw):
    expected = national_id_fields(raw)

    values = validate(national_id=raw)

    assert values[8:10] == (expected["national_id_hash"], expected["national_id_last4"])


def test_the_national_id_hash_follows_the_configured_key(settings):
    before = validate(national_id="123-45-6789")[8]
    settings.NATIONAL_ID_HASH_KEY = "another key"

    after = validate(national_id="123-45-6789")[8]

    assert after != before
    assert after == national_id_fields("123-45-6789")["national_id_hash"]


def test_a_national_id_shorter_than_four_letters_and_digits_is_rejected():
    with pytest.raises(RowRejected, match="national_id: A national ID number has at least four"):
        validate(national_id="a-1-b")


@pytest.mark.parametrize("written", ["1200.50", "12", "0012.3", "999999999999.99"])
def test_an_amount_in_its_usual_form_is_kept_as_written(written):
    assert validate(balance=written)[5] == written


NOT_WRITTEN_AS_AN_AMOUNT = "balance is not an amount written with digits and a point, like 1234.50"


@pytest.mark.parametrize(
    ("written", "reason"),
    [
        ("1.234", "balance must be a number with at most two decimals"),
        ("-0.01", "balance must not be negative"),
        ("12,50", f"{NOT_WRITTEN_AS_AN_AMOUNT}: '12,50'"),
        ("1e3", f"{NOT_WRITTEN_AS_AN_AMOUNT}: '1e3'"),
        ("1E+12", f"{NOT_WRITTEN_AS_AN_AMOUNT}: '1E+12'"),
        ("NaN", f"{NOT_WRITTEN_AS_AN_AMOUNT}: 'NaN'"),
        ("Infinity", f"{NOT_WRITTEN_AS_AN_AMOUNT}: 'Infinity'"),
        ("١٢٣", f"{NOT_WRITTEN_AS_AN_AMOUNT}: '١٢٣'"),
        ("1_000", f"{NOT_WRITTEN_AS_AN_AMOUNT}: '1_000'"),
        ("", "balance is required"),
    ],
)
def test_an_amount_out_of_its_usual_form_gets_the_reason(written, reason):
    with pytest.raises(RowRejected) as rejected:
        validate(balance=written)
    assert str(rejected.value) == reason


def test_the_first_card_number_in_the_files_column_order_is_reported():
    header = list(reversed(ACCOUNT_COLUMNS))
    fields = account_fields(1, full_name="4111 1111 1111 1111", postal_address="5500000000000004")
    validator = AccountRowValidator(header, business_date=BUSINESS_DATE)

    with pytest.raises(RowRejected, match="postal_address holds what looks like a full card"):
        validator([fields[name] for name in header])


def test_a_phone_number_as_long_as_a_card_number_is_not_taken_for_one():
    # 14 digits, Luhn-valid: a card number's shape, but after a "+".
    assert validate(mobile="+49 30 1234 5678 94")[14] == "+49301234567894"


@pytest.mark.parametrize(
    "fields",
    [
        ["plain", "values", "123-45-6789"],
        ["a, comma", 'a "quote"', "123-45-6789"],
        ["a\nnew line", "a\rreturn", "123-45-6789"],
    ],
)
def test_a_raw_row_is_the_csv_line_with_the_national_id_masked(fields):
    expected = io.StringIO()
    csv.writer(expected, lineterminator="").writerow([*fields[:2], "••••6789"])

    assert RawRowFormatter(2)(fields, mask_all=False) == expected.getvalue()
