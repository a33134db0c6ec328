"""The feed import service: a bank file in, upserted debtors, accounts, contact points, payments.

How a file goes in:
1. a first pass over the bytes computes the SHA-256 and proves the file is UTF-8 text; the
   header is checked. A file failing here is refused whole and nothing is written;
2. the rows are then streamed in chunks (never the whole file in memory). Each row is
   validated in Python; good rows are written to a temporary staging table (COPY on
   PostgreSQL), bad ones become ImportRejectedRow with their reason;
3. each chunk is merged set-based in its own transaction: duplicates inside the file are
   rejected, each row is classified inserted / updated / unchanged, then INSERT ... ON
   CONFLICT statements upsert it, touching only rows that differ.

Idempotent: the upserts are keyed by the bank's references (national ID hash, account
reference, (debtor, kind, value), external reference), so importing a file again changes
nothing, and a file killed half-way and imported again completes without duplicates.
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import hashlib
import io
import time
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from django.db import connection, models, transaction
from django.utils import timezone

from cases.feeds.formats import COLUMNS, FILE_KEY, ROW_VALIDATORS, RawRowFormatter, RowRejected
from cases.feeds.models import ImportRejectedRow, ImportRun
from cases.models import CardAccount, ContactPoint, Debtor, Payment

CHUNK_SIZE = 10_000
READ_BLOCK = 1 << 20
COUNT_FIELDS = ("rows_read", "inserted", "updated", "unchanged", "rejected")
# Contact point columns of the accounts feed: (column, kind, consent column or None).
CONTACT_COLUMNS = (
    ("mobile", ContactPoint.Kind.MOBILE, "sms_consent"),
    ("home_phone", ContactPoint.Kind.HOME, None),
    ("work_phone", ContactPoint.Kind.WORK, None),
    ("email", ContactPoint.Kind.EMAIL, "email_consent"),
    ("postal_address", ContactPoint.Kind.POSTAL, None),
)
OTHER_DELIMITERS = {";": "semicolon", "\t": "tab", "|": "pipe"}

STAGE_COLUMNS = {
    "accounts": (
        ("account_reference", "text"),
        ("card_last4", "text"),
        ("product", "text"),
        ("currency", "text"),
        ("credit_limit", "numeric"),
        ("balance", "numeric"),
        ("minimum_due", "numeric"),
        ("oldest_unpaid_due_date", "date"),
        ("national_id_hash", "text"),
        ("national_id_last4", "text"),
        ("full_name", "text"),
        ("birth_date", "date"),
        ("time_zone", "text"),
        ("language", "text"),
        ("mobile", "text"),
        ("home_phone", "text"),
        ("work_phone", "text"),
        ("email", "text"),
        ("postal_address", "text"),
        ("sms_consent", "boolean"),
        ("email_consent", "boolean"),
    ),
    "payments": (
        ("account_reference", "text"),
        ("amount", "numeric"),
        ("currency", "text"),
        ("received_on", "date"),
        ("external_reference", "text"),
    ),
}


class FeedRefused(Exception):
    """The file cannot be read as a feed at all; the message tells the person why."""


class _DryRunRollback(Exception):
    pass


@dataclass
class _Chunk:
    staged: list[tuple]
    rejected: list[ImportRejectedRow]
    rows_read: int


def feed_import(
    *,
    kind: str,
    path_or_file: str | Path | IO[bytes],
    business_date: dt.date,
    dry_run: bool = False,
    user=None,
    run: ImportRun | None = None,
    file_name: str = "",
    chunk_size: int = CHUNK_SIZE,
    after_chunk: Callable[[int], None] | None = None,
    on_progress: Callable[[ImportRun], None] | None = None,
) -> ImportRun:
    """Import one bank file of `kind` ("accounts" or "payments"); returns its ImportRun.

    A refused file gives a run with status REFUSED and its message, nothing else written.
    Any other error marks the run FAILED and propagates; the chunks already merged stay, and
    importing the file again finishes the work. `after_chunk(n)` is called after each
    committed chunk (tests use it to simulate a crash).
    """
    if kind not in COLUMNS:
        raise ValueError(f"Unknown feed kind {kind!r}; use one of {sorted(COLUMNS)}.")
    owns_file = isinstance(path_or_file, str | Path)
    binary: IO[bytes] = open(path_or_file, "rb") if owns_file else path_or_file  # noqa: SIM115
    if run is None:
        run = ImportRun(kind=kind, business_date=business_date, user=user)
    run.file_name = file_name or run.file_name or Path(getattr(binary, "name", "") or "").name
    run.dry_run = dry_run
    run.status = ImportRun.Status.RUNNING
    run.started_at = timezone.now()
    run.save()
    started = time.monotonic()
    importer = _Importer(
        kind=kind,
        binary=binary,
        run=run,
        business_date=business_date,
        chunk_size=chunk_size,
        after_chunk=after_chunk,
        on_progress=on_progress,
    )
    try:
        try:
            importer.check_file()
        except FeedRefused as refusal:
            return _finish(run, started, ImportRun.Status.REFUSED, message=str(refusal))
        if dry_run:
            try:
                with transaction.atomic():
                    importer.import_rows()
                    raise _DryRunRollback
            except _DryRunRollback:
                pass
            return _finish(run, started, ImportRun.Status.PREVIEWED, counts=importer.counts)
        importer.import_rows()
        return _finish(run, started, ImportRun.Status.SUCCEEDED, counts=importer.counts)
    except BaseException as error:
        _finish(run, started, ImportRun.Status.FAILED, message=repr(error))
        raise
    finally:
        _drop_stage_tables()
        importer.release_file()
        if owns_file:
            binary.close()


def _finish(
    run: ImportRun, started: float, status: str, *, message: str = "", counts: Counter | None = None
) -> ImportRun:
    run.status = status
    run.message = message
    if counts is not None:
        for name in COUNT_FIELDS:
            setattr(run, name, counts[name])
        run.progress_percent = 100
    run.finished_at = timezone.now()
    run.duration_seconds = round(time.monotonic() - started, 3)
    run.save()
    return run


class _Importer:
    def __init__(
        self,
        *,
        kind: str,
        binary: IO[bytes],
        run: ImportRun,
        business_date: dt.date,
        chunk_size: int,
        after_chunk: Callable[[int], None] | None,
        on_progress: Callable[[ImportRun], None] | None,
    ):
        self.kind = kind
        self.binary = binary
        self.run = run
        self.business_date = business_date
        self.chunk_size = chunk_size
        self.after_chunk = after_chunk or (lambda chunk_number: None)
        self.on_progress = on_progress or (lambda run: None)
        self.counts: Counter = Counter()
        self.size = 0
        self.columns = COLUMNS[kind]
        self.stage = _StageTable(kind)
        self.text: io.TextIOWrapper | None = None

    # 1. The file as a whole ------------------------------------------------------------

    def check_file(self) -> None:
        """Checksum and encoding over the raw bytes, then the header; FeedRefused on failure."""
        digest = hashlib.sha256()
        decoder = codecs.getincrementaldecoder("utf-8-sig")()
        offset = 0
        self.binary.seek(0)
        while block := self.binary.read(READ_BLOCK):
            digest.update(block)
            if b"\x00" in block:
                raise FeedRefused("The file contains NUL bytes: it is not a CSV text file.")
            try:
                decoder.decode(block)
            except UnicodeDecodeError as error:
                raise FeedRefused(
                    f"The file is not UTF-8 text (invalid byte at position "
                    f"{offset + error.start}). Save it as UTF-8 CSV and import it again."
                ) from None
            offset += len(block)
        try:
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            raise FeedRefused("The file is not UTF-8 text (it ends inside a character).") from None
        self.size = offset
        self.run.checksum = digest.hexdigest()
        self._open_reader()

    def release_file(self) -> None:
        """Let go of the text wrapper without closing the caller's file."""
        if self.text is not None:
            self.text.detach()
            self.text = None

    def _open_reader(self) -> None:
        self.release_file()
        self.binary.seek(0)
        self.text = io.TextIOWrapper(self.binary, encoding="utf-8-sig", newline="")
        self.reader = csv.reader(self.text, strict=False)
        try:
            header = next(self.reader)
        except StopIteration:
            raise FeedRefused("The file is empty.") from None
        except csv.Error as error:
            raise FeedRefused(f"The header row is not CSV: {error}.") from None
        names = [name.strip().lower() for name in header]
        if not any(names):
            raise FeedRefused("The file is empty or its first line is blank; it needs a header.")
        if len(names) == 1:
            for delimiter, label in OTHER_DELIMITERS.items():
                if delimiter in names[0]:
                    raise FeedRefused(
                        f"The header is separated by {label}s; bank feeds are comma-separated."
                    )
        expected = set(self.columns)
        missing = [name for name in self.columns if name not in names]
        unexpected = [name for name in names if name not in expected]
        repeated = sorted({name for name in names if names.count(name) > 1})
        problems = []
        if missing:
            problems.append("missing column(s): " + ", ".join(missing))
        if unexpected:
            problems.append("unexpected column(s): " + ", ".join(n[:40] for n in unexpected))
        if repeated:
            problems.append("repeated column(s): " + ", ".join(repeated))
        if problems:
            raise FeedRefused(
                f"Wrong header for the {self.kind} feed: " + "; ".join(problems) + ". "
                f"Expected: {', '.join(self.columns)}."
            )
        self.header = names
        self.national_id_index = names.index("national_id") if "national_id" in names else None

    # 2. Rows, chunk by chunk -----------------------------------------------------------

    def import_rows(self) -> None:
        self._open_reader()
        self.stage.create()
        for number, chunk in enumerate(self._chunks(), start=1):
            with transaction.atomic():
                self.stage.load(chunk.staged)
                outcomes = self.stage.merge(run_id=self.run.pk, now=timezone.now())
                ImportRejectedRow.objects.bulk_create(chunk.rejected, batch_size=1000)
                self.counts["rows_read"] += chunk.rows_read
                self.counts["rejected"] += len(chunk.rejected) + outcomes["rejected"]
                for name in ("inserted", "updated", "unchanged"):
                    self.counts[name] += outcomes[name]
                self._save_progress()
            self.on_progress(self.run)
            self.after_chunk(number)

    def _save_progress(self) -> None:
        self.run.progress_percent = min(99, int(100 * self.binary.tell() / max(self.size, 1)))
        counts = {name: self.counts[name] for name in COUNT_FIELDS}
        for name, value in counts.items():
            setattr(self.run, name, value)
        ImportRun.objects.filter(pk=self.run.pk).update(
            progress_percent=self.run.progress_percent, **counts
        )

    def _chunks(self) -> Iterator[_Chunk]:
        validate = ROW_VALIDATORS[self.kind]
        header, width = self.header, len(self.header)
        business_date, run = self.business_date, self.run
        raw_row = RawRowFormatter(self.national_id_index)
        chunk = _Chunk([], [], 0)
        last_line = 1
        rows = iter(self.reader)
        while True:
            try:
                fields = next(rows)
            except StopIteration:
                break
            except csv.Error as error:
                line = self.reader.line_num
                chunk.rows_read += 1
                chunk.rejected.append(
                    ImportRejectedRow(
                        run=run, line_number=line, raw_row="", reason=f"not CSV: {error}"
                    )
                )
                last_line = line
                continue
            line, last_line = last_line + 1, self.reader.line_num
            if not fields or (len(fields) == 1 and not fields[0].strip()):
                continue  # a blank line is not a row
            chunk.rows_read += 1
            try:
                if len(fields) != width:
                    raise RowRejected(f"the row has {len(fields)} fields; the header has {width}")
                staged = validate(
                    dict(zip(header, fields, strict=True)), business_date=business_date
                )
            except RowRejected as reason:
                raw = raw_row(fields, mask_cards=True)
                chunk.rejected.append(
                    ImportRejectedRow(run=run, line_number=line, raw_row=raw, reason=str(reason))
                )
            else:
                chunk.staged.append((line, raw_row(fields, mask_cards=False), *staged))
            if chunk.rows_read >= self.chunk_size:
                yield chunk
                chunk = _Chunk([], [], 0)
        if chunk.rows_read:
            yield chunk


