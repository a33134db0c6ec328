"""A CN-bank case with a postal address in Shanghai, and the staff who may visit it."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine

from accounts.roles import Role
from cases.models import Case, ContactPoint
from tests.compliance.factories import case_under
from tests.factories import ContactPointFactory, PlacementFactory, UserFactory

SHANGHAI = ZoneInfo("Asia/Shanghai")
# A Monday; planning happens at 11:00 in Shanghai, the visit the next day.
NOW = dt.datetime(2026, 11, 23, 11, 0, tzinfo=SHANGHAI)
TOMORROW_10 = dt.datetime(2026, 11, 24, 10, 0, tzinfo=SHANGHAI)


@pytest.fixture(autouse=True)
def evidence_storage(settings, tmp_path):
    """Each test keeps its evidence files in a folder of its own."""
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def shanghai_now():
    """The clock of the pages stands at NOW (and runs on)."""
    with time_machine.travel(NOW, tick=True):
        yield NOW


@pytest.fixture
def cn_case(team) -> Case:
    """An in-house case of `team`, in its pool, under CN-bank, debtor in Shanghai."""
    case = case_under("CN-bank", time_zone="Asia/Shanghai")
    case.team = team
    case.save(update_fields=["team"])
    return case


@pytest.fixture
def home(cn_case) -> ContactPoint:
    return ContactPointFactory(
        debtor=cn_case.debtor, kind="postal", value="上海市浦东新区世纪大道 100 号 12 楼"
    )


@pytest.fixture
def partner(team):
    """A second collector of the team: CN-bank sends two."""
    return UserFactory(username="partner", role=Role.COLLECTOR, team=team)


@pytest.fixture
def agency_manager(agency):
    return UserFactory(username="agency-manager", role=Role.AGENCY_MANAGER, agency=agency)


@pytest.fixture
def placed_case(agency) -> Case:
    """A CN-bank case placed with `agency`, with a postal address."""
    case = case_under("CN-bank", time_zone="Asia/Shanghai")
    case.status = Case.Status.PLACED
    case.save(update_fields=["status"])
    PlacementFactory(case=case, agency=agency, placed_on=dt.date(2026, 11, 1))
    ContactPointFactory(debtor=case.debtor, kind="postal", value="北京市朝阳区建国路 1 号")
    return case
