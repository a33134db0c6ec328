"""Builders of feed files: a good row, overridden where a test needs it, as CSV bytes."""

from __future__ import annotations

import datetime as dt

import pytest

from feeds.formats import ACCOUNT_COLUMNS, PAYMENT_COLUMNS

BUSINESS_DATE = dt.date(2026, 11, 23)


def account_fields(n: int = 1, **overrides: str) -> dict[str, str]:
    fields = {
        "account_reference": f"ACC-{n:06d}",
        "card_number_last4": f"{n % 10000:04d}",
        "product": "Classic",
        "currency": "USD",
        "credit_limit": "5000.00",
        "balance": "1200.50",
        "minimum_due": "150.00",
        "oldest_unpaid_due_date": "2026-10-15",
        "national_id": f"NID-{n:08d}",
        "full_name": f"Debtor {n}",
        "birth_date": "1980-05-17",
        "time_zone": "America/New_York",
        "language": "en",
        "mobile": f"+1555{n:07d}",
        "home_phone": "",
        "work_phone": "",
        "email": f"debtor{n}@example.com",
        "postal_address": f"{n} Main Street, Springfield",
        "sms_consent": "yes",
        "email_consent": "no",
    }
    fields.update(overrides)
    return fields


def payment_fields(n: int = 1, **overrides: str) -> dict[str, str]:
    fields = {
        "account_reference": "ACC-000001",
        "amount": "150.00",
        "currency": "USD",
        "received_on": "2026-11-20",
        "external_reference": f"PAY-{n:06d}",
    }
    fields.update(overrides)
    return fields


def csv_line(values) -> str:
    quoted = []
    for value in values:
        if any(ch in value for ch in ',"\r\n'):
            value = '"' + value.replace('"', '""') + '"'
        quoted.append(value)
    return ",".join(quoted)


def feed_bytes(rows: list[dict[str, str]], *, kind: str = "accounts", newline: str = "\n") -> bytes:
    columns = ACCOUNT_COLUMNS if kind == "accounts" else PAYMENT_COLUMNS
    lines = [csv_line(columns)] + [csv_line(row[c] for c in columns) for row in rows]
    return (newline.join(lines) + newline).encode()


def accounts_feed(count: int, **overrides: str) -> bytes:
    return feed_bytes([account_fields(n, **overrides) for n in range(1, count + 1)])


@pytest.fixture
def write_feed(tmp_path):
    """Writes bytes to a file under tmp_path and returns its path."""

    def write(content: bytes, name: str = "feed.csv"):
        path = tmp_path / name
        path.write_bytes(content)
        return path

    return write
