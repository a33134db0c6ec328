"""The daily statistics behind the dashboards, computed from the raw tables.

Each business day (in the bank's time zone, `TIME_ZONE`) has rows in three tables:

- `DailyPerformance`: calls, promises, payments and compliance decisions of the day;
- `DailyCaseFlow`: cases opened, stage entries and cures of the day;
- `PortfolioSnapshot`: the cases on the books at the end of the day, by days-past-due bucket
  (with `RollRate` for the day's month and, for today, `QueueSnapshot`).

Recomputing a day deletes its rows and inserts them again in one transaction, holding the
day's `StatsDay` row, so running it twice, or two workers at once, leaves the same rows.
`stats_refresh` finds the days whose raw rows changed since its last run and recomputes
those only; `stats_rebuild` recomputes any range of past days on demand.

Attribution (what a figure counts, and for whom):
- a call counts on the day it happened, for the collector who made it (`Activity.actor`) and
  the agency they made it for; a right-party contact is an outbound call whose outcome means
  the debtor was spoken to (RPC_OUTCOMES);
- a promise counts when taken (`promised_on`) and when resolved kept or broken
  (`resolved_on`), for the user who took it;
- a payment counts on the day it was received, credited to the collector who last spoke with
  the debtor on that case (a right-party call, either direction) on or before that day; a
  payment nobody earned that way is credited to no collector (it still counts for the team);
- a compliance decision (blocked, or overridden) counts for the user whose attempt it judged;
- every row carries the case's team, strategy, product and currency as they are when the day
  is computed.

Days past due on a past day come from the case's due date: the account's oldest unpaid due
date while the case is open; for a case closed since, the day before it was opened (the
pipeline opens a case the day after the due date it missed).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator
from decimal import Decimal

from django.db import connection, transaction
from django.db.models import (
    BigIntegerField,
    Count,
    Exists,
    F,
    IntegerField,
    Max,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models import Case as SqlCase
from django.db.models.functions import Cast, TruncDate

from agencies.models import Placement
from cases.buckets import BUCKET_FLOORS, Bucket
from cases.models import Activity, Case, Payment, PromiseToPay, StageEntry
from common.days import bank_time_zone, business_day_of, business_day_start, month_bounds
from common.money import AMOUNT_OUTPUT, TOTAL_OUTPUT
from compliance.log import compliance_log_seal
from compliance.models import ComplianceLogEntry
from pipeline.models import PipelineRun
from reporting.models import (
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
from workspace.selectors import callable_stage_ids

# Outcomes of a call on which the debtor was spoken to.
RPC_OUTCOMES = (
    Activity.Outcome.RIGHT_PARTY_CONTACT,
    Activity.Outcome.PROMISE,
    Activity.Outcome.REFUSED_TO_PAY,
    Activity.Outcome.DISPUTE,
    Activity.Outcome.PAID,
    Activity.Outcome.CALLBACK_REQUESTED,
)
# Days recomputed together in one transaction by a rebuild.
REBUILD_CHUNK_DAYS = 31

PERFORMANCE_KEYS = ("day", "team", "collector", "agency", "strategy", "product", "currency")
PERFORMANCE_MEASURES = (
    "attempts",
    "right_party_contacts",
    "calls_handled",
    "call_seconds",
    "promises",
    "promised_amount",
    "promises_kept",
    "promises_broken",
    "payments",
    "collected",
    "compliance_blocks",
    "compliance_overrides",
)
FLOW_KEYS = ("day", "team", "strategy", "stage", "product", "currency")
# Smaller copies of DailyPerformance, summed over the columns they leave out.
PERFORMANCE_ROLLUPS = {
    DailyTeamPerformance: ("day", "team", "agency", "strategy", "product", "currency"),
    DailyCollectorPerformance: ("day", "team", "collector", "agency", "currency"),
}
FLOW_MEASURES = ("opened", "entered", "cured", "cured_balance")


def local_day(field: str) -> TruncDate:
    """The bank's business day of a timestamp column."""
    return TruncDate(field, tzinfo=bank_time_zone())


def day_range(first: dt.date, last: dt.date) -> Iterator[dt.date]:
    for offset in range((last - first).days + 1):
        yield first + dt.timedelta(days=offset)


# --- Days past due on a given day -----------------------------------------------------------


def on_books(day: dt.date) -> Q:
    """Cases open at the end of `day`: opened by then, not closed by then."""
    end = business_day_start(day + dt.timedelta(days=1))
    return Q(opened_at__lt=end) & (Q(closed_at__isnull=True) | Q(closed_at__gte=end))


