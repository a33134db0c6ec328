"""Writing the hash-chained compliance log, sealing it, and verifying it.

Writers never wait for one another: `log_append` inserts the row unsealed (no sequence, no
hashes) in the caller's transaction and commits with it. The sealer, `compliance_log_seal`, is
the only one that locks the chain's head: it takes the committed unsealed rows in id order,
gives each the next sequence and its hash over the previous row's hash and its own content, and
moves the head, in one transaction per batch. The chain is written by one sealer at a time, so
it never forks and its sequence has no gaps, while the lock is held for one seal of thousands of
rows instead of across every writer's transaction. The `seal_compliance_log` job seals every few
seconds; a checkpoint and the statistics seal first. Until it is sealed a row is "pending":
`compliance_log_verify` counts it but cannot vouch for it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db import connection, transaction
from django.utils.translation import gettext, ngettext

from common.bulk import bulk_insert
from compliance.models import GENESIS_HASH, ComplianceChainHead, ComplianceLogEntry

SEAL_BATCH_SIZE = 5000


def _locked_head() -> ComplianceChainHead:
    head = ComplianceChainHead.objects.select_for_update().filter(pk=1).first()
    if head is not None:
        return head
    # No head yet (a new or flushed database): anchor it to whatever the log holds.
    tail = ComplianceLogEntry.objects.filter(sequence__isnull=False).order_by("-sequence").first()
    ComplianceChainHead.objects.bulk_create(
        [
            ComplianceChainHead(
                pk=1,
                last_sequence=tail.sequence if tail else 0,
                last_hash=tail.entry_hash if tail else GENESIS_HASH,
            )
        ],
        ignore_conflicts=True,
    )
    return ComplianceChainHead.objects.select_for_update().get(pk=1)


def log_append(**fields: Any) -> ComplianceLogEntry:
    """Insert one unsealed row with `fields` in the caller's transaction; returns it."""
    entry = ComplianceLogEntry(**fields)
    entry.save()
    return entry


def log_append_many(rows: list[dict[str, Any]]) -> list[ComplianceLogEntry]:
    """Insert one unsealed row per dict of fields, in order, with one INSERT.

    The sealer chains them in this order (their ids ascend), as if appended one by one.
    """
    return bulk_insert([ComplianceLogEntry(**fields) for fields in rows])


def compliance_log_seal(*, batch_size: int = SEAL_BATCH_SIZE) -> int:
    """Seal every row committed before the call, in id order; returns how many were sealed.

    Each batch is one transaction under the head's lock, so a sealer killed half-way leaves
    whole batches sealed and the next one goes on from the head. A second sealer waits for the
    first and then seals what is left.
    """
    sealed = 0
    while True:
        with transaction.atomic():
            head = _locked_head()
            pending = list(
                ComplianceLogEntry.objects.filter(sequence__isnull=True).order_by("pk")[:batch_size]
            )
            if not pending:
                return sealed
            sequence, previous_hash = head.last_sequence, head.last_hash
            for entry in pending:
                sequence += 1
                entry.sequence, entry.previous_hash = sequence, previous_hash
                entry.entry_hash = previous_hash = entry.compute_hash()
            _write_seals(pending)
            head.last_sequence, head.last_hash = sequence, previous_hash
            head.save(update_fields=["last_sequence", "last_hash"])
        sealed += len(pending)
        if len(pending) < batch_size:
            return sealed


def _write_seals(entries: list[ComplianceLogEntry]) -> None:
    """One UPDATE gives every entry its sequence and hashes (the only change the log allows)."""
    quote = connection.ops.quote_name
    table = quote(ComplianceLogEntry._meta.db_table)
    rows = ", ".join(["(%s, %s, %s, %s)"] * len(entries))
    # VALUES names its columns column1..4 on both PostgreSQL and SQLite.
    sql = (
        f"UPDATE {table} SET sequence = seal.column2, previous_hash = seal.column3, "
        f"entry_hash = seal.column4 FROM (VALUES {rows}) AS seal "
        f"WHERE {table}.id = seal.column1 AND {table}.sequence IS NULL"
    )
    params = [
        value
        for entry in entries
        for value in (entry.pk, entry.sequence, entry.previous_hash, entry.entry_hash)
    ]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        if cursor.rowcount != len(entries):
            raise RuntimeError(
                f"sealed {cursor.rowcount} of {len(entries)} compliance log rows: another "
                "sealer is at work without the chain head's lock"
            )


