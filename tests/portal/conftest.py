"""A debtor who can prove who they are, and their open case."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from cases.identity import national_id_fields
from cases.models import Case, ContactPoint
from common.days import business_day_of
from tests.factories import CardAccountFactory, CaseFactory, ContactPointFactory

BIRTH_DATE = dt.date(1980, 5, 17)
NATIONAL_ID = "110101198005171234"


@pytest.fixture
def case(team) -> Case:
    account = CardAccountFactory(
        account_reference="ACC-PORTAL-1",
        debtor__birth_date=BIRTH_DATE,
        debtor__time_zone="Etc/GMT",
        **{f"debtor__{name}": value for name, value in national_id_fields(NATIONAL_ID).items()},
    )
    case = CaseFactory(account=account, team=team)
    ContactPointFactory(debtor=case.debtor, kind=ContactPoint.Kind.MOBILE, sms_consent=True)
    ContactPointFactory(
        debtor=case.debtor, kind=ContactPoint.Kind.EMAIL, value="debtor@example.com"
    )
    return case


@pytest.fixture
def other_case(team) -> Case:
    """Another debtor's case: the outsider of every access test."""
    account = CardAccountFactory(
        account_reference="ACC-PORTAL-2",
        debtor__birth_date=dt.date(1975, 1, 2),
        **{f"debtor__{name}": value for name, value in national_id_fields("X99887766").items()},
    )
    return CaseFactory(account=account, team=team)


@pytest.fixture
def now() -> dt.datetime:
    return timezone.now()


@pytest.fixture
def business_date(now) -> dt.date:
    return business_day_of(now)


def answers(**changes) -> dict:
    return {"birth_date": BIRTH_DATE.isoformat(), "national_id_last4": "1234", **changes}


@pytest.fixture
def signed_in(client, case):
    """The client, its identity proven for `case` on the start page."""
    response = client.post("/portal/", {"reference": case.account.account_reference, **answers()})
    assert response.status_code == 302, response.content
    return client
