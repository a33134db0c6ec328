"""The pages: who may open them, what they show, CSV equal to the screen, 404 out of scope."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal, InvalidOperation
from html import unescape

import pytest
from django.urls import reverse
from django.utils import formats

from reporting.stats import stats_compute_days, stats_snapshot_day
from tests.reporting.conftest import DAY, at, days
from tests.reporting.helpers import csv_table, screen_table

pytestmark = pytest.mark.django_db

PERIOD = {"date_from": DAY.isoformat(), "date_to": DAY.isoformat(), "currency": "USD"}
FIGURES = {
    "people": ["collectors", "teams", "collections-per-day"],
    "portfolio": ["buckets", "roll-rates", "funnel", "queue", "write-offs", "disputes"],
    "strategies": ["strategies"],
    "agreements": ["plans", "settlements"],
}


@pytest.fixture
def computed(world):
    stats_compute_days(first=DAY - days(31), last=DAY, now=at(DAY, 23))
    stats_snapshot_day(day=DAY, now=at(DAY, 23))
    return world


def page(client, name="people", **params):
    return client.get(reverse("reporting:page", args=[name]), {**PERIOD, **params})


def drill(client, **params):
    return client.get(reverse("reporting:cases"), {**PERIOD, **params})


# --- Who may see what ---------------------------------------------------------------------


def test_an_anonymous_visitor_is_sent_to_log_in(client):
    response = client.get(reverse("reporting:home"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))


def test_a_collector_may_not_open_the_dashboards(client, collector):
    client.force_login(collector)
    assert client.get(reverse("reporting:home")).status_code == 404


@pytest.mark.parametrize("name", list(FIGURES))
def test_a_supervisor_opens_every_page(client, computed, supervisor, name):
    client.force_login(supervisor)
    response = page(client, name)
    assert response.status_code == 200
    for key in FIGURES[name]:
        assert f'data-figure="{key}"' in response.content.decode()


def test_the_navigation_links_the_dashboard_and_the_agencies(client, computed, supervisor):
    client.force_login(supervisor)
    html = page(client).content.decode()
    assert f'href="{reverse("reporting:home")}"' in html
    assert 'href="/agencies/' in html
    assert f'href="{reverse("pipeline:page")}"' in html


def test_a_supervisor_of_team_a_sees_nothing_of_team_b(
    client, computed, supervisor, other_team, outsider
):
    client.force_login(supervisor)
    html = page(client).content.decode()
    assert "Team B" not in html and "outsider" not in html
    assert "999.00" not in page(client, "strategies").content.decode()


@pytest.mark.parametrize("name", list(FIGURES))
def test_naming_another_team_is_a_404(client, computed, supervisor, other_team, name):
    client.force_login(supervisor)
    assert page(client, name, team=other_team.pk).status_code == 404


def test_drilling_into_another_team_is_a_404(client, computed, supervisor, other_team, outsider):
    client.force_login(supervisor)
    assert drill(client, measure="attempts", team=other_team.pk).status_code == 404
    assert drill(client, measure="attempts", collector=outsider.pk).status_code == 404
    assert (
        client.get(
            reverse("reporting:csv", args=["people", "teams"]), {**PERIOD, "team": other_team.pk}
        ).status_code
        == 404
    )


def test_a_compliance_officer_drills_into_any_team(
    client, computed, compliance_officer, other_team
):
    client.force_login(compliance_officer)
    response = drill(client, measure="attempts", team=other_team.pk)
    assert response.status_code == 200
    assert [case.pk for case in response.context["page"]] == [computed["case_b"].pk]


# --- The cases behind a figure ------------------------------------------------------------


def test_each_figure_links_to_the_cases_behind_it(client, computed, supervisor, collector2):
    client.force_login(supervisor)
    figure = page(client).context["figures"][0]
    row = next(cells for cells in figure.rows if cells[0].value == "collector2")
    attempts_link = row[2].url
    response = client.get(attempts_link)
    assert response.status_code == 200
    assert [case.pk for case in response.context["page"]] == [computed["case2"].pk]


@pytest.mark.parametrize(
    ("measure", "expected"),
    [
        ("attempts", ["case1", "case2"]),
        ("rpc", ["case1", "case2"]),
        ("promises", ["case1"]),
        ("kept", ["case2"]),
        ("broken", ["case2"]),
        ("collected", ["case1", "case2", "case3"]),
        ("blocks", ["case2"]),
        ("overrides", ["case1"]),
    ],
)
def test_the_cases_behind_each_measure(client, computed, supervisor, measure, expected):
    client.force_login(supervisor)
    response = drill(client, measure=measure)
    assert [case.pk for case in response.context["page"]] == [
        computed[name].pk for name in expected
    ]


def test_the_cases_behind_a_collectors_collections(client, computed, supervisor, collector2):
    client.force_login(supervisor)
    response = drill(client, measure="collected", collector=collector2.pk)
    assert [case.pk for case in response.context["page"]] == [computed["case2"].pk]


def test_the_cases_behind_a_bucket_and_a_roll(client, computed, supervisor):
    client.force_login(supervisor)
    bucket = drill(client, measure="bucket", bucket=2, as_of=DAY.isoformat())
    assert {case.pk for case in bucket.context["page"]} == {
        computed["case2"].pk,
        computed["cured_later"].pk,
    }
    roll = drill(client, measure="roll", from_bucket=2, to_bucket=6, as_of=DAY.isoformat())
    assert [case.pk for case in roll.context["page"]] == [computed["cured_before"].pk]


def test_a_drill_without_its_coordinates_says_what_is_missing(client, computed, supervisor):
    client.force_login(supervisor)
    response = drill(client, measure="bucket")
    assert response.status_code == 200
    assert "needs" in response.context["problem"]


def test_a_period_ending_before_it_starts_is_explained(client, computed, supervisor):
    client.force_login(supervisor)
    response = page(client, date_from=DAY.isoformat(), date_to=(DAY - days(3)).isoformat())
    assert response.context["problem"] == "The period ends before it starts."
    assert response.context["figures"] == []


# --- CSV equals the screen ----------------------------------------------------------------


def _same_number(screen: str, exported: str) -> bool:
    """The page's cell (grouped, with its currency, unit or %, a date as the language writes
    it) says what the CSV's plain value says."""
    if screen == "—":
        return exported == ""
    try:
        value = Decimal(exported)
    except InvalidOperation:
        pass
    else:
        return Decimal(re.sub(r"[^\d.\-]", "", screen)) == value
    try:
        day = dt.date.fromisoformat(exported)
    except ValueError:
        return screen == exported
    return screen == formats.date_format(day)


