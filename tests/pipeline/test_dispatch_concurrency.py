"""Dispatch workers competing on PostgreSQL: each message is delivered once, by its
reference, even when a worker dies after the gateway accepted part of its batch."""

from __future__ import annotations

import datetime as dt
import threading

import pytest
from django.db import connection

from cases.models import Activity
from compliance.log import compliance_log_seal, compliance_log_verify
from compliance.models import ComplianceLogEntry
from pipeline.channels import HTTPSMSBackend
from pipeline.local_gateway import LocalGateway
from pipeline.messaging import (
    dispatch_slot,
    messages_dispatch_batch,
    messages_reconcile_stuck,
)
from pipeline.models import OutboundMessage
from tests.pipeline.world import queue_sms_reminders

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

NOON_NEW_YORK = dt.datetime(2026, 11, 23, 17, 0, tzinfo=dt.UTC)


class WorkerKilled(BaseException):
    """Stands for SIGKILL: nothing after it runs, no handler catches it."""


class DyingGateway(HTTPSMSBackend):
    """The batch mode of the HTTP backend, whose process dies once, in the middle of a batch:
    after the gateway accepted the first half of it."""

    died = threading.Event()
    armed = threading.Event()

    def send_many(self, messages):
        if self.armed.is_set() and not self.died.is_set() and len(messages) > 1:
            self.died.set()
            super().send_many(messages[: len(messages) // 2])
            raise WorkerKilled
        return super().send_many(messages)


@pytest.fixture
def gateway(settings):
    gateway = LocalGateway().start()
    settings.SMS_BACKEND = "pipeline.channels.HTTPSMSBackend"
    settings.SMS_GATEWAY_URL = ""
    settings.SMS_GATEWAY_BATCH_URL = gateway.batch_url
    yield gateway
    gateway.stop()


def dispatch_worker(slot: int, *, batch: int) -> None:
    """What `pipeline.jobs.dispatch_messages` does, at a fixed moment inside contact hours."""
    with dispatch_slot(slot) as held:
        assert held
        messages_reconcile_stuck(now=NOON_NEW_YORK, own_slot=slot)
        while messages_dispatch_batch(now=NOON_NEW_YORK, slot=slot, limit=batch)["claimed"]:
            pass


def run_workers(count: int, *, batch: int) -> list[BaseException]:
    """`count` workers in threads, each on its own connection, started together."""
    barrier, errors = threading.Barrier(count), []

    def target(slot: int) -> None:
        try:
            barrier.wait()
            dispatch_worker(slot, batch=batch)
        except BaseException as error:  # reported to the test thread
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=target, args=(slot,)) for slot in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return errors


def assert_each_message_delivered_and_recorded_once(gateway: LocalGateway, count: int) -> None:
    references = {f"msg-{pk}" for pk in OutboundMessage.objects.values_list("pk", flat=True)}
    assert len(references) == count
    assert sorted(gateway.delivered) == sorted(references)  # the gateway delivered each once
    assert OutboundMessage.objects.filter(status="sent").count() == count
    assert Activity.objects.filter(outcome="sent").count() == count
    assert (
        OutboundMessage.objects.exclude(activity=None).values("activity").distinct().count()
        == count
    )
    decisions = ComplianceLogEntry.objects.filter(kind="decision", verdict="allowed")
    assert ComplianceLogEntry.objects.filter(kind="contact").count() == count
    assert decisions.values("case_id").distinct().count() == count
    assert compliance_log_seal() == ComplianceLogEntry.objects.count()
    verification = compliance_log_verify()
    assert verification.ok and verification.pending == 0


def test_four_dispatch_workers_send_each_of_10000_messages_exactly_once(gateway):
    queue_sms_reminders(10_000, queued_at=NOON_NEW_YORK - dt.timedelta(hours=12))

    assert run_workers(4, batch=250) == []

    assert_each_message_delivered_and_recorded_once(gateway, 10_000)
    assert set(gateway.received.values()) == {1}  # none was even handed over twice
    assert ComplianceLogEntry.objects.filter(kind="decision").count() == 10_000


def test_a_batch_whose_worker_died_after_the_gateway_took_half_is_finished_by_another(
    gateway, settings
):
    settings.SMS_BACKEND = f"{__name__}.DyingGateway"
    DyingGateway.died.clear()
    DyingGateway.armed.set()
    queue_sms_reminders(2_000, queued_at=NOON_NEW_YORK - dt.timedelta(hours=12))

    errors = run_workers(4, batch=100)

    assert len(errors) == 1 and isinstance(errors[0], WorkerKilled)
    stranded = OutboundMessage.objects.filter(status="sending")
    assert stranded.count() == 100  # the dead worker's batch, half of it at the gateway
    assert (
        sum(1 for pk in stranded.values_list("pk", flat=True) if f"msg-{pk}" in gateway.delivered)
        == 50
    )
    DyingGateway.armed.clear()

    # The next dispatch finds the dead worker's slot free and sends its batch again.
    assert run_workers(1, batch=100) == []

    assert_each_message_delivered_and_recorded_once(gateway, 2_000)
    assert sorted(gateway.received.values()).count(2) == 50  # sent again, dropped as duplicates
