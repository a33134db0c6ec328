"""The demo world behind `manage.py seed_demo`: a believable, seeded collections portfolio."""

from __future__ import annotations

import datetime as dt
import gc
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from decimal import Decimal

from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from accounts.models import Team, User
from agencies.models import Agency, PlacementRule
from agencies.services.money import statements_write
from cases.models import Activity, Case, Debtor, Payment, ReportedPayment, Stage, Strategy
from common.days import month_bounds
from compliance.models import PortfolioPolicy
from compliance.policies import policy_version_current
from demo.casework import write_casework
from demo.portfolio import (
    COLUMNS,
    DEMO_PLACEMENT_RULE,
    HISTORY_DAYS,
    TABLES,
    DemoRandom,
    PortfolioBuilder,
)
from demo.profiles import DEFAULT, WorldProfile
from demo.staff import Login, build_staff
from demo.store import RowWriter, deferred_indexes, delete_world, demo_users, on_postgres
from demo.visits import write_visits
from reporting.stats import snapshot_days_for, stats_rebuild
from visits.models import Visit

# The days of statistics computed with the world: the dashboards' default period (30 days),
# the period before it (their key figures' comparison), and back to a month end (roll rates).
STATISTICS_DAYS = 60

__all__ = [
    "Login",
    "SeedReport",
    "delete_world",
    "seed_statistics",
    "seed_world",
    "world_exists",
]


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


def agency_stage_days(stages: list[Stage]) -> int:
    """Days from the ladder's agency stage to the next one (a placement lasts that long)."""
    thresholds = [stage.min_days_past_due for stage in stages]
    for i, stage in enumerate(stages[:-1]):
        if stage.action == Stage.Action.AGENCY:
            return thresholds[i + 1] - thresholds[i]
    return 90


def write_statements(business_date: dt.date, run_at: Callable[[int], dt.datetime]) -> None:
    """Every agency's statement for each whole month of the history, as the nightly run of
    the next month's first day wrote it (the demo's payments are attributed already)."""
    month, _ = month_bounds(business_date - dt.timedelta(days=HISTORY_DAYS))
    while (end := month_bounds(month)[1]) < business_date.replace(day=1):
        following = end + dt.timedelta(days=1)
        statements_write(month=month, now=run_at(following.toordinal()))
        month = following


