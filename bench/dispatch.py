"""Benchmark: messages sent per second through the compliance gate to a local SMS gateway,
against the same run's floor, on PostgreSQL.

N SMS reminders are queued for N debtors (built in SQL), then W worker processes run the
dispatch job (`pipeline.jobs.dispatch_messages`, one slot each) against a gateway on this
machine (`pipeline.local_gateway`, the HTTP backend's batch mode). Each message is judged
by the gate, rendered, handed to the gateway and recorded: a claim and a final update of its
row, an activity, a decision and a contact row in the compliance log. The log's sealer, which
chains the rows in production as its own job, runs after the workers and is timed apart.

The floor is the same run's bare bulk write of as many rows: the activities and log rows
copied into tables like theirs in one INSERT each, the message rows updated twice in one
UPDATE each. The ratio is dispatch rows/s over floor rows/s.

Usage: `make bench-dispatch` or
`DATABASE_URL=postgres://postgres@127.0.0.1:5432/collections_bench_dispatch
.venv/bin/python bench/dispatch.py [--messages 200000] [--workers 2] [--batch 500]`
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
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
from django.db import connection  # noqa: E402

from bench.dispatch_workers import dispatch_in_workers, run_dispatch_worker  # noqa: E402
from compliance.log import compliance_log_seal, compliance_log_verify  # noqa: E402
from compliance.truncation import log_truncation_allowed  # noqa: E402
from pipeline.local_gateway import LocalGateway  # noqa: E402
from pipeline.models import OutboundMessage  # noqa: E402
from tests.pipeline.world import queue_sms_reminders  # noqa: E402

MOMENT = dt.datetime(2026, 11, 23, 17, 0, tzinfo=dt.UTC)  # noon in New York: inside the window
GOAL_PER_SECOND = 1000
GOAL_OF_FLOOR = 0.25


def sql(statement: str, params=None) -> int:
    with connection.cursor() as cursor:
        cursor.execute(statement, params)
        return cursor.rowcount


def ensure_database() -> None:
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


def build_world(messages: int) -> float:
    started = time.perf_counter()
    with log_truncation_allowed():  # the cascade reaches the compliance log
        sql(
            "TRUNCATE cases_debtor, cases_contactpoint, cases_cardaccount, cases_case, "
            "cases_stageentry, cases_outboundmessage, cases_pipelinerun, cases_activity, "
            "cases_payment, cases_promisetopay, agencies_placement, cases_compliancelogentry, "
            "cases_compliancechainhead RESTART IDENTITY CASCADE"
        )
    queue_sms_reminders(messages, queued_at=MOMENT - dt.timedelta(hours=12))
    sql("VACUUM ANALYZE")
    return time.perf_counter() - started


def dispatch(workers: int, batch: int, gateway: LocalGateway) -> tuple[float, list[dict]]:
    reports = dispatch_in_workers(
        __file__, workers, MOMENT, gateway, MESSAGE_DISPATCH_BATCH=str(batch)
    )
    elapsed = max(r["ended"] for r in reports) - min(r["started"] for r in reports)
    return elapsed, reports


def floor() -> tuple[int, float, float]:
    """The rows the dispatch wrote, written again bare: (rows, seconds, seconds of the same
    rows copied inside the server).

    The activities and log rows, read out beforehand, are bulk-loaded from the client (COPY)
    into tables like theirs (same columns, indexes and checks); each message row is updated
    twice, in one UPDATE each. The server-side copy (INSERT ... SELECT, no client, values
    already compressed) is printed beside it for reference.
    """
    tables = {"floor_activity": "cases_activity", "floor_log": "cases_compliancelogentry"}
    raw = connection.connection  # psycopg's own connection: COPY
    dumps = {}
    for target, source in tables.items():
        sql(f"DROP TABLE IF EXISTS {target}")
        sql(f"CREATE TABLE {target} (LIKE {source} INCLUDING ALL)")
        with raw.cursor() as cursor, cursor.copy(f"COPY {source} TO STDOUT") as copy:
            dumps[target] = b"".join(bytes(block) for block in copy)
    sql("CHECKPOINT")
    started = time.perf_counter()
    rows = 0
    for target, data in dumps.items():
        with raw.cursor() as cursor:
            with cursor.copy(f"COPY {target} FROM STDIN") as copy:
                copy.write(data)
            rows += cursor.rowcount
    # A message row is written twice: claimed (sending), then settled (sent).
    rows += sql("UPDATE cases_outboundmessage SET status = 'sending', claim = 0")
    rows += sql("UPDATE cases_outboundmessage SET status = 'sent', claim = NULL")
    seconds = time.perf_counter() - started

    for target in tables:
        sql(f"TRUNCATE {target}")
    sql("CHECKPOINT")
    started = time.perf_counter()
    for target, source in tables.items():
        sql(f"INSERT INTO {target} SELECT * FROM {source}")
    server_seconds = time.perf_counter() - started
    sql(f"DROP TABLE {', '.join(tables)}")
    return rows, seconds, server_seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=200_000)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--batch", type=int, default=500)
    parser.add_argument("--verify", action=argparse.BooleanOptionalAction, default=True)
    parser.add_argument("--worker", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--moment", help=argparse.SUPPRESS)
    arguments = parser.parse_args()
    if arguments.worker is not None:
        run_dispatch_worker(arguments.worker, dt.datetime.fromisoformat(arguments.moment))
        return

    ensure_database()
    call_command("migrate", verbosity=0)
    n = arguments.messages
    print(f"dispatch benchmark on {connection.settings_dict['NAME']}: {n:,} queued SMS, ")
    print(f"{arguments.workers} worker processes, batches of {arguments.batch}")
    built = build_world(n)
    print(f"world built in {built:.1f} s")

    gateway = LocalGateway().start()
    try:
        elapsed, reports = dispatch(arguments.workers, arguments.batch, gateway)
    finally:
        gateway.stop()
    connection.close()
    sent = OutboundMessage.objects.filter(status="sent").count()
    activities = sql("SELECT 1 FROM cases_activity")
    log_rows = sql("SELECT 1 FROM cases_compliancelogentry")
    written = activities + log_rows + 2 * n  # each message row: claimed, then settled
    per_second = sent / elapsed
    print(f"workers: {', '.join(f'slot {r["slot"]} claimed {r["claimed"]:,}' for r in reports)}")
    print(
        f"sent {sent:,} of {n:,} in {elapsed:.1f} s: {per_second:,.0f} messages/s "
        f"(goal >= {GOAL_PER_SECOND:,}; before: <= 3.3, 1,000 per 5 minutes)"
    )
    delivered, handed = len(gateway.delivered), sum(gateway.received.values())
    print(
        f"gateway: {delivered:,} delivered, {handed:,} handed over, "
        f"{len(set(gateway.delivered)):,} distinct references"
    )
    print(
        f"rows written: {written:,} ({activities:,} activities, {log_rows:,} log rows, "
        f"{2 * n:,} message row updates): {written / elapsed:,.0f} rows/s"
    )
    # The log's sealer (its own job in production, every few seconds) chains the rows.
    started = time.perf_counter()
    sealed = compliance_log_seal()
    seal_seconds = time.perf_counter() - started
    print(
        f"sealer: chained {sealed:,} log rows in {seal_seconds:.1f} s afterwards "
        f"({sealed / seal_seconds:,.0f} rows/s; dispatch and seal one after the other: "
        f"{sent / (elapsed + seal_seconds):,.0f} messages/s)"
    )
    floor_rows, floor_seconds, server_seconds = floor()
    floor_rate = floor_rows / floor_seconds
    ratio = (written / elapsed) / floor_rate
    print(
        f"floor: the same {floor_rows:,} rows bulk-written bare in {floor_seconds:.1f} s: "
        f"{floor_rate:,.0f} rows/s (activities and log rows copied inside the server alone: "
        f"{activities + log_rows:,} in {server_seconds:.1f} s)"
    )
    print(f"dispatch rows/s / floor rows/s: {ratio:.0%} (goal >= {GOAL_OF_FLOOR:.0%})")
    if arguments.verify:
        print(f"verify: {compliance_log_verify().summary}")
    ok = sent == n == delivered == handed and per_second >= GOAL_PER_SECOND
    print("goal met" if ok and ratio >= GOAL_OF_FLOOR else "goal NOT met")


if __name__ == "__main__":
    main()
