"""Cases in the phone stage, for debtors whose local time is inside the call window now."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from cases.models import Case, Stage
from tests.factories import CardAccountFactory, CaseFactory, ContactPointFactory


def zone_at_midday(now: dt.datetime) -> str:
    """A fixed-offset zone where `now` falls between 11:00 and 13:00, whatever the hour.

    The views read the clock, so tests pick the debtor's zone to make "now" callable.
    """
    for offset in range(-12, 15):
        name = f"Etc/GMT{-offset:+d}" if offset else "Etc/GMT"
        if 11 <= now.astimezone(ZoneInfo(name)).hour < 13:
            return name
    raise AssertionError("no zone at midday")  # pragma: no cover


def zone_at_night(now: dt.datetime) -> str:
    for offset in range(-12, 15):
        name = f"Etc/GMT{-offset:+d}" if offset else "Etc/GMT"
        if 1 <= now.astimezone(ZoneInfo(name)).hour < 5:
            return name
    raise AssertionError("no zone at night")  # pragma: no cover


@pytest.fixture
def phone_stage(db) -> Stage:
    return Stage.objects.get(strategy__is_default=True, action=Stage.Action.CALL_QUEUE)


@pytest.fixture
def stage_of(db):
    def stage(action: str) -> Stage:
        return Stage.objects.get(strategy__is_default=True, action=action)

    return stage


@pytest.fixture
def open_zone() -> str:
    return zone_at_midday(timezone.now())


@pytest.fixture
def make_case(phone_stage, open_zone):
    """`make_case(team=team)`: an open phone-stage case with a callable mobile number."""

    def make(*, stage: Stage | None = None, time_zone: str | None = None, **fields):
        account_fields = {"debtor__time_zone": time_zone or open_zone}
        for name in list(fields):
            if name.startswith("debtor__"):
                account_fields[name] = fields.pop(name)
        account = CardAccountFactory(**account_fields)
        fields.setdefault("status", Case.Status.OPEN)
        case = CaseFactory(account=account, stage=stage or phone_stage, **fields)
        ContactPointFactory(debtor=case.debtor)
        return case

    return make
