"""Money, numbers, rates and moments look the same everywhere, in the reader's language."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from types import SimpleNamespace

from django.template import Context, Template
from django.utils import translation

from common import formatting

MOMENT = dt.datetime(2026, 12, 5, 14, 30, tzinfo=dt.UTC)


def test_money_carries_its_currency_in_the_readers_language():
    with translation.override("en"):
        assert formatting.money(Decimal("1375166.85"), "CNY") == "CN¥1,375,166.85"
        assert formatting.money(Decimal("12.5"), "USD") == "$12.50"
    with translation.override("zh-hans"):
        assert formatting.money(Decimal("1375166.85"), "CNY") == "¥1,375,166.85"
        assert formatting.money(Decimal("12.5"), "USD") == "US$12.50"


def test_numbers_are_grouped_and_rates_are_percentages():
    with translation.override("en"):
        assert formatting.number(1375166) == "1,375,166"
        assert formatting.number(Decimal("0.5"), 2) == "0.50"
        assert formatting.percent(Decimal("0.2158")) == "21.58%"
        assert formatting.percent(Decimal("0.2")) == "20%"
        assert formatting.money(None, "CNY") == formatting.EMPTY


def test_every_moment_says_whose_clock_it_is():
    reader = SimpleNamespace(time_zone="Asia/Shanghai")
    debtor = SimpleNamespace(time_zone="America/New_York")
    with translation.override("en"):
        assert formatting.your_time(MOMENT, reader) == "5 Dec 2026, 22:30 your time (CST)"
        assert formatting.debtor_time(MOMENT, debtor) == "5 Dec 2026, 09:30 debtor's time (EST)"


def test_dates_follow_the_language_in_templates():
    template = Template("{% load formats %}{{ day|date }} · {{ amount|money:'CNY' }}")
    context = Context({"day": dt.date(2026, 12, 5), "amount": Decimal("10")})
    with translation.override("en"):
        assert template.render(context) == "5 Dec 2026 · CN¥10.00"
    with translation.override("zh-hans"):
        assert template.render(context) == "2026年12月5日 · ¥10.00"
