"""The compliance log: append-only in the ORM and the database, and a chain that names tampering."""

from __future__ import annotations

from contextlib import contextmanager
from itertools import pairwise

import pytest
from django.contrib import admin
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import IntegrityError, connection, transaction
from django.urls import reverse

from compliance.engine import compliance_decide
from compliance.log import compliance_log_verify
from compliance.models import GENESIS_HASH, AppendOnlyError, ComplianceLogEntry
from tests.compliance.factories import case_under, mobile, utc

pytestmark = pytest.mark.django_db

TABLE = ComplianceLogEntry._meta.db_table


@pytest.fixture
def log_rows():
    """Five decisions on one case, alternately allowed and blocked (the window closes at 21:00)."""
    case = case_under()
    point = mobile(case)
    moments = ["15:00", "03:00", "16:00", "04:00", "17:00"]
    for index, time in enumerate(moments):
        day = 23 + index // 2
        compliance_decide(
            actor=None,
            case=case,
            channel="call",
            contact_point=point,
            moment=utc(f"2026-11-{day} {time}"),
        )
    return list(ComplianceLogEntry.objects.order_by("sequence"))


@contextmanager
def database_guard_lifted():
    """Tamper as an attacker with the database owner's rights: on PostgreSQL that means
    disabling the append-only trigger first (as the superuser the tests connect as)."""
    on_postgres = connection.vendor == "postgresql"
    with connection.cursor() as cursor:
        if on_postgres:
            # Deferred foreign-key checks queued by this test's inserts block ALTER TABLE.
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            cursor.execute(f"ALTER TABLE {TABLE} DISABLE TRIGGER ALL")
        yield cursor
        if on_postgres:
            cursor.execute(f"ALTER TABLE {TABLE} ENABLE TRIGGER ALL")


def tamper(*statements: tuple[str, list]) -> None:
    with database_guard_lifted() as cursor:
        for sql, params in statements:
            cursor.execute(sql, params)


def assert_verification_names(fragment: str, sequence: int) -> None:
    result = compliance_log_verify(batch_size=2)
    assert not result.ok
    assert fragment in result.problem
    assert result.first_bad_sequence == sequence
    with pytest.raises(CommandError, match=f"row #{sequence}"):
        call_command("verify_compliance_log")


def test_rows_form_a_gap_free_hash_chain(log_rows):
    assert [row.sequence for row in log_rows] == [1, 2, 3, 4, 5]
    assert log_rows[0].previous_hash == GENESIS_HASH
    for previous, row in pairwise(log_rows):
        assert row.previous_hash == previous.entry_hash
    assert [row.verdict for row in log_rows] == ["allowed", "blocked"] * 2 + ["allowed"]
    assert all(row.compute_hash() == row.entry_hash for row in log_rows)


def test_an_intact_log_verifies(log_rows, capsys):
    assert compliance_log_verify(batch_size=2).ok
    call_command("verify_compliance_log", "--batch-size", "2")
    assert "verified 5 rows" in capsys.readouterr().out


def test_a_log_of_one_row_verifies_as_one_row(capsys):
    case = case_under()
    compliance_decide(
        actor=None,
        case=case,
        channel="call",
        contact_point=mobile(case),
        moment=utc("2026-11-23 15:00"),
    )
    call_command("verify_compliance_log")
    assert "verified 1 row: the compliance log chain is intact" in capsys.readouterr().out


def test_an_empty_log_verifies(capsys):
    call_command("verify_compliance_log")
    assert "verified 0 rows" in capsys.readouterr().out


def test_the_orm_refuses_to_change_or_remove_a_row(log_rows):
    row = log_rows[0]
    row.reason = "nothing happened"
    with pytest.raises(AppendOnlyError):
        row.save()
    with pytest.raises(AppendOnlyError):
        row.delete()
    with pytest.raises(AppendOnlyError):
        ComplianceLogEntry.objects.filter(pk=row.pk).update(reason="nothing happened")
    with pytest.raises(AppendOnlyError):
        ComplianceLogEntry.objects.all().delete()
    assert compliance_log_verify().ok


@pytest.mark.postgres
@pytest.mark.parametrize(
    "sql",
    [
        f"UPDATE {TABLE} SET reason = 'nothing happened' WHERE sequence = 2",
        f"DELETE FROM {TABLE} WHERE sequence = 5",
    ],
)
def test_the_database_refuses_raw_updates_and_deletes(log_rows, sql):
    with (
        pytest.raises(IntegrityError, match="append-only"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute(sql)
    assert compliance_log_verify().ok


def test_a_changed_row_is_named(log_rows):
    tamper((f"UPDATE {TABLE} SET verdict = 'allowed' WHERE sequence = %s", [4]))
    assert_verification_names("row #4 (id", 4)
    assert "was changed" in compliance_log_verify().problem


def test_a_row_rewritten_with_a_fresh_hash_breaks_the_next_link(log_rows):
    forged = log_rows[1]
    forged.reason = "Allowed: all 17 rules passed."
    tamper(
        (
            f"UPDATE {TABLE} SET reason = %s, entry_hash = %s WHERE sequence = 2",
            [forged.reason, forged.compute_hash()],
        )
    )
    assert_verification_names("row #3 (id", 3)


def test_a_deleted_row_is_named(log_rows):
    tamper((f"DELETE FROM {TABLE} WHERE sequence = %s", [2]))
    assert_verification_names("row #2 is missing", 2)


def test_a_deleted_last_row_is_named(log_rows):
    tamper((f"DELETE FROM {TABLE} WHERE sequence = %s", [5]))
    assert_verification_names("row #5 is missing", 5)


def test_swapped_rows_are_named(log_rows):
    update = f"UPDATE {TABLE} SET sequence = %s WHERE sequence = %s"
    tamper((update, [1000, 2]), (update, [2, 3]), (update, [3, 1000]))
    assert_verification_names("row #2 (id", 2)
    assert "reordered" in compliance_log_verify().problem


def test_the_admin_shows_the_log_read_only(client, admin_user, log_rows, rf):
    model_admin = admin.site._registry[ComplianceLogEntry]
    request = rf.get("/")
    request.user = admin_user
    assert not model_admin.has_add_permission(request)
    assert not model_admin.has_change_permission(request, log_rows[0])
    assert not model_admin.has_delete_permission(request, log_rows[0])
    client.force_login(admin_user)
    assert client.get(reverse("admin:compliance_compliancelogentry_changelist")).status_code == 200
    assert client.get(reverse("admin:compliance_compliancelogentry_add")).status_code == 403
