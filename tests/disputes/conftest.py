"""Cases under each preset, in `team`'s pool, and a moment inside every contact window."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine

from cases.models import Case
from tests.compliance.factories import case_under

# A Monday, 10:00 in New York: inside the US contact windows.
NOW = dt.datetime(2026, 11, 23, 15, 0, tzinfo=dt.UTC)


@pytest.fixture(autouse=True)
def document_storage(settings, tmp_path):
    """Each test keeps its documents in a folder of its own."""
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def standing_clock():
    """The pages' clock stands at NOW (and runs on)."""
    with time_machine.travel(NOW, tick=True):
        yield NOW


def case_of(team, policy: str, **debtor) -> Case:
    case = case_under(policy, **debtor)
    case.team = team
    case.save(update_fields=["team"])
    return case


@pytest.fixture
def us_case(team) -> Case:
    return case_of(team, "US-RegF")


@pytest.fixture
def cn_case(team) -> Case:
    return case_of(team, "CN-bank", time_zone="Asia/Shanghai")


@pytest.fixture
def uk_case(team) -> Case:
    return case_of(team, "UK-FCA", time_zone="Europe/London")
