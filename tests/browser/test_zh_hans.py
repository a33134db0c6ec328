"""Each role, reading in zh-Hans, finds no English interface text on any page of its navigation.

The test logs in as each role with Chinese as the profile's language, opens every page its
navigation bar links to (the "More" menu's too) and lists, page by page, the visible text nodes
that hold a Latin word of three letters or more which is not data. A screenshot of each page is
kept in test-artifacts/zh-hans/<role>-<page>.png.

What counts as data, and so may stay in Latin letters (the allow-list, kept small):
- the names the world holds: people, teams, agencies, debtors, strategies and stages (a bank
  names its own ladders), account references;
- tokens in capitals only (ISO currency and zone abbreviations: CNY, USD, UTC, CST; SMS, CSV,
  PDF, as Chinese staff write them too);
- tokens with a digit, "/", "@", "." or "_" in them (references, IANA zones like Asia/Shanghai,
  e-mail addresses, file names, URLs);
- product names: Django-RQ, the job queues' page in the admin;
- text inside an element that declares another language (`lang="en"`): the language switcher
  names each language in itself.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

import pytest
from django.urls import reverse

from accounts.models import Team, User
from accounts.roles import AGENCY_ROLES, Role
from agencies.models import Agency
from cases.models import CardAccount, Debtor, Stage, Strategy
from tests.browser import ARTIFACTS, log_in, needs_chromium
from tests.factories import (
    PASSWORD,
    AgencyFactory,
    CaseFactory,
    PlacementFactory,
    TeamFactory,
    UserFactory,
)

# live_server needs committed data.
pytestmark = [needs_chromium, pytest.mark.django_db(transaction=True)]

SCREENSHOTS = ARTIFACTS / "zh-hans"
LATIN_WORD = re.compile(r"[A-Za-z]{3,}")
DATA_TOKEN = re.compile(r"^[A-Z0-9]+$|[0-9/@._]")
# A token is a run of Latin letters, digits and "/@._-": Chinese text and its punctuation
# ("金额币种为 USD" followed by a full-width comma) end it.
TOKEN = re.compile(r"[A-Za-z0-9/@._-]+")
PRODUCT_NAMES = {"Django"}

# The visible text nodes of the page, each with the language its element declares.
VISIBLE_TEXT = """
() => {
  const found = [];
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const element = node.parentElement;
    const text = node.textContent.trim();
    if (!text || !element || ["SCRIPT", "STYLE", "NOSCRIPT"].includes(element.tagName)) continue;
    if (!element.checkVisibility({visibilityProperty: true, opacityProperty: true})) continue;
    const declared = element.closest("[lang]");
    found.push([text, declared ? declared.getAttribute("lang") : ""]);
  }
  return found;
}
"""


def world_names() -> set[str]:
    """Every word of the names the world holds (see the module's docstring)."""
    names: list[str] = []
    for user in User.objects.all():
        names += [user.username, user.first_name, user.last_name]
    names += Team.objects.values_list("name", flat=True)
    names += Agency.objects.values_list("name", flat=True)
    names += Debtor.objects.values_list("full_name", flat=True)
    names += Strategy.objects.values_list("name", flat=True)
    names += Stage.objects.values_list("name", flat=True)
    names += CardAccount.objects.values_list("account_reference", flat=True)
    return {word for name in names for word in LATIN_WORD.findall(name)}


def english_on_page(page, data_words: set[str]) -> list[str]:
    """The visible texts of the page that hold English interface words."""
    english = []
    for text, declared in page.evaluate(VISIBLE_TEXT):
        if declared and not declared.lower().startswith("zh"):
            continue
        words = [
            word
            for token in TOKEN.findall(text)
            if not DATA_TOKEN.search(token)
            for word in LATIN_WORD.findall(token)
            if word not in data_words and word not in PRODUCT_NAMES
        ]
        if words:
            english.append(text)
    return english


def navigation_pages(page) -> list[str]:
    """The paths the navigation bar links to, the "More" menu's included, in order."""
    hrefs = page.eval_on_selector_all(
        "#main-nav a.nav-link, #main-nav a.dropdown-item",
        "links => links.map(link => link.getAttribute('href'))",
    )
    return list(dict.fromkeys(hrefs))


def page_name(path: str) -> str:
    return "-".join(part for part in urlsplit(path).path.split("/") if part) or "home"


@pytest.fixture
def zh_world(db):
    """A team and an agency with work in them, so that each page has something to show."""
    team = TeamFactory(name="催收一组")
    agency = AgencyFactory(name="华信资产管理")
    for _ in range(3):
        CaseFactory(team=team, account__currency="CNY", account__debtor__time_zone="Asia/Shanghai")
    PlacementFactory(agency=agency, case__team=team)
    return {"team": team, "agency": agency}


def zh_user(role: Role, world) -> User:
    agency_staff = role in AGENCY_ROLES
    user = UserFactory(
        username=f"zh-{role.value}",
        first_name="李",
        last_name="明",
        role=role,
        team=None if agency_staff else world["team"],
        agency=world["agency"] if agency_staff else None,
        is_superuser=role == Role.ADMIN,
        language="zh-hans",
        time_zone="Asia/Shanghai",
    )
    if role == Role.SUPERVISOR:
        world["team"].supervisors.add(user)
    return user


@pytest.mark.parametrize("role", list(Role), ids=str)
def test_a_chinese_reader_finds_no_english_on_the_pages_of_their_navigation(
    live_server, browser_page, zh_world, role
):
    page, _errors = browser_page
    user = zh_user(role, zh_world)
    data_words = world_names()
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)

    log_in(page, live_server, user, PASSWORD)
    # Every role may open the case list (the admin lands in the Django admin, which has no bar).
    page.goto(live_server.url + reverse("workspace:list"))
    assert page.locator("html").get_attribute("lang") == "zh-hans"
    paths = navigation_pages(page)
    assert paths, f"{role}: no navigation"

    english: dict[str, list[str]] = {}
    for path in paths:
        page.goto(live_server.url + path)
        page.screenshot(path=SCREENSHOTS / f"{role.value}-{page_name(path)}.png", full_page=True)
        found = english_on_page(page, data_words)
        if found:
            english[path] = found
    report = "\n".join(f"{path}: {texts}" for path, texts in english.items())
    assert not english, f"English on {role}'s pages:\n{report}"


