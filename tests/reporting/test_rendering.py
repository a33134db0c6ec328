"""The tables and filters as drawn by the templates' partials: escaped on the page, exact in the
CSV, and the filters as the user left them."""

from __future__ import annotations

import pytest
from django.template.loader import get_template
from django.urls import reverse

from reporting.figures import COUNT, RATE, Cell, Column, Figure
from reporting.stats import stats_compute_days, stats_snapshot_day
from tests.reporting.conftest import DAY, at, days
from tests.reporting.helpers import csv_table, screen_table

pytestmark = pytest.mark.django_db

PERIOD = {"date_from": DAY.isoformat(), "date_to": DAY.isoformat(), "currency": "USD"}
MARKUP_NAME = '<b>Ann & "Bo"</b>'
ESCAPED_NAME = "&lt;b&gt;Ann &amp; &quot;Bo&quot;&lt;/b&gt;"


@pytest.fixture
def computed(world):
    stats_compute_days(first=DAY - days(31), last=DAY, now=at(DAY, 23))
    stats_snapshot_day(day=DAY, now=at(DAY, 23))
    return world


def people_page(client, **params) -> str:
    response = client.get(reverse("reporting:page", args=["people"]), {**PERIOD, **params})
    assert response.status_code == 200
    return response.content.decode()


def test_a_name_with_markup_is_escaped_on_the_page_and_exact_in_the_csv(
    client, computed, supervisor, collector2
):
    collector2.first_name = MARKUP_NAME
    collector2.save()
    client.force_login(supervisor)

    html = people_page(client)
    exported = csv_table(
        client.get(reverse("reporting:csv", args=["people", "collectors"]), PERIOD).content
    )

    assert MARKUP_NAME not in html
    assert f"<td>{ESCAPED_NAME}</td>" in html  # the collectors' table
    assert f'<option value="{collector2.pk}">{ESCAPED_NAME}</option>' in html  # the filter
    shown = [row[0] for row in screen_table(html, "collectors")[1:]]
    assert shown == [row[0] for row in exported[1:]] == [MARKUP_NAME, "collector"]


def test_the_body_escapes_text_and_links_and_leaves_numbers_as_shown():
    figure = Figure(
        "people",
        "People",
        [
            Column("name", "Name"),
            Column("calls", "Calls", COUNT),
            Column("avg", "avg", RATE, muted=True),
        ],
        [
            [
                Cell(MARKUP_NAME, url="/dashboards/cases/?team=1&measure=<x>"),
                Cell.of(1234, COUNT),
                Cell.of(None, RATE),
            ]
        ],
    )

    body = get_template("reporting/_figure.html#body").render({"figure": figure})

    assert body == (
        f'<tr><td><a href="/dashboards/cases/?team=1&amp;measure=&lt;x&gt;">{ESCAPED_NAME}</a></td>'
        '<td class="text-end">1,234</td><td class="text-end text-secondary small">—</td></tr>'
    )


def test_an_empty_body_says_so_across_every_column():
    figure = Figure(
        "people", "People", [Column("name", "Name"), Column("calls", "Calls", COUNT)], []
    )

    body = get_template("reporting/_figure.html#body").render({"figure": figure})

    assert body == (
        '<tr><td colspan="2" class="text-secondary">No figures for this selection.</td></tr>'
    )


def test_the_header_escapes_labels_definitions_and_sort_links():
    figure = Figure(
        "people",
        "People",
        [
            Column("name", 'Name "& co"', definition="Who <called>."),
            Column("calls", "Calls", COUNT),
        ],
        [],
    )
    figure.header = figure.header_cells({"name": ("?sort=name&order=desc", "▲")})

    head = get_template("reporting/_figure.html#head").render({"figure": figure})

    assert head == (
        '<tr><th scope="col" class="" title="Who &lt;called&gt;.">'
        '<a href="?sort=name&amp;order=desc">Name &quot;&amp; co&quot;</a> ▲</th>'
        '<th scope="col" class="text-end">Calls</th></tr>'
    )


def test_the_filters_keep_their_values_errors_and_choices(
    client, computed, supervisor, team, collector, collector2
):
    client.force_login(supervisor)

    html = people_page(client, date_from="not-a-date", team=team.pk, collector=collector2.pk)

    assert (
        '<input type="date" name="date_from" id="id_date_from" value="not-a-date" '
        'class="form-control is-invalid">'
    ) in html
    assert '<div class="invalid-feedback">Enter a valid date.</div>' in html
    assert (
        f'<input type="date" name="date_to" id="id_date_to" value="{DAY.isoformat()}" '
        'class="form-control">'
    ) in html
    assert '<select name="team" id="id_team" class="form-select">' in html
    assert f'<option value="{team.pk}" selected>Team A</option>' in html
    assert f'<option value="{collector2.pk}" selected>collector2</option>' in html
    assert f'<option value="{collector.pk}">collector</option>' in html
    assert '<option value="" selected>Every product</option>' in html
    assert '<option value="USD" selected>USD</option>' in html
    assert html.count('class="invalid-feedback"') == 1
