"""Shared fixtures: the people every permission test needs."""

from __future__ import annotations

import datetime as dt
import importlib
import os

import pytest
import time_machine
from django.apps import apps
from django.contrib.auth.models import Group, Permission
from django.db import connection, connections
from django.utils import translation

from accounts.roles import Role, sync_role_groups
from common.catalogs import compile_catalogs
from tests.browser import (
    CHROMIUM,
    CHROMIUM_ARGS,
    CHROMIUM_ENV,
    EXPECT_TIMEOUT_MS,
    NAVIGATION_TIMEOUT_MS,
    POLICY_VIOLATION_LISTENER,
)
from tests.factories import AgencyFactory, TeamFactory, UserFactory
from workspace.selectors import callable_stage_ids, debtor_time_zones, queue_policy


def pytest_configure(config):
    """The translation catalogs are compiled first (`make test` does it too).

    `TEST_CLOCK_STARTS_AT` (ISO 8601, `make test-later`) moves the clock of the whole run to
    that moment, from where it runs on: every `now` and `today` the product and the tests read
    comes from it. Only the monotonic clock, sleeps and time-outs stay real, and so does the
    browser's clock (the client's own)."""
    compile_catalogs()
    moment = os.environ.get("TEST_CLOCK_STARTS_AT")
    if moment:
        config.shifted_clock = time_machine.travel(dt.datetime.fromisoformat(moment), tick=True)
        config.shifted_clock.start()


def pytest_unconfigure(config):
    shifted_clock = getattr(config, "shifted_clock", None)
    if shifted_clock is not None:
        shifted_clock.stop()


def pytest_report_header(config):
    moment = os.environ.get("TEST_CLOCK_STARTS_AT")
    return f"clock moved to {moment}" if moment else None


def pytest_collection_modifyitems(config, items):
    """Skip tests marked `postgres` when the suite runs on SQLite."""
    from django.conf import settings

    if settings.DATABASES["default"]["ENGINE"].endswith("postgresql"):
        return
    skip = pytest.mark.skip(reason="needs PostgreSQL (set DATABASE_URL)")
    for item in items:
        if "postgres" in item.keywords:
            item.add_marker(skip)


def install_reference_data() -> None:
    """What the data migrations install: the role groups and the default ladder."""
    sync_role_groups(Group, Permission)
    ladder = importlib.import_module("cases.migrations.0002_default_strategy")
    ladder.install_default_strategy(apps, None)


@pytest.fixture(autouse=True)
def reference_data_after_flush(request):
    """A transactional test ends by emptying every table, migration-installed rows included;
    put them back so that every test starts from a freshly migrated database."""
    marker = request.node.get_closest_marker("django_db")
    if marker is None or not marker.kwargs.get("transaction", False):
        return
    request.getfixturevalue("_django_db_helper")
    install_reference_data()


@pytest.fixture(autouse=True)
def english_after_each_test():
    """A request in Chinese leaves its language active in the thread: the next test starts in
    English, the default, as a new request would."""
    yield
    translation.deactivate()


@pytest.fixture(autouse=True)
def fresh_queue_caches():
    """The work queue caches its policy, stages and debtor zones for minutes; every test builds
    its own, so none may see another's."""
    for cached in (queue_policy, callable_stage_ids, debtor_time_zones):
        cached.cache_clear()


@pytest.fixture(autouse=True)
def run_locks_of_this_test(settings, tmp_path):
    """On SQLite the holder locks are files: each test keeps its own (common.holders)."""
    settings.RUN_LOCK_DIR = tmp_path / "locks"


@pytest.fixture
def team(db):
    return TeamFactory(name="Team A")


@pytest.fixture
def other_team(db):
    return TeamFactory(name="Team B")


@pytest.fixture
def agency(db):
    return AgencyFactory(name="Northwind Recoveries")


@pytest.fixture
def collector(team):
    return UserFactory(username="collector", role=Role.COLLECTOR, team=team)


@pytest.fixture
def outsider(other_team):
    """A collector of another team: in every permission test."""
    return UserFactory(username="outsider", role=Role.COLLECTOR, team=other_team)


@pytest.fixture
def supervisor(team):
    user = UserFactory(username="supervisor", role=Role.SUPERVISOR, team=team)
    team.supervisors.add(user)
    return user


@pytest.fixture
def agency_collector(agency):
    return UserFactory(username="agent", role=Role.AGENCY_COLLECTOR, agency=agency)


@pytest.fixture
def compliance_officer(db):
    return UserFactory(username="compliance", role=Role.COMPLIANCE_OFFICER)


@pytest.fixture
def admin_user(db):
    return UserFactory(username="admin", role=Role.ADMIN, is_superuser=True, is_staff=True)


@pytest.fixture
def on_postgres():
    return connection.vendor == "postgresql"


@pytest.fixture
def browser_page(monkeypatch):
    """`page, errors`: a Chromium page, and every script error, console error, Content-Security-
    Policy refusal and failed request it has seen; a test ends asserting `errors == []`."""
    playwright_api = pytest.importorskip(
        "playwright.sync_api", reason="playwright is not installed (pip install playwright)"
    )
    # Playwright's sync API keeps an event loop running in this thread; Django's ORM refuses
    # to run beside one unless told to (the test's own queries are plain synchronous ones).
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    playwright_api.expect.set_options(timeout=EXPECT_TIMEOUT_MS)
    with playwright_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, env={**os.environ, **CHROMIUM_ENV}
        )
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        page.set_default_timeout(NAVIGATION_TIMEOUT_MS)
        errors: list[str] = []
        page.on("pageerror", lambda error: errors.append(str(error)))
        page.expose_function("reportPolicyViolation", lambda report: errors.append(report))
        page.add_init_script(POLICY_VIOLATION_LISTENER)
        # A failed load is reported by its response below, with its address.
        page.on(
            "console",
            lambda message: (
                message.type == "error"
                and not message.text.startswith("Failed to load resource")
                and errors.append(message.text)
            ),
        )
        page.on(
            "response",
            lambda response: (
                response.status >= 400 and errors.append(f"{response.status} {response.url}")
            ),
        )
        yield page, errors
        # The test's queries ran in Playwright's context, on connections of their own:
        # closed here, or the test database cannot be dropped at the end of the run.
        connections.close_all()
        browser.close()
