"""The dashboards in Simplified Chinese and in English: headings, figures' names and their
definitions, plurals, and one format for amounts, rates and dates; the key figures that lead
each page; the compact tables with every column one click away."""

from __future__ import annotations

import pytest
from django.urls import reverse

from reporting.stats import stats_compute_days, stats_snapshot_day
from tests.reporting.conftest import DAY, at, days

pytestmark = pytest.mark.django_db

PERIOD = {"date_from": DAY.isoformat(), "date_to": DAY.isoformat(), "currency": "USD"}
CHINESE = {"HTTP_ACCEPT_LANGUAGE": "zh-hans"}


@pytest.fixture
def computed(world):
    stats_compute_days(first=DAY - days(62), last=DAY, now=at(DAY, 23))
    stats_snapshot_day(day=DAY, now=at(DAY, 23))
    return world


def dashboard(client, name="people", headers=None, **params):
    response = client.get(
        reverse("reporting:page", args=[name]), {**PERIOD, **params}, **(headers or {})
    )
    assert response.status_code == 200
    return response


def test_the_people_page_reads_in_chinese(client, computed, supervisor):
    client.force_login(supervisor)

    html = dashboard(client, headers=CHINESE).content.decode()

    assert "看板 · " in html
    assert '<h2 class="h5 mb-0">催收员</h2>' in html
    assert '<h2 class="h5 mb-0">Collectors</h2>' not in html
    assert "指标口径说明" in html and "How these figures are measured" not in html
    assert "本人接触率" in html and "RPC rate" not in html
    assert "2026年11月10日" in html  # the period, as the language writes dates
    assert "US$280.00" in html  # team A's collections on DAY, with their currency


def test_the_people_page_in_english_keeps_its_words_and_formats(client, computed, supervisor):
    client.force_login(supervisor)

    html = dashboard(client).content.decode()

    assert '<h2 class="h5 mb-0">Collectors</h2>' in html
    assert "from 10 Nov 2026 to 10 Nov 2026" in html
    assert "$280.00" in html and "US$" not in html


@pytest.mark.parametrize("name", ["people", "portfolio", "strategies"])
def test_every_dashboard_leads_with_the_key_figures(client, computed, supervisor, name):
    client.force_login(supervisor)

    response = dashboard(client, name)

    shown = {figure.key: figure for figure in response.context["key_figures"]}
    assert list(shown) == [
        "collected-day",
        "collected-month",
        "rpc-rate",
        "kept-rate",
        "queue-depth",
        "untouched",
    ]
    assert shown["collected-day"].label == "Collected on 10 Nov 2026"
    assert shown["collected-day"].value == "$280.00"
    assert shown["collected-day"].comparison == "the day before: $0.00"
    assert shown["collected-month"].label == "Collected in November 2026"
    assert shown["rpc-rate"].value.endswith("%")
    html = response.content.decode()
    assert html.index('id="key-figures"') < html.index('class="card mb-4"')


def test_the_key_figures_in_chinese(client, computed, supervisor):
    client.force_login(supervisor)

    response = dashboard(client, headers=CHINESE)

    shown = {figure.key: figure for figure in response.context["key_figures"]}
    assert shown["collected-day"].label == "2026年11月10日 已催回"
    assert shown["collected-day"].value == "US$280.00"
    assert shown["collected-day"].comparison == "前一日\uff1aUS$0.00"
    assert shown["rpc-rate"].comparison.startswith("前 1 天\uff1a")
    assert shown["queue-depth"].label == "队列案件数"


def test_the_tables_are_compact_with_every_column_one_click_away(client, computed, supervisor):
    client.force_login(supervisor)

    compact = dashboard(client).context["figures"][0]
    complete = dashboard(client, columns="all").context["figures"][0]

    assert compact.key == complete.key == "collectors"
    assert [column.key for column in compact.shown_columns] == [
        "collector",
        "team",
        "attempts",
        "rpc_rate",
        "promises",
        "kept_rate",
        "collected",
        "blocks",
    ]
    assert len(complete.shown_columns) == len(complete.columns) == 26
    assert all(len(row) == 8 for row in compact.body_rows())
    html = dashboard(client).content.decode()
    assert "All 26 columns" in html
    assert "Fewer columns" in dashboard(client, columns="all").content.decode()


def test_rates_are_percentages_and_amounts_carry_their_currency(client, computed, supervisor):
    client.force_login(supervisor)

    figure = dashboard(client).context["figures"][0]
    cells = {
        column.key: text
        for column, (_, text, _) in zip(figure.shown_columns, figure.body_rows()[0], strict=True)
    }

    assert cells["collected"].startswith("$")
    assert cells["rpc_rate"].endswith("%")
    assert cells["attempts"].isdigit()


def test_the_cases_behind_a_figure_count_in_the_plural(client, computed, supervisor):
    client.force_login(supervisor)
    url = reverse("reporting:cases")

    one = client.get(url, {**PERIOD, "measure": "promises"}).content.decode()
    chinese = client.get(url, {**PERIOD, "measure": "collected"}, **CHINESE).content.decode()

    assert "· 1 case." in one
    assert "共 3 件案件。" in chinese
    assert "期间内收到还款的案件" in chinese and "Cases with a payment" not in chinese


def test_a_csv_has_its_headers_in_the_readers_language_and_plain_numbers(
    client, computed, supervisor
):
    client.force_login(supervisor)
    url = reverse("reporting:csv", args=["people", "teams"])

    chinese = client.get(url, PERIOD, **CHINESE).content.decode("utf-8")
    english = client.get(url, PERIOD).content.decode("utf-8")

    assert chinese.splitlines()[0].startswith("团队,催收员,尝试次数,本人接触")
    assert english.splitlines()[0].startswith("Team,Collectors,Attempts,Right-party contacts")
    assert "280.00" in english and "$" not in english
