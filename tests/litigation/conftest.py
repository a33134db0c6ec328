"""A legal team, a law firm, and a case referred to litigation."""

from __future__ import annotations

import datetime as dt

import pytest

from accounts.roles import Role
from cases.models import Case, Stage, Strategy
from litigation.models import LawFirm, Lawsuit
from litigation.services import lawsuits_open_for_referrals
from tests.factories import CaseFactory, UserFactory

BUSINESS_DATE = dt.date(2026, 11, 20)
NOW = dt.datetime(2026, 11, 20, 15, 0, tzinfo=dt.UTC)


def later(**delta) -> dt.datetime:
    return NOW + dt.timedelta(**delta)


@pytest.fixture
def lawyer(db):
    return UserFactory(username="lawyer", role=Role.LEGAL)


@pytest.fixture
def other_lawyer(db):
    return UserFactory(username="counsel", role=Role.LEGAL)


@pytest.fixture
def law_firm(db):
    return LawFirm.objects.create(
        name="Hart & Vale LLP", contact_name="J. Hart", contract_reference="PANEL-2026-01"
    )


@pytest.fixture
def referred_case(team) -> Case:
    return CaseFactory(team=team, status=Case.Status.LITIGATION)


@pytest.fixture
def lawsuit(referred_case) -> Lawsuit:
    lawsuits_open_for_referrals(business_date=BUSINESS_DATE, now=NOW)
    return Lawsuit.objects.get(case=referred_case)


@pytest.fixture
def litigation_stage(db) -> Stage:
    return Strategy.objects.get(is_default=True).stages.get(action=Stage.Action.LITIGATION)