def _drop_stage_tables() -> None:
    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE IF EXISTS feed_stage")
        cursor.execute("DROP TABLE IF EXISTS feed_seen")


def _default_columns(model: type[models.Model], supplied: set[str]) -> tuple[list[str], list]:
    """The columns the feed does not fill, with the model's defaults, for INSERT ... SELECT."""
    columns, values = [], []
    for field in model._meta.concrete_fields:
        if field.primary_key or field.attname in supplied or field.has_db_default():
            continue
        columns.append(field.column)
        values.append(field.get_db_prep_save(field.get_default(), connection))
    return columns, values


class _StageTable:
    """The temporary tables one import works through: this chunk's rows, and the keys seen."""

    def __init__(self, kind: str):
        self.kind = kind
        self.columns = STAGE_COLUMNS[kind]
        self.key = FILE_KEY[kind]

    def create(self) -> None:
        _drop_stage_tables()
        definitions = ", ".join(f"{name} {sql_type}" for name, sql_type in self.columns)
        with connection.cursor() as cursor:
            cursor.execute(
                f"CREATE TEMPORARY TABLE feed_stage (line integer, raw text, {definitions}, "
                "outcome text, reject text)"
            )
            cursor.execute(f"CREATE INDEX feed_stage_key ON feed_stage ({self.key})")
            if self.kind == "accounts":
                cursor.execute("CREATE INDEX feed_stage_debtor ON feed_stage (national_id_hash)")
            cursor.execute(
                "CREATE TEMPORARY TABLE feed_seen (reference text PRIMARY KEY, line integer)"
            )

    def load(self, rows: list[tuple]) -> None:
        names = ["line", "raw", *(name for name, _ in self.columns)]
        with connection.cursor() as cursor:
            cursor.execute("DELETE FROM feed_stage")
            if connection.vendor == "postgresql":
                with cursor.cursor.copy(f"COPY feed_stage ({', '.join(names)}) FROM STDIN") as copy:
                    for row in rows:
                        copy.write_row(row)
            else:
                adapt = [self._adapter(sql_type) for _, sql_type in self.columns]
                placeholders = ", ".join(["%s"] * len(names))
                cursor.executemany(
                    f"INSERT INTO feed_stage ({', '.join(names)}) VALUES ({placeholders})",
                    [
                        (row[0], row[1], *(a(v) for a, v in zip(adapt, row[2:], strict=True)))
                        for row in rows
                    ],
                )

    @staticmethod
    def _adapter(sql_type: str) -> Callable:
        ops = connection.ops
        if sql_type == "date":
            return ops.adapt_datefield_value
        if sql_type == "numeric":
            return lambda value: None if value is None else str(value)
        return lambda value: value

    def merge(self, *, run_id: int, now: dt.datetime) -> Counter:
        """Reject in-file duplicates, classify, upsert; the outcome counts of this chunk."""
        stamp = connection.ops.adapt_datetimefield_value(now)
        with connection.cursor() as cursor:
            self._reject_duplicates(cursor)
            if self.kind == "accounts":
                _merge_accounts(cursor, stamp)
            else:
                _merge_payments(cursor, stamp)
            cursor.execute(
                "INSERT INTO cases_importrejectedrow (run_id, line_number, raw_row, reason) "
                "SELECT %s, line, raw, reject FROM feed_stage WHERE reject IS NOT NULL",
                [run_id],
            )
            cursor.execute(
                "SELECT COALESCE(reject IS NOT NULL, false), outcome, COUNT(*) FROM feed_stage "
                "GROUP BY 1, 2"
            )
            counts: Counter = Counter()
            for rejected, outcome, number in cursor.fetchall():
                counts["rejected" if rejected else outcome] += number
        return counts

    def _reject_duplicates(self, cursor) -> None:
        key = self.key
        cursor.execute(
            f"UPDATE feed_stage SET reject = 'duplicate {key} in this file (first on line ' "
            f"|| CAST(feed_seen.line AS text) || ')' "
            f"FROM feed_seen WHERE feed_seen.reference = feed_stage.{key}"
        )
        cursor.execute(
            f"UPDATE feed_stage SET reject = 'duplicate {key} in this file (first on line ' "
            f"|| CAST(earliest.line AS text) || ')' "
            f"FROM (SELECT {key} AS reference, MIN(line) AS line FROM feed_stage "
            f"      WHERE reject IS NULL GROUP BY {key} HAVING COUNT(*) > 1) AS earliest "
            f"WHERE earliest.reference = feed_stage.{key} AND feed_stage.line > earliest.line"
        )
        cursor.execute(
            f"INSERT INTO feed_seen (reference, line) SELECT {key}, line FROM feed_stage "
            "WHERE reject IS NULL"
        )