def bucket_on(day: dt.date, prefix: str = "") -> SqlCase:
    """The days-past-due bucket a case was in at the end of `day` (see the module notes)."""
    whens = []
    for bucket, floor in BUCKET_FLOORS:
        open_case = Q(
            **{
                f"{prefix}closed_at__isnull": True,
                f"{prefix}account__oldest_unpaid_due_date__lte": day - dt.timedelta(days=floor),
            }
        )
        closed_case = Q(
            **{
                f"{prefix}closed_at__isnull": False,
                f"{prefix}opened_at__lt": business_day_start(day - dt.timedelta(days=floor - 2)),
            }
        )
        whens.append(When(open_case | closed_case, then=Value(int(bucket))))
    return SqlCase(*whens, default=Value(int(Bucket.CURRENT)), output_field=IntegerField())


def balance_on_books(prefix: str = "") -> SqlCase:
    """The balance a case stands for: the account's today while open, else its opening one."""
    return SqlCase(
        When(**{f"{prefix}closed_at__isnull": True}, then=F(f"{prefix}account__balance")),
        default=F(f"{prefix}balance_at_open"),
        output_field=AMOUNT_OUTPUT,
    )


def agency_holding_on(day: dt.date) -> Subquery:
    """The agency a case was placed with on `day`, if any."""
    return Subquery(
        Placement.objects.filter(case_id=OuterRef("pk"), placed_on__lte=day)
        .filter(Q(recalled_on__isnull=True) | Q(recalled_on__gt=day))
        .order_by("-placed_on", "-pk")
        .values("agency_id")[:1]
    )


def credited_collector(case_ref: str = "case_id", day_ref: str = "received_on") -> Subquery:
    """The collector a payment is credited to: the last right-party call on the case by then."""
    return Subquery(
        Activity.objects.filter(
            case_id=OuterRef(case_ref),
            channel=Activity.Channel.CALL,
            outcome__in=RPC_OUTCOMES,
            actor__isnull=False,
        )
        .annotate(call_day=local_day("occurred_at"))
        .filter(call_day__lte=OuterRef(day_ref))
        .order_by("-occurred_at", "-pk")
        .values("actor_id")[:1]
    )


# --- Performance and case flows --------------------------------------------------------------


def _grouped(
    queryset: QuerySet, keys: dict, measures: dict, all_measures: tuple[str, ...]
) -> QuerySet:
    """`queryset` grouped by the key expressions, with every measure of the table as a
    column (0 where this source has none), so that the sources of a table can be unioned."""
    aliases = {f"key_{name}": expression for name, expression in keys.items()}
    columns = {
        f"measure_{name}": measures.get(name, Value(0, output_field=IntegerField()))
        for name in all_measures
    }
    return queryset.annotate(**aliases).order_by().values(*aliases).annotate(**columns)


def _case_keys(prefix: str) -> dict:
    return {
        "team": F(f"{prefix}team_id"),
        "strategy": F(f"{prefix}strategy_id"),
        "product": F(f"{prefix}account__product"),
        "currency": F(f"{prefix}account__currency"),
    }


