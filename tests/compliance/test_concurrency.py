"""Concurrent writers on PostgreSQL: the chain never forks and caps cannot be raced."""

from __future__ import annotations

import datetime as dt
import threading
from itertools import pairwise

import pytest
from django.db import connection, transaction

from compliance.engine import compliance_decide
from compliance.log import compliance_log_seal, compliance_log_verify
from compliance.models import ComplianceLogEntry
from compliance.policies import policy_version_current
from tests.compliance.factories import case_under, mobile, past_contact, utc
from tests.factories import ActivityFactory

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

MOMENT = utc("2026-11-23 15:00")  # 10:00 in New York


def run_in_threads(work, count: int) -> list[BaseException]:
    """Run `work(index)` in `count` threads, each on its own connection, started together."""
    barrier, errors = threading.Barrier(count), []

    def target(index: int) -> None:
        try:
            barrier.wait()
            work(index)
        except BaseException as error:  # reported to the test thread
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=target, args=(index,)) for index in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return errors


def test_twenty_writers_and_three_sealers_leave_one_chain_without_a_gap():
    """Writers append without waiting for one another while sealers chain what they commit."""
    writers, decisions_each, sealers = 20, 6, 3
    targets = []
    for _ in range(writers):
        case = case_under()
        targets.append((case, mobile(case)))
    finished: list[int] = []  # the writers done so far

    def work(index: int) -> None:
        if index >= writers:  # a sealer, sealing until every writer is done
            while len(finished) < writers:
                compliance_log_seal(batch_size=7)
            return
        case, point = targets[index]
        for step in range(decisions_each):
            with transaction.atomic():
                compliance_decide(
                    actor=None,
                    case=case,
                    channel="call",
                    contact_point=point,
                    moment=MOMENT + dt.timedelta(minutes=step),
                )
        finished.append(index)

    assert run_in_threads(work, writers + sealers) == []
    compliance_log_seal()
    rows = list(
        ComplianceLogEntry.objects.order_by("sequence").values_list(
            "sequence", "previous_hash", "entry_hash"
        )
    )
    total = writers * decisions_each
    assert [sequence for sequence, _, _ in rows] == list(range(1, total + 1))
    assert len({previous for _, previous, _ in rows}) == total  # no two rows share a parent
    assert all(row[1] == before[2] for before, row in pairwise(rows))
    assert compliance_log_verify().ok


def test_two_collectors_cannot_both_make_the_last_call_a_cap_allows():
    policy_version_current(code="US-RegF")  # seeded now, so seeding cannot serialise the threads
    case = case_under()
    point = mobile(case)
    for hours_ago in range(1, 7):
        past_contact(case, at=MOMENT - dt.timedelta(hours=hours_ago), contact_point=point)
    verdicts: list[bool] = []

    def call_if_allowed(index: int) -> None:
        with transaction.atomic():
            decision = compliance_decide(
                actor=None, case=case, channel="call", contact_point=point, moment=MOMENT
            )
            if decision.allowed:
                ActivityFactory(case=case, contact_point=point, occurred_at=MOMENT)
            verdicts.append(decision.allowed)

    assert run_in_threads(call_if_allowed, 6) == []
    assert sorted(verdicts) == [False] * 5 + [True]
    assert compliance_log_verify().ok