def _distinct(table: str, other: str, columns: list[str]) -> str:
    return " OR ".join(f"{table}.{c} IS DISTINCT FROM {other}.{c}" for c in columns)


DEBTOR_FIELDS = ["full_name", "national_id_last4", "birth_date", "time_zone", "language"]
ACCOUNT_FIELDS = [
    "card_last4",
    "product",
    "currency",
    "credit_limit",
    "balance",
    "minimum_due",
    "oldest_unpaid_due_date",
]


def _merge_accounts(cursor, stamp) -> None:
    # Classify before writing: new account, something differs, or nothing to do.
    cursor.execute(
        "UPDATE feed_stage SET outcome = 'inserted' WHERE reject IS NULL AND NOT EXISTS "
        "(SELECT 1 FROM cases_cardaccount a "
        " WHERE a.account_reference = feed_stage.account_reference)"
    )
    account_differs = " OR ".join(
        [
            _distinct("a", "feed_stage", ACCOUNT_FIELDS),
            _distinct("d", "feed_stage", [*DEBTOR_FIELDS, "national_id_hash"]),
        ]
    )
    cursor.execute(
        "UPDATE feed_stage SET outcome = 'updated' FROM cases_cardaccount a "
        "JOIN cases_debtor d ON d.id = a.debtor_id "
        "WHERE feed_stage.reject IS NULL AND feed_stage.outcome IS NULL "
        f"AND a.account_reference = feed_stage.account_reference AND ({account_differs})"
    )
    for column, kind, consent in CONTACT_COLUMNS:
        same_consent = f"AND p.{consent} = feed_stage.{consent}" if consent else ""
        cursor.execute(
            "UPDATE feed_stage SET outcome = 'updated' "
            f"WHERE reject IS NULL AND outcome IS NULL AND {column} <> '' AND NOT EXISTS ("
            "SELECT 1 FROM cases_contactpoint p JOIN cases_debtor d ON d.id = p.debtor_id "
            "WHERE d.national_id_hash = feed_stage.national_id_hash "
            f"AND p.kind = %s AND p.value = feed_stage.{column} {same_consent})",
            [kind.value],
        )
    cursor.execute(
        "UPDATE feed_stage SET outcome = 'unchanged' WHERE reject IS NULL AND outcome IS NULL"
    )
    changed = "reject IS NULL AND outcome <> 'unchanged'"

    # Debtors: the file's last row for a national ID wins.
    extra, extra_values = _default_columns(
        Debtor, {"created_at", "updated_at", "national_id_hash", *DEBTOR_FIELDS}
    )
    cursor.execute(
        f"INSERT INTO cases_debtor (created_at, updated_at, national_id_hash, "
        f"{', '.join(DEBTOR_FIELDS + extra)}) "
        f"SELECT %s, %s, s.national_id_hash, "
        f"{', '.join([f's.{c}' for c in DEBTOR_FIELDS] + ['%s'] * len(extra))} "
        "FROM (SELECT *, ROW_NUMBER() OVER (PARTITION BY national_id_hash ORDER BY line DESC) "
        f"      AS newest FROM feed_stage WHERE {changed}) AS s WHERE s.newest = 1 "
        "ON CONFLICT (national_id_hash) DO UPDATE SET updated_at = EXCLUDED.updated_at, "
        + ", ".join(f"{c} = EXCLUDED.{c}" for c in DEBTOR_FIELDS)
        + " WHERE "
        + _distinct("cases_debtor", "EXCLUDED", DEBTOR_FIELDS),
        [stamp, stamp, *extra_values],
    )

    extra, extra_values = _default_columns(
        CardAccount, {"created_at", "updated_at", "account_reference", "debtor_id", *ACCOUNT_FIELDS}
    )
    cursor.execute(
        f"INSERT INTO cases_cardaccount (created_at, updated_at, account_reference, debtor_id, "
        f"{', '.join(ACCOUNT_FIELDS + extra)}) "
        f"SELECT %s, %s, s.account_reference, d.id, "
        f"{', '.join([f's.{c}' for c in ACCOUNT_FIELDS] + ['%s'] * len(extra))} "
        "FROM feed_stage s JOIN cases_debtor d ON d.national_id_hash = s.national_id_hash "
        f"WHERE s.{changed} "
        "ON CONFLICT (account_reference) DO UPDATE SET updated_at = EXCLUDED.updated_at, "
        "debtor_id = EXCLUDED.debtor_id, "
        + ", ".join(f"{c} = EXCLUDED.{c}" for c in ACCOUNT_FIELDS)
        + " WHERE "
        + _distinct("cases_cardaccount", "EXCLUDED", [*ACCOUNT_FIELDS, "debtor_id"]),
        [stamp, stamp, *extra_values],
    )

    # Contact points: new ones are added; on an existing one only the consent the bank holds
    # (SMS on a mobile, email on an email address) is refreshed. What collectors learned —
    # invalid, opted out, do not contact, verified — is never touched.
    contact_rows = " UNION ALL ".join(
        f"SELECT national_id_hash, '{kind.value}' AS kind, {column} AS value, "
        + (f"CASE WHEN {consent} THEN 1 ELSE 0 END" if consent == "sms_consent" else "0")
        + " AS sms, "
        + (f"CASE WHEN {consent} THEN 1 ELSE 0 END" if consent == "email_consent" else "0")
        + f" AS email FROM feed_stage WHERE {changed} AND {column} <> ''"
        for column, kind, consent in CONTACT_COLUMNS
    )
    extra, extra_values = _default_columns(
        ContactPoint,
        {"created_at", "updated_at", "debtor_id", "kind", "value", "sms_consent", "email_consent"},
    )
    cursor.execute(
        "INSERT INTO cases_contactpoint (created_at, updated_at, debtor_id, kind, value, "
        f"sms_consent, email_consent, {', '.join(extra)}) "
        "SELECT %s, %s, d.id, c.kind, c.value, MAX(c.sms) = 1, MAX(c.email) = 1, "
        f"{', '.join(['%s'] * len(extra))} "
        f"FROM ({contact_rows}) AS c "
        "JOIN cases_debtor d ON d.national_id_hash = c.national_id_hash "
        "WHERE true GROUP BY d.id, c.kind, c.value "
        "ON CONFLICT (debtor_id, kind, value) DO UPDATE SET updated_at = EXCLUDED.updated_at, "
        "sms_consent = CASE WHEN EXCLUDED.kind = 'mobile' THEN EXCLUDED.sms_consent "
        "  ELSE cases_contactpoint.sms_consent END, "
        "email_consent = CASE WHEN EXCLUDED.kind = 'email' THEN EXCLUDED.email_consent "
        "  ELSE cases_contactpoint.email_consent END "
        "WHERE (EXCLUDED.kind = 'mobile' AND "
        "       cases_contactpoint.sms_consent IS DISTINCT FROM EXCLUDED.sms_consent) "
        "   OR (EXCLUDED.kind = 'email' AND "
        "       cases_contactpoint.email_consent IS DISTINCT FROM EXCLUDED.email_consent)",
        [stamp, stamp, *extra_values],
    )


