"""The statistics table equals a full recomputation, however the days were kept up to date."""

from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal

import django_rq
import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from rq import SimpleWorker

from cases.models import Activity, PromiseToPay, StageEntry
from compliance.engine import compliance_decide
from reporting.jobs import refresh_statistics
from reporting.models import (
    DailyCaseFlow,
    DailyCollectorPerformance,
    DailyPerformance,
    DailyTeamPerformance,
    PortfolioSnapshot,
    RollRate,
    StatsDay,
)
from reporting.stats import (
    stats_compute_days,
    stats_rebuild,
    stats_refresh,
    stats_snapshot_day,
)
from tests.factories import PaymentFactory, PromiseToPayFactory
from tests.reporting.conftest import DAY, at, call, days, make_case

pytestmark = pytest.mark.django_db

OUTCOMES = ["no_answer", "voicemail", "rpc", "promise", "refused", "callback", "wrong_number"]


def table(model) -> list[tuple]:
    """Every row of a statistics table, without its id, in a stable order."""
    fields = [f.attname for f in model._meta.concrete_fields if f.name != "id"]
    return sorted(
        (tuple(row) for row in model.objects.values_list(*fields)),
        key=lambda row: tuple((value is None, str(value)) for value in row),
    )


def statistics() -> dict:
    return {
        model: table(model)
        for model in (
            DailyPerformance,
            DailyCollectorPerformance,
            DailyTeamPerformance,
            DailyCaseFlow,
        )
    }


def random_day(rng, day, cases, people, supervisor, stage):
    """A day of random calls, promises, payments, stage entries and gate decisions."""
    for _ in range(rng.randint(5, 15)):
        case = rng.choice(cases)
        direction = rng.choice([Activity.Direction.OUTBOUND] * 4 + [Activity.Direction.INBOUND])
        call(
            case,
            rng.choice(people),
            at(day, rng.randint(8, 19), rng.randint(0, 59)),
            rng.choice(OUTCOMES),
            rng.randint(5, 900),
            direction,
        )
    for case in rng.sample(cases, 2):
        if not case.promises.filter(status=PromiseToPay.Status.PENDING).exists():
            PromiseToPayFactory(
                case=case,
                created_by=rng.choice(people),
                promised_on=day,
                due_date=day + days(rng.randint(1, 5)),
                amount=Decimal(rng.randint(10, 500)),
            )
    for promise in PromiseToPay.objects.filter(
        status=PromiseToPay.Status.PENDING, due_date__lt=day
    ):
        promise.status = rng.choice([PromiseToPay.Status.KEPT, PromiseToPay.Status.BROKEN])
        promise.resolved_on = day
        promise.save()
    for case in rng.sample(cases, 3):
        PaymentFactory(
            account=case.account,
            case=case,
            received_on=day,
            amount=Decimal(rng.randint(100, 9999)) / 100,
        )
    case = rng.choice(cases)
    if not StageEntry.objects.filter(case=case, stage=stage).exists():
        StageEntry.objects.create(
            case=case, stage=stage, entered_on=day, entered_at=at(day, 2), days_past_due=30
        )
    compliance_decide(
        actor=rng.choice(people),
        case=rng.choice(cases),
        channel="call",
        moment=at(day, rng.randint(8, 19)),
        **({"override_reason": "Reviewed", "approver": supervisor} if rng.random() < 0.5 else {}),
    )


def test_statistics_kept_day_by_day_equal_a_full_recomputation(
    team, other_team, collector, outsider, supervisor, stage_of
):
    rng = random.Random(20261110)
    first = DAY - days(6)
    cases = [
        make_case(
            rng.choice([team, other_team]),
            due=first - days(rng.randint(1, 90)),
            balance=str(rng.randint(100, 5000)),
            opened=first - days(1),
        )
        for _ in range(6)
    ]
    for case in cases:
        case.debtor.is_vulnerable = rng.random() < 0.5
        case.debtor.save()
    people = [collector, outsider]
    stage = stage_of("call_queue")

    day = first
    while day <= DAY:
        random_day(rng, day, cases, people, supervisor, stage)
        # The job runs a few times a day; at night it finishes the day.
        stats_refresh(now=at(day, 12))
        random_day(rng, day, cases, people, supervisor, stage)
        stats_refresh(now=at(day, 23, 50))
        day += days(1)
    kept = statistics()
    assert kept[DailyPerformance], "the random days produced figures"

    stats_rebuild(first=first - days(1), last=DAY, now=at(DAY, 23, 59))

    assert statistics() == kept


