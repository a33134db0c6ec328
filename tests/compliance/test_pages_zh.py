"""The compliance officer's pages in Simplified Chinese: headings, plurals, numbers, dates."""

from __future__ import annotations

import pytest
from django.urls import reverse

from compliance.engine import compliance_decide
from tests.compliance.factories import case_under, local_moment, mobile, sealed

pytestmark = pytest.mark.django_db

SHANGHAI = "Asia/Shanghai"
CHINESE = {"HTTP_ACCEPT_LANGUAGE": "zh-hans"}


NOVEMBER = {"date_from": "2026-11-01", "date_to": "2026-11-30"}


@pytest.fixture
def decisions(collector):
    case = case_under("CN-bank", time_zone=SHANGHAI, full_name="张伟")
    point = mobile(case)
    return [
        sealed(
            compliance_decide(
                actor=collector,
                case=case,
                channel="call",
                contact_point=point,
                moment=local_moment(at, SHANGHAI),
            ).log_entry
        )
        for at in ("2026-11-22 10:00", "2026-11-23 22:05")
    ]


def page(client, officer, name: str, **params) -> str:
    client.force_login(officer)
    response = client.get(reverse(name), params, **CHINESE)
    assert response.status_code == 200
    return response.content.decode()


def test_the_log_reads_in_chinese_with_both_clocks(client, compliance_officer, decisions):
    html = page(client, compliance_officer, "compliance:log", **NOVEMBER)

    assert '<h1 class="h3 mb-3">合规日志</h1>' in html
    assert ">Compliance log</h1>" not in html
    assert "共 2 行" in html
    assert "2026年11月23日 14:05" in html  # 22:05 in Shanghai, told in UTC
    assert "2026年11月23日 22:05" in html  # and on the debtor's clock
    assert "拦截" in html and "允许" in html
    assert 'title="contact_window">允许联系时段</span>' in html


def test_a_log_row_reads_in_chinese(client, compliance_officer, decisions):
    client.force_login(compliance_officer)
    response = client.get(reverse("compliance:detail", args=[decisions[1].pk]), **CHINESE)
    html = response.content.decode()

    assert "已评估的规则" in html
    assert "Rules evaluated" not in html
    assert "When (UTC)" not in html
    assert "CN-bank 第 1 版" in html


@pytest.mark.parametrize(
    ("period", "chinese", "english"),
    [
        (
            {"date_from": "2026-11-23", "date_to": "2026-11-23"},
            "期间内共 1 项决定。",
            "1 decision in",
        ),
        (NOVEMBER, "期间内共 2 项决定。", "2 decisions in"),
    ],
)
def test_block_counts_count_decisions_in_either_language(
    client, compliance_officer, decisions, period, chinese, english
):
    html = page(client, compliance_officer, "compliance:blocks", **period)
    client.force_login(compliance_officer)
    in_english = client.get(reverse("compliance:blocks"), period).content.decode()

    assert '<h1 class="h3 mb-3">合规拦截</h1>' in html
    assert ">Compliance blocks</h1>" not in html
    assert chinese in html
    assert english in in_english


def test_the_english_log_stays_english(client, compliance_officer, decisions):
    client.force_login(compliance_officer)
    html = client.get(reverse("compliance:log"), NOVEMBER).content.decode()

    assert "Compliance log" in html
    assert "2 rows, newest first." in html
    assert "23 Nov 2026, 14:05" in html
