"""Benchmark: the agencies' nightly work on N cases awaiting placement, on PostgreSQL.

- allocation of N awaiting cases (performance-weighted with a 20% capacity-weighted
  challenger, capacity short by 5% so the limit bites), with its statement count;
- the same placements made one case at a time (the manual-placement service in a loop),
  timed on a sample and scaled to N: the yardstick of a per-case implementation;
- the recall of every placement at its period end (each case enters litigation);
- attributing one payment per placed account, and the month's commission statements.

Usage: `DATABASE_URL=postgres://.../collections_bench_agencies python bench/agencies.py`
(`--cases 20000` by default).
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

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

from agencies.models import Agency, AllocationMethod, Placement, PlacementRule  # noqa: E402
from agencies.services import (  # noqa: E402
    payments_attribute,
    placement_create,
    placements_allocate,
    placements_recall_due,
    statements_generate_month,
)
from agencies.services.allocation import ALLOCATION_BATCH_SIZE  # noqa: E402
from cases.models import Case, Stage, Strategy  # noqa: E402
from compliance.log import compliance_log_seal, compliance_log_verify  # noqa: E402
from compliance.truncation import log_truncation_allowed  # noqa: E402

BUSINESS_DATE = dt.date(2026, 11, 2)
NOW = dt.datetime(2026, 11, 2, 3, 0, tzinfo=dt.UTC)
RECALL_DATE = BUSINESS_DATE + dt.timedelta(days=30)
CAPACITY_SHARES = (30, 25, 20, 15, 5)  # percent of N: 95% in all


def sql(statement: str, params: list | None = None) -> int:
    with connection.cursor() as cursor:
        cursor.execute(statement, params)
        return cursor.rowcount


def add_awaiting_cases(count: int) -> None:
    """`count` more cases at the agency stage, 95 days past due, awaiting placement."""
    strategy = Strategy.objects.get(is_default=True)
    stage = Stage.objects.get(strategy=strategy, action=Stage.Action.AGENCY)
    first = (Case.objects.order_by("-pk").values_list("pk", flat=True).first() or 0) + 1
    series = [first, first + count - 1]
    sql(
        """INSERT INTO cases_debtor (created_at, updated_at, full_name, national_id_hash,
               national_id_last4, time_zone, language, is_vulnerable, vulnerability_note,
               is_deceased, estate_representative, is_bankrupt, has_attorney, attorney_name,
               attorney_phone, attorney_email, cease_communication, dispute_pending, is_unreachable)
           SELECT now(), now(), 'Debtor ' || g, md5(g::text) || md5((-g)::text),
                  lpad((g %% 10000)::text, 4, '0'), 'America/New_York', 'en', false, '', false, '',
                  false, false, '', '', '', false, false, false
           FROM generate_series(%s, %s) g""",
        series,
    )
    sql(
        """INSERT INTO cases_cardaccount (created_at, updated_at, account_reference, card_last4,
               product, portfolio, currency, credit_limit, balance, minimum_due,
               oldest_unpaid_due_date, debtor_id)
           SELECT now(), now(), 'ACC' || lpad(d.id::text, 10, '0'), '4242', 'Classic', '', 'USD',
                  5000, 500 + (d.id %% 9500), 150, %s::date - 95, d.id
           FROM cases_debtor d WHERE d.id BETWEEN %s AND %s""",
        [BUSINESS_DATE, *series],
    )
    sql(
        """INSERT INTO cases_case (created_at, updated_at, status, priority_score, opened_at,
               balance_at_open, account_id, debtor_id, strategy_id, stage_id, stage_entered_at)
           SELECT now(), now(), 'open', 0, %s, a.balance, a.id, a.debtor_id, %s, %s, %s
           FROM cases_cardaccount a WHERE a.debtor_id BETWEEN %s AND %s""",
        [NOW - dt.timedelta(days=94), strategy.pk, stage.pk, NOW, *series],
    )
    sql(
        """INSERT INTO cases_stageentry (case_id, stage_id, entered_on, entered_at, days_past_due,
               action_status, action_note)
           SELECT c.id, %s, %s, %s, 95, 'pending', 'awaiting agency placement'
           FROM cases_case c WHERE c.debtor_id BETWEEN %s AND %s""",
        [stage.pk, BUSINESS_DATE, NOW, *series],
    )
    sql("ANALYZE")


def build_world(cases: int) -> list[Agency]:
    with log_truncation_allowed():
        sql(
            "TRUNCATE cases_debtor, cases_contactpoint, cases_cardaccount, cases_case, "
            "cases_stageentry, cases_outboundmessage, cases_activity, cases_payment, "
            "cases_promisetopay, cases_compliancelogentry, cases_compliancechainhead, "
            "agencies_placement, agencies_commissionstatement, agencies_agency "
            "RESTART IDENTITY CASCADE"
        )
    agencies = Agency.objects.bulk_create(
        Agency(
            name=f"Agency {i + 1}",
            licence_number=f"LIC-{i + 1}",
            licence_expires_on=dt.date(2030, 1, 1),
            contract_start=dt.date(2024, 1, 1),
            contract_end=dt.date(2030, 1, 1),
            commission_rate="0.1500",
            capacity=cases * share // 100,
            placement_days=30,
        )
        for i, share in enumerate(CAPACITY_SHARES)
    )
    PlacementRule.objects.update_or_create(
        strategy=Strategy.objects.get(is_default=True),
        defaults={
            "method": AllocationMethod.PERFORMANCE_WEIGHTED,
            "challenger_method": AllocationMethod.CAPACITY_WEIGHTED,
            "challenger_percent": 20,
        },
    )
    add_awaiting_cases(cases)
    return agencies


def timed(label: str, work):
    started = time.perf_counter()
    result = work()
    elapsed = time.perf_counter() - started
    print(f"  {label:<58} {elapsed:8.2f} s   {result}", flush=True)
    return elapsed, result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=20_000)
    parser.add_argument("--naive-sample", type=int, default=500)
    args = parser.parse_args()
    if connection.vendor != "postgresql":
        sys.exit("This benchmark runs on PostgreSQL: set DATABASE_URL=postgres://...")
    call_command("migrate", verbosity=0)
    n = args.cases
    print(f"Agencies benchmark: {n:,} cases awaiting placement on PostgreSQL", flush=True)
    timed("build the world (generate_series)", lambda: build_world(n) and "built")

    with CaptureQueriesContext(connection) as queries:
        allocation, counts = timed(
            "placements_allocate", lambda: placements_allocate(business_date=BUSINESS_DATE, now=NOW)
        )
    placed = counts["placed"]
    batches = -(-n // ALLOCATION_BATCH_SIZE)
    for agency in Agency.objects.all():
        held = agency.placements.filter(recalled_on__isnull=True).count()
        assert held <= agency.capacity, f"{agency} over capacity"
    print(f"    placed {placed:,}, left for lack of capacity {counts['not_placed_no_capacity']:,}")
    print(
        f"    {len(queries)} SQL statements in {batches} batches "
        f"({len(queries) / batches:.1f} per batch of {ALLOCATION_BATCH_SIZE:,})"
    )

    # The yardstick: the same work one case at a time, through the manual-placement service.
    Agency.objects.update(capacity=n * 2)
    add_awaiting_cases(args.naive_sample)
    sample = list(Case.objects.filter(status="open").order_by("pk")[: args.naive_sample])
    agency = Agency.objects.order_by("pk").first()

    def one_by_one() -> str:
        for case in sample:
            placement_create(
                case=case,
                agency=agency,
                user=None,
                reason="bench",
                business_date=BUSINESS_DATE,
                now=NOW,
            )
        return f"{len(sample)} cases"

    naive_sample, _ = timed(f"placement_create per case on {len(sample)} cases", one_by_one)
    naive = naive_sample * placed / len(sample)

    Placement.objects.filter(recalled_on__isnull=True).update(recall_due_on=RECALL_DATE)
    recall, recalled = timed(
        "placements_recall_due (every case on to litigation)",
        lambda: placements_recall_due(business_date=RECALL_DATE, now=NOW)["recalled"],
    )
    sql(
        """INSERT INTO cases_payment (created_at, updated_at, amount, currency, received_on,
               source, external_reference, account_id)
           SELECT now(), now(), 10 + c.id %% 90, 'USD', p.placed_on + 3, 'bank_feed',
                  'PAY' || p.id, c.account_id
           FROM agencies_placement p JOIN cases_case c ON c.id = p.case_id""",
        [],
    )
    attribution, attributed = timed(
        "payments_attribute (one payment per placed account)",
        lambda: payments_attribute(since=BUSINESS_DATE, until=RECALL_DATE, now=NOW),
    )
    statements, written = timed(
        "statements_generate_month",
        lambda: len(statements_generate_month(month=BUSINESS_DATE, now=NOW)),
    )
    timed("compliance_log_seal", compliance_log_seal)
    _, verification = timed("compliance_log_verify", lambda: compliance_log_verify().ok)
    assert verification, "the compliance log chain must stay intact"

    print()
    print(f"  allocation    {allocation:8.2f} s  {placed / allocation:9,.0f} cases/s")
    print(
        f"  per case      {naive:8.2f} s  (scaled from {len(sample)})  "
        f"per case / allocation = {naive / allocation:5.1f}"
    )
    print(f"  recall        {recall:8.2f} s  {recalled / recall:9,.0f} cases/s")
    print(f"  attribution   {attribution:8.2f} s  {attributed:,} payments")
    print(f"  statements    {statements:8.2f} s  {written} statements")


if __name__ == "__main__":
    main()
