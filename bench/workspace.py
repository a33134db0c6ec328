"""Benchmark: the collector workspace on PostgreSQL with N open cases.

- "next case": COLLECTORS processes (each with its own connection, as web workers would be)
  claim at the same moment, each working its claimed case (it comes back a day later) before
  claiming the next; p50/p95 of the claim and a check that no case was handed to two
  collectors. Measured three ways: one collector alone, all back to back (every collector
  claiming continuously: the machine's saturation), and paced by a think time. Each process
  starts warm, as a running web worker is: its first claim (connecting, building and
  preparing the statement) comes before the start and is reported on its own;
- the case page: the view rendered through the test client for a sample of cases, p50/p95.

The world is bench/pipeline.py's (N debtors, accounts, open cases), moved into the phone
stage and shared among ten teams' pools, each reason spread evenly over the teams: 0.5 %
call-backs due and 0.5 % due later, 1 % broken promises, 1 % new phone-stage entries, 2 %
retries of unanswered calls now due, the rest by score; a third of the debtors in Los
Angeles, where the call window is still shut at the moment judged (15:00 UTC), so the queue
filters them out.

Usage: `DATABASE_URL=postgres://... python bench/workspace.py [--cases 1000000] [--keep-world]`.
"""

from __future__ import annotations

import argparse
import datetime as dt
import multiprocessing
import os
import random
import statistics
import sys
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "collections_site.settings")
os.environ.setdefault("DEBUG", "1")

import django

django.setup()

from django.contrib.auth.models import Group  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.urls import reverse  # noqa: E402

from accounts.models import Team, User  # noqa: E402
from accounts.roles import Role  # noqa: E402
from bench.pipeline import build_world, sql  # noqa: E402
from cases.models import (  # noqa: E402
    CALL_BACK_PRIORITY,
    Case,
    Stage,
)
from pipeline.services import BROKEN_PROMISE_PRIORITY  # noqa: E402
from workspace.services import case_claim_next, case_release_claim  # noqa: E402

# 10:00 in New York, 15:00 in London, 07:00 in Los Angeles (outside the call window).
NOW = dt.datetime(2026, 11, 23, 15, 0, tzinfo=dt.UTC)
TEAMS = 10
FLOORS = {"next case p95": 25.0, "case page p95": 150.0}  # milliseconds


def prepare_queue(cases: int) -> None:
    """Every case in the phone stage of its team's pool, with the queue's mix of reasons."""
    phone = Stage.objects.get(strategy__is_default=True, action=Stage.Action.CALL_QUEUE)
    teams = [Team.objects.get_or_create(name=f"Bench team {n}")[0].pk for n in range(TEAMS)]
    sql(
        """UPDATE cases_case SET stage_id = %(stage)s, status = 'open',
               stage_entered_at = %(entered)s,
               team_id = (%(teams)s::bigint[])[1 + (id / 200) %% %(count)s],
               assigned_to_id = NULL, claimed_by_id = NULL, claim_expires_at = NULL,
               priority_score = CASE WHEN id %% 200 IN (3, 4) THEN %(call_back)s
                                     WHEN id %% 100 = 1 THEN %(broken)s
                                     ELSE priority_score END,
               next_action_at = CASE WHEN id %% 200 = 3 THEN %(now)s - interval '1 hour'
                                     WHEN id %% 200 = 4 THEN %(now)s + interval '2 hours'
                                     WHEN id %% 100 = 1 THEN %(now)s - interval '2 hours'
                                     WHEN id %% 100 = 2 THEN %(entered)s
                                     WHEN id %% 50 = 5 THEN %(now)s - interval '30 minutes'
                                     ELSE NULL END""",
        {
            "stage": phone.pk,
            "entered": NOW - dt.timedelta(days=3),
            "teams": teams,
            "count": TEAMS,
            "broken": BROKEN_PROMISE_PRIORITY,
            "call_back": CALL_BACK_PRIORITY,
            "now": NOW,
        },
    )
    sql(
        "UPDATE cases_debtor SET time_zone = CASE id % 3 WHEN 0 THEN 'America/Los_Angeles' "
        "WHEN 1 THEN 'America/New_York' ELSE 'Europe/London' END"
    )
    sql("VACUUM ANALYZE")
    assert Case.objects.filter(stage=phone).count() == cases


def collectors(count: int) -> list[User]:
    group = Group.objects.get(name=Role.COLLECTOR)
    teams = list(Team.objects.filter(name__startswith="Bench team").order_by("pk"))
    users = []
    for n in range(count):
        user, _ = User.objects.get_or_create(
            username=f"bench-collector-{n}", defaults={"team": teams[n % len(teams)]}
        )
        user.groups.add(group)
        users.append(user)
    return users