def _performance_sources(first: dt.date, last: dt.date) -> list[QuerySet]:
    start, end = business_day_start(first), business_day_start(last + dt.timedelta(days=1))
    outbound = Q(direction=Activity.Direction.OUTBOUND)
    promise_keys = {
        "collector": F("created_by_id"),
        "agency": F("created_by__agency_id"),
        **_case_keys("case__"),
    }
    sources = [
        (
            Activity.objects.filter(
                channel=Activity.Channel.CALL, occurred_at__gte=start, occurred_at__lt=end
            ),
            {
                "day": local_day("occurred_at"),
                "collector": F("actor_id"),
                "agency": F("agency_id"),
                **_case_keys("case__"),
            },
            {
                "attempts": Count("pk", filter=outbound),
                "right_party_contacts": Count("pk", filter=outbound & Q(outcome__in=RPC_OUTCOMES)),
                "calls_handled": Count("pk"),
                "call_seconds": Sum("duration_seconds"),
            },
        ),
        (
            PromiseToPay.objects.filter(promised_on__range=(first, last)),
            {"day": F("promised_on"), **promise_keys},
            {"promises": Count("pk"), "promised_amount": Sum("amount")},
        ),
        (
            PromiseToPay.objects.filter(
                resolved_on__range=(first, last),
                status__in=(PromiseToPay.Status.KEPT, PromiseToPay.Status.BROKEN),
            ),
            {"day": F("resolved_on"), **promise_keys},
            {
                "promises_kept": Count("pk", filter=Q(status=PromiseToPay.Status.KEPT)),
                "promises_broken": Count("pk", filter=Q(status=PromiseToPay.Status.BROKEN)),
            },
        ),
        (
            Payment.objects.filter(received_on__range=(first, last), case__isnull=False),
            {
                "day": F("received_on"),
                "collector": credited_collector(),
                "agency": F("agency_id"),
                **_case_keys("case__"),
            },
            {"payments": Count("pk"), "collected": Sum("amount")},
        ),
        (
            ComplianceLogEntry.objects.filter(
                kind=ComplianceLogEntry.Kind.DECISION,
                verdict__in=(
                    ComplianceLogEntry.Verdict.BLOCKED,
                    ComplianceLogEntry.Verdict.OVERRIDDEN,
                ),
                occurred_at__gte=start,
                occurred_at__lt=end,
            ),
            {
                "day": local_day("occurred_at"),
                "collector": F("actor_id"),
                "agency": F("agency_id"),
                **_case_keys("case__"),
            },
            {
                "compliance_blocks": Count(
                    "pk", filter=Q(verdict=ComplianceLogEntry.Verdict.BLOCKED)
                ),
                "compliance_overrides": Count(
                    "pk", filter=Q(verdict=ComplianceLogEntry.Verdict.OVERRIDDEN)
                ),
            },
        ),
    ]
    return [
        _grouped(queryset, _ordered(keys, PERFORMANCE_KEYS), measures, PERFORMANCE_MEASURES)
        for queryset, keys, measures in sources
    ]


def _flow_sources(first: dt.date, last: dt.date) -> list[QuerySet]:
    start, end = business_day_start(first), business_day_start(last + dt.timedelta(days=1))
    no_stage = Cast(Value(None), BigIntegerField())
    sources = [
        (
            Case.objects.filter(opened_at__gte=start, opened_at__lt=end),
            {"day": local_day("opened_at"), "stage": no_stage, **_case_keys("")},
            {"opened": Count("pk")},
        ),
        (
            StageEntry.objects.filter(entered_on__range=(first, last)),
            {"day": F("entered_on"), "stage": F("stage_id"), **_case_keys("case__")},
            {"entered": Count("pk")},
        ),
        (
            Case.objects.filter(status=Case.Status.CURED, closed_at__gte=start, closed_at__lt=end),
            {"day": local_day("closed_at"), "stage": F("stage_id"), **_case_keys("")},
            {"cured": Count("pk"), "cured_balance": Sum("balance_at_open")},
        ),
    ]
    return [
        _grouped(queryset, _ordered(keys, FLOW_KEYS), measures, FLOW_MEASURES)
        for queryset, keys, measures in sources
    ]


def _ordered(keys: dict, order: tuple[str, ...]) -> dict:
    return {name: keys[name] for name in order}


def _insert_summed(
    model, sources: list[QuerySet], keys: tuple[str, ...], measures: tuple[str, ...]
) -> int:
    """One INSERT ... SELECT summing the unioned sources per key: the rows never leave the
    database. Returns the number of rows inserted."""
    union = sources[0].union(*sources[1:], all=True).order_by()
    sql, params = union.query.sql_with_params()
    quote = connection.ops.quote_name
    key_columns = ", ".join(quote(f"key_{name}") for name in keys)
    sums = ", ".join(f"SUM({quote(f'measure_{name}')})" for name in measures)
    targets = ", ".join(quote(model._meta.get_field(name).column) for name in (*keys, *measures))
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {quote(model._meta.db_table)} ({targets}) "
            f"SELECT {key_columns}, {sums} FROM ({sql}) AS sources GROUP BY {key_columns}",
            params,
        )
        return cursor.rowcount


def _insert_rollup(model, keys: tuple[str, ...], first: dt.date, last: dt.date) -> int:
    """Sum the days' DailyPerformance rows over the columns `model` leaves out."""
    rows = (
        DailyPerformance.objects.filter(day__range=(first, last))
        .order_by()
        .values(*keys)
        .annotate(**{f"measure_{name}": Sum(name) for name in PERFORMANCE_MEASURES})
    )
    sql, params = rows.query.sql_with_params()
    quote = connection.ops.quote_name
    targets = ", ".join(
        quote(model._meta.get_field(name).column) for name in (*keys, *PERFORMANCE_MEASURES)
    )
    with connection.cursor() as cursor:
        cursor.execute(f"INSERT INTO {quote(model._meta.db_table)} ({targets}) {sql}", params)
        return cursor.rowcount


