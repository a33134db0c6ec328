"""Benchmark: the accounts feed import on PostgreSQL, against a naive row-by-row ORM import.

Generates accounts feed files (streamed to disk under /tmp), imports a 200,000-row and a
1,000,000-row file into empty tables, then the 1,000,000-row file again (every row unchanged),
and prints rows/s and the process's peak memory during each import (the high-water mark is
reset before each one: the same figure at both sizes means memory does not grow with the
file). Then the ceiling: the same rows, checked beforehand, loaded with nothing but plain
INSERT ... SELECT statements (what this database costs whatever the importer does), once as
the schema is and once with the foreign-key checks switched off (a superuser's diagnostic:
what integrity costs; the import never does it). Then times a naive per-row ORM import on a
sample and scales it to the largest size.
The floor: 20,000 rows/s at 1,000,000 rows.

Usage: `make bench-feeds` or
`DATABASE_URL=postgres://postgres@127.0.0.1:5432/collections_bench_feeds python bench/feeds.py`
"""

from __future__ import annotations

import argparse
import contextlib
import csv
import datetime as dt
import os
import resource
import sys
import time
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "collections_site.settings")
os.environ.setdefault("DEBUG", "1")

import django

django.setup()

from django.conf import settings  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection, transaction  # noqa: E402

from cases.models import CardAccount, ContactPoint, Debtor  # noqa: E402
from compliance.truncation import log_truncation_allowed  # noqa: E402
from feeds.formats import ACCOUNT_COLUMNS, AccountRowValidator, RowRejected  # noqa: E402
from feeds.importer import feed_import  # noqa: E402
from feeds.merge_sql import STAGE_COLUMNS  # noqa: E402

# DEBUG only lets the settings load without a secret key; queries are not logged, as in
# production.
settings.DEBUG = False

BUSINESS_DATE = dt.date(2026, 11, 23)
FLOOR_ROWS_PER_SECOND = 20_000
# The import's rate as a share of the plain-insert ceiling measured in the same run: the goal
# that holds whatever else the machine is doing.
CEILING_SHARE_GOAL = 0.8


def write_feed(path: Path, rows: int) -> None:
    """An accounts feed of `rows` distinct accounts and debtors, written row by row."""
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(ACCOUNT_COLUMNS)
        for n in range(1, rows + 1):
            due = BUSINESS_DATE - dt.timedelta(days=n % 150) if n % 5 else None
            writer.writerow(
                (
                    f"ACC{n:012d}",
                    f"{n % 10000:04d}",
                    "Gold" if n % 7 == 0 else "Classic",
                    "USD",
                    "5000.00",
                    f"{200 + n % 4800}.{n % 100:02d}",
                    f"{50 + n % 200}.00",
                    due.isoformat() if due else "",
                    f"NID{n:011d}",
                    f"Debtor {n}",
                    f"{1950 + n % 50}-{1 + n % 12:02d}-{1 + n % 28:02d}",
                    "America/New_York",
                    "en",
                    f"+1555{n:07d}",
                    f"+1556{n:07d}" if n % 3 == 0 else "",
                    "",
                    f"debtor{n}@example.com",
                    f"{n} Main Street, Springfield",
                    "yes" if n % 2 else "no",
                    "yes" if n % 4 else "no",
                )
            )


def empty_tables() -> None:
    # The cascade reaches the compliance log.
    with log_truncation_allowed(), connection.cursor() as cursor:
        cursor.execute(
            "TRUNCATE cases_debtor, cases_contactpoint, cases_cardaccount, cases_case, "
            "cases_payment, cases_importrun, cases_importrejectedrow RESTART IDENTITY CASCADE"
        )


REFERENCING_TABLES = ("cases_cardaccount", "cases_contactpoint")


def foreign_key_checks(enabled: bool) -> None:
    """Turn the foreign-key triggers of the accounts and contact points on or off (needs a
    superuser; only ever done here, to measure what the checks cost)."""
    with connection.cursor() as cursor:
        for table in REFERENCING_TABLES:
            cursor.execute(f"ALTER TABLE {table} {'ENABLE' if enabled else 'DISABLE'} TRIGGER ALL")


