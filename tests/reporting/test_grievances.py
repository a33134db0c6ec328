"""The disputes and complaints on the dashboards: the Portfolio page's figure against their
deadlines and the collectors' complaint columns, each drillable to its cases in the reader's
scope."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse

from accounts.roles import Role
from cases.models import Case
from disputes.models import Dispute
from disputes.services import complaint_receive, dispute_receive, grievance_resolve
from reporting.figures import people_figures, portfolio_figures
from reporting.stats import stats_compute_days
from tests.factories import CardAccountFactory, CaseFactory, UserFactory
from tests.reporting.conftest import DAY, at, days
from tests.reporting.helpers import figures, rows, screen_table

pytestmark = pytest.mark.django_db

PERIOD = {
    "date_from": (DAY - days(29)).isoformat(),
    "date_to": DAY.isoformat(),
    "currency": "USD",
}


def case_in(team) -> Case:
    return CaseFactory(account=CardAccountFactory(balance=Decimal("800.00")), team=team)


def dispute(case, by, when: dt.datetime, *, due_on: dt.date | None = None):
    received = dispute_receive(
        case=case,
        user=by,
        kind=Dispute.Kind.AMOUNT_WRONG,
        channel="letter",
        description="The amount is wrong.",
        received_at=when,
        now=when,
    )
    if due_on is not None:  # a deadline as a policy with one would have set it
        Dispute.objects.filter(pk=received.pk).update(due_on=due_on)
    return received


def complaint(case, by, about, when: dt.datetime):
    return complaint_receive(
        case=case,
        user=by,
        subject="collector",
        concerns_user=about,
        channel="call",
        description="Rude on the phone.",
        received_at=when,
        now=when,
    )


def resolve(grievance, by, outcome: str, when: dt.datetime):
    grievance_resolve(grievance=grievance, user=by, outcome=outcome, resolution="Done.", now=when)


@pytest.fixture
def grievances(team, other_team, collector, supervisor, outsider):
    """Team A: a dispute open past its deadline (first), one upheld (second), one resolved after
    the period (third); a complaint about the collector from before the period, open and past
    its deadline (first), one received in it (second). Team B: a dispute of its own."""
    first, second, third = case_in(team), case_in(team), case_in(team)
    theirs = case_in(other_team)
    dispute(first, supervisor, at(DAY - days(20), 10), due_on=DAY - days(5))
    resolve(dispute(second, supervisor, at(DAY - days(10), 10)), supervisor, "upheld", at(DAY, 9))
    late = dispute(third, supervisor, at(DAY - days(15), 10))
    resolve(late, supervisor, "withdrawn", at(DAY + days(2), 9))
    complaint(first, supervisor, collector, at(DAY - days(40), 10))
    complaint(second, supervisor, collector, at(DAY - days(3), 10))
    dispute(theirs, outsider, at(DAY - days(10), 10))
    return {"first": first, "second": second, "third": third, "theirs": theirs}


def test_the_portfolio_page_counts_them_against_their_deadlines(client, supervisor, grievances):
    figure = figures(portfolio_figures, supervisor, **PERIOD)["disputes"]

    counted = rows(figure)
    assert counted["Disputes"] == {
        "kind": "Disputes",
        "received": 3,
        "open": 2,
        "overdue": 1,
        "upheld": 1,
    }
    assert counted["Complaints"] == {
        "kind": "Complaints",
        "received": 1,
        "open": 2,
        "overdue": 1,
        "upheld": 0,
    }
    client.force_login(supervisor)
    page = client.get(reverse("reporting:page", args=["portfolio"]), PERIOD)
    assert screen_table(page.content.decode(), "disputes")[1] == ["Disputes", "3", "2", "1", "1"]


def test_each_figure_drills_to_its_cases_in_the_readers_scope(
    client, supervisor, outsider, grievances
):
    def drilled(user, measure: str) -> set[int]:
        client.force_login(user)
        response = client.get(reverse("reporting:cases"), {**PERIOD, "measure": measure})
        assert response.status_code == 200
        return {case.pk for case in response.context["page"]}

    first, second, third = grievances["first"], grievances["second"], grievances["third"]
    assert drilled(supervisor, "disputes_received") == {first.pk, second.pk, third.pk}
    assert drilled(supervisor, "disputes_open") == {first.pk, third.pk}
    assert drilled(supervisor, "disputes_overdue") == {first.pk}
    assert drilled(supervisor, "disputes_upheld") == {second.pk}
    assert drilled(supervisor, "complaints_received") == {second.pk}
    assert drilled(supervisor, "complaints_open") == {first.pk, second.pk}
    assert drilled(supervisor, "complaints_overdue") == {first.pk}
    assert drilled(supervisor, "complaints_upheld") == set()
    # Team B's supervisor sees their own team's dispute, none of team A's; a collector, no list.
    team_b = UserFactory(username="supervisor_b", role=Role.SUPERVISOR, team=outsider.team)
    outsider.team.supervisors.add(team_b)
    assert drilled(team_b, "disputes_open") == {grievances["theirs"].pk}
    client.force_login(outsider)
    assert (
        client.get(reverse("reporting:cases"), {**PERIOD, "measure": "disputes_open"}).status_code
        == 404
    )
    # Every figure's link is the list it counts.
    client.force_login(supervisor)
    page = client.get(reverse("reporting:page", args=["portfolio"]), PERIOD)
    assert "measure=disputes_overdue" in page.content.decode()


def test_the_collectors_complaints_link_to_the_cases_they_were_made_on(
    client, world, supervisor, collector, grievances
):
    stats_compute_days(first=DAY - days(29), last=DAY, now=at(DAY, 23))
    resolve(
        complaint(grievances["third"], supervisor, collector, at(DAY - days(1), 10)),
        supervisor,
        "upheld",
        at(DAY, 10),
    )
    figure = figures(people_figures, supervisor, columns="all", **PERIOD)["collectors"]
    keys = [column.key for column in figure.columns]
    name = collector.get_full_name() or collector.username
    [row] = [cells for cells in figure.rows if cells[0].value == name]
    received, upheld = row[keys.index("complaints")], row[keys.index("complaints_upheld")]
    assert (received.value, upheld.value) == (2, 1)

    client.force_login(supervisor)
    listed = client.get(received.url).context["page"]
    assert {case.pk for case in listed} == {grievances["second"].pk, grievances["third"].pk}
    listed = client.get(upheld.url).context["page"]
    assert {case.pk for case in listed} == {grievances["third"].pk}
