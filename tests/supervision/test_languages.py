"""The supervisor's pages in Simplified Chinese: headings, forms, messages and plurals, amounts
with their currency; English stays the default."""

from __future__ import annotations

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse

from tests.reporting.conftest import DAY, days, make_case

pytestmark = pytest.mark.django_db

CHINESE = {"HTTP_ACCEPT_LANGUAGE": "zh-hans"}


@pytest.fixture
def cases(team):
    return [
        make_case(team, due=DAY - days(40), balance="1375166.85", opened=DAY - days(39))
        for _ in range(2)
    ]


def test_the_reassignment_page_reads_in_chinese(client, supervisor, cases):
    client.force_login(supervisor)

    html = client.get(reverse("supervision:reassign"), **CHINESE).content.decode()

    assert '<h1 class="h3 mb-3">重新分配案件</h1>' in html
    assert "Reassign cases" not in html
    assert "共 2 件未结案件符合条件。" in html
    assert "分配给催收员" in html and "Give to collector" not in html
    assert "US$1,375,166.85" in html


def test_the_reassignment_page_in_english(client, supervisor, cases):
    client.force_login(supervisor)

    html = client.get(reverse("supervision:reassign")).content.decode()

    assert '<h1 class="h3 mb-3">Reassign cases</h1>' in html
    assert "2 open cases match." in html
    assert "$1,375,166.85" in html


@pytest.mark.parametrize("ticked", [1, 2])
def test_a_reassignment_is_reported_in_chinese(client, supervisor, collector, cases, ticked):
    client.force_login(supervisor)

    response = client.post(
        reverse("supervision:reassign"),
        {
            "cases": [case.pk for case in cases[:ticked]],
            "collector": collector.pk,
            "reason": "调整工作量",
        },
        **CHINESE,
    )

    assert response.status_code == 302
    [message] = get_messages(response.wsgi_request)
    assert str(message).startswith(f"已将 {ticked} 件案件分配给 ")


def test_the_pause_page_and_the_approvals_read_in_chinese(client, supervisor, cases):
    client.force_login(supervisor)

    pause = client.get(reverse("supervision:case", args=[cases[0].pk]), **CHINESE)
    approvals = client.get(reverse("supervision:approvals"), **CHINESE)
    teams = client.get(reverse("supervision:teams"), **CHINESE)

    assert "暂停案件" in pause.content.decode() and "Pause the case" not in pause.content.decode()
    assert '<h1 class="h3 mb-3">例外审批</h1>' in approvals.content.decode()
    assert "没有待您审批的事项。" in approvals.content.decode()
    assert "调动催收员" in teams.content.decode()
    assert "Move a collector" not in teams.content.decode()
