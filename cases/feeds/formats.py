"""The two bank feed formats: their columns, and the checks every row must pass.

Files are UTF-8 (a BOM is allowed), comma-separated, with one header row naming the
columns (any order, case-insensitive). Validation is per row: a bad row is rejected with its
reason and the rest of the file goes on. Checks that need the database (unknown account,
duplicates across the whole file) are made set-based by the importer.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
import zoneinfo
from collections.abc import Callable, Sequence
from decimal import Decimal, InvalidOperation

from django.conf import settings

from cases.identity import national_id_fields

ACCOUNT_COLUMNS = (
    "account_reference",
    "card_number_last4",
    "product",
    "currency",
    "credit_limit",
    "balance",
    "minimum_due",
    "oldest_unpaid_due_date",
    "national_id",
    "full_name",
    "birth_date",
    "time_zone",
    "language",
    "mobile",
    "home_phone",
    "work_phone",
    "email",
    "postal_address",
    "sms_consent",
    "email_consent",
)
PAYMENT_COLUMNS = ("account_reference", "amount", "currency", "received_on", "external_reference")
COLUMNS = {"accounts": ACCOUNT_COLUMNS, "payments": PAYMENT_COLUMNS}
# The column that identifies a row within its file; a second row with the same value is rejected.
FILE_KEY = {"accounts": "account_reference", "payments": "external_reference"}

# Active ISO 4217 codes (2025), the funds and metals codes left out.
# fmt: off
CURRENCIES = frozenset({
    "AED", "AFN", "ALL", "AMD", "ANG", "AOA", "ARS", "AUD", "AWG", "AZN", "BAM", "BBD", "BDT",
    "BGN", "BHD", "BIF", "BMD", "BND", "BOB", "BRL", "BSD", "BTN", "BWP", "BYN", "BZD", "CAD",
    "CDF", "CHF", "CLP", "CNY", "COP", "CRC", "CUP", "CVE", "CZK", "DJF", "DKK", "DOP", "DZD",
    "EGP", "ERN", "ETB", "EUR", "FJD", "FKP", "GBP", "GEL", "GHS", "GIP", "GMD", "GNF", "GTQ",
    "GYD", "HKD", "HNL", "HTG", "HUF", "IDR", "ILS", "INR", "IQD", "IRR", "ISK", "JMD", "JOD",
    "JPY", "KES", "KGS", "KHR", "KMF", "KPW", "KRW", "KWD", "KYD", "KZT", "LAK", "LBP", "LKR",
    "LRD", "LSL", "LYD", "MAD", "MDL", "MGA", "MKD", "MMK", "MNT", "MOP", "MRU", "MUR", "MVR",
    "MWK", "MXN", "MYR", "MZN", "NAD", "NGN", "NIO", "NOK", "NPR", "NZD", "OMR", "PAB", "PEN",
    "PGK", "PHP", "PKR", "PLN", "PYG", "QAR", "RON", "RSD", "RUB", "RWF", "SAR", "SBD", "SCR",
    "SDG", "SEK", "SGD", "SHP", "SLE", "SOS", "SRD", "SSP", "STN", "SVC", "SYP", "SZL", "THB",
    "TJS", "TMT", "TND", "TOP", "TRY", "TTD", "TWD", "TZS", "UAH", "UGX", "USD", "UYU", "UZS",
    "VES", "VND", "VUV", "WST", "XAF", "XCD", "XCG", "XOF", "XPF", "YER", "ZAR", "ZMW", "ZWG",
})
# fmt: on
TIME_ZONES = frozenset(zoneinfo.available_timezones())
TRUE_VALUES = frozenset({"1", "true", "yes", "y"})
FALSE_VALUES = frozenset({"", "0", "false", "no", "n"})
MAX_MONEY = Decimal("1000000000000")  # the columns hold 14 digits, 2 after the point
MAX_LENGTHS = {
    "account_reference": 40,
    "external_reference": 64,
    "product": 60,
    "full_name": 200,
    "time_zone": 64,
    "language": 10,
    "national_id": 40,
    "mobile": 40,
    "home_phone": 40,
    "work_phone": 40,
    "email": 254,
    "postal_address": 300,
}
PHONE_COLUMNS = frozenset({"mobile", "home_phone", "work_phone"})
# A card number: 13 to 19 digits, possibly grouped by spaces or dashes.
PAN_PATTERN = re.compile(r"(?<!\d)\d(?:[ -]?\d){12,18}(?!\d)")
PHONE_PATTERN = re.compile(r"^\+?[0-9 ().-]{4,40}$")
RAW_ROW_LIMIT = 2000


class RowRejected(Exception):
    """The row breaks a rule; the message is the reason shown in the import report."""


def mask_card_numbers(text: str) -> str:
    """Every card-number-like run of digits replaced by its last four."""
    return PAN_PATTERN.sub(lambda m: "[card number ••••" + m.group()[-4:] + "]", text)


def mask_national_id(raw: str) -> str:
    return "••••" + raw.strip()[-4:] if raw.strip() else ""


class RawRowFormatter:
    """Writes a row back as one CSV line, with its national ID masked (and card numbers when
    asked: a row that passed validation holds none)."""

    def __init__(self, national_id_index: int | None):
        self.national_id_index = national_id_index
        self.buffer = io.StringIO()
        self.writer = csv.writer(self.buffer, lineterminator="")

    def __call__(self, fields: Sequence[str], *, mask_cards: bool) -> str:
        shown = fields
        index = self.national_id_index
        if index is not None and index < len(fields):
            shown = list(fields)
            shown[index] = mask_national_id(shown[index])
        self.buffer.seek(0)
        self.buffer.truncate()
        self.writer.writerow(shown)
        text = self.buffer.getvalue()
        if mask_cards:
            text = mask_card_numbers(text)
        return text if len(text) <= RAW_ROW_LIMIT else text[:RAW_ROW_LIMIT] + "…"


def _text(row: dict[str, str], name: str, *, required: bool) -> str:
    value = row[name].strip()
    if required and not value:
        raise RowRejected(f"{name} is required")
    limit = MAX_LENGTHS.get(name)
    if limit is not None and len(value) > limit:
        raise RowRejected(f"{name} is longer than {limit} characters")
    return value


def _money(row: dict[str, str], name: str, *, positive: bool = False) -> Decimal:
    text = row[name].strip()
    if not text:
        raise RowRejected(f"{name} is required")
    try:
        amount = Decimal(text)
    except InvalidOperation:
        raise RowRejected(f"{name} is not a number: {text[:40]!r}") from None
    if not amount.is_finite() or amount.as_tuple().exponent < -2:
        raise RowRejected(f"{name} must be a number with at most two decimals")
    if amount < 0:
        raise RowRejected(f"{name} must not be negative")
    if positive and amount == 0:
        raise RowRejected(f"{name} must be greater than zero")
    if amount >= MAX_MONEY:
        raise RowRejected(f"{name} is too large")
    return amount


def _date(row: dict[str, str], name: str, *, required: bool) -> dt.date | None:
    text = row[name].strip()
    if not text:
        if required:
            raise RowRejected(f"{name} is required")
        return None
    if len(text) != 10:
        raise RowRejected(f"{name} must be a date written YYYY-MM-DD, not {text[:40]!r}")
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise RowRejected(f"{name} must be a date written YYYY-MM-DD, not {text[:40]!r}") from None


def _currency(row: dict[str, str]) -> str:
    code = row["currency"].strip().upper()
    if code not in CURRENCIES:
        raise RowRejected(f"currency {row['currency'].strip()[:10]!r} is not an ISO 4217 code")
    return code


def _flag(row: dict[str, str], name: str) -> bool:
    text = row[name].strip().lower()
    if text in TRUE_VALUES:
        return True
    if text in FALSE_VALUES:
        return False
    raise RowRejected(f"{name} must be yes/no, true/false or 1/0")


def _no_card_numbers(row: dict[str, str]) -> None:
    # One search over the joined values; the field is only looked for on a hit.
    if PAN_PATTERN.search("\x1f".join(row.values())):
        for name, value in row.items():
            if name not in PHONE_COLUMNS and PAN_PATTERN.search(value):
                raise RowRejected(f"{name} holds what looks like a full card number")


def account_row(row: dict[str, str], *, business_date: dt.date) -> tuple:
    """A valid accounts-feed row as the staging tuple (without line and raw row)."""
    card = row["card_number_last4"].strip()
    if PAN_PATTERN.fullmatch(card):
        raise RowRejected(
            "card_number_last4 holds a full card number; send only the last four digits"
        )
    if len(card) != 4 or not card.isdigit():
        raise RowRejected("card_number_last4 must be exactly four digits")
    _no_card_numbers(row)
    national_id = _text(row, "national_id", required=True)
    try:
        identity = national_id_fields(national_id)
    except ValueError as error:
        raise RowRejected(f"national_id: {error}") from None
    due_date = _date(row, "oldest_unpaid_due_date", required=False)
    if due_date is not None and due_date > business_date:
        raise RowRejected("oldest_unpaid_due_date is after the business date")
    birth_date = _date(row, "birth_date", required=False)
    if birth_date is not None and birth_date >= business_date:
        raise RowRejected("birth_date must be in the past")
    time_zone = _text(row, "time_zone", required=False) or settings.TIME_ZONE
    if time_zone not in TIME_ZONES:
        raise RowRejected(f"time_zone {time_zone[:40]!r} is not an IANA time zone")
    phones = []
    for name in ("mobile", "home_phone", "work_phone"):
        phone = _text(row, name, required=False)
        if phone and not PHONE_PATTERN.match(phone):
            raise RowRejected(f"{name} is not a phone number")
        phones.append(phone)
    email = _text(row, "email", required=False)
    if email and ("@" not in email or " " in email):
        raise RowRejected("email is not an email address")
    return (
        _text(row, "account_reference", required=True),
        card,
        _text(row, "product", required=True),
        _currency(row),
        _money(row, "credit_limit"),
        _money(row, "balance"),
        _money(row, "minimum_due"),
        due_date,
        identity["national_id_hash"],
        identity["national_id_last4"],
        _text(row, "full_name", required=True),
        birth_date,
        time_zone,
        _text(row, "language", required=False) or "en",
        *phones,
        email,
        _text(row, "postal_address", required=False),
        _flag(row, "sms_consent"),
        _flag(row, "email_consent"),
    )


def payment_row(row: dict[str, str], *, business_date: dt.date) -> tuple:
    """A valid payments-feed row as the staging tuple (without line and raw row)."""
    _no_card_numbers(row)
    received_on = _date(row, "received_on", required=True)
    if received_on > business_date:
        raise RowRejected("received_on is after the business date")
    return (
        _text(row, "account_reference", required=True),
        _money(row, "amount", positive=True),
        _currency(row),
        received_on,
        _text(row, "external_reference", required=True),
    )


ROW_VALIDATORS: dict[str, Callable[..., tuple]] = {
    "accounts": account_row,
    "payments": payment_row,
}
