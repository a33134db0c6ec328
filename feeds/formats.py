"""The two bank feed formats: their columns, and the checks every row must pass.

Files are UTF-8 (a BOM is allowed), comma-separated, with one header row naming the
columns (any order, case-insensitive). Validation is per row: a bad row is rejected with its
reason and the rest of the file goes on. Checks that need the database (unknown account,
duplicates across the whole file) are made set-based by the importer.

A million rows go through these checks, so they are written to be cheap: one validator per
file (the column order resolved once), compiled patterns, set lookups, amounts in their
common form checked by a pattern (common.numbers.parse_amount only for the unusual ones), and
the national ID's keyed hash prepared once per file.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import hmac
import io
import re
import zoneinfo
from collections.abc import Sequence
from operator import itemgetter

from django.conf import settings
from django.utils.translation import gettext, gettext_lazy

from cases.identity import national_id_fields
from common.numbers import AmountError, parse_amount
from common.phones import PhoneNumberError, phone_e164
from common.sensitive import find_secret, mask_secrets

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
# The columns not searched for card and national ID numbers: the national ID (only its keyed
# hash and last four are kept) and the columns whose own check allows nothing but their
# format (an amount, a date, a flag, a known code). Every other column is free text.
NOT_FREE_TEXT_COLUMNS = frozenset(
    {
        "national_id",
        "card_number_last4",
        "currency",
        "credit_limit",
        "balance",
        "minimum_due",
        "amount",
        "oldest_unpaid_due_date",
        "birth_date",
        "received_on",
        "time_zone",
        "sms_consent",
        "email_consent",
    }
)
CARD_LAST4_PATTERN = re.compile(r"[0-9]{4}")
# An amount in its usual form: not negative, at most two decimals, below AMOUNT_LIMIT.
PLAIN_AMOUNT_PATTERN = re.compile(r"[0-9]{1,12}(?:\.[0-9]{1,2})?")
NOT_ASCII_ALPHANUMERIC = re.compile(r"[^0-9A-Za-z]+")
RAW_ROW_LIMIT = 2000
# Joins a row's free-text values for one search: neither a digit, a letter nor a separator.
FREE_TEXT_JOINER = "\x00"
FIELD_SEPARATOR = "\x1f"  # joins a row's values into one string to keep; never inside a value


class RowRejected(Exception):
    """The row breaks a rule; the message is the reason shown in the import report."""


def mask_national_id(raw: str) -> str:
    return "••••" + raw.strip()[-4:] if raw.strip() else ""


class RawRowFormatter:
    """Writes a row back as one CSV line, with its national ID masked (and every card and
    national ID number when asked: a row that passed validation holds none)."""

    def __init__(self, national_id_index: int | None):
        self.national_id_index = national_id_index
        self.buffer = io.StringIO()
        self.writer = csv.writer(self.buffer, lineterminator="")

    def __call__(self, fields: Sequence[str], *, mask_all: bool) -> str:
        shown = fields
        index = self.national_id_index
        if index is not None and index < len(fields):
            shown = list(fields)
            shown[index] = mask_national_id(shown[index])
        text = ",".join(shown)
        if text.count(",") != len(shown) - 1 or '"' in text or "\n" in text or "\r" in text:
            # Some value needs quoting: let the CSV writer do it.
            self.buffer.seek(0)
            self.buffer.truncate()
            self.writer.writerow(shown)
            text = self.buffer.getvalue()
        if mask_all:
            text = mask_secrets(text)
        return text if len(text) <= RAW_ROW_LIMIT else text[:RAW_ROW_LIMIT] + "…"


def _text(value: str, name: str, *, required: bool) -> str:
    if required and not value:
        raise RowRejected(gettext("%(column)s is required") % {"column": name})
    limit = MAX_LENGTHS.get(name)
    if limit is not None and len(value) > limit:
        raise RowRejected(
            gettext("%(column)s is longer than %(limit)s characters")
            % {"column": name, "limit": limit}
        )
    return value


# Why an amount is rejected, by the code of common.numbers.AmountError.
AMOUNT_REASONS = {
    "invalid": gettext_lazy(
        "%(column)s is not an amount written with digits and a point, like 1234.50: %(text)r"
    ),
    "negative": gettext_lazy("%(column)s must not be negative"),
    "decimals": gettext_lazy("%(column)s must be a number with at most two decimals"),
    "too_large": gettext_lazy("%(column)s is too large"),
}


def _money(text: str, name: str, *, positive: bool = False) -> str:
    """The amount as text for the database (a plain amount as written)."""
    if PLAIN_AMOUNT_PATTERN.fullmatch(text) and (not positive or text.strip("0.")):
        return text
    if not text:
        raise RowRejected(gettext("%(column)s is required") % {"column": name})
    try:
        amount = parse_amount(text)
    except AmountError as error:
        raise RowRejected(
            str(AMOUNT_REASONS[error.code]) % {"column": name, "text": text[:40]}
        ) from None
    if positive and amount == 0:
        raise RowRejected(gettext("%(column)s must be greater than zero") % {"column": name})
    return str(amount)


def _date(text: str, name: str, *, required: bool) -> dt.date | None:
    if not text:
        if required:
            raise RowRejected(gettext("%(column)s is required") % {"column": name})
        return None
    not_a_date = gettext("%(column)s must be a date written YYYY-MM-DD, not %(text)r")
    if len(text) != 10:
        raise RowRejected(not_a_date % {"column": name, "text": text[:40]})
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise RowRejected(not_a_date % {"column": name, "text": text[:40]}) from None


def _phone(text: str, name: str) -> str:
    """The number in E.164 (common/phones.py), as contact points hold it; "" for none."""
    if not text:
        return ""
    _text(text, name, required=False)
    try:
        return phone_e164(text)
    except PhoneNumberError:
        raise RowRejected(gettext("%(column)s is not a phone number") % {"column": name}) from None


def _iso(date: dt.date | None) -> str | None:
    return None if date is None else date.isoformat()


def _currency(text: str) -> str:
    code = text.upper()
    if code not in CURRENCIES:
        raise RowRejected(
            gettext("currency %(code)r is not an ISO 4217 code") % {"code": text[:10]}
        )
    return code


def _flag(text: str, name: str) -> bool:
    text = text.lower()
    if text in TRUE_VALUES:
        return True
    if text in FALSE_VALUES:
        return False
    raise RowRejected(gettext("%(column)s must be yes/no, true/false or 1/0") % {"column": name})


class RowValidator:
    """Checks the rows of one file. Built once from the file's header (column names, in the
    file's order); called with each row's fields, it returns the staging tuple (in the order
    of STAGE_COLUMNS in feeds.merge_sql) or raises RowRejected."""

    columns: tuple[str, ...] = ()

    def __init__(self, header: Sequence[str], *, business_date: dt.date):
        self.business_date = business_date
        self.in_column_order = itemgetter(*(header.index(name) for name in self.columns))
        # The free-text columns, in the file's order (the first secret found is reported).
        self.free_text = [
            (index, name) for index, name in enumerate(header) if name not in NOT_FREE_TEXT_COLUMNS
        ]
        self.free_text_values = itemgetter(*(index for index, _ in self.free_text))

    def values(self, fields: Sequence[str]) -> list[str]:
        """The row's values in the order of `columns`, stripped."""
        return [value.strip() for value in self.in_column_order(fields)]

    def no_secrets(self, fields: Sequence[str]) -> None:
        """RowRejected when a free-text column holds a card or national ID number. The columns
        are searched as one text first (no number runs across the joiner); only a row where
        something is found is searched column by column, to name the column."""
        if find_secret(FREE_TEXT_JOINER.join(self.free_text_values(fields))) is None:
            return
        for index, name in self.free_text:
            secret = find_secret(fields[index])
            if secret is not None:
                raise RowRejected(
                    gettext("%(column)s holds what looks like %(secret)s")
                    % {"column": name, "secret": secret}
                )