def _lock_days(days: list[dt.date]) -> None:
    """Create the days' StatsDay rows if missing and lock them until the transaction ends."""
    existing = set(StatsDay.objects.filter(day__in=days).values_list("day", flat=True))
    StatsDay.objects.bulk_create(
        [StatsDay(day=day) for day in days if day not in existing], ignore_conflicts=True
    )
    list(StatsDay.objects.select_for_update().filter(day__in=days).order_by("day"))


def stats_compute_days(*, first: dt.date, last: dt.date, now: dt.datetime) -> int:
    """Recompute the performance and case-flow rows of every day from `first` to `last`.

    Returns the number of rows written.
    """
    days = list(day_range(first, last))
    with transaction.atomic():
        _lock_days(days)
        DailyPerformance.objects.filter(day__range=(first, last)).delete()
        DailyCaseFlow.objects.filter(day__range=(first, last)).delete()
        written = _insert_summed(
            DailyPerformance,
            _performance_sources(first, last),
            PERFORMANCE_KEYS,
            PERFORMANCE_MEASURES,
        )
        written += _insert_summed(
            DailyCaseFlow, _flow_sources(first, last), FLOW_KEYS, FLOW_MEASURES
        )
        for rollup, keys in PERFORMANCE_ROLLUPS.items():
            rollup.objects.filter(day__range=(first, last)).delete()
            written += _insert_rollup(rollup, keys, first, last)
        StatsDay.objects.filter(day__in=days).update(flows_computed_at=now)
    return written


# --- Snapshots: the portfolio at a day's end, roll rates, the queue ---------------------------


# What snapshots and roll rates are filed under, as the case is when its day is computed.
CASE_DIMENSIONS = {
    "key_team": F("team_id"),
    "key_strategy": F("strategy_id"),
    "key_product": F("account__product"),
    "key_currency": F("account__currency"),
}


def _portfolio_rows(day: dt.date) -> list[PortfolioSnapshot]:
    rows = (
        Case.objects.filter(on_books(day))
        .annotate(
            key_agency=agency_holding_on(day),
            key_bucket=bucket_on(day),
            **CASE_DIMENSIONS,
        )
        .order_by()
        .values(
            "key_agency", "key_bucket", "key_team", "key_strategy", "key_product", "key_currency"
        )
        .annotate(cases=Count("pk"), balance=Sum(balance_on_books(), output_field=TOTAL_OUTPUT))
    )
    return [
        PortfolioSnapshot(
            day=day,
            team_id=row["key_team"],
            agency_id=row["key_agency"],
            strategy_id=row["key_strategy"],
            product=row["key_product"],
            currency=row["key_currency"],
            bucket=row["key_bucket"],
            cases=row["cases"],
            balance=row["balance"] or Decimal(0),
        )
        for row in rows
    ]


def roll_window(day: dt.date) -> tuple[dt.date, dt.date, dt.date]:
    """(month, first month end, second month end or `day`) for the month holding `day`."""
    month = day.replace(day=1)
    return month, month - dt.timedelta(days=1), min(month_bounds(day)[1], day)


def to_bucket(until: dt.date) -> SqlCase:
    """Where a case stood at the end of `until`: cured, closed otherwise, or its bucket."""
    end = business_day_start(until + dt.timedelta(days=1))
    return SqlCase(
        When(closed_at__lt=end, status=Case.Status.CURED, then=Value(int(Bucket.CURED))),
        When(closed_at__lt=end, then=Value(int(Bucket.CLOSED))),
        default=bucket_on(until),
        output_field=IntegerField(),
    )


def _roll_rows(day: dt.date) -> list[RollRate]:
    month, start, until = roll_window(day)
    rows = (
        Case.objects.filter(on_books(start))
        .annotate(
            key_from=bucket_on(start),
            key_to=to_bucket(until),
            **CASE_DIMENSIONS,
        )
        .order_by()
        .values("key_from", "key_to", "key_team", "key_strategy", "key_product", "key_currency")
        .annotate(cases=Count("pk"), balance=Sum(balance_on_books(), output_field=TOTAL_OUTPUT))
    )
    return [
        RollRate(
            month=month,
            as_of=until,
            team_id=row["key_team"],
            strategy_id=row["key_strategy"],
            product=row["key_product"],
            currency=row["key_currency"],
            from_bucket=row["key_from"],
            to_bucket=row["key_to"],
            cases=row["cases"],
            balance=row["balance"] or Decimal(0),
        )
        for row in rows
    ]


