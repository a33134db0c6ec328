"""`manage.py migrate` ends in one schema whether the database starts empty or was migrated
before `cases` was split into one app per domain.

The split moved models out of `cases` keeping their tables: the new apps take them over in
state only, and carry the content types and permissions along. What could go wrong, and what
catches it here: a migration that acts differently on a database with a past (the schemas
differ); a state-only migration made real, or a moved model that lost its `db_table` (a table
no model uses, or a model without its table); a content type or permission recreated instead
of moved, cutting the admin's history and the groups off from it (ids and groups compared).

Each path runs in databases of its own, created and dropped here, through `manage.py` in a
subprocess with the production settings, as a deployment runs it. On PostgreSQL the schemas
are compared as `pg_dump --schema-only` prints them (tables, columns with their types, defaults
and nullability, indexes, constraints, foreign keys, the compliance log's trigger); on SQLite
as `sqlite_master` holds them.
"""

from __future__ import annotations

import difflib
import io
import json
import os
import shutil
import sqlite3
import subprocess
import sys
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

import pytest
from django.apps import apps
from django.conf import settings
from django.core.management import call_command

from accounts.roles import Role

# What `migrate` reached before the split: the last migrations the code had then, with their
# dependencies, is exactly the schema it created.
BEFORE_THE_SPLIT = [
    ("cases", "0010_plural_days_in_default_messages"),
    ("agencies", "0003_placement_rules_and_statements"),
    ("accounts", "0002_initial"),
]
# The models that left `cases`, by the app that holds them now.
MOVED_MODELS = {
    "compliance": [
        "compliancepolicy",
        "compliancepolicyversion",
        "portfoliopolicy",
        "compliancechainhead",
        "compliancelogentry",
    ],
    "pipeline": ["pipelinerun", "outboundmessage"],
    "feeds": ["importrun", "importrejectedrow"],
    "supervision": ["supervisoraction", "overrideapproval"],
    "reporting": [
        "dailyperformance",
        "dailycollectorperformance",
        "dailyteamperformance",
        "dailycaseflow",
        "portfoliosnapshot",
        "rollrate",
        "queuesnapshot",
        "statsday",
        "statswatermark",
    ],
}
# The permissions `cases.Case` declared before the split: codename -> (name, where it is now).
MOVED_PERMISSIONS = {
    "view_compliance_log": ("Can audit the compliance log", "compliance.compliancelogentry"),
    "override_compliance": (
        "Can override an overridable compliance block",
        "compliance.compliancelogentry",
    ),
    "run_pipeline": ("Can run or preview the daily pipeline", "pipeline.pipelinerun"),
    "reassign_case": (
        "Can reassign cases between collectors and teams",
        "supervision.supervisoraction",
    ),
    "view_dashboard": ("Can view performance dashboards", "reporting.dailyperformance"),
}
# Groups as the role installation of that time left them (a part of each is enough), and one
# an admin made by hand: nothing re-creates that one, so only moved permissions keep it whole.
HAND_MADE_GROUP = "Audit desk"
GROUPS_BEFORE_THE_SPLIT = {
    Role.SUPERVISOR.value: [
        "cases.view_case",
        "cases.work_case",
        "cases.reassign_case",
        "cases.view_dashboard",
        "cases.override_compliance",
        "cases.run_pipeline",
    ],
    Role.COMPLIANCE_OFFICER.value: [
        "cases.view_case",
        "cases.view_dashboard",
        "cases.view_compliance_log",
    ],
    HAND_MADE_GROUP: [f"cases.{codename}" for codename in MOVED_PERMISSIONS],
}

# Run by `manage.py shell` on the database to bring to its state before the split: the
# migrations of that time, then what the code of that time had created beside them.
BRING_TO_BEFORE_THE_SPLIT = """
import json

from django.contrib.auth.models import Group, Permission
from django.contrib.contenttypes.models import ContentType
from django.core.management import call_command

facts = json.loads({facts!r})
for app_label, migration in facts["before_the_split"]:
    call_command("migrate", app_label, migration, interactive=False, verbosity=0)
for models in facts["moved_models"].values():
    for model in models:
        ContentType.objects.get_or_create(app_label="cases", model=model)
case_type = ContentType.objects.get(app_label="cases", model="case")
for codename, (name, _now) in facts["moved_permissions"].items():
    Permission.objects.get_or_create(
        content_type=case_type, codename=codename, defaults={{"name": name}}
    )
for group_name, codes in facts["groups"].items():
    group = Group.objects.create(name=group_name)
    for code in codes:
        app_label, codename = code.split(".")
        group.permissions.add(
            Permission.objects.get(content_type__app_label=app_label, codename=codename)
        )
"""

