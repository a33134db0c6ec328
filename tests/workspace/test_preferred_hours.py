"""The debtor's preferred hours on the case page and in the queue."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse
from django.utils import timezone

from compliance.models import ComplianceLogEntry
from tests.workspace.test_actions import HTMX
from workspace.selectors import cases_waiting_for, contactable_from, queue_for, queue_policy
from workspace.services import case_claim_next

pytestmark = pytest.mark.django_db


def local_hour(now: dt.datetime, zone: str) -> int:
    return now.astimezone(ZoneInfo(zone)).hour


def hours(start: int, end: int) -> dict:
    return {
        "debtor__preferred_hours_start": dt.time(start),
        "debtor__preferred_hours_end": dt.time(end),
    }


def test_the_queue_serves_a_case_only_inside_its_debtors_preferred_hours(
    collector, team, make_case, open_zone
):
    now = timezone.now()
    hour = local_hour(now, open_zone)  # 11 or 12, inside the call window
    inside = make_case(team=team, priority_score=100, **hours(hour, hour + 1))
    later = make_case(team=team, priority_score=900, **hours(hour + 3, hour + 5))
    anytime = make_case(team=team, priority_score=50)
    assert queue_for(collector, now=now) == [inside, anytime]
    assert case_claim_next(user=collector, now=now) == inside
    waiting = list(cases_waiting_for(collector, now=now))
    assert waiting == [later]
    opening = contactable_from(waiting[0], window=queue_policy().call_window, now=now)
    local = opening.astimezone(ZoneInfo(open_zone))
    assert (local.date(), local.hour, local.minute) == (
        now.astimezone(ZoneInfo(open_zone)).date(),
        hour + 3,
        0,
    )


def post_hours(client, case, start: str, end: str):
    response = client.post(
        reverse("workspace:preferred_hours", args=[case.pk]),
        {"hours-preferred_start": start, "hours-preferred_end": end},
        **HTMX,
    )
    assert response.status_code == 200
    return response.content.decode().replace("&#x27;", "'")


def test_a_collector_records_the_debtors_preferred_hours_and_the_gate_honours_them(
    client, collector, team, make_case, open_zone
):
    case = make_case(team=team)
    client.force_login(collector)
    now = timezone.now()
    hour = local_hour(now, open_zone)
    page = post_hours(client, case, f"{hour + 3:02d}:00", f"{hour + 5:02d}:00")
    assert "Preferred hours saved" in page
    case.debtor.refresh_from_db()
    assert case.debtor.preferred_hours_start == dt.time(hour + 3)
    note = case.activities.get()
    assert note.actor == collector and "preferred hours" in note.notes
    point = case.debtor.contact_points.get()
    page = client.post(
        reverse("workspace:call_log", args=[case.pk]),
        {"call-contact_point": point.pk, "call-outcome": "no_answer"},
        **HTMX,
    ).content.decode()
    entry = ComplianceLogEntry.objects.get(case_id=case.pk)
    assert entry.failed_rule_codes == ["preferred_hours"]
    assert "preferred_hours" in page
    # Clearing them lets the call through again.
    post_hours(client, case, "", "")
    case.debtor.refresh_from_db()
    assert case.debtor.preferred_hours_start is None and case.debtor.preferred_hours_end is None


@pytest.mark.parametrize(
    ("start", "end", "message"),
    [
        ("18:00", "", "Give both ends of the preferred hours, or neither."),
        ("20:00", "18:00", "Preferred hours start before they end."),
        ("05:00", "07:00", "choose hours within them"),
        ("18:30", "20:00", "Select a valid choice"),
    ],
)
def test_preferred_hours_that_cannot_be_are_refused(
    client, collector, team, make_case, start, end, message
):
    case = make_case(team=team)
    client.force_login(collector)
    page = post_hours(client, case, start, end)
    assert message in page
    case.debtor.refresh_from_db()
    assert case.debtor.preferred_hours_start is None
    assert not case.activities.exists()