def _merge_payments(cursor, stamp) -> None:
    cursor.execute(
        "UPDATE feed_stage SET reject = 'unknown account_reference' WHERE reject IS NULL "
        "AND NOT EXISTS (SELECT 1 FROM cases_cardaccount a "
        "                WHERE a.account_reference = feed_stage.account_reference)"
    )
    cursor.execute(
        "UPDATE feed_stage SET reject = 'currency ' || feed_stage.currency "
        "|| ' differs from the account''s currency ' || a.currency "
        "FROM cases_cardaccount a WHERE feed_stage.reject IS NULL "
        "AND a.account_reference = feed_stage.account_reference "
        "AND a.currency <> feed_stage.currency"
    )
    cursor.execute(
        "UPDATE feed_stage SET outcome = 'unchanged' FROM cases_payment p "
        "JOIN cases_cardaccount a ON a.id = p.account_id "
        "WHERE feed_stage.reject IS NULL AND p.external_reference = feed_stage.external_reference "
        "AND a.account_reference = feed_stage.account_reference AND p.amount = feed_stage.amount "
        "AND p.currency = feed_stage.currency AND p.received_on = feed_stage.received_on"
    )
    cursor.execute(
        "UPDATE feed_stage SET reject = 'external_reference already recorded for another "
        "account, amount or date' WHERE reject IS NULL AND outcome IS NULL AND EXISTS "
        "(SELECT 1 FROM cases_payment p WHERE p.external_reference = feed_stage.external_reference)"
    )
    cursor.execute(
        "UPDATE feed_stage SET outcome = 'inserted' WHERE reject IS NULL AND outcome IS NULL"
    )
    supplied = {
        "created_at",
        "updated_at",
        "account_id",
        "case_id",
        "amount",
        "currency",
        "received_on",
        "source",
        "external_reference",
    }
    extra, extra_values = _default_columns(Payment, supplied)
    extra_sql = "".join(f", {c}" for c in extra)
    cursor.execute(
        "INSERT INTO cases_payment (created_at, updated_at, account_id, case_id, amount, currency, "
        f"received_on, source, external_reference{extra_sql}) "
        "SELECT %s, %s, a.id, (SELECT c.id FROM cases_case c WHERE c.account_id = a.id "
        "  AND c.status NOT IN ('cured', 'closed') ORDER BY c.id LIMIT 1), "
        "s.amount, s.currency, s.received_on, %s, s.external_reference"
        + "".join(", %s" for _ in extra)
        + " FROM feed_stage s "
        "JOIN cases_cardaccount a ON a.account_reference = s.account_reference "
        "WHERE s.reject IS NULL AND s.outcome = 'inserted' "
        "ON CONFLICT (external_reference) DO NOTHING",
        [stamp, stamp, Payment.Source.BANK_FEED.value, *extra_values],
    )
