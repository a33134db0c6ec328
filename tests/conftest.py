"""Shared fixtures: the people every permission test needs."""

from __future__ import annotations

import importlib

import pytest
from django.apps import apps
from django.contrib.auth.models import Group, Permission
from django.db import connection

from accounts.roles import Role, sync_role_groups
from tests.factories import AgencyFactory, TeamFactory, UserFactory


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
