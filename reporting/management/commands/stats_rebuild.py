"""`manage.py stats_rebuild`: recompute the dashboards' statistics for any past days."""

from __future__ import annotations

import time

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from common.commands import iso_date
from reporting.stats import day_range, snapshot_days_for, stats_rebuild


class Command(BaseCommand):
    help = (
        "Recompute the daily statistics behind the dashboards for a range of days: calls, "
        "promises, payments, compliance decisions and case flows of every day, and the "
        "portfolio snapshot (with roll rates) of each month end and of the last day."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--date",
            type=iso_date,
            default=None,
            help="One day, YYYY-MM-DD (default: today).",
        )
        parser.add_argument(
            "--from",
            dest="first",
            type=iso_date,
            default=None,
            help="First day of a range, YYYY-MM-DD.",
        )
        parser.add_argument(
            "--to",
            dest="last",
            type=iso_date,
            default=None,
            help="Last day of the range (default: today).",
        )
        parser.add_argument(
            "--snapshots",
            choices=("month-ends", "every-day", "none"),
            default="month-ends",
            help="Which days get a portfolio snapshot (default: each month end "
            "in the range and its last day).",
        )

    def handle(self, *args, **options) -> None:
        now = timezone.now()
        today = timezone.localdate(now)
        if options["date"] and (options["first"] or options["last"]):
            raise CommandError("Give either --date or --from/--to, not both.")
        first = options["date"] or options["first"] or today
        last = options["date"] or options["last"] or today
        if last < first:
            raise CommandError(f"The range ends ({last}) before it starts ({first}).")
        if last > today:
            raise CommandError(f"{last} has not happened yet (today is {today}).")
        snapshots = {
            "month-ends": snapshot_days_for(first, last),
            "every-day": list(day_range(first, last)),
            "none": [],
        }[options["snapshots"]]
        started = time.monotonic()
        written = stats_rebuild(first=first, last=last, now=now, snapshot_days=snapshots)
        days = (last - first).days + 1
        self.stdout.write(
            f"Recomputed {days} day{'s' if days > 1 else ''} ({first} to {last}) and "
            f"{len(snapshots)} snapshot{'s' if len(snapshots) != 1 else ''}: {written:,} rows "
            f"in {time.monotonic() - started:.1f} s."
        )
