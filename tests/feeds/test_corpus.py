"""The malformed-input corpus: each kind of bad file with its one clear outcome.

Three outcomes: the file is refused whole (nothing written), some rows are rejected with a
reason (the rest imported), or the file is accepted.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pytest

from cases.models import CardAccount, ContactPoint, Debtor, Payment
from feeds.importer import feed_import
from feeds.models import ImportRejectedRow, ImportRun
from tests.factories import CardAccountFactory
from tests.feeds.conftest import (
    BUSINESS_DATE,
    account_fields,
    accounts_feed,
    csv_line,
    feed_bytes,
    payment_fields,
)

pytestmark = pytest.mark.django_db

REFUSED, REJECTED, ACCEPTED = "refused", "rows rejected", "accepted"


@dataclass
class Malformed:
    name: str
    kind: str
    content: bytes
    outcome: str
    message: str = ""  # refused: part of the message
    rejections: dict[int, str] = field(default_factory=dict)  # line -> part of the reason
    imported: int = 0


def _header_without(column: str) -> bytes:
    rows = [account_fields(1)]
    columns = [c for c in account_fields(1) if c != column]
    lines = [csv_line(columns)] + [csv_line(r[c] for c in columns) for r in rows]
    return ("\n".join(lines) + "\n").encode()


def _header_with_extra() -> bytes:
    columns = [*account_fields(1), "notes"]
    lines = [csv_line(columns), csv_line([*account_fields(1).values(), "hello"])]
    return ("\n".join(lines) + "\n").encode()


CORPUS = [
    Malformed(
        "bad encoding (Latin-1)",
        "accounts",
        accounts_feed(1, full_name="José Müller").decode().encode("latin-1"),
        REFUSED,
        message="not UTF-8",
    ),
    *(
        Malformed(
            f"UTF-16 text ({encoding})",
            "accounts",
            accounts_feed(1).decode().encode(encoding),
            REFUSED,
            message="The file is UTF-16 text; bank feeds are UTF-8.",
        )
        for encoding in ("utf-16", "utf-16-le", "utf-16-be")
    ),
    Malformed(
        "a NUL byte in UTF-8 text",
        "accounts",
        accounts_feed(1).replace(b"Debtor", b"Deb\x00tor"),
        REFUSED,
        message="contains NUL bytes",
    ),
    Malformed(
        "amounts outside the documented format",
        "payments",
        feed_bytes(
            [
                payment_fields(1, amount="1e3"),
                payment_fields(2, amount="NaN"),
                payment_fields(3, amount="١٢٣"),
                payment_fields(4, amount="150.00"),
            ],
            kind="payments",
        ),
        REJECTED,
        rejections={
            line: "amount is not an amount written with digits and a point" for line in (2, 3, 4)
        },
        imported=1,
    ),
    Malformed(
        "missing column",
        "accounts",
        _header_without("email"),
        REFUSED,
        message="missing column(s): email",
    ),
    Malformed(
        "extra column", "accounts", _header_with_extra(), REFUSED, message="unexpected column(s)"
    ),
    Malformed("empty file", "accounts", b"", REFUSED, message="empty"),
    Malformed(
        "wrong delimiter",
        "accounts",
        accounts_feed(2).replace(b",", b";"),
        REFUSED,
        message="semicolons",
    ),
    Malformed(
        "not CSV at all (gzip bytes)",
        "accounts",
        b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\x03\xff\x00",
        REFUSED,
        message="not",
    ),
    Malformed(
        "the other feed's file",
        "accounts",
        feed_bytes([payment_fields(1)], kind="payments"),
        REFUSED,
        message="Wrong header for the accounts feed",
    ),
    Malformed(
        "bad date",
        "accounts",
        feed_bytes([account_fields(1), account_fields(2, oldest_unpaid_due_date="15/10/2026")]),
        REJECTED,
        rejections={3: "oldest_unpaid_due_date must be a date"},
        imported=1,
    ),
    Malformed(
        "negative amount",
        "payments",
        feed_bytes([payment_fields(1), payment_fields(2, amount="-10.00")], kind="payments"),
        REJECTED,
        rejections={3: "amount must not be negative"},
        imported=1,
    ),
    Malformed(
        "unknown currency",
        "accounts",
        feed_bytes([account_fields(1, currency="XYZ"), account_fields(2)]),
        REJECTED,
        rejections={2: "currency 'XYZ' is not an ISO 4217 code"},
        imported=1,
    ),
    Malformed(
        "full card number",
        "accounts",
        feed_bytes([account_fields(1, card_number_last4="4111 1111 1111 1111"), account_fields(2)]),
        REJECTED,
        rejections={2: "full card number"},
        imported=1,
    ),
    Malformed(
        "unknown account",
        "payments",
        feed_bytes([payment_fields(1, account_reference="ACC-999999")], kind="payments"),
        REJECTED,
        rejections={2: "unknown account_reference"},
    ),
    Malformed(
        "currency differs from the account's",
        "payments",
        feed_bytes([payment_fields(1, currency="EUR")], kind="payments"),
        REJECTED,
        rejections={2: "differs from the account's currency USD"},
    ),
    Malformed(
        "duplicate reference in file",
        "accounts",
        feed_bytes([account_fields(1), account_fields(2), account_fields(1, balance="99.00")]),
        REJECTED,
        rejections={4: "duplicate account_reference in this file (first on line 2)"},
        imported=2,
    ),
    Malformed(
        "very long field",
        "accounts",
        feed_bytes([account_fields(1, full_name="x" * 10_000), account_fields(2)]),
        REJECTED,
        rejections={2: "full_name is longer than 200 characters"},
        imported=1,
    ),
    Malformed(
        "a field beyond the CSV field limit",
        "accounts",
        feed_bytes(
            [account_fields(1), account_fields(2, full_name="x" * 200_000), account_fields(3)]
        ),
        REJECTED,
        rejections={3: "not CSV: field larger than field limit"},
        imported=2,
    ),
    Malformed(
        "a row with more fields than the header",
        "accounts",
        accounts_feed(1) + csv_line([*account_fields(2).values(), "surplus"]).encode() + b"\n",
        REJECTED,
        rejections={3: "the row has 21 fields; the header has 20"},
        imported=1,
    ),
    Malformed(
        "required value missing",
        "accounts",
        feed_bytes([account_fields(1, full_name=" ")]),
        REJECTED,
        rejections={2: "full_name is required"},
    ),
    Malformed("header only", "accounts", accounts_feed(0), ACCEPTED, imported=0),
    Malformed(
        "quoted newlines",
        "accounts",
        feed_bytes(
            [account_fields(1, postal_address="1 Main Street\nSpringfield"), account_fields(2)]
        ),
        ACCEPTED,
        imported=2,
    ),
    Malformed(
        "mixed line endings",
        "accounts",
        accounts_feed(2).replace(b"\n", b"\r\n", 2)
        + feed_bytes([account_fields(3)]).split(b"\n", 1)[1],
        ACCEPTED,
        imported=3,
    ),
    Malformed(
        "UTF-8 with BOM", "accounts", b"\xef\xbb\xbf" + accounts_feed(2), ACCEPTED, imported=2
    ),
    Malformed(
        "blank lines between rows",
        "accounts",
        accounts_feed(2).replace(b"\n", b"\n\n", 2),
        ACCEPTED,
        imported=2,
    ),
]


def test_the_corpus_covers_at_least_fifteen_kinds_of_malformed_input():
    assert len(CORPUS) >= 15
    assert {entry.outcome for entry in CORPUS} == {REFUSED, REJECTED, ACCEPTED}


@pytest.mark.parametrize("entry", CORPUS, ids=[entry.name for entry in CORPUS])
def test_each_malformed_input_has_its_clear_outcome(entry, write_feed):
    if entry.kind == "payments":
        CardAccountFactory(account_reference="ACC-000001", currency="USD")
    accounts_before, payments_before = CardAccount.objects.count(), Payment.objects.count()

    run = feed_import(
        kind=entry.kind, path_or_file=write_feed(entry.content), business_date=BUSINESS_DATE
    )

    if entry.outcome == REFUSED:
        assert run.status == ImportRun.Status.REFUSED
        assert entry.message in run.message
        assert CardAccount.objects.count() == accounts_before
        assert Payment.objects.count() == payments_before
        assert not ImportRejectedRow.objects.exists()
        return
    assert run.status == ImportRun.Status.SUCCEEDED, run.message
    reasons = dict(run.rejected_rows.values_list("line_number", "reason"))
    assert reasons.keys() == entry.rejections.keys()
    for line, reason in entry.rejections.items():
        assert reason in reasons[line]
    assert run.inserted == entry.imported
    assert run.rows_read == run.inserted + run.updated + run.unchanged + run.rejected


def test_a_quoted_newline_stays_inside_its_field(write_feed):
    address = "1 Main Street\nSpringfield"
    feed_import(
        kind="accounts",
        path_or_file=write_feed(feed_bytes([account_fields(1, postal_address=address)])),
        business_date=BUSINESS_DATE,
    )
    assert ContactPoint.objects.filter(kind="postal", value=address).exists()


def test_a_refused_file_writes_no_debtor(write_feed):
    feed_import(
        kind="accounts",
        path_or_file=write_feed(accounts_feed(3).replace(b",", b"\t")),
        business_date=BUSINESS_DATE,
    )
    assert not Debtor.objects.exists()
