"""Benchmark: the whole night on the 1,000,000-case world, against the pipeline alone.

The night is what the schedule runs for one business date: the pipeline, the agencies' step
(`collections_site.nightly.run_collections_day`), then dispatch of every message due, by
worker processes through the compliance gate to a local SMS gateway, and the statistics
refresh (with the compliance log's sealing, which the refresh does first). Each step is timed
and the whole is divided by the pipeline alone, run on the same world in the same run.

The world is the pipeline benchmark's (every case new to the ladder, 1 to 150 days past due)
with five agencies. The night starts at 01:30 in the debtors' time zone: the letters it queues
are due at once, the SMS reminders only when the contact window opens, so dispatch judges them
then and sets them aside. The morning's send of those reminders is timed after the night, apart.

Usage: `make bench-night` or `DATABASE_URL=postgres://postgres@127.0.0.1:5432/collections_bench
.venv/bin/python bench/night.py [--cases 1000000] [--workers 2]`
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "collections_site.settings")
os.environ.setdefault("DEBUG", "1")

import django

django.setup()

from django.conf import settings  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.db.models import Count  # noqa: E402

from agencies.models import Agency, AllocationMethod, PlacementRule  # noqa: E402
from agencies.services import agencies_run_day  # noqa: E402
from bench.dispatch_workers import dispatch_in_workers, run_dispatch_worker  # noqa: E402
from bench.pipeline import BUSINESS_DATE, NOW, build_world, print_steps, timed  # noqa: E402
from cases.models import Case, Strategy  # noqa: E402
from compliance.truncation import log_truncation_allowed  # noqa: E402
from pipeline.local_gateway import LocalGateway  # noqa: E402
from pipeline.models import OutboundMessage  # noqa: E402
from pipeline.printing import letters_print  # noqa: E402
from pipeline.services import pipeline_run_day  # noqa: E402
from reporting.stats import stats_refresh  # noqa: E402

MORNING = NOW.replace(hour=13)  # 08:00 in New York: the contact window opens
GOAL = 2.0  # the whole night / the pipeline alone
AGENCY_SHARES = (30, 25, 20, 15, 10)  # percent of the cases reaching the agency stage


def sql(statement: str, params=None) -> int:
    with connection.cursor() as cursor:
        cursor.execute(statement, params)
        return cursor.rowcount


def add_agencies(cases: int) -> None:
    """Five active agencies whose capacities add up to the agency stage's share of the world."""
    at_agency_stage = cases * 30 // 150  # 90 to 119 days past due
    Agency.objects.bulk_create(
        Agency(
            name=f"Agency {i + 1}",
            licence_number=f"LIC-{i + 1}",
            licence_expires_on=dt.date(2030, 1, 1),
            contract_start=dt.date(2026, 1, 1),
            contract_end=dt.date(2027, 12, 31),
            evaluated_on=BUSINESS_DATE - dt.timedelta(days=30),
            commission_rate="0.2000",
            capacity=at_agency_stage * share // 100 + 1,
            placement_days=30,
        )
        for i, share in enumerate(AGENCY_SHARES)
    )
    PlacementRule.objects.update_or_create(
        strategy=Strategy.objects.get(is_default=True),
        defaults={"method": AllocationMethod.CAPACITY_WEIGHTED},
    )


def reset_night() -> None:
    """Everything the night writes, undone: cases back off the ladder, as before the night."""
    with log_truncation_allowed():
        sql(
            "TRUNCATE cases_stageentry, cases_outboundmessage, cases_pipelinerun, "
            "cases_activity, agencies_placement, cases_compliancelogentry, "
            "cases_compliancechainhead CASCADE"
        )
    sql(
        "UPDATE cases_case SET stage_id = NULL, stage_entered_at = NULL, status = 'open', "
        "next_action_at = NULL"
    )
    sql("VACUUM ANALYZE")


