"""The navigation and the tabs, in each language."""

from __future__ import annotations

import pytest
from django.utils import translation

from accounts.navigation import (
    NAV_INLINE_LINKS,
    dashboard_tabs,
    nav_bar_for,
    nav_links_for,
)
from accounts.roles import Role

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "person", ["collector", "supervisor", "agency_collector", "compliance_officer", "admin_user"]
)
def test_the_bar_shows_every_link_once(request, person):
    user = request.getfixturevalue(person)
    in_bar, under_more = nav_bar_for(user)
    assert in_bar + under_more == nav_links_for(user)
    assert len(in_bar) <= NAV_INLINE_LINKS + 1
    assert len(under_more) != 1


def test_the_links_and_tabs_read_in_chinese(supervisor):
    with translation.override("zh-hans"):
        labels = [str(link.label) for link in nav_links_for(supervisor)]
        tabs = [str(label) for label, _url, _active in dashboard_tabs(supervisor, "people")]
        role = str(Role.SUPERVISOR.label)
    assert labels[:3] == ["我的队列", "案件", "看板"]
    assert tabs[:3] == ["人员", "资产组合", "催收策略"]
    assert role == "主管"


def test_the_links_read_in_english_by_default(supervisor):
    labels = [str(link.label) for link in nav_links_for(supervisor)]
    assert labels[:3] == ["My queue", "Cases", "Dashboard"]
