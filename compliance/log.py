"""Writing the hash-chained compliance log and verifying it.

Every writer locks the single `ComplianceChainHead` row (select_for_update on PostgreSQL; on
SQLite the IMMEDIATE transaction mode already serialises writers), reads the last sequence and
hash from it, appends the next row and moves the head, all in the caller's transaction. The
lock is held until that transaction ends, so two writers can never chain onto the same row,
and a rolled-back row gives its sequence number back: the sequence stays gap-free.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.utils.translation import ngettext

from compliance.models import GENESIS_HASH, ComplianceChainHead, ComplianceLogEntry


def _locked_head() -> ComplianceChainHead:
    head = ComplianceChainHead.objects.select_for_update().filter(pk=1).first()
    if head is not None:
        return head
    # No head yet (a new or flushed database): anchor it to whatever the log holds.
    tail = ComplianceLogEntry.objects.order_by("-sequence").first()
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
    """Append one row with `fields`, chained to the last row; returns the saved row.

    No savepoint of its own: the chain lock is held to the end of the caller's transaction
    anyway, and every round trip saved while holding it is throughput for all writers.
    """
    with transaction.atomic(savepoint=False):
        head = _locked_head()
        entry = ComplianceLogEntry(
            sequence=head.last_sequence + 1, previous_hash=head.last_hash, **fields
        )
        entry.entry_hash = entry.compute_hash()
        entry.save()
        head.last_sequence, head.last_hash = entry.sequence, entry.entry_hash
        head.save(update_fields=["last_sequence", "last_hash"])
    return entry


def log_append_many(rows: list[dict[str, Any]]) -> list[ComplianceLogEntry]:
    """Append one row per dict of fields, in order, under one chain lock and one INSERT.

    For set-based writers (the agency placement job writes a row per case placed): the
    rows chain exactly as if appended one by one, at the cost of a single round trip.
    """
    if not rows:
        return []
    with transaction.atomic(savepoint=False):
        head = _locked_head()
        sequence, previous_hash = head.last_sequence, head.last_hash
        entries = []
        for fields in rows:
            sequence += 1
            entry = ComplianceLogEntry(sequence=sequence, previous_hash=previous_hash, **fields)
            entry.entry_hash = previous_hash = entry.compute_hash()
            entries.append(entry)
        ComplianceLogEntry.objects.bulk_create(entries)
        head.last_sequence, head.last_hash = sequence, previous_hash
        head.save(update_fields=["last_sequence", "last_hash"])
    return entries


@dataclass(frozen=True)
class ChainVerification:
    ok: bool
    rows_checked: int
    problem: str = ""  # names the first bad row when not ok
    first_bad_sequence: int | None = None
    first_bad_id: int | None = None

    @property
    def summary(self) -> str:
        values = {"count": self.rows_checked, "problem": self.problem}
        if self.ok:
            return (
                ngettext(
                    "verified %(count)d row: the compliance log chain is intact",
                    "verified %(count)d rows: the compliance log chain is intact",
                    self.rows_checked,
                )
                % values
            )
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
    the previous row's hash.
    """
    # Rows up to the head's sequence were committed before this read; later ones are
    # checked next time, so a writer appending meanwhile is no false alarm.
    head = ComplianceChainHead.objects.filter(pk=1).first()
    rows = ComplianceLogEntry.objects.order_by("sequence")
    if head is not None:
        rows = rows.filter(sequence__lte=head.last_sequence)
    checked, expected_sequence, previous_hash = 0, 1, GENESIS_HASH
    while True:
        batch = list(rows.filter(sequence__gte=expected_sequence)[:batch_size])
        for entry in batch:
            where = f"row #{entry.sequence} (id {entry.pk})"
            if entry.sequence != expected_sequence:
                return ChainVerification(
                    ok=False,
                    rows_checked=checked,
                    problem=(
                        f"row #{expected_sequence} is missing (deleted): the log jumps from "
                        f"#{expected_sequence - 1} to {where}"
                    ),
                    first_bad_sequence=expected_sequence,
                    first_bad_id=entry.pk,
                )
            if entry.previous_hash != previous_hash:
                return ChainVerification(
                    ok=False,
                    rows_checked=checked,
                    problem=(
                        f"{where} does not follow row #{expected_sequence - 1}: rows were "
                        "reordered, inserted or rewritten before it"
                    ),
                    first_bad_sequence=entry.sequence,
                    first_bad_id=entry.pk,
                )
            if entry.compute_hash() != entry.entry_hash:
                return ChainVerification(
                    ok=False,
                    rows_checked=checked,
                    problem=f"{where} was changed after it was written (its hash does not match)",
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
            problem=(
                f"row #{checked + 1} is missing (deleted): the log ends at row #{checked} but "
                f"its head records row #{head.last_sequence}"
            ),
            first_bad_sequence=checked + 1,
        )
    if head is not None and head.last_hash != previous_hash:
        return ChainVerification(
            ok=False,
            rows_checked=checked - 1,
            problem=f"row #{checked} does not match the hash the chain head recorded for it",
            first_bad_sequence=checked,
        )
    return ChainVerification(ok=True, rows_checked=checked)