def seed_world(
    *,
    seed: int,
    debtors: int,
    business_date: dt.date,
    chunk_size: int = 20_000,
    profile: WorldProfile = DEFAULT,
    progress: Callable[[str], None] = lambda line: None,
) -> SeedReport:
    """Build the whole demo world in one transaction (nothing is left half-built)."""
    started = time.monotonic()
    rng = DemoRandom(seed)
    with transaction.atomic():
        strategy = Strategy.objects.get(is_default=True)
        stages = list(strategy.stages.order_by("min_days_past_due"))
        staff = build_staff(rng, debtors, business_date, agency_stage_days(stages), profile)
        if profile.portfolio_policy:
            _portfolio_follows(profile)
        PlacementRule.objects.update_or_create(strategy=strategy, defaults=DEMO_PLACEMENT_RULE)
        first_ids = {
            model: (model.objects.aggregate(top=Max("id"))["top"] or 0) + 1 for model in TABLES
        }
        builder = PortfolioBuilder(
            rng,
            business_date,
            strategy.id,
            stages,
            staff.teams,
            staff.agencies,
            first_ids,
            timezone.get_default_timezone(),
            profile,
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
        write_statements(business_date, builder.run_at)
        seed_reported_payments(rng, business_date, strategy.unconfirmed_payment_days)
        write_visits(business_date=business_date)
        write_casework(business_date=business_date)
    counts = {
        model._meta.label: model.objects.count()
        for model in (Team, User, Agency, ReportedPayment, Visit)
    }
    counts.update((model._meta.label, written[model]) for model in TABLES)
    return SeedReport(counts, time.monotonic() - started, staff.logins)


# Reported payments of the demo: confirmed by the bank's payments, awaiting it, flagged.
DEMO_REPORTED = {"confirmed": 6, "reported": 4, "flagged": 2}


def seed_reported_payments(rng: DemoRandom, business_date: dt.date, grace_days: int) -> None:
    """A few payments collectors reported: some the bank confirmed (the reporter quoted the
    bank's reference), some still awaiting it, some it never confirmed in time."""
    zone = timezone.get_default_timezone()
    paid = list(
        Payment.objects.filter(case__isnull=False, case__assigned_to__isnull=False)
        .select_related("case")
        .order_by("-received_on", "pk")[: DEMO_REPORTED["confirmed"]]
    )
    unpaid = list(
        Case.objects.filter(status=Case.Status.OPEN, assigned_to__isnull=False)
        .exclude(account__payments__received_on__gte=business_date - dt.timedelta(days=30))
        .select_related("account")
        .order_by("pk")[: DEMO_REPORTED["reported"] + DEMO_REPORTED["flagged"]]
    )
    reports = []

    def reported(case: Case, days_ago: int, **fields) -> ReportedPayment:
        day = business_date - dt.timedelta(days=days_ago)
        moment = dt.datetime.combine(day, dt.time(rng.randint(9, 17), rng.randint(0, 59)), zone)
        return ReportedPayment(
            case=case,
            account_id=case.account_id,
            reported_by_id=case.assigned_to_id,
            reported_at=moment,
            reported_on=day,
            **fields,
        )

    for payment in paid:
        report = reported(
            payment.case,
            (business_date - payment.received_on).days + 1,  # reported the day before
            amount=payment.amount,
            currency=payment.currency,
            method=ReportedPayment.Method.BANK_TRANSFER,
            payer_reference=payment.external_reference,
            reference_key=ReportedPayment.key_of(payment.external_reference),
            paid_on=payment.received_on,
            status=ReportedPayment.Status.CONFIRMED,
            confirmed_by=payment,
        )
        report.confirmed_at = report.reported_at + dt.timedelta(days=1)
        reports.append(report)
    for n, case in enumerate(unpaid):
        flagged = n >= DEMO_REPORTED["reported"]
        days_ago = grace_days + rng.randint(1, 5) if flagged else rng.randint(0, grace_days // 2)
        report = reported(
            case,
            days_ago,
            amount=min(case.account.minimum_due, case.account.balance).max(Decimal("10.00")),
            currency=case.account.currency,
            method=ReportedPayment.Method.CARD_BY_PHONE,
            payer_reference=f"AUTH-{rng.randint(100000, 999999)}",
            paid_on=business_date - dt.timedelta(days=days_ago + 1),
        )
        report.reference_key = ReportedPayment.key_of(report.payer_reference)
        if flagged:
            report.status = ReportedPayment.Status.FLAGGED
            report.flagged_on = report.reported_on + dt.timedelta(days=grace_days)
        reports.append(report)
    ReportedPayment.objects.bulk_create(reports)


def _portfolio_follows(profile: WorldProfile) -> None:
    """The world's portfolio (every place of the profile's) under the profile's policy."""
    policy = policy_version_current(code=profile.portfolio_policy).policy
    for portfolio in {place.portfolio for place in profile.places}:
        PortfolioPolicy.objects.update_or_create(portfolio=portfolio, defaults={"policy": policy})


def seed_statistics(*, business_date: dt.date, now: dt.datetime) -> int:
    """The dashboards' first statistics, as the statistics jobs would have computed them:
    the last STATISTICS_DAYS days, with the snapshots of their month ends and of the
    business date (buckets, roll rates and the call queue)."""
    first = business_date - dt.timedelta(days=STATISTICS_DAYS - 1)
    return stats_rebuild(
        first=first,
        last=business_date,
        now=now,
        snapshot_days=snapshot_days_for(first, business_date),
    )