@pytest.mark.parametrize("url_name", ["accounts:login", "not-a-page"], ids=str)
def test_the_layouts_own_pages_have_no_english_for_a_chinese_reader(
    live_server, browser_page, zh_world, url_name
):
    """The log-in page (in the browser's language) and the 404 page."""
    page, _errors = browser_page
    page.context.set_extra_http_headers({"Accept-Language": "zh-hans"})
    user = zh_user(Role.COLLECTOR, zh_world)
    data_words = world_names()
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    if url_name != "accounts:login":
        log_in(page, live_server, user, PASSWORD)
    path = "/no-such-page/" if url_name == "not-a-page" else reverse(url_name)
    page.goto(live_server.url + path)
    page.screenshot(path=SCREENSHOTS / f"layout-{page_name(path)}.png", full_page=True)
    assert page.locator("html").get_attribute("lang") == "zh-hans"
    assert english_on_page(page, data_words) == []


def test_the_admins_navigation_fits_on_one_line_at_1366_px_in_each_language(
    live_server, browser_page, zh_world
):
    page, _errors = browser_page
    page.set_viewport_size({"width": 1366, "height": 900})
    admin = zh_user(Role.ADMIN, zh_world)
    log_in(page, live_server, admin, PASSWORD)
    for language in ("zh-hans", "en"):
        admin.language = language
        admin.save(update_fields=["language"])
        page.goto(live_server.url + reverse("workspace:list"))
        heights = page.eval_on_selector(
            "nav.navbar",
            "nav => [nav.getBoundingClientRect().height,"
            " nav.querySelector('.navbar-brand').getBoundingClientRect().height]",
        )
        tops = page.eval_on_selector_all(
            "#main-nav > *, #main-nav .navbar-nav > li",
            "items => items.map(item => Math.round(item.getBoundingClientRect().top))",
        )
        assert max(tops) - min(tops) < 20, f"{language}: the navigation wraps ({tops})"
        assert heights[0] < 2 * heights[1] + 40, f"{language}: the bar is {heights[0]} px high"
