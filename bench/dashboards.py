"""Benchmark: the supervisor dashboards over 1,000,000 cases and 10,000,000 activities.

The world is the demo world (`seed_demo`: teams, collectors, agencies, debtors, cases and 120
days of calls, promises and payments), topped up with generated calls (one INSERT ... SELECT
over generate_series) until the activity table holds the number asked for. Then:

- the daily statistics are rebuilt for the 120 days (what `manage.py stats_rebuild` does),
  with the portfolio snapshots of each month end and the last day;
- one more day of calls arrives and the incremental refresh (the RQ job) recomputes it;
- every dashboard page (People, Portfolio, Strategy, with filters and sorting, and a CSV) is
  requested by a supervisor and by an admin through the test client; p50/p95 per page.

Usage: `make bench-dashboards` or
`DATABASE_URL=postgres://.../collections_bench_dashboards python bench/dashboards.py
[--debtors 960000] [--activities 10000000] [--keep-world]`.
"""

from __future__ import annotations

import argparse
import datetime as dt
import gc
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

from django.core.management import call_command  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import setup_test_environment  # noqa: E402
from django.urls import reverse  # noqa: E402

from accounts.models import User  # noqa: E402
from cases.models import Activity, Case  # noqa: E402
from common.days import business_day_start  # noqa: E402
from demo.store import deferred_indexes  # noqa: E402
from reporting.models import (  # noqa: E402
    DailyCaseFlow,
    DailyCollectorPerformance,
    DailyPerformance,
    DailyTeamPerformance,
    PortfolioSnapshot,
    QueueSnapshot,
    RollRate,
    StatsDay,
    StatsWatermark,
)
from reporting.stats import (  # noqa: E402
    latest_ids,
    snapshot_days_for,
    stats_rebuild,
    stats_refresh,
)

BUSINESS_DATE = dt.date(2026, 11, 23)
HISTORY_DAYS = 120
FLOOR_MS = 300.0  # each page's p95
EXPORT_LABEL = "Collectors CSV (all rows), admin, 90 days"
STATS_TABLES = (
    DailyPerformance,
    DailyCollectorPerformance,
    DailyTeamPerformance,
    DailyCaseFlow,
    PortfolioSnapshot,
    RollRate,
    QueueSnapshot,
    StatsDay,
    StatsWatermark,
)
# Outcomes of the generated calls, weighted as the demo's (one slot = 5 %).
OUTCOME_SLOTS = (
    ["no_answer"] * 9
    + ["voicemail"] * 5
    + ["rpc", "rpc", "promise", "callback", "refused", "third_party"]
)


def sql(statement: str, params: list | dict | None = None) -> int:
    with connection.cursor() as cursor:
        cursor.execute(statement, params)
        return cursor.rowcount


def timed(label: str, work):
    began = time.perf_counter()
    result = work()
    seconds = time.perf_counter() - began
    print(f"  {label:<58} {seconds:8.1f} s   {result}", flush=True)
    return seconds


