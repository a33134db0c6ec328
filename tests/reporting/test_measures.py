"""Each measure against a world counted by hand (tests/dashboards/conftest.py)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from cases.models import Case, Stage, StageEntry, Strategy
from reporting.figures import people_figures, portfolio_figures, strategy_figures
from reporting.stats import stats_compute_days, stats_snapshot_day
from tests.factories import PaymentFactory
from tests.reporting.conftest import DAY, at, call, days, make_case
from tests.reporting.helpers import figures, rows

pytestmark = pytest.mark.django_db

PERIOD = {"date_from": DAY, "date_to": DAY, "currency": "USD"}


@pytest.fixture
def computed(world):
    stats_compute_days(first=DAY - days(45), last=DAY + days(3), now=at(DAY + days(3), 12))
    stats_snapshot_day(day=DAY, now=at(DAY + days(3), 12))
    return world


def test_each_collector_is_measured_as_counted_by_hand(computed, supervisor):
    people = rows(figures(people_figures, supervisor, **PERIOD)["collectors"])

    assert people["collector"] == {
        "collector": "collector",
        "team": "Team A",
        "attempts": 4,
        "attempts_team": Decimal("3.00"),
        "rpc": 2,
        "rpc_team": Decimal("1.50"),
        "rpc_rate": Decimal("50.0"),
        "rpc_rate_team": Decimal("50.0"),
        "promises": 1,
        "promises_team": Decimal("0.50"),
        "promised_amount": Decimal("200.00"),
        "promised_amount_team": Decimal("100.00"),
        "kept_rate": Decimal("100.0"),
        "kept_rate_team": Decimal("50.0"),
        "collected": Decimal("150.00"),
        "collected_team": Decimal("115.00"),
        # 150.00 over 1,110 s of calls; the team: 230.00 over 1,310 s.
        "per_hour": Decimal("486.49"),
        "per_hour_team": Decimal("632.06"),
        "handling": 222,
        "handling_team": 187,
        "blocks": 0,
        "blocks_team": Decimal("0.50"),
        "overrides": 1,
        "overrides_team": Decimal("0.50"),
        "complaints": 0,
        "complaints_upheld": 0,
    }
    assert people["collector2"] == {
        "collector": "collector2",
        "team": "Team A",
        "attempts": 2,
        "attempts_team": Decimal("3.00"),
        "rpc": 1,
        "rpc_team": Decimal("1.50"),
        "rpc_rate": Decimal("50.0"),
        "rpc_rate_team": Decimal("50.0"),
        "promises": 0,
        "promises_team": Decimal("0.50"),
        "promised_amount": Decimal("0.00"),
        "promised_amount_team": Decimal("100.00"),
        "kept_rate": Decimal("0.0"),
        "kept_rate_team": Decimal("50.0"),
        "collected": Decimal("80.00"),
        "collected_team": Decimal("115.00"),
        "per_hour": Decimal("1440.00"),
        "per_hour_team": Decimal("632.06"),
        "handling": 100,
        "handling_team": 187,
        "blocks": 1,
        "blocks_team": Decimal("0.50"),
        "overrides": 0,
        "overrides_team": Decimal("0.50"),
        "complaints": 0,
        "complaints_upheld": 0,
    }
    assert set(people) == {"collector", "collector2"}  # nobody of team B


def test_the_team_row_holds_payments_credited_to_nobody(computed, supervisor):
    teams = rows(figures(people_figures, supervisor, **PERIOD)["teams"])

    assert teams == {
        "Team A": {
            "team": "Team A",
            "collectors": 2,
            "attempts": 6,
            "rpc": 3,
            "rpc_rate": Decimal("50.0"),
            "promises": 1,
            "promised_amount": Decimal("200.00"),
            "kept_rate": Decimal("50.0"),
            "collected": Decimal("280.00"),
            "per_hour": Decimal("769.47"),
            "handling": 187,
            "blocks": 1,
            "overrides": 1,
        }
    }


def test_collections_per_day_follow_the_payments(computed, supervisor):
    trend = figures(
        people_figures, supervisor, date_from=DAY - days(1), date_to=DAY, currency="USD"
    )["collections-per-day"]

    assert [(c[0].value, c[1].value, c[2].value) for c in trend.rows] == [
        (DAY - days(1), 0, Decimal("0.00")),
        (DAY, 3, Decimal("280.00")),
    ]
    assert trend.chart["datasets"][0]["data"] == ["0.00", "280.00"]


def test_a_compliance_officer_sees_every_team(computed, compliance_officer):
    teams = rows(figures(people_figures, compliance_officer, **PERIOD)["teams"])

    assert teams["Team B"]["attempts"] == 3
    assert teams["Team B"]["collected"] == Decimal("999.00")
    assert teams["Team B"]["rpc_rate"] == Decimal("0.0")


def test_the_buckets_at_the_end_of_the_day(computed, supervisor):
    buckets = rows(figures(portfolio_figures, supervisor, **PERIOD)["buckets"])

    # case1 10 days past due; case2 45 and the case cured two days later 31; case3 95.
    assert {name: (row["cases"], row["balance"]) for name, row in buckets.items()} == {
        "Current (0)": (0, Decimal("0.00")),
        "1-29": (1, Decimal("1000.00")),
        "30-59": (2, Decimal("2400.00")),
        "60-89": (0, Decimal("0.00")),
        "90-119": (1, Decimal("500.00")),
        "120+": (0, Decimal("0.00")),
    }
    assert buckets["30-59"]["cases_share"] == Decimal("50.0")
    assert buckets["30-59"]["balance_share"] == Decimal("61.5")  # 2,400 of 3,900


def test_roll_rates_from_the_last_month_end(computed, supervisor):
    figure = figures(portfolio_figures, supervisor, **PERIOD)["roll-rates"]
    roll = rows(figure)

    # At October 31: case2 35 days past due, cured_before 31 (30-59); case3 85 (60-89);
    # cured_later 21 (1-29). At DAY: case2 45, cured_before cured, case3 95, cured_later 31.
    assert roll["1-29"]["cases"] == 1
    assert roll["1-29"]["to_2"] == Decimal("100.0")
    assert roll["30-59"]["cases"] == 2
    assert (roll["30-59"]["to_2"], roll["30-59"]["to_6"]) == (Decimal("50.0"), Decimal("50.0"))
    assert roll["60-89"]["cases"] == 1
    assert roll["60-89"]["to_4"] == Decimal("100.0")
    assert roll["90-119"]["cases"] == 0
    assert "Cure rate" in figure.note and "25% (1 of 4)" in figure.note


def test_the_stage_funnel_counts_entries_and_cures(computed, supervisor, stage_of):
    phone = stage_of(Stage.Action.CALL_QUEUE)
    for case in (computed["case2"], computed["cured_before"]):
        StageEntry.objects.create(
            case=case,
            stage=phone,
            entered_on=DAY - days(15),
            entered_at=at(DAY - days(15), 2),
            days_past_due=30,
        )
    stats_compute_days(first=DAY - days(29), last=DAY, now=at(DAY, 23))

    funnel = rows(
        figures(
            portfolio_figures, supervisor, date_from=DAY - days(29), date_to=DAY, currency="USD"
        )["funnel"]
    )

    # Opened in the period: case1 (DAY - 9) and cured_later (DAY - 30 is outside). Cured in
    # the period at the phone stage: cured_before (DAY - 3).
    assert funnel["Opened"]["entered"] == 1
    assert funnel["Phone collection"]["entered"] == 2
    assert funnel["Phone collection"]["cured"] == 1
    assert funnel["Phone collection"]["cure_share"] == Decimal("50.0")


def test_the_queue_counts_untouched_and_paused_cases(db, team, supervisor, stage_of):
    phone = stage_of(Stage.Action.CALL_QUEUE)
    now = at(DAY, 20)
    oldest = make_case(
        team,
        due=DAY - days(40),
        balance="100.00",
        opened=DAY - days(39),
        stage=phone,
        stage_entered_at=at(DAY - days(10), 2),
    )
    make_case(
        team,
        due=DAY - days(35),
        balance="100.00",
        opened=DAY - days(34),
        stage=phone,
        stage_entered_at=at(DAY - days(5), 2),
    )
    called = make_case(
        team,
        due=DAY - days(50),
        balance="100.00",
        opened=DAY - days(49),
        stage=phone,
        stage_entered_at=at(DAY - days(20), 2),
    )
    call(called, None, at(DAY - days(2), 10), "no_answer", 20)
    make_case(
        team,
        due=DAY - days(50),
        balance="100.00",
        opened=DAY - days(49),
        stage=phone,
        paused_at=at(DAY, 9),
        pause_reason="Hardship review",
    )
    stats_snapshot_day(day=DAY, now=now)

    queue = rows(figures(portfolio_figures, supervisor, **PERIOD)["queue"])["Team A"]

    assert (queue["depth"], queue["untouched"], queue["paused"]) == (3, 2, 1)
    assert queue["oldest"] == oldest.pk


def test_strategies_side_by_side(computed, supervisor):
    table = rows(figures(strategy_figures, supervisor, **PERIOD)["strategies"])

    standard = table["Standard card ladder"]
    assert (standard["attempts"], standard["rpc_rate"], standard["collected"]) == (
        6,
        Decimal("50.0"),
        Decimal("280.00"),
    )


def test_a_currency_never_mixes_with_another(computed, supervisor, team):
    gbp = make_case(team, due=DAY - days(10), balance="900.00", opened=DAY - days(9))
    gbp.account.currency = "GBP"
    gbp.account.save()
    PaymentFactory(
        account=gbp.account, case=gbp, amount=Decimal("70.00"), currency="GBP", received_on=DAY
    )
    stats_compute_days(first=DAY, last=DAY, now=at(DAY, 23))
    stats_snapshot_day(day=DAY, now=at(DAY, 23))

    usd = rows(figures(people_figures, supervisor, **PERIOD)["teams"])["Team A"]
    pounds = rows(figures(people_figures, supervisor, **{**PERIOD, "currency": "GBP"})["teams"])

    assert usd["collected"] == Decimal("280.00")
    assert pounds["Team A"]["collected"] == Decimal("70.00")
    assert Case.objects.filter(account__currency="GBP").count() == 1


def test_a_filter_on_a_column_some_tables_lack_reads_the_full_table(
    computed, supervisor, collector
):
    """Product and strategy live only in the full table; the smaller ones must not drop them."""
    classic = rows(figures(people_figures, supervisor, **PERIOD, product="Classic")["teams"])
    challenger = Strategy.objects.create(name="Challenger", product="Classic")
    other = figures(people_figures, supervisor, **PERIOD, strategy=challenger.pk)["teams"]
    mine = rows(
        figures(strategy_figures, supervisor, **PERIOD, collector=collector.pk)["strategies"]
    )

    assert classic["Team A"]["collected"] == Decimal("280.00")
    assert other.rows == []
    assert mine["Standard card ladder"]["attempts"] == 4
