"""The compliance gate's agency rule: staff act only on their agency's current placements,
while the agency may collect (not suspended, licensed, under contract)."""

from __future__ import annotations

import datetime as dt

import pytest

from accounts.roles import Role
from compliance.engine import compliance_decide
from tests.factories import AgencyFactory, ContactPointFactory, PlacementFactory, UserFactory

pytestmark = pytest.mark.django_db

# 15:00 UTC on a Monday: 10:00 for the factories' New York debtors, inside every call window.
MOMENT = dt.datetime(2026, 11, 23, 15, 0, tzinfo=dt.UTC)
DAY = MOMENT.date()


def call_by_agency_staff(**agency_fields):
    agency = AgencyFactory(**agency_fields)
    agent = UserFactory(role=Role.AGENCY_COLLECTOR, agency=agency)
    placement = PlacementFactory(agency=agency, placed_on=DAY - dt.timedelta(days=3))
    point = ContactPointFactory(debtor=placement.case.debtor)
    decision = compliance_decide(
        actor=agent, case=placement.case, channel="call", contact_point=point, moment=MOMENT
    )
    [gate] = [result for result in decision.results if result.code == "agency_gate"]
    return decision, gate


def test_staff_of_an_eligible_agency_pass_the_gate():
    decision, gate = call_by_agency_staff()
    assert decision.allowed
    assert gate.passed


@pytest.mark.parametrize(
    ("fields", "reason"),
    [
        ({"is_active": False}, "the agency is suspended"),
        ({"licence_expires_on": DAY - dt.timedelta(days=1)}, "its licence expired on 22 Nov 2026"),
        (
            {
                "contract_start": DAY - dt.timedelta(days=400),
                "contract_end": DAY - dt.timedelta(days=1),
            },
            "its contract runs 19 Oct 2025 to 22 Nov 2026",
        ),
    ],
    ids=["suspended", "licence_lapsed", "contract_ended"],
)
def test_staff_of_an_agency_that_may_not_collect_are_blocked(fields, reason):
    decision, gate = call_by_agency_staff(**fields)
    assert not decision.allowed
    assert not gate.passed and not gate.overridable
    assert reason in gate.reason
    assert decision.log_entry.verdict == "blocked"
