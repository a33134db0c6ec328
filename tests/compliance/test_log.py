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
from compliance.log import compliance_log_seal, compliance_log_verify
from compliance.models import (
    GENESIS_HASH,
    AppendOnlyError,
    ComplianceChainHead,
    ComplianceLogEntry,
)
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
    compliance_log_seal()
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


def test_rows_are_written_unsealed_and_sealed_in_the_order_they_were_written(capsys):
    case = case_under()
    point = mobile(case)
    for minute in range(3):
        compliance_decide(
            actor=None,
            case=case,
            channel="call",
            contact_point=point,
            moment=utc(f"2026-11-23 15:0{minute}"),
        )
    assert (
        list(ComplianceLogEntry.objects.values_list("sequence", "entry_hash")) == [(None, "")] * 3
    )
    pending = compliance_log_verify()
    assert (pending.ok, pending.rows_checked, pending.pending) == (True, 0, 3)
    assert "3 newer rows are not sealed yet" in pending.summary

    assert compliance_log_seal(batch_size=2) == 3
    assert compliance_log_seal() == 0  # nothing left: a second sealer changes nothing
    rows = list(ComplianceLogEntry.objects.order_by("pk").values_list("sequence", flat=True))
    assert rows == [1, 2, 3]
    head = ComplianceChainHead.objects.get()
    assert (head.last_sequence, head.last_hash) == (
        3,
        ComplianceLogEntry.objects.get(sequence=3).entry_hash,
    )
    call_command("verify_compliance_log")
    assert capsys.readouterr().out == "verified 3 rows: the compliance log chain is intact\n"


def test_sealing_in_batches_chains_as_one_seal_would(log_rows):
    """Five rows sealed two at a time hash exactly as the chain would in one go."""
    previous_hash = GENESIS_HASH
    for row in log_rows:
        assert row.previous_hash == previous_hash
        previous_hash = row.entry_hash
    more = compliance_decide(
        actor=None,
        case=log_rows[0].case,
        channel="call",
        contact_point=log_rows[0].contact_point,
        moment=utc("2026-11-26 15:00"),
    ).log_entry
    assert compliance_log_seal(batch_size=2) == 1
    more.refresh_from_db()
    assert (more.sequence, more.previous_hash) == (6, log_rows[-1].entry_hash)
    assert compliance_log_verify(batch_size=2).ok


@pytest.mark.postgres
def test_the_database_allows_the_seal_once_and_with_nothing_else(log_rows):
    unsealed = compliance_decide(
        actor=None,
        case=log_rows[0].case,
        channel="call",
        contact_point=log_rows[0].contact_point,
        moment=utc("2026-11-26 15:00"),
    ).log_entry
    refused = [
        # sealing while changing the row's content
        (
            f"UPDATE {TABLE} SET sequence = 6, previous_hash = 'a', entry_hash = 'b', "
            "reason = 'nothing happened' WHERE id = %s",
            [unsealed.pk],
        ),
        # sealing a sealed row again
        (
            f"UPDATE {TABLE} SET sequence = 60, previous_hash = 'a', entry_hash = 'b' "
            "WHERE sequence = 5",
            [],
        ),
        # unsealing a row
        (
            f"UPDATE {TABLE} SET sequence = NULL, previous_hash = '', entry_hash = '' "
            "WHERE sequence = 5",
            [],
        ),
    ]
    for sql, params in refused:
        with (
            pytest.raises(IntegrityError, match="append-only"),
            transaction.atomic(),
            connection.cursor() as cursor,
        ):
            cursor.execute(sql, params)
    assert compliance_log_seal() == 1
    assert compliance_log_verify().ok


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
    compliance_log_seal()
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