def add_calls(count: int, first_day: dt.date, days: int) -> int:
    """`count` calls on open cases, by their team's collectors, spread over `days` days."""
    if count <= 0:
        return 0
    sql("DROP TABLE IF EXISTS bench_callers")
    sql(
        """CREATE TEMP TABLE bench_callers AS
           SELECT u.team_id, array_agg(u.id ORDER BY u.id) AS users
           FROM accounts_user u
           JOIN accounts_user_groups m ON m.user_id = u.id
           JOIN auth_group g ON g.id = m.group_id AND g.name = 'collector'
           WHERE u.team_id IS NOT NULL GROUP BY u.team_id"""
    )
    sql("DROP TABLE IF EXISTS bench_cases")
    sql(
        """CREATE TEMP TABLE bench_cases AS
           SELECT row_number() OVER (ORDER BY c.id) - 1 AS slot, c.id, c.debtor_id,
                  (SELECT p.id FROM cases_contactpoint p WHERE p.debtor_id = c.debtor_id
                   AND p.kind = 'mobile' ORDER BY p.id LIMIT 1) AS phone, u.users
           FROM cases_case c JOIN bench_callers u ON u.team_id = c.team_id
           WHERE c.status NOT IN ('cured', 'closed')"""
    )
    sql("CREATE UNIQUE INDEX ON bench_cases (slot)")
    sql("ANALYZE bench_cases")
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM bench_cases")
        total = cursor.fetchone()[0]
    written = 0
    batch = 1_000_000
    while written < count:
        size = min(batch, count - written)
        written += sql(
            """INSERT INTO cases_activity (case_id, debtor_id, contact_point_id, channel,
                   direction, outcome, notes, actor_id, agency_id, occurred_at,
                   duration_seconds)
               SELECT c.id, c.debtor_id, c.phone, 'call',
                      CASE WHEN g %% 23 = 0 THEN 'inbound' ELSE 'outbound' END,
                      (%(outcomes)s::text[])[1 + (g * 7) %% 20], '',
                      c.users[1 + g %% cardinality(c.users)], NULL,
                      %(start)s + ((g %% %(days)s) || ' days')::interval
                               + (((g * 37) %% 39600 + 32400) || ' seconds')::interval,
                      15 + (g * 7919) %% 600
               FROM generate_series(%(first)s::bigint, %(last)s::bigint) g
               JOIN bench_cases c ON c.slot = (g * 104729) %% %(total)s""",
            {
                "outcomes": OUTCOME_SLOTS,
                "start": business_day_start(first_day),
                "days": days,
                "first": written,
                "last": written + size - 1,
                "total": total,
            },
        )
    return written


def build_world(debtors: int, activities: int) -> None:
    call_command(
        "seed_demo",
        "--reset",
        "--debtors",
        str(debtors),
        "--date",
        BUSINESS_DATE.isoformat(),
        stdout=open(os.devnull, "w"),  # noqa: SIM115 (the command's report is not needed)
    )
    missing = activities - Activity.objects.count()
    first = BUSINESS_DATE - dt.timedelta(days=HISTORY_DAYS - 1)

    def top_up() -> str:
        # Loaded without the table's indexes and keys, rebuilt after: as seed_demo does.
        with transaction.atomic(), deferred_indexes([Activity]):
            return f"{add_calls(missing, first, HISTORY_DAYS):,} calls"

    timed(f"generated calls to reach {activities:,} activities", top_up)
    sql("VACUUM ANALYZE")


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def pages(supervisor: User, admin: User) -> list[tuple[str, User, str, dict]]:
    last = BUSINESS_DATE
    month = {"date_from": (last - dt.timedelta(days=29)).isoformat(), "date_to": last.isoformat()}
    quarter = {**month, "date_from": (last - dt.timedelta(days=89)).isoformat()}
    team = supervisor.supervised_teams.first()
    people = reverse("reporting:page", args=["people"])
    portfolio = reverse("reporting:page", args=["portfolio"])
    strategies = reverse("reporting:page", args=["strategies"])
    collectors_csv = reverse("reporting:csv", args=["people", "collectors"])
    return [
        ("People, supervisor, 30 days", supervisor, people, month),
        (
            "People, supervisor, sorted",
            supervisor,
            people,
            {**month, "sort": "collected", "order": "desc"},
        ),
        ("People, admin, 30 days", admin, people, month),
        ("People, admin, 90 days", admin, people, quarter),
        (
            "People, admin, one team, in-house",
            admin,
            people,
            {**month, "team": team.pk, "agency": "null"},
        ),
        ("Portfolio, supervisor", supervisor, portfolio, month),
        ("Portfolio, admin", admin, portfolio, month),
        ("Portfolio, admin, one product", admin, portfolio, {**month, "product": "Gold"}),
        ("Strategy, supervisor", supervisor, strategies, month),
        ("Strategy, admin, 90 days", admin, strategies, quarter),
        ("Collectors page 2, admin, 90 days", admin, people, {**quarter, "page": 2}),
        (EXPORT_LABEL, admin, collectors_csv, quarter),
    ]


