"""The supervisor's pages and actions keep to the Content-Security-Policy in a real browser
(Chromium, driven by Playwright): the charts, a reassignment, an override approval, and a pause
answered in place by htmx."""

from __future__ import annotations

import pytest
from django.urls import reverse
from django.utils import timezone

from cases.models import Case
from compliance.engine import compliance_decide
from reporting.stats import stats_compute_days, stats_snapshot_day
from tests.browser import ARTIFACTS, log_in, needs_chromium
from tests.factories import PASSWORD
from tests.reporting.conftest import DAY, at, days

# live_server needs committed data.
pytestmark = [needs_chromium, pytest.mark.django_db(transaction=True)]

PERIOD = f"?date_from={DAY.isoformat()}&date_to={DAY.isoformat()}&currency=USD"


def test_a_supervisors_pages_and_actions_break_no_policy_rule(
    live_server, browser_page, world, supervisor, collector, collector2
):
    page, errors = browser_page
    expect = pytest.importorskip("playwright.sync_api").expect
    stats_compute_days(first=DAY - days(31), last=DAY, now=at(DAY, 23))
    stats_snapshot_day(day=DAY, now=at(DAY, 23))
    blocked = compliance_decide(
        actor=collector2,
        case=world["case2"],
        channel="call",
        contact_point=world["case2"].phone,
        moment=timezone.now(),
    )
    assert not blocked.allowed  # the debtor is vulnerable

    log_in(page, live_server, supervisor, PASSWORD)
    for name in ("people", "portfolio", "strategies"):
        page.goto(live_server.url + reverse("reporting:page", args=[name]) + PERIOD)
        expect(page.locator("table[data-figure]").first).to_be_visible()
        if name != "strategies":  # the strategy page is tables only
            expect(page.locator("canvas[data-chart]").first).to_be_visible()

    page.goto(live_server.url + reverse("supervision:reassign"))
    page.check(f"#case-{world['case1'].pk}")
    page.select_option("#id_collector", str(collector2.pk))
    page.fill("#id_reason", "Covering a holiday")
    page.get_by_role("button", name="Reassign").click()
    expect(page.locator("main .alert-success")).to_be_visible()
    assert Case.objects.get(pk=world["case1"].pk).assigned_to == collector2

    page.goto(live_server.url + reverse("supervision:approvals"))
    page.get_by_label(f"Reason for case {world['case2'].pk}").fill("Specialist on the line")
    page.get_by_role("button", name="Approve").click()
    expect(page.locator("main .alert").first).to_be_visible()

    page.goto(live_server.url + reverse("supervision:case", args=[world["case3"].pk]))
    reason = page.locator("#pause-panel input[name=reason]")
    # Styled at run time, as a browser extension or a script does through the style object
    # (which the policy allows): htmx's swap must not copy that style as an inline one.
    reason.evaluate("field => { field.style.outline = '2px solid orange'; }")
    reason.fill("Hardship review")
    page.get_by_role("button", name="Pause the case").click()
    expect(page.locator("#pause-panel")).to_contain_text("Paused")

    assert errors == [], errors
    assert Case.objects.get(pk=world["case3"].pk).paused_at is not None


# Each dashboard table must fit inside its card on a 1366 px screen, in either language.
TABLES_OVERFLOWING = """
() => Array.from(document.querySelectorAll("main .table-responsive")).filter(
  (box) => box.scrollWidth > box.clientWidth + 1
).map((box) => box.querySelector("table").dataset.figure || "a table")
"""
CUT_SELECTS = """
() => Array.from(document.querySelectorAll("main form[role=search] select")).filter(
  (select) => {
    const probe = document.createElement("span");
    probe.style.font = getComputedStyle(select).font;
    probe.style.position = "absolute";
    probe.style.whiteSpace = "nowrap";
    probe.textContent = select.options[select.selectedIndex]?.text || "";
    document.body.appendChild(probe);
    const needed = probe.getBoundingClientRect().width;
    probe.remove();
    return needed > select.clientWidth - 36;  // room for the arrow and padding
  }
).map((select) => select.name)
"""


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_every_dashboard_table_fits_its_card_at_1366_px(
    live_server, browser_page, world, supervisor, collector, collector2, language
):
    page, errors = browser_page
    expect = pytest.importorskip("playwright.sync_api").expect
    collector.first_name, collector.last_name = "Maximiliana Alexandra", "Featherstonehaugh-Lee"
    collector.save()
    stats_compute_days(first=DAY - days(31), last=DAY, now=at(DAY, 23))
    stats_snapshot_day(day=DAY, now=at(DAY, 23))
    page.set_viewport_size({"width": 1366, "height": 768})
    page.set_extra_http_headers({"Accept-Language": language})

    log_in(page, live_server, supervisor, PASSWORD)
    for name in ("people", "portfolio", "strategies"):
        page.goto(live_server.url + reverse("reporting:page", args=[name]) + PERIOD)
        expect(page.locator("#key-figures [data-key-figure]").first).to_be_visible()
        expect(page.locator("table[data-figure]").first).to_be_visible()
        assert page.evaluate(TABLES_OVERFLOWING) == [], (name, language)
        assert page.evaluate(CUT_SELECTS) == [], (name, language)
        if language == "zh-hans":
            expect(page.locator("h1")).to_contain_text("看板")
        page.screenshot(path=str(ARTIFACTS / f"dashboard-{name}-{language}-1366.png"))

    assert errors == [], errors