def bare_insert_ceiling(path: Path, chunk: int = 20_000) -> float:
    """Seconds for the least work any import of this file can do in this database: the rows
    checked beforehand (not timed) and then only plain INSERT ... SELECT into the three tables,
    ids known in advance (no lookup, no upsert, no staging), `chunk` rows per transaction.
    What is left is the database's own cost: heap, indexes, foreign key checks, WAL."""
    names = ", ".join(f"{name} {sql_type}" for name, sql_type in STAGE_COLUMNS["accounts"])
    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE IF EXISTS bench_checked_rows")
        cursor.execute(f"CREATE UNLOGGED TABLE bench_checked_rows (line integer, {names})")
        with path.open(newline="", encoding="utf-8") as handle:
            reader = csv.reader(handle)
            validate = AccountRowValidator(next(reader), business_date=BUSINESS_DATE)
            with cursor.cursor.copy("COPY bench_checked_rows FROM STDIN") as copy:
                for line, fields in enumerate(reader, start=2):
                    copy.write_row((line, *validate(fields)))
        cursor.execute("CREATE INDEX ON bench_checked_rows (line)")
        cursor.execute("ANALYZE bench_checked_rows")
        cursor.execute("SELECT max(line) FROM bench_checked_rows")
        last_line = cursor.fetchone()[0]
    started = time.perf_counter()
    for first in range(2, last_line + 1, chunk):
        lines = [first, first + chunk]
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(
                """INSERT INTO cases_debtor (id, created_at, updated_at, national_id_hash,
                       full_name, national_id_last4, birth_date, time_zone, language,
                       is_vulnerable, vulnerability_note, is_deceased, estate_representative,
                       is_bankrupt, has_attorney, attorney_name, attorney_phone, attorney_email,
                       cease_communication, dispute_pending, is_unreachable)
                   SELECT line, now(), now(), national_id_hash, full_name, national_id_last4,
                       birth_date, time_zone, language, false, '', false, '', false, false, '',
                       '', '', false, false, false
                   FROM bench_checked_rows WHERE line >= %s AND line < %s
                   ORDER BY national_id_hash""",
                lines,
            )
            cursor.execute(
                """INSERT INTO cases_cardaccount (created_at, updated_at, account_reference,
                       debtor_id, card_last4, product, portfolio, currency, credit_limit,
                       balance, minimum_due, oldest_unpaid_due_date)
                   SELECT now(), now(), account_reference, line, card_last4, product, '',
                       currency, credit_limit, balance, minimum_due, oldest_unpaid_due_date
                   FROM bench_checked_rows WHERE line >= %s AND line < %s""",
                lines,
            )
            cursor.execute(
                """INSERT INTO cases_contactpoint (created_at, updated_at, debtor_id, kind,
                       value, owner, third_party_name, third_party_relationship, sms_consent,
                       email_consent, opted_out, do_not_contact, employer_prohibits_contact,
                       verified, invalid)
                   SELECT now(), now(), line, c.kind, c.value, 'debtor', '', '', c.sms,
                       c.email, false, false, false, false, false
                   FROM bench_checked_rows r CROSS JOIN LATERAL (VALUES
                       ('mobile', r.mobile, r.sms_consent, false),
                       ('home', r.home_phone, false, false), ('work', r.work_phone, false, false),
                       ('email', r.email, false, r.email_consent),
                       ('postal', r.postal_address, false, false)) AS c(kind, value, sms, email)
                   WHERE line >= %s AND line < %s AND c.value <> ''""",
                lines,
            )
    elapsed = time.perf_counter() - started
    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE bench_checked_rows")
    return elapsed


def reset_peak_memory() -> None:
    """Start a new high-water mark of resident memory (Linux); elsewhere the process's peak."""
    with contextlib.suppress(OSError):
        Path("/proc/self/clear_refs").write_text("5")


def peak_memory_mb() -> float:
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def timed_import(path: Path) -> tuple[float, float, object]:
    """(seconds, peak memory in MB, run) of one import of the file."""
    reset_peak_memory()
    started = time.perf_counter()
    run = feed_import(kind="accounts", path_or_file=path, business_date=BUSINESS_DATE)
    return time.perf_counter() - started, peak_memory_mb(), run