@pytest.mark.parametrize(
    ("name", "figure"), [(name, key) for name, keys in FIGURES.items() for key in keys]
)
def test_every_csv_gives_the_numbers_on_the_screen(
    client, computed, compliance_officer, name, figure
):
    client.force_login(compliance_officer)
    params = {"date_from": (DAY - days(6)).isoformat()}
    screen = screen_table(page(client, name, columns="all", **params).content.decode(), figure)
    exported = csv_table(
        client.get(reverse("reporting:csv", args=[name, figure]), {**PERIOD, **params}).content
    )

    assert exported[0] == screen[0]  # the same columns
    body = screen[1:]
    if len(body) == 1 and len(body[0]) == 1:  # "No figures for this selection."
        body = []
    assert len(exported) - 1 == len(body)
    for shown, written in zip(body, exported[1:], strict=True):
        assert len(shown) == len(written)
        for cell, value in zip(shown, written, strict=True):
            assert _same_number(cell, value), (figure, cell, value)


def test_sorting_the_collectors_by_a_figure(client, computed, supervisor):
    client.force_login(supervisor)
    ascending = page(client, sort="collected", order="asc").context["figures"][0]
    descending = page(client, sort="collected", order="desc").context["figures"][0]
    assert [cells[0].value for cells in ascending.rows] == ["collector2", "collector"]
    assert [cells[0].value for cells in descending.rows] == ["collector", "collector2"]


def test_a_sorted_tables_csv_keeps_the_order_on_the_screen(client, computed, supervisor):
    client.force_login(supervisor)
    response = page(client, sort="collected", order="desc")
    html = response.content.decode()
    csv_link = re.search(r'href="([^"]*/people/csv/collectors/\?[^"]*)"', html).group(1)
    exported = csv_table(client.get(unescape(csv_link)).content)
    assert (
        [row[0] for row in exported[1:]]
        == [row[0] for row in screen_table(html, "collectors")[1:]]
        == ["collector", "collector2"]
    )


def test_a_long_table_shows_a_page_at_a_time_and_its_csv_every_row(
    client, computed, supervisor, monkeypatch
):
    monkeypatch.setattr("reporting.figures.TABLE_PAGE_SIZE", 1)
    client.force_login(supervisor)
    first = screen_table(page(client, sort="collected").content.decode(), "collectors")[1:]
    second = screen_table(page(client, sort="collected", page=2).content.decode(), "collectors")[1:]
    exported = csv_table(
        client.get(
            reverse("reporting:csv", args=["people", "collectors"]),
            {**PERIOD, "sort": "collected"},
        ).content
    )[1:]
    assert (
        [row[0] for row in first + second]
        == [row[0] for row in exported]
        == ["collector2", "collector"]
    )


def test_a_collector_name_that_is_a_formula_is_exported_as_text(
    client, computed, supervisor, collector2
):
    collector2.username = "=cmd|' /C calc'!A0"
    collector2.save()
    client.force_login(supervisor)
    exported = csv_table(
        client.get(reverse("reporting:csv", args=["people", "collectors"]), PERIOD).content
    )
    assert "'=cmd|' /C calc'!A0" in [row[0] for row in exported[1:]]
