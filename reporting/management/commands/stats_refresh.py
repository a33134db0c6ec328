"""`manage.py stats_refresh`: what the statistics job does every few minutes, run now."""

from __future__ import annotations

from django.core.management.base import BaseCommand
from django.utils import timezone

from reporting.stats import stats_refresh, stats_snapshot_day


class Command(BaseCommand):
    help = (
        "Recompute the dashboards' statistics of the days whose activities, promises, payments, "
        "stage entries or compliance decisions changed since the last refresh, then take "
        "today's portfolio and queue snapshot."
    )

    def handle(self, *args, **options) -> None:
        now = timezone.now()
        days = stats_refresh(now=now)
        stats_snapshot_day(day=timezone.localdate(now), now=now)
        shown = ", ".join(day.isoformat() for day in days[:10])
        more = f" and {len(days) - 10} more" if len(days) > 10 else ""
        self.stdout.write(f"Recomputed {len(days)} day(s): {shown}{more}; snapshot taken.")
