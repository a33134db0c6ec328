"""Benchmark: the compliance log's writers against the machine's commit floor, on PostgreSQL.

Writers insert unsealed rows without waiting for one another, and one sealer process chains
them meanwhile, as the `seal_compliance_log` job does in production. This measures decisions/s
and per-transaction latency (p50, p95) with 1 and with 20 writer processes (each its own
connection), for a bare decision and for a realistic contact (decision + activity + contact
row), beside the commit floor (a one-row UPDATE per transaction); and for the sealer, the rows
it seals per second and how long after the last commit it had sealed everything. Then it
verifies the whole chain and checks it never forked. Goals: 20 writers ÷ 1 writer >= 1.6 in
decisions/s and <= 5 in p95; 1 writer ÷ commit floor >= 0.5.

Usage: `make bench-compliance_chain` or `DATABASE_URL=postgres://postgres@127.0.0.1:5432/
bench_compliance .venv/bin/python bench/compliance_chain.py [--writers 20] [--per-writer 40]`
(the database is created and migrated when missing).
"""

from __future__ import annotations

import argparse
import datetime as dt
import multiprocessing
import os
import statistics
import sys
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
from django.db import connection, connections, transaction  # noqa: E402

from cases.identity import national_id_fields  # noqa: E402
from cases.models import Activity, CardAccount, Case, ContactPoint, Debtor, Strategy  # noqa: E402
from compliance.engine import compliance_decide, compliance_record_contact  # noqa: E402
from compliance.log import (  # noqa: E402
    compliance_log_seal,
    compliance_log_verify,
    log_append_many,
)
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


FORK = multiprocessing.get_context("fork")


def writer_process(
    case: Case, point: ContactPoint, per_writer: int, with_contact: bool, start, results
) -> None:
    """One writer on its own connection: `per_writer` transactions, their latencies reported."""
    latencies = []
    start.wait()
    for step in range(per_writer):
        began = time.perf_counter()
        one_transaction(case, point, step, with_contact=with_contact)
        latencies.append(time.perf_counter() - began)
    results.put(latencies)
    connection.close()


def sealer_process(writers_done, report) -> None:
    """Seal as the job does, back to back, until the writers are done and nothing is left."""
    while True:
        finishing = writers_done.is_set()
        if compliance_log_seal():
            continue
        if finishing:
            report.put(time.time())
            connection.close()
            return
        time.sleep(0.01)


def run(
    targets: list[tuple[Case, ContactPoint]],
    *,
    writers: int,
    per_writer: int,
    with_contact: bool,
) -> dict:
    """Seconds elapsed, latencies (s), log rows written, and how long after the last commit
    the sealer had sealed everything (s)."""
    rows_before = ComplianceLogEntry.objects.count()
    connections.close_all()  # every process opens its own
    start, writers_done = FORK.Barrier(writers + 1), FORK.Event()
    results, report = FORK.Queue(), FORK.Queue()
    sealer = FORK.Process(target=sealer_process, args=(writers_done, report))
    processes = [
        FORK.Process(
            target=writer_process, args=(case, point, per_writer, with_contact, start, results)
        )
        for case, point in targets[:writers]
    ]
    for process in [sealer, *processes]:
        process.start()
    start.wait()
    began = time.perf_counter()
    latencies = [latency for _ in processes for latency in results.get()]
    elapsed = time.perf_counter() - began
    last_commit = time.time()
    writers_done.set()
    sealed_at = report.get()
    for process in [sealer, *processes]:
        process.join()
        if process.exitcode != 0:
            sys.exit(f"a benchmark process failed (exit code {process.exitcode})")
    return {
        "elapsed": elapsed,
        "latencies": latencies,
        "rows": ComplianceLogEntry.objects.count() - rows_before,
        "seal_lag": max(0.0, sealed_at - last_commit),
    }


def commit_floor(strategy_id: int, transactions: int) -> float:
    """Transactions/s of a bare one-row UPDATE: what this machine's commits cost at best."""
    started = time.perf_counter()
    for _ in range(transactions):
        with transaction.atomic():
            Strategy.objects.filter(pk=strategy_id).update(description="benchmark")
    return transactions / (time.perf_counter() - started)


def sealer_backlog(rows: int) -> float:
    """Rows/s of one sealer clearing a backlog: copies of the last decision, written unsealed."""
    template = ComplianceLogEntry.objects.filter(kind="decision").latest("pk")
    fields = {
        field.attname: getattr(template, field.attname)
        for field in ComplianceLogEntry._meta.concrete_fields
        if field.attname not in ("id", *ComplianceLogEntry.SEAL_FIELDS)
    }
    for start in range(0, rows, 5000):
        with transaction.atomic():
            log_append_many([fields] * min(5000, rows - start))
    began = time.perf_counter()
    sealed = compliance_log_seal()
    return sealed / (time.perf_counter() - began)


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
    parser.add_argument("--per-writer", type=int, default=40, help="transactions per writer")
    parser.add_argument("--backlog", type=int, default=20000, help="rows for the sealer alone")
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
    print(
        f"{'transaction':<31}{'writers':>8}{'rows/s':>9}{'tx/s':>8}{'p50 ms':>8}{'p95 ms':>8}"
        f"{'sealed after s':>15}"
    )
    writer_rows_per_second = []
    for label, with_contact in (("decision", False), ("decision + activity + contact", True)):
        measured = {}
        for count, each in ((1, total), (writers, per_writer)):
            chosen = targets[-1:] if count == 1 else targets[:writers]
            result = run(chosen, writers=count, per_writer=each, with_contact=with_contact)
            rate = len(result["latencies"]) / result["elapsed"]
            p95 = percentile(result["latencies"], 95)
            measured[count] = (rate, p95)
            print(
                f"{label:<31}{count:>8}{result['rows'] / result['elapsed']:>9,.0f}{rate:>8,.0f}"
                f"{percentile(result['latencies'], 50) * 1000:>8.1f}{p95 * 1000:>8.1f}"
                f"{result['seal_lag']:>15.2f}"
            )
        (one_rate, one_p95), (many_rate, many_p95) = measured[1], measured[writers]
        writer_rows_per_second.append(result["rows"] / result["elapsed"])
        print(
            f"  {label}: tx/s {writers} writers ÷ 1 = {many_rate / one_rate:.2f} (goal >= 1.6); "
            f"p95 {writers} ÷ 1 = {many_p95 / one_p95:.1f} (goal <= 5); "
            f"1 writer ÷ commit floor = {one_rate / floor:.2f} (goal >= 0.5)"
        )
    backlog = sealer_backlog(options.backlog)
    fastest = max(writer_rows_per_second)
    print(
        f"sealer clearing a backlog of {options.backlog:,} rows: {backlog:,.0f} rows/s, "
        f"{backlog / fastest:.1f} times the fastest writers' rows/s above"
    )
    unforked, counts = chain_is_unforked()
    verification = compliance_log_verify()
    print(f"chain: {counts}; {'unforked' if unforked else 'FORKED'}")
    print(f"verify: {verification.summary}")
    sys.exit(0 if unforked and verification.ok else 1)


if __name__ == "__main__":
    main()
