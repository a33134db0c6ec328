"""Benchmark: the accounts feed import on PostgreSQL, against a naive row-by-row ORM import.

Generates accounts feed files (streamed to disk under /tmp), imports a 200,000-row and a
1,000,000-row file into empty tables, and prints rows/s and the process's peak memory after
each (ru_maxrss: a flat figure between the two sizes means memory does not grow with the
file). Then times a naive per-row ORM import on a sample for comparison.
The floor: 20,000 rows/s at 1,000,000 rows.

Usage: `DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench_feeds python bench/feeds.py`
"""

from __future__ import annotations

import argparse
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

from django.core.management import call_command  # noqa: E402
from django.db import connection, transaction  # noqa: E402

from cases.feeds.formats import ACCOUNT_COLUMNS, RowRejected, account_row  # noqa: E402
from cases.feeds.importer import feed_import  # noqa: E402
from cases.models import CardAccount, ContactPoint, Debtor  # noqa: E402

BUSINESS_DATE = dt.date(2026, 11, 23)
FLOOR_ROWS_PER_SECOND = 20_000


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
    with connection.cursor() as cursor:
        cursor.execute(
            "TRUNCATE cases_debtor, cases_contactpoint, cases_cardaccount, cases_case, "
            "cases_payment, cases_importrun, cases_importrejectedrow RESTART IDENTITY CASCADE"
        )


def peak_memory_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def naive_import(path: Path, sample: int) -> int:
    """What a first attempt looks like: one row at a time through the ORM."""
    done = 0
    with path.open(newline="", encoding="utf-8") as handle:
        reader = csv.DictReader(handle)
        for row in reader:
            if done >= sample:
                break
            try:
                values = account_row(row, business_date=BUSINESS_DATE)
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
                              "balance": balance, "minimum_due": minimum,
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
    parser.add_argument("--naive-sample", type=int, default=20_000)
    args = parser.parse_args()
    if connection.vendor != "postgresql":
        sys.exit("This benchmark runs on PostgreSQL: set DATABASE_URL=postgres://...")
    call_command("migrate", verbosity=0)

    print("Accounts feed import benchmark on PostgreSQL", flush=True)
    rates = {}
    for rows in args.sizes:
        path = Path(f"/tmp/bench_accounts_feed_{rows}.csv")
        if not path.exists():
            write_feed(path, rows)
        empty_tables()
        started = time.perf_counter()
        run = feed_import(kind="accounts", path_or_file=path, business_date=BUSINESS_DATE)
        elapsed = time.perf_counter() - started
        assert run.status == "succeeded" and run.inserted == rows, (run.status, run.message)
        rates[rows] = rows / elapsed
        print(
            f"  {rows:>9,} rows  ({path.stat().st_size / 1e6:,.0f} MB)  {elapsed:7.1f} s  "
            f"{rates[rows]:9,.0f} rows/s   peak memory so far {peak_memory_mb():6.0f} MB",
            flush=True,
        )
    largest = max(args.sizes)
    started = time.perf_counter()
    run = feed_import(
        kind="accounts", path_or_file=f"/tmp/bench_accounts_feed_{largest}.csv",
        business_date=BUSINESS_DATE,
    )  # fmt: skip
    elapsed = time.perf_counter() - started
    print(
        f"  the same {largest:,} rows again (unchanged: {run.unchanged:,})  {elapsed:7.1f} s  "
        f"{largest / elapsed:9,.0f} rows/s   peak memory so far {peak_memory_mb():6.0f} MB",
        flush=True,
    )

    empty_tables()
    sample_path = Path(f"/tmp/bench_accounts_feed_{min(args.sizes)}.csv")
    started = time.perf_counter()
    done = naive_import(sample_path, args.naive_sample)
    elapsed = time.perf_counter() - started
    naive_rate = done / elapsed
    print(f"  naive row-by-row ORM on {done:,} rows  {elapsed:7.1f} s  {naive_rate:9,.0f} rows/s")
    print()
    rate = rates[largest]
    print(
        f"  feed import at {largest:,} rows: {rate:,.0f} rows/s "
        f"(floor {FLOOR_ROWS_PER_SECOND:,}); {rate / naive_rate:.0f}x the naive ORM import"
    )
    ok = rate >= FLOOR_ROWS_PER_SECOND
    print("  RESULT:", "meets the floor" if ok else "DOES NOT meet the floor")
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