def queue_cases() -> QuerySet[Case]:
    """The in-house call queue: open cases in a calling stage, not paused."""
    return Case.objects.filter(
        status=Case.Status.OPEN, stage_id__in=callable_stage_ids(), paused_at__isnull=True
    )


def untouched() -> Q:
    """No call on the case since it entered its current stage."""
    return ~Q(
        Exists(
            Activity.objects.filter(
                case_id=OuterRef("pk"),
                channel=Activity.Channel.CALL,
                occurred_at__gte=OuterRef("stage_entered_at"),
            )
        )
    )


def _queue_rows(day: dt.date, now: dt.datetime) -> list[QueueSnapshot]:
    queue = queue_cases()
    counts = {
        row["team_id"]: row
        for row in queue.order_by()
        .values("team_id")
        .annotate(depth=Count("pk"), untouched=Count("pk", filter=untouched()))
    }
    paused = dict(
        Case.objects.filter(paused_at__isnull=False)
        .exclude(status__in=Case.CLOSED_STATUSES)
        .order_by()
        .values_list("team_id")
        .annotate(Count("pk"))
    )
    snapshots = []
    for team_id in sorted(set(counts) | set(paused), key=lambda team: (team is None, team)):
        row = counts.get(team_id, {"depth": 0, "untouched": 0})
        oldest = (
            (
                queue.filter(team_id=team_id)
                .filter(untouched())
                .order_by("stage_entered_at", "pk")
                .values_list("pk", "stage_entered_at")
                .first()
            )
            if row["untouched"]
            else None
        )
        snapshots.append(
            QueueSnapshot(
                day=day,
                team_id=team_id,
                taken_at=now,
                queue_depth=row["depth"],
                untouched=row["untouched"],
                paused=paused.get(team_id, 0),
                oldest_untouched_case_id=oldest[0] if oldest else None,
                oldest_untouched_since=oldest[1] if oldest else None,
            )
        )
    return snapshots


def stats_snapshot_day(*, day: dt.date, now: dt.datetime) -> int:
    """Recompute the portfolio snapshot at the end of `day` and the roll rates of its month;
    for today, the queue snapshot too. Returns the number of rows written."""
    with transaction.atomic():
        _lock_days([day])
        portfolio = _portfolio_rows(day)
        rolls = _roll_rows(day)
        PortfolioSnapshot.objects.filter(day=day).delete()
        month = day.replace(day=1)
        # A month's roll rates are kept as of its last computed day only.
        RollRate.objects.filter(month=month, as_of__lte=day).delete()
        written = len(PortfolioSnapshot.objects.bulk_create(portfolio, batch_size=2000))
        if not RollRate.objects.filter(month=month).exists():
            written += len(RollRate.objects.bulk_create(rolls, batch_size=2000))
        if day == business_day_of(now):
            QueueSnapshot.objects.filter(day=day).delete()
            written += len(QueueSnapshot.objects.bulk_create(_queue_rows(day, now)))
        StatsDay.objects.filter(day=day).update(snapshot_computed_at=now)
    return written


# --- What changed since the last run ---------------------------------------------------------


def _days_of(queryset: QuerySet, expression) -> set[dt.date]:
    return set(
        queryset.annotate(changed_day=expression)
        .order_by()
        .values_list("changed_day", flat=True)
        .distinct()
    )


