"""Benchmark: what serialising the compliance log's hash chain costs on PostgreSQL.

Every log writer locks the one chain-head row until its transaction commits, so concurrent
writers queue for it. This measures rows/s and per-transaction latency (p50, p95) with 20
concurrent writer threads (each on its own connection) against a single writer, for two
transactions: a bare decision, and a realistic contact (decision + activity + contact row),
beside the machine's commit floor. Then it verifies the whole chain and checks it never forked.

Usage: `DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench_compliance
.venv/bin/python bench/compliance_chain.py [--writers 20] [--per-writer 25]`
(the database is created and migrated when missing).
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import statistics
import sys
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "collections_site.settings")
os.environ.setdefault("DEBUG", "1")

import django

django.setup()

import psycopg  # noqa: E402
from django.conf import settings  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection, transaction  # noqa: E402

from cases.identity import national_id_fields  # noqa: E402
from cases.models import Activity, CardAccount, Case, ContactPoint, Debtor, Strategy  # noqa: E402
from compliance.engine import compliance_decide, compliance_record_contact  # noqa: E402
from compliance.log import compliance_log_verify  # noqa: E402
from compliance.models import ComplianceLogEntry  # noqa: E402

MOMENT = dt.datetime(2026, 11, 23, 15, 0, tzinfo=dt.UTC)  # 10:00 in New York: inside the window


def ensure_database() -> None:
    """Create the benchmark database when it does not exist yet."""
    db = settings.DATABASES["default"]
    if db["ENGINE"] != "django.db.backends.postgresql":
        sys.exit("This benchmark needs PostgreSQL: set DATABASE_URL=postgres://...")
    with psycopg.connect(
        host=db["HOST"] or None,
        port=db["PORT"] or None,
        user=db["USER"] or None,
        password=db["PASSWORD"] or None,
        dbname="postgres",
        autocommit=True,
    ) as admin:
        exists = admin.execute("SELECT 1 FROM pg_database WHERE datname = %s", [db["NAME"]])
        if exists.fetchone() is None:
            admin.execute(f'CREATE DATABASE "{db["NAME"]}"')


def build_targets(count: int, tag: str) -> list[tuple[Case, ContactPoint]]:
    """One clean debtor (consented mobile, open case under US-RegF) per writer."""
    strategy, _ = Strategy.objects.get_or_create(
        name="Compliance chain benchmark", defaults={"policy": "US-RegF"}
    )
    targets = []
    for index in range(count):
        debtor = Debtor.objects.create(
            full_name=f"Bench debtor {tag}-{index}",
            time_zone="America/New_York",
            **national_id_fields(f"BENCH{tag}{index:04d}"),
        )
        account = CardAccount.objects.create(
            debtor=debtor,
            account_reference=f"BENCH{tag}{index:04d}",
            card_last4="4242",
            product="Classic",
            credit_limit=5000,
            balance=1200,
            minimum_due=150,
        )
        case = Case.objects.create(
            account=account,
            debtor=debtor,
            strategy=strategy,
            opened_at=MOMENT,
            balance_at_open=account.balance,
        )
        point = ContactPoint.objects.create(
            debtor=debtor, kind="mobile", value=f"+1555{tag[-4:]}{index:04d}", sms_consent=True
        )
        targets.append((case, point))
    return targets


def one_transaction(case: Case, point: ContactPoint, step: int, *, with_contact: bool) -> None:
    """One call attempt a day, so the 7-in-7-days cap is never reached and every one is made."""
    moment = MOMENT + dt.timedelta(days=step)
    with transaction.atomic():
        decision = compliance_decide(
            actor=None, case=case, channel="call", contact_point=point, moment=moment
        )
        if with_contact and decision.allowed:
            activity = Activity.objects.create(
                case=case,
                debtor_id=case.debtor_id,
                contact_point=point,
                channel="call",
                outcome="no_answer",
                occurred_at=moment,
            )
            compliance_record_contact(decision=decision, activity=activity)


def run(
    targets: list[tuple[Case, ContactPoint]],
    *,
    writers: int,
    per_writer: int,
    with_contact: bool,
) -> tuple[float, list[float], int]:
    """Seconds elapsed, per-transaction latencies (s) and log rows written."""
    latencies: list[float] = []
    errors: list[BaseException] = []
    lock = threading.Lock()
    barrier = threading.Barrier(writers + 1)
    rows_before = ComplianceLogEntry.objects.count()

    def writer(index: int) -> None:
        case, point = targets[index]
        mine = []
        try:
            barrier.wait()
            for step in range(per_writer):
                started = time.perf_counter()
                one_transaction(case, point, step, with_contact=with_contact)
                mine.append(time.perf_counter() - started)
        except BaseException as error:
            errors.append(error)
        finally:
            connection.close()
            with lock:
                latencies.extend(mine)

    threads = [threading.Thread(target=writer, args=(index,)) for index in range(writers)]
    for thread in threads:
        thread.start()
    barrier.wait()
    started = time.perf_counter()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - started
    if errors:
        raise errors[0]
    return elapsed, latencies, ComplianceLogEntry.objects.count() - rows_before


def commit_floor(strategy_id: int, transactions: int) -> float:
    """Transactions/s of a bare one-row UPDATE: what this machine's commits cost at best."""
    started = time.perf_counter()
    for _ in range(transactions):
        with transaction.atomic():
            Strategy.objects.filter(pk=strategy_id).update(description="benchmark")
    return transactions / (time.perf_counter() - started)


