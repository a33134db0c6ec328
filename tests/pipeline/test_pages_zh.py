"""The pipeline's pages in Simplified Chinese: headings, counts grouped, times on your clock."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from pipeline.models import PipelineRun

pytestmark = pytest.mark.django_db

CHINESE = {"HTTP_ACCEPT_LANGUAGE": "zh-hans"}


@pytest.fixture
def run():
    return PipelineRun.objects.create(
        business_date=dt.date(2026, 12, 5),
        status=PipelineRun.Status.SUCCEEDED,
        started_at=dt.datetime(2026, 12, 5, 2, 0, tzinfo=dt.UTC),
        finished_at=dt.datetime(2026, 12, 5, 2, 4, tzinfo=dt.UTC),
        counts={"cases_opened": 12345, "messages:sms": 2},
    )


def test_the_pipeline_page_reads_in_chinese(client, supervisor, run):
    supervisor.time_zone = "Asia/Shanghai"
    supervisor.save()
    client.force_login(supervisor)

    html = client.get(reverse("pipeline:page"), **CHINESE).content.decode()

    assert '<h1 class="h3">每日批处理</h1>' in html
    assert "Daily pipeline</h1>" not in html
    assert "最近运行" in html and "Recent runs" not in html
    assert "2026年12月5日" in html
    assert "新开案件（新逾期）：12,345" in html  # noqa: RUF001
    assert "2026年12月5日 10:00" in html  # 02:00 UTC on the supervisor's Shanghai clock
    assert "成功" in html


def test_the_pipeline_page_in_english_groups_counts_and_says_whose_clock(client, supervisor, run):
    supervisor.time_zone = "America/New_York"
    supervisor.save()
    client.force_login(supervisor)

    html = client.get(reverse("pipeline:page")).content.decode()

    assert "Cases opened (newly overdue): 12,345" in html
    assert "4 Dec 2026, 21:00 your time" in html


def test_the_messages_to_review_read_in_chinese(client, supervisor):
    client.force_login(supervisor)

    html = client.get(reverse("pipeline:messages_review"), **CHINESE).content.decode()

    assert "待复核消息" in html
    assert "没有需要复核的消息。" in html
    assert "Messages to review" not in html
