"""The demo world behind `manage.py seed_demo`: a believable, seeded collections portfolio."""

from __future__ import annotations

import datetime as dt
import gc
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from accounts.models import Team, User
from agencies.models import Agency
from cases.demo.portfolio import COLUMNS, TABLES, DemoRandom, PortfolioBuilder
from cases.demo.staff import Login, build_staff
from cases.demo.store import RowWriter, deferred_indexes, delete_world, demo_users, on_postgres
from cases.models import Activity, Case, Debtor, Strategy

__all__ = ["Login", "SeedReport", "delete_world", "seed_world", "world_exists"]


@contextmanager
def gc_paused() -> Iterator[None]:
    """No cyclic garbage collection while millions of (acyclic) row tuples come and go."""
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


@dataclass
class SeedReport:
    counts: dict[str, int]
    seconds: float
    logins: list[Login]


def world_exists() -> bool:
    """True when there are debtors (demo or real) or demo users in the database."""
    return Debtor.objects.exists() or demo_users().exists()


def seed_world(
    *, seed: int, debtors: int, business_date: dt.date, chunk_size: int = 20_000,
    progress: Callable[[str], None] = lambda line: None,
) -> SeedReport:
    """Build the whole demo world in one transaction (nothing is left half-built)."""
    started = time.monotonic()
    rng = DemoRandom(seed)
    with transaction.atomic():
        strategy = Strategy.objects.get(is_default=True)
        staff = build_staff(rng, debtors, business_date)
        first_ids = {
            model: (model.objects.aggregate(top=Max("id"))["top"] or 0) + 1 for model in TABLES
        }
        builder = PortfolioBuilder(
            rng, business_date, strategy.id, list(strategy.stages.order_by("min_days_past_due")),
            staff.teams, staff.agencies, first_ids, timezone.get_default_timezone(),
        )
        written = dict.fromkeys(TABLES, 0)
        with deferred_indexes(TABLES), gc_paused(), RowWriter(COLUMNS) as writer:
            for first in range(0, debtors, chunk_size):
                count = min(chunk_size, debtors - first)
                rows = builder.build(first, count)
                for model in TABLES:
                    written[model] += len(rows[model])
                writer.write(rows)
                progress(
                    f"debtors {first + count:>9,}/{debtors:,}  cases {written[Case]:>9,}  "
                    f"activities {written[Activity]:>10,}  {time.monotonic() - started:7.1f} s"
                )
            writer.wait()
            if on_postgres():
                progress(f"rebuilding indexes and constraints…  {time.monotonic() - started:.1f} s")
        if on_postgres():
            progress(f"indexes and constraints rebuilt  {time.monotonic() - started:.1f} s")
        for agency in staff.agencies:
            room = -(-builder.placed_per_agency[agency.id] * 5 // 4 // 50) * 50  # +25%, to 50s
            Agency.objects.filter(id=agency.id).update(capacity=max(50, room))
        writer.finish()
    counts = {model._meta.label: model.objects.count() for model in (Team, User, Agency)}
    counts.update((model._meta.label, written[model]) for model in TABLES)
    return SeedReport(counts, time.monotonic() - started, staff.logins)
