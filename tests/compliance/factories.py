"""Builders for compliance tests: a case under a given policy, its contact history, moments."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import factory

from cases.models import Activity, Case, ContactPoint, Strategy
from compliance.log import compliance_log_seal
from compliance.models import ComplianceLogEntry
from tests.factories import ActivityFactory, CardAccountFactory, CaseFactory, ContactPointFactory


class StrategyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Strategy

    name = factory.Sequence(lambda n: f"Compliance test strategy {n}")
    policy = "US-RegF"


def local_moment(text: str, zone: str) -> dt.datetime:
    """'2026-11-23 10:00' on the wall clock of `zone`, as an aware UTC datetime."""
    naive = dt.datetime.fromisoformat(text)
    return naive.replace(tzinfo=ZoneInfo(zone)).astimezone(dt.UTC)


def utc(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text).replace(tzinfo=dt.UTC)


def case_under(policy: str = "US-RegF", *, time_zone: str = "America/New_York", **debtor) -> Case:
    """An open case on a strategy that names `policy`, for a debtor with these fields."""
    account = CardAccountFactory(
        debtor__time_zone=time_zone, **{f"debtor__{name}": value for name, value in debtor.items()}
    )
    return CaseFactory(account=account, strategy=StrategyFactory(policy=policy))


def mobile(case: Case, **fields) -> ContactPoint:
    return ContactPointFactory(debtor=case.debtor, kind="mobile", **fields)


def past_contact(
    case: Case,
    *,
    at: dt.datetime,
    outcome: str = "no_answer",
    channel: str = "call",
    direction: str = "outbound",
    contact_point: ContactPoint | None = None,
) -> Activity:
    return ActivityFactory(
        case=case,
        channel=channel,
        direction=direction,
        outcome=outcome,
        occurred_at=at,
        contact_point=contact_point,
    )


def sealed(entry: ComplianceLogEntry) -> ComplianceLogEntry:
    """`entry` as the chain holds it once the sealer has run (rows are written unsealed)."""
    compliance_log_seal()
    return ComplianceLogEntry.objects.get(pk=entry.pk)