CONTENT_TYPES = "SELECT id, app_label || '.' || model FROM django_content_type"
PERMISSIONS = """
    SELECT p.id, t.app_label || '.' || t.model || '.' || p.codename
    FROM auth_permission p JOIN django_content_type t ON t.id = p.content_type_id
"""
GROUP_PERMISSIONS = """
    SELECT g.name, t.app_label || '.' || p.codename
    FROM auth_group g
    JOIN auth_group_permissions gp ON gp.group_id = g.id
    JOIN auth_permission p ON p.id = gp.permission_id
    JOIN django_content_type t ON t.id = p.content_type_id
"""
APPLIED_MIGRATIONS = "SELECT app || '.' || name FROM django_migrations"


@dataclass
class Backend:
    """Where the two databases live, and how to read their schema and rows."""

    vendor: str
    columns_query: str  # (table, column) rows
    url: Callable[[str], str]
    create: Callable[[str], None]
    drop: Callable[[str], None]
    schema: Callable[[str], list[str]]
    rows: Callable[[str, str], list[tuple]]


def postgresql_backend() -> Backend:
    psycopg = pytest.importorskip("psycopg")
    pg_dump = shutil.which("pg_dump")
    assert pg_dump, "pg_dump is needed to compare the schemas (PostgreSQL's client programs)"
    database = settings.DATABASES["default"]
    server = {
        "host": database.get("HOST") or "127.0.0.1",
        "port": str(database.get("PORT") or 5432),
        "user": database.get("USER") or "postgres",
        "password": database.get("PASSWORD") or "",
    }

    def connect(name: str):
        return psycopg.connect(dbname=name, autocommit=True, **server)

    def url(name: str) -> str:
        credentials = quote(server["user"], safe="")
        if server["password"]:
            credentials += ":" + quote(server["password"], safe="")
        return f"postgres://{credentials}@{server['host']}:{server['port']}/{name}"

    def create(name: str) -> None:
        with connect("postgres") as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            admin.execute(f'CREATE DATABASE "{name}"')

    def drop(name: str) -> None:
        with connect("postgres") as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    def schema(name: str) -> list[str]:
        dump = subprocess.run(
            [pg_dump, "--schema-only", "--no-owner", "--no-privileges", url(name)],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        # `\restrict` and `\unrestrict` carry a key drawn anew for every dump.
        return [line for line in dump.splitlines() if not line.startswith(("\\restrict", "\\unr"))]

    def rows(name: str, query: str) -> list[tuple]:
        with connect(name) as connection:
            return connection.execute(query).fetchall()

    return Backend(
        "postgresql",
        "SELECT table_name, column_name FROM information_schema.columns "
        "WHERE table_schema = 'public'",
        url=url,
        create=create,
        drop=drop,
        schema=schema,
        rows=rows,
    )


def sqlite_backend(folder: Path) -> Backend:
    def path(name: str) -> Path:
        return folder / f"{name}.sqlite3"

    def rows(name: str, query: str) -> list[tuple]:
        connection = sqlite3.connect(path(name))
        try:
            return connection.execute(query).fetchall()
        finally:
            connection.close()

    def schema(name: str) -> list[str]:
        entries = rows(
            name,
            "SELECT type, name, tbl_name, sql FROM sqlite_master "
            "WHERE name NOT LIKE 'sqlite_%' ORDER BY type, name",
        )
        return [" | ".join(str(value) for value in entry) for entry in entries]

    return Backend(
        "sqlite",
        "SELECT m.name, c.name FROM sqlite_master m JOIN pragma_table_info(m.name) c "
        "WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite_%'",
        url=lambda name: f"sqlite:///{path(name)}",
        create=lambda name: None,
        drop=lambda name: None,
        schema=schema,
        rows=rows,
    )


def manage(backend: Backend, database: str, *arguments: str) -> None:
    """`manage.py` on `database`, with the production settings."""
    environment = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "collections_site.settings",
        "SECRET_KEY": "migration-test-only-secret-key-0123456789abcdefghijklmnop",
        "PAYMENT_PROVIDER": "portal.providers.LocalFakeProvider",
        "PORTAL_BASE_URL": "https://collections.example.com",
        "DEBUG": "0",
        "DATABASE_URL": backend.url(database),
    }
    finished = subprocess.run(
        [sys.executable, "manage.py", *arguments],
        cwd=settings.BASE_DIR,
        env=environment,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert finished.returncode == 0, (
        f"manage.py {arguments[0]} failed on {database}:\n{finished.stdout}\n{finished.stderr}"
    )


def labelled_ids(backend: Backend, database: str, query: str) -> dict[str, int]:
    """`query`'s (id, label) rows, by label."""
    return {label: id_ for id_, label in backend.rows(database, query)}


def migrate(backend: Backend, database: str) -> None:
    manage(backend, database, "migrate", "--noinput", "-v0")


def migrate_before_the_split(backend: Backend, database: str) -> None:
    facts = {
        "before_the_split": BEFORE_THE_SPLIT,
        "moved_models": MOVED_MODELS,
        "moved_permissions": MOVED_PERMISSIONS,
        "groups": GROUPS_BEFORE_THE_SPLIT,
    }
    script = BRING_TO_BEFORE_THE_SPLIT.format(facts=json.dumps(facts))
    manage(backend, database, "shell", "-v0", "-c", script)


@dataclass
class Databases:
    """Both paths, migrated: `from_empty`, and `before_split` with its ids from before."""

    backend: Backend
    from_empty: str
    before_split: str
    content_types_before: dict[str, int]
    permissions_before: dict[str, int]

    def rows(self, database: str, query: str) -> list[tuple]:
        return self.backend.rows(database, query)

    def content_types(self, database: str) -> dict[str, int]:
        return labelled_ids(self.backend, database, CONTENT_TYPES)

    def permissions(self, database: str) -> dict[str, int]:
        return labelled_ids(self.backend, database, PERMISSIONS)

    def groups(self, database: str) -> dict[str, set[str]]:
        groups: dict[str, set[str]] = {}
        for name, code in self.rows(database, GROUP_PERMISSIONS):
            groups.setdefault(name, set()).add(code)
        return groups


def migrate_from_before_the_split(
    backend: Backend, database: str
) -> tuple[dict[str, int], dict[str, int]]:
    """The content types' and permissions' ids before the split, once migrated on from there."""
    migrate_before_the_split(backend, database)
    content_types = labelled_ids(backend, database, CONTENT_TYPES)
    permissions = labelled_ids(backend, database, PERMISSIONS)
    migrate(backend, database)
    return content_types, permissions


def both_paths(backend: Backend, prefix: str) -> Iterator[Databases]:
    from_empty, before_split = f"{prefix}_from_empty", f"{prefix}_from_before_split"
    for database in (from_empty, before_split):
        backend.create(database)
    try:
        # The two paths are independent: run side by side.
        with ThreadPoolExecutor(max_workers=2) as pool:
            empty_path = pool.submit(migrate, backend, from_empty)
            split_path = pool.submit(migrate_from_before_the_split, backend, before_split)
            empty_path.result()
            content_types_before, permissions_before = split_path.result()
        yield Databases(backend, from_empty, before_split, content_types_before, permissions_before)
    finally:
        for database in (from_empty, before_split):
            backend.drop(database)


@pytest.fixture(
    scope="module", params=[pytest.param("postgresql", marks=pytest.mark.postgres), "sqlite"]
)
def databases(request, tmp_path_factory) -> Iterator[Databases]:
    if request.param == "postgresql":
        # Named after the test database, so that runs of different checkouts do not meet.
        own_name = settings.DATABASES["default"]["NAME"].removeprefix("test_")
        yield from both_paths(postgresql_backend(), f"test_{own_name}_migrations")
    else:
        yield from both_paths(sqlite_backend(tmp_path_factory.mktemp("migrations")), "db")


def test_both_paths_end_in_the_same_schema(databases):
    from_empty = databases.backend.schema(databases.from_empty)
    before_split = databases.backend.schema(databases.before_split)
    difference = "\n".join(
        difflib.unified_diff(
            from_empty, before_split, "from empty", "from before the split", lineterm=""
        )
    )
    assert not difference, difference


def test_the_compliance_log_is_append_only_on_both_paths(databases):
    """The schemas compared above hold the triggers: neither path lost them."""
    if databases.backend.vendor != "postgresql":
        pytest.skip("the append-only trigger is PostgreSQL's")
    for database in (databases.from_empty, databases.before_split):
        schema = "\n".join(databases.backend.schema(database))
        assert (
            "CREATE TRIGGER compliance_log_append_only BEFORE DELETE OR UPDATE "
            "ON public.cases_compliancelogentry"
        ) in schema
        assert (
            "CREATE TRIGGER compliance_log_truncate_refused BEFORE TRUNCATE "
            "ON public.cases_compliancelogentry FOR EACH STATEMENT"
        ) in schema


def test_both_paths_applied_the_same_migrations(databases):
    applied = {
        database: sorted(row[0] for row in databases.rows(database, APPLIED_MIGRATIONS))
        for database in (databases.from_empty, databases.before_split)
    }
    assert applied[databases.before_split] == applied[databases.from_empty]


def test_the_content_types_of_the_moved_models_moved_with_them(databases):
    after = databases.content_types(databases.before_split)
    assert set(after) == set(databases.content_types(databases.from_empty))
    for app_label, models in MOVED_MODELS.items():
        for model in models:
            # The same row: the admin's history and every generic relation still point at it.
            assert after[f"{app_label}.{model}"] == databases.content_types_before[f"cases.{model}"]


def test_the_permissions_of_the_case_moved_to_their_new_models(databases):
    after = databases.permissions(databases.before_split)
    assert set(after) == set(databases.permissions(databases.from_empty))
    for codename, (_name, model_now) in MOVED_PERMISSIONS.items():
        where_it_was, where_it_is = f"cases.case.{codename}", f"{model_now}.{codename}"
        assert where_it_was not in after
        # The same row: the groups and users holding it hold it still.
        assert after[where_it_is] == databases.permissions_before[where_it_was]


def test_a_group_made_by_hand_still_holds_the_moved_permissions(databases):
    held = databases.groups(databases.before_split)[HAND_MADE_GROUP]
    assert held == {
        f"{model_now.split('.')[0]}.{codename}"
        for codename, (_name, model_now) in MOVED_PERMISSIONS.items()
    }


def test_the_role_groups_are_the_same_on_both_paths(databases):
    roles_from_empty = databases.groups(databases.from_empty)
    roles_before_split = databases.groups(databases.before_split)
    roles_before_split.pop(HAND_MADE_GROUP)
    assert set(roles_from_empty) == {role.value for role in Role}
    assert roles_before_split == roles_from_empty


def test_every_model_finds_its_table_and_columns_on_both_paths(databases):
    """A moved model that lost its `db_table` would look for a table no path created; a
    state-only migration turned into a real one would leave a table no model uses."""
    expected = {
        (model._meta.db_table, field.column)
        for model in apps.get_models(include_auto_created=True)
        if model._meta.managed and not model._meta.proxy
        for field in model._meta.local_concrete_fields
    }
    model_tables = {table for table, _column in expected} | {"django_migrations"}
    for database in (databases.from_empty, databases.before_split):
        found = set(databases.rows(database, databases.backend.columns_query))
        assert sorted(expected - found) == [], f"missing on {database}"
        tables_of_no_model = {table for table, _column in found} - model_tables
        assert tables_of_no_model == set(), f"on {database}"


@pytest.mark.django_db
def test_the_migrations_hold_every_change_of_the_models():
    """What the paths above migrate is what the models say (`makemigrations` has nothing to
    write): a model whose table or fields changed without a migration is caught here."""
    report = io.StringIO()
    try:
        call_command("makemigrations", check=True, dry_run=True, stdout=report, verbosity=1)
    except SystemExit:
        pytest.fail(f"The models changed without a migration:\n{report.getvalue()}")