class AccountRowValidator(RowValidator):
    columns = ACCOUNT_COLUMNS

    def __init__(self, header: Sequence[str], *, business_date: dt.date):
        super().__init__(header, business_date=business_date)
        self.default_time_zone = settings.TIME_ZONE
        # The keyed hash of cases.identity, its key set up once for the whole file.
        self.national_id_hmac = hmac.new(
            settings.NATIONAL_ID_HASH_KEY.encode(), digestmod=hashlib.sha256
        )

    def national_id(self, value: str) -> tuple[str, str]:
        """(hash, last four) of a national ID, as cases.identity.national_id_fields gives them."""
        _text(value, "national_id", required=True)
        if value.isascii():
            # Normalised as cases.identity does for ASCII: letters and digits only, upper case.
            letters_and_digits = value if value.isalnum() else NOT_ASCII_ALPHANUMERIC.sub("", value)
            normalised = letters_and_digits.upper()
            if len(normalised) >= 4:
                keyed = self.national_id_hmac.copy()
                keyed.update(normalised.encode())
                return keyed.hexdigest(), normalised[-4:]
        try:
            identity = national_id_fields(value)
        except ValueError as error:
            raise RowRejected(gettext("national_id: %(error)s") % {"error": error}) from None
        return identity["national_id_hash"], identity["national_id_last4"]

    def __call__(self, fields: Sequence[str]) -> tuple:
        values = self.values(fields)
        (reference, card, product, currency, credit_limit, balance, minimum_due, due_date,
         national_id, full_name, birth_date, time_zone, language, mobile, home_phone,
         work_phone, email, postal_address, sms_consent, email_consent) = values  # fmt: skip
        if not CARD_LAST4_PATTERN.fullmatch(card):
            if find_secret(card) is not None:
                raise RowRejected(
                    gettext(
                        "card_number_last4 holds a full card number; send only the last four digits"
                    )
                )
            raise RowRejected(gettext("card_number_last4 must be exactly four digits"))
        self.no_secrets(fields)
        national_id_hash, national_id_last4 = self.national_id(national_id)
        due = _date(due_date, "oldest_unpaid_due_date", required=False)
        if due is not None and due > self.business_date:
            raise RowRejected(gettext("oldest_unpaid_due_date is after the business date"))
        birth = _date(birth_date, "birth_date", required=False)
        if birth is not None and birth >= self.business_date:
            raise RowRejected(gettext("birth_date must be in the past"))
        time_zone = _text(time_zone, "time_zone", required=False) or self.default_time_zone
        if time_zone not in TIME_ZONES:
            raise RowRejected(
                gettext("time_zone %(zone)r is not an IANA time zone") % {"zone": time_zone[:40]}
            )
        mobile = _phone(mobile, "mobile")
        home_phone = _phone(home_phone, "home_phone")
        work_phone = _phone(work_phone, "work_phone")
        if email:
            _text(email, "email", required=False)
            if "@" not in email or " " in email:
                raise RowRejected(gettext("email is not an email address"))
        return (
            _text(reference, "account_reference", required=True),
            card,
            _text(product, "product", required=True),
            _currency(currency),
            _money(credit_limit, "credit_limit"),
            _money(balance, "balance"),
            _money(minimum_due, "minimum_due"),
            _iso(due),
            national_id_hash,
            national_id_last4,
            _text(full_name, "full_name", required=True),
            _iso(birth),
            time_zone,
            _text(language, "language", required=False) or "en",
            mobile,
            home_phone,
            work_phone,
            email,
            _text(postal_address, "postal_address", required=False),
            _flag(sms_consent, "sms_consent"),
            _flag(email_consent, "email_consent"),
        )


class PaymentRowValidator(RowValidator):
    columns = PAYMENT_COLUMNS

    def __call__(self, fields: Sequence[str]) -> tuple:
        reference, amount, currency, received_on, external_reference = self.values(fields)
        self.no_secrets(fields)
        received = _date(received_on, "received_on", required=True)
        if received > self.business_date:
            raise RowRejected(gettext("received_on is after the business date"))
        return (
            _text(reference, "account_reference", required=True),
            _money(amount, "amount", positive=True),
            _currency(currency),
            received.isoformat(),
            _text(external_reference, "external_reference", required=True),
        )


ROW_VALIDATORS: dict[str, type[RowValidator]] = {
    "accounts": AccountRowValidator,
    "payments": PaymentRowValidator,
}
