"""The application's database role (PostgreSQL): it works the cases and writes the compliance
log, but owns no table, so it cannot truncate, rewrite or delete the log, nor switch its
trigger off. The log's owner cannot truncate it either unless its session says so first
(`compliance.truncation.log_truncation_allowed`: the test suite's flush, `seed_demo --reset`)."""

from __future__ import annotations

import secrets
from contextlib import contextmanager

import pytest
from django.core.management import call_command
from django.db import (
    DEFAULT_DB_ALIAS,
    IntegrityError,
    ProgrammingError,
    connection,
    connections,
    transaction,
)
from django.test import override_settings

from cases.models import Case
from compliance.engine import compliance_decide
from compliance.log import compliance_log_seal, compliance_log_verify
from compliance.models import ComplianceLogEntry
from compliance.truncation import log_truncation_allowed
from tests.compliance.factories import case_under, mobile, utc

pytestmark = pytest.mark.postgres

LOG = ComplianceLogEntry._meta.db_table
CASES = Case._meta.db_table
REFUSED_TO_THE_APPLICATION = [
    f"TRUNCATE {LOG}",
    f"TRUNCATE {CASES} CASCADE",
    f"UPDATE {LOG} SET reason = 'nothing happened'",
    # the sealer's columns are granted, with the row's content untouched
    f"UPDATE {LOG} SET sequence = 1, previous_hash = 'a', entry_hash = 'b', reason = 'x'",
    f"DELETE FROM {LOG}",
    f"ALTER TABLE {LOG} DISABLE TRIGGER ALL",
    f"ALTER TABLE {LOG} DISABLE TRIGGER compliance_log_append_only",
    f"DROP TABLE {LOG} CASCADE",
]


def decide_a_call(case: Case) -> ComplianceLogEntry:
    return compliance_decide(
        actor=None,
        case=case,
        channel="call",
        contact_point=mobile(case),
        moment=utc("2026-11-23 15:00"),
    ).log_entry


@pytest.fixture
def application_role(transactional_db):
    """A log-in role for the application, granted what `migrate` grants it when
    DATABASE_APPLICATION_ROLE names it; dropped, with its grants, at the end."""
    name, password = f"collections_app_{secrets.token_hex(4)}", secrets.token_hex(16)
    quoted = connection.ops.quote_name(name)
    with connection.cursor() as cursor:
        cursor.execute(f"CREATE ROLE {quoted} LOGIN PASSWORD %s", [password])
    try:
        with override_settings(DATABASE_APPLICATION_ROLE=name):
            call_command("migrate", verbosity=0)
        yield name, password
    finally:
        with connection.cursor() as cursor:
            cursor.execute(f"DROP OWNED BY {quoted}")
            cursor.execute(f"DROP ROLE {quoted}")


@contextmanager
def connected_as(role: tuple[str, str]):
    """The ORM's default connection, for the block, logged in as `role`."""
    name, password = role
    owner = connections[DEFAULT_DB_ALIAS]
    application = type(owner)({**owner.settings_dict, "USER": name, "PASSWORD": password})
    connections[DEFAULT_DB_ALIAS] = application
    try:
        yield application
    finally:
        application.close()
        connections[DEFAULT_DB_ALIAS] = owner


def test_the_application_role_writes_and_seals_the_log_and_updates_cases(application_role):
    case = case_under()
    with connected_as(application_role) as application:
        entry = decide_a_call(case)
        assert compliance_log_seal() == 1
        Case.objects.filter(pk=case.pk).update(priority_score=99)
        with application.cursor() as cursor:
            cursor.execute("SELECT current_user")
            assert cursor.fetchone()[0] == application_role[0]
    entry.refresh_from_db()
    assert entry.sequence == 1
    assert Case.objects.get(pk=case.pk).priority_score == 99
    assert compliance_log_verify().ok


@pytest.mark.parametrize("statement", REFUSED_TO_THE_APPLICATION)
def test_the_application_role_cannot_empty_rewrite_or_unguard_the_log(application_role, statement):
    decide_a_call(case_under())
    with (
        connected_as(application_role) as application,
        pytest.raises(ProgrammingError, match=r"permission denied|must be owner"),
        application.cursor() as cursor,
    ):
        cursor.execute(statement)
    assert ComplianceLogEntry.objects.count() == 1
    assert compliance_log_verify().ok


def test_the_application_role_cannot_truncate_the_log_by_asking_to(application_role):
    with (
        connected_as(application_role) as application,
        pytest.raises(ProgrammingError, match="permission denied"),
        log_truncation_allowed(),
        application.cursor() as cursor,
    ):
        cursor.execute(f"TRUNCATE {LOG}")


def test_truncating_the_log_needs_its_owner_even_with_the_privilege(application_role):
    """TRUNCATE privileges granted by mistake are not enough: the trigger wants the owner."""
    decide_a_call(case_under())
    grantee = connection.ops.quote_name(application_role[0])
    with connection.cursor() as cursor:
        cursor.execute(f"GRANT TRUNCATE ON ALL TABLES IN SCHEMA public TO {grantee}")
    with (
        connected_as(application_role) as application,
        pytest.raises(IntegrityError, match="append-only"),
        log_truncation_allowed(),
        application.cursor() as cursor,
    ):
        cursor.execute(f"TRUNCATE {LOG} CASCADE")
    assert ComplianceLogEntry.objects.count() == 1


def truncate_refused(cursor, statement: str) -> bool:
    try:
        with transaction.atomic():
            cursor.execute(statement)
    except IntegrityError as refusal:
        assert "the compliance log is append-only: TRUNCATE" in str(refusal)
        return True
    return False


@pytest.mark.django_db
@pytest.mark.parametrize("statement", [f"TRUNCATE {LOG} CASCADE", f"TRUNCATE {CASES} CASCADE"])
def test_the_owner_truncates_the_log_only_when_its_session_says_so(statement):
    decide_a_call(case_under())
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # no pending checks before a TRUNCATE
        assert truncate_refused(cursor, statement)
        assert ComplianceLogEntry.objects.count() == 1

        with log_truncation_allowed():
            cursor.execute(statement)
        assert not ComplianceLogEntry.objects.exists()

        assert truncate_refused(cursor, statement)  # allowed for that block only