def test_recomputing_a_day_twice_changes_nothing(world):
    stats_compute_days(first=DAY, last=DAY, now=at(DAY, 23))
    stats_snapshot_day(day=DAY, now=at(DAY, 23))
    once = {**statistics(), PortfolioSnapshot: table(PortfolioSnapshot), RollRate: table(RollRate)}

    stats_compute_days(first=DAY, last=DAY, now=at(DAY, 23, 30))
    stats_snapshot_day(day=DAY, now=at(DAY, 23, 30))

    assert {
        **statistics(),
        PortfolioSnapshot: table(PortfolioSnapshot),
        RollRate: table(RollRate),
    } == once
    assert StatsDay.objects.get(day=DAY).flows_computed_at == at(DAY, 23, 30)


def test_the_refresh_recomputes_only_the_days_that_changed(world, collector):
    stats_refresh(now=at(DAY + days(5), 12))
    late = DAY - days(20)
    call(world["case1"], collector, at(late, 10), "rpc", 100)
    PaymentFactory(
        account=world["case3"].account,
        case=world["case3"],
        received_on=DAY - days(12),
        amount=Decimal("10.00"),
    )

    changed = stats_refresh(now=at(DAY + days(5), 13))

    # DAY too: the new right-party call may now earn case1's payment of DAY.
    today = DAY + days(5)
    assert changed == [DAY - days(20), DAY - days(12), DAY, today - days(1), today]
    assert DailyPerformance.objects.get(day=late, collector=collector).right_party_contacts == 1


def test_a_decision_written_unsealed_on_a_past_day_is_found_by_the_next_refresh(world, collector):
    stats_refresh(now=at(DAY + days(5), 12))
    late = DAY - days(30)
    compliance_decide(actor=collector, case=world["case1"], channel="call", moment=at(late, 10))

    assert late in stats_refresh(now=at(DAY + days(5), 13))


def test_a_new_right_party_call_earns_the_later_payments_of_its_case(world, collector2):
    stats_refresh(now=at(DAY + days(5), 12))
    # Back-dated: collector2 reached case1's debtor after the promise call of DAY.
    call(world["case1"], collector2, at(DAY, 16), "rpc", 60)

    stats_refresh(now=at(DAY + days(5), 13))

    credited = DailyPerformance.objects.filter(day=DAY, payments__gt=0, team=world["case1"].team)
    assert {(row.collector_id, row.collected) for row in credited} >= {
        (collector2.pk, Decimal("80.00") + Decimal("150.00")),
    }


@pytest.fixture
def queue():
    queue = django_rq.get_queue("default")
    queue.connection.flushdb()
    yield queue
    queue.connection.flushdb()


def test_the_refresh_job_runs_through_redis(queue, world, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        queue.enqueue(refresh_statistics)
    [job] = queue.get_jobs()

    SimpleWorker([queue], connection=queue.connection).work(burst=True)

    job.refresh()
    assert job.is_finished, job.latest_result()
    assert DAY.isoformat() in job.return_value()
    assert DailyPerformance.objects.filter(day=DAY).exists()


def test_the_rebuild_command_recomputes_a_range(world, capsys):
    call_command("stats_rebuild", "--from", (DAY - days(2)).isoformat(), "--to", DAY.isoformat())

    out = capsys.readouterr().out
    assert "Recomputed 3 days" in out and "1 snapshot" in out
    assert PortfolioSnapshot.objects.filter(day=DAY).exists()
    assert DailyPerformance.objects.filter(day=DAY).exists()


def test_the_rebuild_command_refuses_a_range_that_ends_before_it_starts(db):
    with pytest.raises(CommandError, match="ends"):
        call_command("stats_rebuild", "--from", "2026-11-10", "--to", "2026-11-01")


def test_the_rebuild_command_refuses_the_future(db):
    future = dt.date.today() + days(30)
    with pytest.raises(CommandError, match="has not happened yet"):
        call_command("stats_rebuild", "--date", future.isoformat())