def changed_days(watermark: StatsWatermark, *, until: dict[str, int]) -> set[dt.date]:
    """Business days whose statistics rows read something added after the watermark."""
    new_activities = Activity.objects.filter(
        pk__gt=watermark.activity_id, pk__lte=until["activity_id"]
    )
    days = _days_of(new_activities.filter(channel=Activity.Channel.CALL), local_day("occurred_at"))
    # A new right-party call may earn the payments of that day or later on its case.
    rpc = new_activities.filter(channel=Activity.Channel.CALL, outcome__in=RPC_OUTCOMES)
    first_rpc = (
        rpc.annotate(call_day=local_day("occurred_at"))
        .order_by("call_day")
        .values_list("call_day", flat=True)
        .first()
    )
    if first_rpc is not None:
        days |= _days_of(
            Payment.objects.filter(case_id__in=rpc.values("case_id"), received_on__gte=first_rpc),
            F("received_on"),
        )
    days |= _days_of(
        Payment.objects.filter(pk__gt=watermark.payment_id, pk__lte=until["payment_id"]),
        F("received_on"),
    )
    new_promises = PromiseToPay.objects.filter(
        pk__gt=watermark.promise_id, pk__lte=until["promise_id"]
    )
    days |= _days_of(new_promises, F("promised_on"))
    days |= _days_of(
        StageEntry.objects.filter(pk__gt=watermark.stage_entry_id, pk__lte=until["stage_entry_id"]),
        F("entered_on"),
    )
    days |= _days_of(
        ComplianceLogEntry.objects.filter(
            sequence__gt=watermark.compliance_sequence, sequence__lte=until["compliance_sequence"]
        ),
        local_day("occurred_at"),
    )
    days |= _days_of(
        Case.objects.filter(pk__gt=watermark.case_id, pk__lte=until["case_id"]),
        local_day("opened_at"),
    )
    # A pipeline run resolves promises and cures cases for its business date, stamped `now`.
    for business_date, started_at, finished_at in PipelineRun.objects.filter(
        pk__gt=watermark.pipeline_run_id, pk__lte=until["pipeline_run_id"], dry_run=False
    ).values_list("business_date", "started_at", "finished_at"):
        days.add(business_date)
        for moment in (started_at, finished_at):
            if moment is not None:
                days.add(business_day_of(moment))
    return days


def latest_ids() -> dict[str, int]:
    def top(queryset: QuerySet, field: str = "pk") -> int:
        return queryset.aggregate(top=Max(field))["top"] or 0

    return {
        "activity_id": top(Activity.objects.all()),
        "payment_id": top(Payment.objects.all()),
        "promise_id": top(PromiseToPay.objects.all()),
        "stage_entry_id": top(StageEntry.objects.all()),
        "compliance_sequence": top(ComplianceLogEntry.objects.all(), "sequence"),
        "pipeline_run_id": top(PipelineRun.objects.filter(finished_at__isnull=False)),
        "case_id": top(Case.objects.all()),
    }


def _contiguous(days: Iterable[dt.date], longest: int) -> Iterator[tuple[dt.date, dt.date]]:
    """(first, last) runs of consecutive days, each at most `longest` days long."""
    run: list[dt.date] = []
    for day in sorted(set(days)):
        if run and (day - run[-1] != dt.timedelta(days=1) or len(run) == longest):
            yield run[0], run[-1]
            run = []
        run.append(day)
    if run:
        yield run[0], run[-1]


def stats_refresh(*, now: dt.datetime) -> list[dt.date]:
    """Recompute the performance and case flows of the days whose raw rows changed since the
    last refresh (snapshots are taken apart, by stats_snapshot_day).

    Today and yesterday are always recomputed: a transaction still open when the watermark
    moved may commit rows with ids below it. The compliance log is sealed first, so every
    decision committed so far counts. Returns the days recomputed.
    """
    compliance_log_seal()
    today = business_day_of(now)
    watermark, _ = StatsWatermark.objects.get_or_create(pk=1)
    until = latest_ids()
    days = changed_days(watermark, until=until) | {today, today - dt.timedelta(days=1)}
    days = {day for day in days if day <= today}
    for first, last in _contiguous(days, REBUILD_CHUNK_DAYS):
        stats_compute_days(first=first, last=last, now=now)
    StatsWatermark.objects.filter(pk=1).update(**until)
    return sorted(days)


def stats_rebuild(
    *, first: dt.date, last: dt.date, now: dt.datetime, snapshot_days: Iterable[dt.date] = ()
) -> int:
    """Recompute every day from `first` to `last`, and the snapshots of `snapshot_days`."""
    written = 0
    for start, end in _contiguous(day_range(first, last), REBUILD_CHUNK_DAYS):
        written += stats_compute_days(first=start, last=end, now=now)
    for day in sorted(set(snapshot_days)):
        written += stats_snapshot_day(day=day, now=now)
    return written


def snapshot_days_for(first: dt.date, last: dt.date) -> list[dt.date]:
    """The snapshots a rebuild of first..last takes by default: each month end, and `last`."""
    days = {last}
    month_end = month_bounds(first)[1]
    while month_end < last:
        days.add(month_end)
        month_end = month_bounds(month_end + dt.timedelta(days=1))[1]
    return sorted(days)