def dispatch(workers: int, moment: dt.datetime, gateway: LocalGateway) -> str:
    """Every message due at `moment`, sent by `workers` processes; what they claimed."""
    reports = dispatch_in_workers(__file__, workers, moment, gateway)
    return f"{sum(report['claimed'] for report in reports):,} claimed"


def message_counts() -> str:
    rows = (
        OutboundMessage.objects.values("channel", "status")
        .order_by("channel", "status")
        .annotate(n=Count("id"))
    )
    return ", ".join(f"{row['channel']} {row['status']}: {row['n']:,}" for row in rows)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=1_000_000)
    parser.add_argument("--workers", type=int, default=settings.MESSAGE_DISPATCH_WORKERS)
    parser.add_argument("--keep-world", action="store_true", help="Reuse the cases already built.")
    parser.add_argument("--worker", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--moment", help=argparse.SUPPRESS)
    arguments = parser.parse_args()
    if arguments.worker is not None:
        run_dispatch_worker(arguments.worker, dt.datetime.fromisoformat(arguments.moment))
        return
    if connection.vendor != "postgresql":
        sys.exit("This benchmark runs on PostgreSQL: set DATABASE_URL=postgres://...")
    call_command("migrate", verbosity=0)
    n = arguments.cases
    print(f"Night benchmark: {n:,} open cases, {arguments.workers} dispatch workers", flush=True)
    if not arguments.keep_world or Case.objects.count() != n:
        with log_truncation_allowed():
            sql("TRUNCATE agencies_agency RESTART IDENTITY CASCADE")
        timed("build the world (generate_series)", lambda: build_world(n) or "built")
        add_agencies(n)
    reset_night()

    print("The pipeline alone:")
    runs = []
    pipeline = timed(
        "pipeline_run_day",
        lambda: runs.append(pipeline_run_day(business_date=BUSINESS_DATE, now=NOW)) or "done",
    )
    reset_night()

    print("The night:")
    steps = {}
    runs.clear()
    steps["pipeline"] = timed(
        "pipeline_run_day",
        lambda: (
            runs.append(pipeline_run_day(business_date=BUSINESS_DATE, now=NOW))
            or ", ".join(f"{key} {value:,}" for key, value in runs[0].counts.items())
        ),
    )
    print_steps(runs[0].timings, steps["pipeline"])
    steps["agencies"] = timed(
        "agencies_run_day",
        lambda: ", ".join(
            f"{key} {value:,}"
            for key, value in agencies_run_day(business_date=BUSINESS_DATE, now=NOW).items()
        ),
    )
    gateway = LocalGateway().start()
    try:
        steps["dispatch"] = timed(
            f"dispatch of what is due ({arguments.workers} workers)",
            lambda: dispatch(arguments.workers, NOW, gateway),
        )
        print(f"    messages: {message_counts()}")
        steps["statistics"] = timed(
            "statistics refresh (sealing the log first)",
            lambda: f"{len(stats_refresh(now=NOW))} days",
        )
        night = sum(steps.values())
        print("The morning, apart:")
        morning = timed(
            "dispatch of the reminders when the window opens",
            lambda: dispatch(arguments.workers, MORNING, gateway),
        )
        print(f"    messages: {message_counts()}; the gateway took {len(gateway.delivered):,}")
        printing = timed(
            "print run: the letters into print files (one worker)",
            lambda: f"{letters_print(now=MORNING):,} letters",
        )
    finally:
        gateway.stop()

    print()
    for name, seconds in steps.items():
        print(f"  {name:<12} {seconds:9.2f} s   {seconds / night:6.1%} of the night")
    ratio = night / pipeline
    print(f"  the night   {night:9.2f} s   the pipeline alone {pipeline:.2f} s")
    print(f"  night / pipeline alone = {ratio:.2f} (goal <= {GOAL})")
    print(f"  the morning's reminders: {morning:.2f} s")
    print(f"  the print run, off the night's path: {printing:.2f} s")
    print("  RESULT:", "meets the goal" if ratio <= GOAL else "DOES NOT meet the goal")


if __name__ == "__main__":
    main()
