"""The Portal page: visits, verified sessions and the debtors' actions on the portal, by stage
and by the message that brought them, in the user's scope, each count leading to its cases."""

from __future__ import annotations

import pytest
from django.urls import reverse

from cases.models import Activity, Stage, StageEntry
from pipeline.models import OutboundMessage
from portal.models import PortalVisit
from reporting.portal_figures import portal_figures
from tests.factories import ActivityFactory
from tests.reporting.conftest import DAY, at, days
from tests.reporting.helpers import figures, rows

pytestmark = pytest.mark.django_db

PERIOD = {"date_from": (DAY - days(6)).isoformat(), "date_to": DAY.isoformat(), "currency": "USD"}
START = "Typed the account reference"


def sent(case, stage: Stage, channel: str, when) -> OutboundMessage:
    entry, _created = StageEntry.objects.get_or_create(
        case=case,
        stage=stage,
        defaults={"entered_on": when.date(), "entered_at": when, "days_past_due": 10},
    )
    return OutboundMessage.objects.create(
        case=case,
        stage_entry=entry,
        channel=channel,
        status=OutboundMessage.Status.SENT,
        sent_at=when,
    )


def visit(case, message, arrived, verified=None) -> PortalVisit:
    return PortalVisit.objects.create(
        case=case, message=message, arrived_at=arrived, verified_at=verified
    )


def acted(case, outcome: str, when) -> Activity:
    return ActivityFactory(
        case=case,
        channel=Activity.Channel.PORTAL,
        direction=Activity.Direction.INBOUND,
        outcome=outcome,
        occurred_at=when,
    )


@pytest.fixture
def portal(world, stage_of):
    case1, case2, case_b = world["case1"], world["case2"], world["case_b"]
    reminder = stage_of(Stage.Action.SMS)
    sms1 = sent(case1, reminder, "sms", at(DAY - days(1), 10))
    sms2 = sent(case2, reminder, "sms", at(DAY - days(1), 10))
    email2 = sent(case2, reminder, "email", at(DAY - days(1), 11))
    sms_b = sent(case_b, reminder, "sms", at(DAY - days(1), 10))
    sent(case1, reminder, "letter", at(DAY - days(30), 10))  # before the period
    visit(case1, sms1, at(DAY, 9), at(DAY, 9, 5))
    visit(case1, sms1, at(DAY, 12))  # never verified
    visit(case2, email2, at(DAY, 10), at(DAY, 10, 2))
    visit(case2, None, at(DAY, 15), at(DAY, 15))  # the start page
    visit(case_b, sms_b, at(DAY, 9), at(DAY, 9, 1))  # team B's
    visit(case1, sms1, at(DAY - days(20), 9), at(DAY - days(20), 9, 1))  # before the period
    acted(case1, Activity.Outcome.PROMISE, at(DAY, 9, 10))
    acted(case1, Activity.Outcome.PAID, at(DAY, 13))  # the 09:05 visit: 12:00 is unverified
    acted(case1, Activity.Outcome.NOTE, at(DAY, 9, 6))  # counted by no column
    acted(case2, Activity.Outcome.DISPUTE, at(DAY, 10, 30))
    acted(case2, Activity.Outcome.CALLBACK_REQUESTED, at(DAY, 16))
    acted(case_b, Activity.Outcome.PROMISE, at(DAY, 9, 30))
    ActivityFactory(case=case1, outcome=Activity.Outcome.PROMISE, occurred_at=at(DAY, 11))
    world.update(sms2=sms2, reminder=reminder)
    return world


def label(stage: Stage, channel: str = "") -> str:
    text = f"{stage.strategy.name}: {stage.name}"
    return f"{text} · {channel}" if channel else text


def test_visits_and_actions_are_counted_by_the_message_that_brought_the_debtor(portal, supervisor):
    shown = rows(figures(portal_figures, supervisor, **PERIOD)["portal_messages"])
    reminder = portal["reminder"]
    assert shown[label(reminder, "SMS")] == {
        "message": label(reminder, "SMS"),
        "portal_sent": 2,
        "portal_visits": 2,
        "visit_rate": 100,
        "portal_verified": 1,
        "portal_promises": 1,
        "portal_payments": 1,
        "portal_disputes": 0,
        "portal_callbacks": 0,
    }
    email = shown[label(reminder, "Email")]
    assert (email["portal_sent"], email["portal_visits"], email["portal_disputes"]) == (1, 1, 1)
    start = shown[START]
    assert start["portal_sent"] is None
    assert (start["portal_visits"], start["portal_verified"], start["portal_callbacks"]) == (
        1,
        1,
        1,
    )
    assert set(shown) == {label(reminder, "SMS"), label(reminder, "Email"), START}


def test_the_stage_rows_add_up_its_channels(portal, supervisor):
    shown = rows(figures(portal_figures, supervisor, **PERIOD)["portal_stages"])
    stage = shown[label(portal["reminder"])]
    assert (stage["portal_sent"], stage["portal_visits"], stage["portal_verified"]) == (3, 3, 2)
    assert (stage["portal_promises"], stage["portal_payments"], stage["portal_disputes"]) == (
        1,
        1,
        1,
    )
    assert shown[START]["portal_visits"] == 1


def test_a_compliance_officer_sees_every_team(portal, compliance_officer):
    shown = rows(figures(portal_figures, compliance_officer, **PERIOD)["portal_messages"])
    sms = shown[label(portal["reminder"], "SMS")]
    assert (sms["portal_sent"], sms["portal_visits"], sms["portal_promises"]) == (3, 3, 2)


def test_a_strategy_filter_narrows_the_cases(portal, supervisor):
    other = portal["reminder"].strategy.__class__.objects.create(name="Challenger")
    shown = figures(portal_figures, supervisor, strategy=other.pk, **PERIOD)
    assert shown["portal_messages"].rows == []


def test_each_count_lists_its_cases_and_nothing_of_another_team(client, portal, supervisor):
    client.force_login(supervisor)
    response = client.get(reverse("reporting:page", args=["portal"]), PERIOD)
    assert response.status_code == 200
    html = response.content.decode()
    assert 'data-figure="portal_stages"' in html and 'data-figure="portal_messages"' in html
    by_message = {
        str(cells[0].value): cells
        for figure in response.context["figures"]
        if figure.key == "portal_messages"
        for cells in figure.rows
    }

    def listed(cells, column: int) -> list[int]:
        page = client.get(cells[column].url)
        assert page.status_code == 200
        return sorted(case.pk for case in page.context["page"])

    sms = by_message[label(portal["reminder"], "SMS")]
    assert listed(sms, 1) == sorted([portal["case1"].pk, portal["case2"].pk])  # sent
    assert listed(sms, 2) == [portal["case1"].pk]  # visits
    assert listed(sms, 6) == [portal["case1"].pk]  # payments
    assert listed(by_message[START], 8) == [portal["case2"].pk]  # call-backs
    assert listed(by_message[label(portal["reminder"], "Email")], 7) == [portal["case2"].pk]


def test_a_collector_has_no_portal_page(client, portal, collector):
    client.force_login(collector)
    assert client.get(reverse("reporting:page", args=["portal"]), PERIOD).status_code == 404


def test_the_csv_holds_the_same_rows(client, portal, supervisor):
    client.force_login(supervisor)
    response = client.get(reverse("reporting:csv", args=["portal", "portal_messages"]), PERIOD)
    assert response.status_code == 200
    lines = response.content.decode().splitlines()
    assert len(lines) == 4 and START in lines[-1]
