"""The collectors' table counts the complaints about each collector received in the period."""

from __future__ import annotations

import pytest
from django.urls import reverse

from disputes.services import complaint_receive, grievance_resolve
from reporting.stats import stats_compute_days
from tests.reporting.conftest import DAY, at, days
from tests.reporting.helpers import screen_table

pytestmark = pytest.mark.django_db


def complaint_about(case, collector, by, when):
    return complaint_receive(
        case=case,
        user=by,
        subject="collector",
        channel="call",
        description="Called me names.",
        received_at=when,
        now=when,
        concerns_user=collector,
    )


def test_the_collectors_table_has_a_complaints_column(client, world, collector, supervisor):
    case = collector.activities.first().case
    upheld = complaint_about(case, collector, supervisor, at(DAY, 15))
    grievance_resolve(
        grievance=upheld,
        user=supervisor,
        outcome="upheld",
        resolution="Apologised.",
        now=at(DAY, 16),
    )
    complaint_about(case, collector, supervisor, at(DAY, 17))
    complaint_about(case, collector, supervisor, at(DAY - days(5), 17))  # before the period
    stats_compute_days(first=DAY - days(1), last=DAY, now=at(DAY, 23))

    client.force_login(supervisor)
    response = client.get(
        reverse("reporting:page", args=["people"]),
        {"date_from": DAY.isoformat(), "date_to": DAY.isoformat(), "columns": "all"},
    )
    table = screen_table(response.content.decode(), "collectors")
    header = table[0]
    name = collector.get_full_name() or collector.username
    row = next(row for row in table[1:] if row[0] == name)
    assert row[header.index("Complaints")] == "2"
    assert row[header.index("Complaints upheld")] == "1"
    other = next(row for row in table[1:] if row[0] != name)
    assert other[header.index("Complaints")] == "0"