def naive_import(path: Path, sample: int) -> int:
    """What a first attempt looks like: one row at a time through the ORM, each in its own
    transaction (the same row checks as the real import)."""
    done = 0
    with path.open(newline="", encoding="utf-8") as handle:
        reader = csv.reader(handle)
        validate = AccountRowValidator(next(reader), business_date=BUSINESS_DATE)
        for fields in reader:
            if done >= sample:
                break
            try:
                values = validate(fields)
            except RowRejected:
                continue
            (reference, card, product, currency, limit, balance, minimum, due, id_hash,
             last4, name, birth, zone, language, mobile, home, work, email, postal, sms,
             mail) = values  # fmt: skip
            with transaction.atomic():
                debtor, _ = Debtor.objects.update_or_create(
                    national_id_hash=id_hash,
                    defaults={"national_id_last4": last4, "full_name": name, "birth_date": birth,
                              "time_zone": zone, "language": language},
                )  # fmt: skip
                CardAccount.objects.update_or_create(
                    account_reference=reference,
                    defaults={"debtor": debtor, "card_last4": card, "product": product,
                              "currency": currency, "credit_limit": Decimal(limit),
                              "balance": Decimal(balance), "minimum_due": Decimal(minimum),
                              "oldest_unpaid_due_date": due},
                )  # fmt: skip
                for kind, value in (("mobile", mobile), ("home", home), ("work", work),
                                    ("email", email), ("postal", postal)):  # fmt: skip
                    if value:
                        point, _ = ContactPoint.objects.get_or_create(
                            debtor=debtor, kind=kind, value=value
                        )
                        if kind == "mobile" and point.sms_consent != sms:
                            point.sms_consent = sms
                            point.save(update_fields=["sms_consent"])
                        if kind == "email" and point.email_consent != mail:
                            point.email_consent = mail
                            point.save(update_fields=["email_consent"])
            done += 1
    return done


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[200_000, 1_000_000])
    parser.add_argument("--naive-sample", type=int, default=2_000)
    args = parser.parse_args()
    if connection.vendor != "postgresql":
        sys.exit("This benchmark runs on PostgreSQL: set DATABASE_URL=postgres://...")
    call_command("migrate", verbosity=0)
    foreign_key_checks(enabled=True)  # in case a run was killed while they were off

    print("Accounts feed import benchmark on PostgreSQL", flush=True)
    rates = {}
    for rows in args.sizes:
        path = Path(f"/tmp/bench_accounts_feed_{rows}.csv")
        if not path.exists():
            write_feed(path, rows)
        empty_tables()
        elapsed, peak, run = timed_import(path)
        assert run.status == "succeeded" and run.inserted == rows, (run.status, run.message)
        rates[rows] = rows / elapsed
        print(
            f"  {rows:>9,} rows  ({path.stat().st_size / 1e6:,.0f} MB)  {elapsed:7.1f} s  "
            f"{rates[rows]:9,.0f} rows/s   peak memory {peak:6.0f} MB",
            flush=True,
        )
    largest = max(args.sizes)
    elapsed, peak, run = timed_import(Path(f"/tmp/bench_accounts_feed_{largest}.csv"))
    assert run.unchanged == largest, (run.status, run.message, run.unchanged)
    print(
        f"  the same {largest:,} rows again, all unchanged  {elapsed:7.1f} s  "
        f"{largest / elapsed:9,.0f} rows/s   peak memory {peak:6.0f} MB",
        flush=True,
    )

    empty_tables()
    elapsed = bare_insert_ceiling(Path(f"/tmp/bench_accounts_feed_{largest}.csv"))
    ceiling = largest / elapsed
    print(
        f"  ceiling: the same rows checked beforehand, plain INSERTs only  {elapsed:7.1f} s  "
        f"{ceiling:9,.0f} rows/s",
        flush=True,
    )
    empty_tables()
    foreign_key_checks(enabled=False)
    try:
        elapsed = bare_insert_ceiling(Path(f"/tmp/bench_accounts_feed_{largest}.csv"))
    finally:
        foreign_key_checks(enabled=True)
    print(
        f"    the same plain INSERTs without foreign-key checks (what the checks cost; never "
        f"done by the import)  {elapsed:7.1f} s  {largest / elapsed:9,.0f} rows/s",
        flush=True,
    )

    empty_tables()
    sample_path = Path(f"/tmp/bench_accounts_feed_{min(args.sizes)}.csv")
    started = time.perf_counter()
    done = naive_import(sample_path, args.naive_sample)
    elapsed = time.perf_counter() - started
    naive_rate = done / elapsed
    print(
        f"  naive row-by-row ORM import, measured on a sample of {done:,} rows  {elapsed:7.1f} s"
        f"  {naive_rate:9,.0f} rows/s"
    )
    naive_seconds = largest / naive_rate
    naive_time = (
        f"{naive_seconds / 3600:,.1f} hours"
        if naive_seconds >= 3600
        else f"{naive_seconds / 60:,.1f} minutes"
    )
    print(
        f"    scaled to {largest:,} rows: about {naive_time} "
        f"(extrapolated from the sample, not measured)"
    )
    print()
    rate = rates[largest]
    print(
        f"  feed import at {largest:,} rows: {rate:,.0f} rows/s "
        f"(floor {FLOOR_ROWS_PER_SECOND:,}); {rate / naive_rate:,.0f}x the naive ORM import; "
        f"{rate / ceiling:.0%} of this database's bare-insert ceiling"
    )
    print(f"  import / ceiling (same run) = {rate / ceiling:.2f} (goal >= {CEILING_SHARE_GOAL})")
    ok = rate >= FLOOR_ROWS_PER_SECOND
    print("  RESULT:", "meets the floor" if ok else "DOES NOT meet the floor")
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