def measure_pages(rounds: int) -> dict[str, list[float]]:
    supervisor = User.objects.get(username="supervisor1")
    admin = User.objects.get(username="admin")
    clients: dict[int, Client] = {}
    for user in (supervisor, admin):
        clients[user.pk] = Client(SERVER_NAME="localhost")
        clients[user.pk].force_login(user)
    timings: dict[str, list[float]] = {}
    plan = pages(supervisor, admin)
    for label, user, url, params in plan:  # warm-up: connections, plans, template caches
        response = clients[user.pk].get(url, params)
        assert response.status_code == 200, (label, response.status_code)
    for _ in range(rounds):
        for label, user, url, params in plan:
            began = time.perf_counter()
            response = clients[user.pk].get(url, params)
            timings.setdefault(label, []).append((time.perf_counter() - began) * 1000)
            assert response.status_code == 200, (label, response.status_code)
    return timings


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--debtors",
        type=int,
        default=960_000,
        help="Demo debtors (about 1.05 cases each; default 960,000).",
    )
    parser.add_argument("--activities", type=int, default=10_000_000)
    parser.add_argument("--rounds", type=int, default=30, help="Requests per page.")
    parser.add_argument("--keep-world", action="store_true", help="Reuse the world already built.")
    args = parser.parse_args()
    if connection.vendor != "postgresql":
        sys.exit("This benchmark runs on PostgreSQL: set DATABASE_URL=postgres://...")
    setup_test_environment(debug=False)  # as in production: no query log
    call_command("migrate", verbosity=0)
    print(
        f"Dashboards benchmark: {args.debtors:,} demo debtors, {args.activities:,} "
        "activities, on PostgreSQL",
        flush=True,
    )
    if not (args.keep_world and Activity.objects.count() >= args.activities):
        timed(
            "built the world (seed_demo + generated calls)",
            lambda: build_world(args.debtors, args.activities) or "built",
        )
    cases, activities = Case.objects.count(), Activity.objects.count()
    print(f"  world: {cases:,} cases, {activities:,} activities", flush=True)

    for model in STATS_TABLES:
        model.objects.all().delete()
    first = BUSINESS_DATE - dt.timedelta(days=HISTORY_DAYS - 1)
    now = business_day_start(BUSINESS_DATE) + dt.timedelta(hours=20)
    snapshots = snapshot_days_for(first, BUSINESS_DATE)

    def rebuild_all() -> str:
        written = stats_rebuild(first=first, last=BUSINESS_DATE, now=now, snapshot_days=snapshots)
        return f"{written:,} rows"

    rebuild = timed(f"stats_rebuild: {HISTORY_DAYS} days, {len(snapshots)} snapshots", rebuild_all)
    # From here the job keeps up: it has read everything the rebuild did.
    StatsWatermark.objects.update_or_create(pk=1, defaults=latest_ids())
    arrived = add_calls(activities // HISTORY_DAYS, BUSINESS_DATE, 1)
    refresh = timed(
        f"stats_refresh after {arrived:,} new calls today",
        lambda: f"{len(stats_refresh(now=now + dt.timedelta(minutes=10)))} days",
    )
    # Measure the pages in steady state: the rebuild rewrote the statistics tables (their
    # dead rows would bring autovacuum in mid-measurement) and left dirty pages to flush.
    for model in STATS_TABLES:
        sql(f"VACUUM ANALYZE {connection.ops.quote_name(model._meta.db_table)}")
    sql("ANALYZE")
    sql("CHECKPOINT")
    # Pages are served by web workers with their own connections, not this loader's session.
    connection.close()
    gc.collect()

    timings = measure_pages(args.rounds)
    print(f"\n  dashboard pages, {args.rounds} requests each (rendered, test client):")
    worst = 0.0
    for label, values in timings.items():
        p50, p95 = percentile(values, 0.5), percentile(values, 0.95)
        if label != EXPORT_LABEL:  # a download, not a page: shown, not held to the floor
            worst = max(worst, p95)
        print(
            f"  {label:<40} p50 {p50:7.1f} ms  p95 {p95:7.1f} ms  "
            f"max {max(values):7.1f} ms  mean {statistics.fmean(values):7.1f} ms"
        )
    print(f"\n  statistics rebuild {rebuild:.1f} s; incremental refresh {refresh:.1f} s")
    met = worst < FLOOR_MS
    print(
        f"  worst page p95: {worst:.1f} ms (floor < {FLOOR_MS:.0f} ms) {'ok' if met else 'MISSED'}"
    )
    print("  RESULT:", "meets the floor" if met else "DOES NOT meet the floor")
    sys.exit(0 if met else 1)


if __name__ == "__main__":
    main()