def release_bench_claims() -> None:
    sql(
        "UPDATE cases_case SET claimed_by_id = NULL, claim_expires_at = NULL, "
        "next_action_at = NULL WHERE claimed_by_id IS NOT NULL OR next_action_at > %s",
        [NOW],
    )


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def _collector_process(
    user_id: int, claims_each: int, think_ms: float, start, results: multiprocessing.Queue
) -> None:
    """One collector in its own process, as behind a pool of web workers."""
    connection.close()  # never share the parent's connection
    user = User.objects.get(pk=user_id)
    # A web worker is already running when a collector asks: its connection is open and the
    # claim statement built and prepared. That first claim, before the start, is reported
    # on its own.
    began = time.perf_counter()
    warm_up = case_claim_next(user=user, now=NOW)
    first_claim_ms = (time.perf_counter() - began) * 1000
    if warm_up is not None:
        case_release_claim(case=warm_up, user=user)
    times, mine = [], []
    start.wait()
    for _ in range(claims_each):
        # Paced collectors press "next" when they finish a case, not all at the same instant.
        time.sleep(random.uniform(0, 2 * think_ms) / 1000)
        began = time.perf_counter()
        case = case_claim_next(user=user, now=NOW)
        times.append((time.perf_counter() - began) * 1000)
        if case is None:
            break
        mine.append(case.pk)
        # The collector logs an outcome: the case comes back tomorrow.
        Case.objects.filter(pk=case.pk).update(next_action_at=NOW + dt.timedelta(days=1))
    connection.close()
    results.put((times, mine, first_claim_ms))


def claim_race(
    users: list[User], claims_each: int, think_ms: float
) -> tuple[list[float], Counter, list[float]]:
    """Every user claims `claims_each` cases, all processes starting together; between two
    claims each collector "works" the case for a random 0..2*think_ms (0: back to back)."""
    context = multiprocessing.get_context("fork")
    start, results = context.Barrier(len(users)), context.Queue()
    connection.close()
    processes = [
        context.Process(
            target=_collector_process, args=(user.pk, claims_each, think_ms, start, results)
        )
        for user in users
    ]
    for process in processes:
        process.start()
    latencies: list[float] = []
    first_claims: list[float] = []
    claimed: Counter = Counter()
    for _ in processes:
        times, mine, first_claim_ms = results.get()
        latencies.extend(times)
        claimed.update(mine)
        first_claims.append(first_claim_ms)
    for process in processes:
        process.join()
    return latencies, claimed, first_claims


def case_pages(users: list[User], case_ids: list[int]) -> list[float]:
    by_team: dict[int, User] = {user.team_id: user for user in users}
    clients: dict[int, Client] = {}
    latencies = []
    for case_id, team_id in Case.objects.filter(pk__in=case_ids).values_list("pk", "team_id"):
        client = clients.get(team_id)
        if client is None:
            client = clients[team_id] = Client(SERVER_NAME="localhost")
            client.force_login(by_team[team_id])
        began = time.perf_counter()
        response = client.get(reverse("workspace:detail", args=[case_id]))
        latencies.append((time.perf_counter() - began) * 1000)
        assert response.status_code == 200, response.status_code
    return latencies


def report(label: str, values: list[float]) -> float:
    p50, p95 = percentile(values, 0.50), percentile(values, 0.95)
    print(
        f"  {label:<28} n={len(values):>6,}  p50 {p50:7.2f} ms  p95 {p95:7.2f} ms  "
        f"max {max(values):7.2f} ms  mean {statistics.fmean(values):7.2f} ms"
    )
    return p95


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=1_000_000)
    parser.add_argument("--collectors", type=int, default=50)
    parser.add_argument("--claims-each", type=int, default=40)
    parser.add_argument("--pages", type=int, default=300)
    parser.add_argument(
        "--think-ms",
        type=float,
        default=500,
        help="Mean time a collector spends on a case before the next claim (0: back to back).",
    )
    parser.add_argument("--keep-world", action="store_true", help="Reuse the cases already built.")
    args = parser.parse_args()
    if connection.vendor != "postgresql":
        sys.exit("This benchmark runs on PostgreSQL: set DATABASE_URL=postgres://...")
    call_command("migrate", verbosity=0)
    print(f"Workspace benchmark: {args.cases:,} open cases on PostgreSQL", flush=True)
    began = time.perf_counter()
    if not args.keep_world or Case.objects.count() != args.cases:
        build_world(args.cases)
    prepare_queue(args.cases)
    print(f"  built the world in {time.perf_counter() - began:.1f} s", flush=True)
    release_bench_claims()
    users = collectors(args.collectors)

    alone, _, _ = claim_race(users[:1], args.claims_each, 0)
    release_bench_claims()
    back_to_back, claimed_at_once, _ = claim_race(users, args.claims_each, 0)
    release_bench_claims()
    latencies, claimed, first_claims = claim_race(users, args.claims_each, args.think_ms)
    doubles = sum(1 for count in claimed.values() if count > 1)
    doubles += sum(1 for count in claimed_at_once.values() if count > 1)
    pages = case_pages(users, list(claimed)[: args.pages])
    release_bench_claims()

    print(f"  next case, {args.claims_each} claims per collector:")
    report("1 collector alone", alone)
    report(f"{args.collectors} back to back", back_to_back)
    report("first claim of a session", first_claims)
    figures = {
        "next case p95": report(f"{args.collectors}, ~{args.think_ms:.0f} ms per case", latencies),
        "case page p95": report("case page (GET, rendered)", pages),
    }
    print(f"  cases claimed: {len(claimed_at_once) + len(claimed):,}; claimed twice: {doubles}")
    ok = doubles == 0
    for name, floor in FLOORS.items():
        met = figures[name] < floor
        ok &= met
        verdict = "ok" if met else "MISSED"
        print(f"  {name}: {figures[name]:.2f} ms (floor < {floor:.0f} ms) {verdict}")
    print("  RESULT:", "meets the floors" if ok else "DOES NOT meet the floors")
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