def percentile(values: list[float], share: int) -> float:
    return statistics.quantiles(values, n=100, method="inclusive")[share - 1]


def chain_is_unforked() -> tuple[bool, str]:
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT count(*), count(DISTINCT previous_hash), min(sequence), max(sequence) "
            f"FROM {ComplianceLogEntry._meta.db_table}"
        )
        rows, parents, first, last = cursor.fetchone()
    ok = rows == parents and (rows == 0 or (first, last) == (1, rows))
    return ok, f"{rows:,} rows, {parents:,} distinct parents, sequence {first}..{last}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--writers", type=int, default=20)
    parser.add_argument("--per-writer", type=int, default=25, help="transactions per writer")
    options = parser.parse_args()

    ensure_database()
    call_command("migrate", verbosity=0)
    settings.DEBUG = False  # no query logging while timing
    writers, per_writer = options.writers, options.per_writer
    total = writers * per_writer
    tag = str(time.time_ns())[-10:]
    targets = build_targets(writers + 1, tag)
    print(f"compliance chain benchmark on {connection.settings_dict['NAME']} ({total} per run)")
    floor = commit_floor(targets[0][0].strategy_id, 200)
    print(f"commit floor (one-row UPDATE per transaction, 1 writer): {floor:,.0f} tx/s")
    print(f"{'transaction':<34}{'writers':>8}{'rows/s':>10}{'tx/s':>9}{'p50 ms':>9}{'p95 ms':>9}")
    for label, with_contact in (("decision", False), ("decision + activity + contact", True)):
        for count, each in ((1, total), (writers, per_writer)):
            chosen = targets[-1:] if count == 1 else targets[:writers]
            elapsed, latencies, rows = run(
                chosen, writers=count, per_writer=each, with_contact=with_contact
            )
            print(
                f"{label:<34}{count:>8}{rows / elapsed:>10,.0f}{len(latencies) / elapsed:>9,.0f}"
                f"{percentile(latencies, 50) * 1000:>9.1f}{percentile(latencies, 95) * 1000:>9.1f}"
            )
    unforked, counts = chain_is_unforked()
    verification = compliance_log_verify()
    print(f"chain: {counts}; {'unforked' if unforked else 'FORKED'}")
    print(f"verify: {verification.summary}")
    sys.exit(0 if unforked and verification.ok else 1)


if __name__ == "__main__":
    main()