@dataclass(frozen=True)
class ChainVerification:
    ok: bool
    rows_checked: int
    problem: str = ""  # names the first bad row when not ok
    first_bad_sequence: int | None = None
    first_bad_id: int | None = None
    pending: int = 0  # rows written but not yet sealed into the chain when it was checked

    @property
    def summary(self) -> str:
        values = {"count": self.rows_checked, "problem": self.problem, "pending": self.pending}
        if self.ok:
            summary = (
                ngettext(
                    "verified %(count)d row: the compliance log chain is intact",
                    "verified %(count)d rows: the compliance log chain is intact",
                    self.rows_checked,
                )
                % values
            )
            if self.pending:
                summary += (
                    ngettext(
                        "; %(pending)d newer row is not sealed yet (checked once sealed)",
                        "; %(pending)d newer rows are not sealed yet (checked once sealed)",
                        self.pending,
                    )
                    % values
                )
            return summary
        return (
            ngettext(
                "compliance log chain broken after %(count)d good row: %(problem)s",
                "compliance log chain broken after %(count)d good rows: %(problem)s",
                self.rows_checked,
            )
            % values
        )


def compliance_log_verify(*, batch_size: int = 1000) -> ChainVerification:
    """Walk the chain in sequence order, in batches (constant memory), to its first flaw.

    A changed row fails its own hash; a deleted row leaves a gap in the sequence (or, at the
    end, a head that points past the last row); a reordered or inserted row no longer names
    the previous row's hash. Rows not yet sealed are counted as pending.
    """
    # Rows up to the head's sequence were sealed before this read; later ones are checked
    # next time, so a seal meanwhile is no false alarm.
    head = ComplianceChainHead.objects.filter(pk=1).first()
    rows = ComplianceLogEntry.objects.filter(sequence__isnull=False).order_by("sequence")
    if head is not None:
        rows = rows.filter(sequence__lte=head.last_sequence)
    checked, expected_sequence, previous_hash = 0, 1, GENESIS_HASH
    while True:
        batch = list(rows.filter(sequence__gte=expected_sequence)[:batch_size])
        for entry in batch:
            where = gettext("row #%(sequence)d (id %(id)d)") % {
                "sequence": entry.sequence,
                "id": entry.pk,
            }
            if entry.sequence != expected_sequence:
                return ChainVerification(
                    ok=False,
                    rows_checked=checked,
                    problem=gettext(
                        "row #%(missing)d is missing (deleted): the log jumps from "
                        "#%(before)d to %(where)s"
                    )
                    % {
                        "missing": expected_sequence,
                        "before": expected_sequence - 1,
                        "where": where,
                    },
                    first_bad_sequence=expected_sequence,
                    first_bad_id=entry.pk,
                )
            if entry.previous_hash != previous_hash:
                return ChainVerification(
                    ok=False,
                    rows_checked=checked,
                    problem=gettext(
                        "%(where)s does not follow row #%(before)d: rows were "
                        "reordered, inserted or rewritten before it"
                    )
                    % {"where": where, "before": expected_sequence - 1},
                    first_bad_sequence=entry.sequence,
                    first_bad_id=entry.pk,
                )
            if entry.compute_hash() != entry.entry_hash:
                return ChainVerification(
                    ok=False,
                    rows_checked=checked,
                    problem=gettext(
                        "%(where)s was changed after it was written (its hash does not match)"
                    )
                    % {"where": where},
                    first_bad_sequence=entry.sequence,
                    first_bad_id=entry.pk,
                )
            checked += 1
            expected_sequence += 1
            previous_hash = entry.entry_hash
        if len(batch) < batch_size:
            break
    if head is not None and head.last_sequence > checked:
        return ChainVerification(
            ok=False,
            rows_checked=checked,
            problem=gettext(
                "row #%(missing)d is missing (deleted): the log ends at row #%(last)d but "
                "its head records row #%(head)d"
            )
            % {"missing": checked + 1, "last": checked, "head": head.last_sequence},
            first_bad_sequence=checked + 1,
        )
    if head is not None and head.last_hash != previous_hash:
        return ChainVerification(
            ok=False,
            rows_checked=checked - 1,
            problem=gettext(
                "row #%(sequence)d does not match the hash the chain head recorded for it"
            )
            % {"sequence": checked},
            first_bad_sequence=checked,
        )
    pending = ComplianceLogEntry.objects.filter(sequence__isnull=True).count()
    return ChainVerification(ok=True, rows_checked=checked, pending=pending)
