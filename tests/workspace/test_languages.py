"""The case page and the queue in Chinese: every time says whose clock it is, money carries its
currency, and the English interface text is gone."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse
from django.utils import timezone

from tests.workspace.test_actions import HTMX

pytestmark = pytest.mark.django_db
CHINESE = {"HTTP_ACCEPT_LANGUAGE": "zh-hans"}


@pytest.fixture
def case(team, make_case):
    case = make_case(team=team)
    case.account.balance = Decimal("1375166.85")
    case.account.currency = "CNY"
    case.account.save()
    return case


@pytest.fixture
def worker(client, collector):
    collector.time_zone = "Asia/Shanghai"
    collector.save()
    client.force_login(collector)
    return client


def test_the_case_page_reads_in_chinese_with_both_clocks_and_the_money_in_yuan(worker, case):
    page = worker.get(reverse("workspace:detail", args=[case.pk]), **CHINESE).content.decode()

    assert "记录电话" in page and "安排预约回电" in page
    assert "Log a call" not in page and "Schedule a call-back" not in page
    assert "¥1,375,166.85" in page
    assert "<dt>债务人当地时间</dt>" in page and "<dt>您的时间</dt>" in page
    assert "您的时间（CST）" in page  # noqa: RUF001 (the collector's clock, Asia/Shanghai)


def test_a_call_back_is_confirmed_in_chinese_on_both_clocks(worker, collector, case):
    debtor_zone = ZoneInfo(case.debtor.time_zone)
    tomorrow_noon = dt.datetime.combine(
        timezone.localdate() + dt.timedelta(days=1), dt.time(12), tzinfo=debtor_zone
    )
    typed = tomorrow_noon.strftime("%Y-%m-%dT%H:%M")  # on the debtor's clock

    response = worker.post(
        reverse("workspace:callback", args=[case.pk]),
        {"callback-when": typed},
        **HTMX,
        **CHINESE,
    )

    page = response.content.decode()
    local = tomorrow_noon.date()
    assert f"{local.year}年{local.month}月{local.day}日 12:00" in page  # the debtor's noon
    assert "已安排预约回电" in page
    assert "Call-back scheduled:" not in page  # the note in the history is a record, as stored


def test_the_queue_reads_in_chinese(worker, case):
    page = worker.get(reverse("workspace:queue"), **CHINESE).content.decode()

    assert '<h1 class="h3 mb-0">我的队列</h1>' in page and "可以致电" in page
    assert "Ready to call" not in page and "Not callable yet" not in page
