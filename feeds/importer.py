"""The feed import service: a bank file in, upserted debtors, accounts, contact points, payments.

How a file goes in:
1. a first pass over the bytes computes the SHA-256 and proves the file is UTF-8 text; the
   header is checked. A file failing here is refused whole and nothing is written;
2. a reader thread streams the rows in chunks (never the whole file in memory) and checks
   each one in Python; the good rows go into a temporary staging table (one COPY per chunk
   on PostgreSQL), the bad ones become ImportRejectedRow with their reason;
3. each chunk is merged set-based in its own transaction: duplicates inside the file are
   rejected, each row is classified inserted / updated / unchanged, then INSERT ... ON
   CONFLICT statements upsert it, touching only rows that differ. The reader prepares the
   next chunks meanwhile, so the Python work and the database's work overlap.

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
import queue
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from django.db import connection, models, transaction
from django.utils import timezone

from cases.models import CardAccount, ContactPoint, Debtor, Payment
from common.dry_run import dry_run_transaction
from feeds.formats import (
    COLUMNS,
    FIELD_SEPARATOR,
    FILE_KEY,
    ROW_VALIDATORS,
    RawRowFormatter,
    RowRejected,
)
from feeds.models import ImportRejectedRow, ImportRun

CHUNK_SIZE = 20_000
READ_AHEAD_CHUNKS = 2
READ_BLOCK = 1 << 20
CHUNK_WORK_MEM = "64MB"
TEMP_BUFFERS = "128MB"
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


@dataclass
class _Chunk:
    staged: Any  # the good rows as _StageTable.load takes them
    good_rows: dict[int, str | list[str]]  # line -> the fields, kept in case the merge rejects it
    rejected: list[ImportRejectedRow]
    rows_read: int
    position: int  # bytes of the file read so far


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
            with dry_run_transaction():
                importer.import_rows()
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
        self.raw_row = RawRowFormatter(self.national_id_index)

    # 2. Rows, chunk by chunk -----------------------------------------------------------

    def import_rows(self) -> None:
        self._open_reader()
        self.stage.create()
        with (
            _quick_thread_switches(),
            _ReadAhead(self._chunks(), depth=READ_AHEAD_CHUNKS) as chunks,
        ):
            for number, chunk in enumerate(chunks, start=1):
                with transaction.atomic():
                    self.stage.load(chunk.staged)
                    outcomes, merge_rejected = self.stage.merge(now=timezone.now())
                    rejected = chunk.rejected + [
                        ImportRejectedRow(
                            run=self.run,
                            line_number=line,
                            raw_row=self.raw_row(_fields(chunk.good_rows[line]), mask_cards=False),
                            reason=reason,
                        )
                        for line, reason in merge_rejected
                    ]
                    ImportRejectedRow.objects.bulk_create(rejected, batch_size=1000)
                    self.counts.update(outcomes)
                    self.counts["rows_read"] += chunk.rows_read
                    self.counts["rejected"] += len(rejected)
                    self._save_progress(chunk.position)
                self.on_progress(self.run)
                self.after_chunk(number)

    def _save_progress(self, position: int) -> None:
        self.run.progress_percent = min(99, int(100 * position / max(self.size, 1)))
        counts = {name: self.counts[name] for name in COUNT_FIELDS}
        for name, value in counts.items():
            setattr(self.run, name, value)
        ImportRun.objects.filter(pk=self.run.pk).update(
            progress_percent=self.run.progress_percent, **counts
        )

    def _chunks(self) -> Iterator[_Chunk]:
        """The file's rows, checked and packed for the staging table, chunk by chunk.

        Runs in the reader thread: no database access here."""
        validate = ROW_VALIDATORS[self.kind](self.header, business_date=self.business_date)
        width = len(self.header)
        raw_row = RawRowFormatter(self.national_id_index)  # the reader thread's own
        run = self.run
        chunk = self.stage.new_chunk()
        last_line = 1
        reader = self.reader
        while True:
            try:
                fields = next(reader)
            except StopIteration:
                break
            except csv.Error as error:
                last_line = reader.line_num
                chunk.reject(
                    ImportRejectedRow(
                        run=run, line_number=last_line, raw_row="", reason=f"not CSV: {error}"
                    )
                )
            else:
                line, last_line = last_line + 1, reader.line_num
                if not fields or (len(fields) == 1 and not fields[0].strip()):
                    continue  # a blank line is not a row
                try:
                    if len(fields) != width:
                        raise RowRejected(
                            f"the row has {len(fields)} fields; the header has {width}"
                        )
                    values = validate(fields)
                except RowRejected as reason:
                    raw = raw_row(fields, mask_cards=True)
                    chunk.reject(
                        ImportRejectedRow(
                            run=run, line_number=line, raw_row=raw, reason=str(reason)
                        )
                    )
                else:
                    chunk.stage(line, fields, values)
            if chunk.rows_read >= self.chunk_size:
                yield chunk.packed(self.binary.tell())
                chunk = self.stage.new_chunk()
        if chunk.rows_read:
            yield chunk.packed(self.binary.tell())


class _ReadAhead:
    """Runs an iterator in a thread, at most `depth` items ahead of the one consuming it.

    The items wait in a bounded queue, so memory stays flat; an error in the thread is raised
    where the item would have been; leaving the block (normally or by an error) stops the
    thread.
    """

    _END = object()

    def __init__(self, items: Iterator, *, depth: int):
        self._items = items
        self._queue: queue.Queue = queue.Queue(maxsize=depth)
        self._stopping = threading.Event()
        self._thread = threading.Thread(target=self._produce, name="feed-reader", daemon=True)

    def __enter__(self) -> Iterator:
        self._thread.start()
        return self._consume()

    def __exit__(self, *exc_info) -> None:
        self._stopping.set()
        self._thread.join()

    def _consume(self) -> Iterator:
        while (item := self._queue.get()) is not self._END:
            if isinstance(item, _ReaderFailed):
                raise item.error
            yield item

    def _produce(self) -> None:
        try:
            for item in self._items:
                if not self._put(item):
                    return
        except BaseException as error:  # handed over to the consumer, which raises it
            self._put(_ReaderFailed(error))
        else:
            self._put(self._END)

    def _put(self, item) -> bool:
        while not self._stopping.is_set():
            try:
                self._queue.put(item, timeout=0.1)
            except queue.Full:
                continue
            return True
        return False


@dataclass
class _ReaderFailed:
    error: BaseException


# How soon the thread waiting on the database gets the interpreter back from the busy reader
# thread. At Python's default (5 ms) the merge statements stalled on it, about 15 s per
# million rows.
IMPORT_SWITCH_INTERVAL = 0.0005


@contextmanager
def _quick_thread_switches():
    """Switch between threads more often while the import runs (the setting is the
    process's; it is put back afterwards)."""
    previous = sys.getswitchinterval()
    sys.setswitchinterval(min(previous, IMPORT_SWITCH_INTERVAL))
    try:
        yield
    finally:
        sys.setswitchinterval(previous)


def _drop_stage_tables() -> None:
    with connection.cursor() as cursor:
        for table in STAGE_TABLES:
            cursor.execute(f"DROP TABLE IF EXISTS {table}")
        if connection.vendor == "postgresql":
            cursor.execute("RESET work_mem")


def _use_memory_for_temporary_tables(cursor) -> None:
    """Keep the staging tables in the session's memory rather than in temporary files.

    PostgreSQL accepts this only before the session's first temporary table; later the
    setting stays as it was."""
    cursor.execute(
        f"DO $$ BEGIN SET temp_buffers = '{TEMP_BUFFERS}'; "
        "EXCEPTION WHEN invalid_parameter_value THEN NULL; END $$"
    )


def _default_columns(model: type[models.Model], supplied: set[str]) -> tuple[list[str], list]:
    """The columns the feed does not fill, with the model's defaults, for INSERT ... SELECT."""
    columns, values = [], []
    for field in model._meta.concrete_fields:
        if field.primary_key or field.attname in supplied or field.has_db_default():
            continue
        columns.append(field.column)
        values.append(field.get_db_prep_save(field.get_default(), connection))
    return columns, values


def _joined(fields: list[str]) -> str | list[str]:
    """A row's fields as one string (far smaller to keep than the list), or the list itself
    when a value holds the separator."""
    joined = FIELD_SEPARATOR.join(fields)
    return joined if joined.count(FIELD_SEPARATOR) == len(fields) - 1 else fields


def _fields(kept: str | list[str]) -> list[str]:
    return kept if isinstance(kept, list) else kept.split(FIELD_SEPARATOR)


class _ChunkBuilder:
    """Collects one chunk of rows in the reader thread."""

    add: Callable[[tuple], object]  # stages one good row: (line, *values)

    def __init__(self):
        self.good_rows: dict[int, str | list[str]] = {}
        self.rejected: list[ImportRejectedRow] = []
        self.rows_read = 0

    def stage(self, line: int, fields: list[str], values: tuple) -> None:
        self.good_rows[line] = _joined(fields)
        self.rows_read += 1
        self.add((line, *values))

    def reject(self, rejected: ImportRejectedRow) -> None:
        self.rejected.append(rejected)
        self.rows_read += 1

    def staged(self) -> Any:
        raise NotImplementedError

    def packed(self, position: int) -> _Chunk:
        return _Chunk(self.staged(), self.good_rows, self.rejected, self.rows_read, position)


class _CopyChunkBuilder(_ChunkBuilder):
    """The good rows as CSV text for COPY: one string, not thousands of tuples."""

    def __init__(self):
        super().__init__()
        self.buffer = io.StringIO()
        # Every value is quoted except None, which COPY reads as NULL.
        self.add = csv.writer(self.buffer, quoting=csv.QUOTE_NOTNULL, lineterminator="\n").writerow

    def staged(self) -> str:
        return self.buffer.getvalue()


class _TupleChunkBuilder(_ChunkBuilder):
    def __init__(self):
        super().__init__()
        self.rows: list[tuple] = []
        self.add = self.rows.append

    def staged(self) -> list[tuple]:
        return self.rows


class _StageTable:
    """The temporary tables one import works through: this chunk's good rows, and the keys
    seen in the chunks before.

    The merge sets a staged row's `reject` (a duplicate, or for payments a conflict with the
    database) or its `outcome`: 'updated', 'unchanged', or NULL for a row inserted.
    """

    def __init__(self, kind: str):
        self.kind = kind
        self.columns = STAGE_COLUMNS[kind]
        self.key = FILE_KEY[kind]
        self.names = ["line", *(name for name, _ in self.columns)]
        self.uses_copy = connection.vendor == "postgresql"

    def create(self) -> None:
        _drop_stage_tables()
        definitions = ", ".join(f"{name} {sql_type}" for name, sql_type in self.columns)
        with connection.cursor() as cursor:
            if self.uses_copy:
                _use_memory_for_temporary_tables(cursor)
                # The merges sort and group a whole chunk in memory, not in temporary files
                # (reset when the stage tables are dropped).
                cursor.execute(f"SET work_mem = '{CHUNK_WORK_MEM}'")
            cursor.execute(
                f"CREATE TEMPORARY TABLE feed_stage (line integer, {definitions}, "
                "reject text, outcome text)"
            )
            cursor.execute(
                "CREATE TEMPORARY TABLE feed_seen (reference text PRIMARY KEY, line integer)"
            )
            cursor.execute(
                "CREATE TEMPORARY TABLE feed_debtor "
                "(national_id_hash text PRIMARY KEY, id bigint, is_new boolean)"
            )

    def new_chunk(self) -> _ChunkBuilder:
        return _CopyChunkBuilder() if self.uses_copy else _TupleChunkBuilder()

    def load(self, staged: str | list[tuple]) -> None:
        columns = ", ".join(self.names)
        with connection.cursor() as cursor:
            if self.uses_copy:
                cursor.execute("TRUNCATE feed_stage, feed_debtor")
                with cursor.cursor.copy(
                    f"COPY feed_stage ({columns}) FROM STDIN (FORMAT csv)"
                ) as copy:
                    copy.write(staged)
            else:
                cursor.execute("DELETE FROM feed_stage")
                cursor.execute("DELETE FROM feed_debtor")
                placeholders = ", ".join(["%s"] * len(self.names))
                cursor.executemany(
                    f"INSERT INTO feed_stage ({columns}) VALUES ({placeholders})", staged
                )

    def merge(self, *, now: dt.datetime) -> tuple[Counter, list[tuple[int, str]]]:
        """Reject in-file duplicates, classify, upsert: this chunk's counts of inserted,
        updated and unchanged rows, and the (line, reason) of the rows the merge rejected."""
        stamp = connection.ops.adapt_datetimefield_value(now)
        with connection.cursor() as cursor:
            self._reject_duplicates(cursor)
            if self.kind == "accounts":
                _merge_accounts(cursor, stamp)
            else:
                _merge_payments(cursor, stamp)
            cursor.execute(
                "SELECT COALESCE(outcome, 'inserted'), COUNT(*) FROM feed_stage "
                "WHERE reject IS NULL GROUP BY 1"
            )
            counts = Counter(dict(cursor.fetchall()))
            cursor.execute(
                "SELECT line, reject FROM feed_stage WHERE reject IS NOT NULL ORDER BY line"
            )
            return counts, cursor.fetchall()

    def _reject_duplicates(self, cursor) -> None:
        key = self.key
        cursor.execute(
            f"UPDATE feed_stage SET reject = 'duplicate {key} in this file (first on line ' "
            f"|| CAST(feed_seen.line AS text) || ')' "
            f"FROM feed_seen WHERE feed_seen.reference = feed_stage.{key} "
            f"AND feed_stage.reject IS NULL"
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


STAGE_TABLES = ("feed_stage", "feed_seen", "feed_debtor")


def _merge_accounts(cursor, stamp) -> None:
    # Classify before writing. A row whose account exists is updated or unchanged; the others
    # (outcome left NULL) are new. An unchanged account belongs to the row's debtor, so its
    # contact points are that debtor's: a point the row names that is missing (or holds
    # another consent) is a change.
    contact_missing = " OR ".join(
        f"(feed_stage.{column} <> '' AND NOT EXISTS (SELECT 1 FROM cases_contactpoint p "
        f"WHERE p.debtor_id = d.id AND p.kind = '{kind.value}' AND p.value = feed_stage.{column}"
        + (f" AND p.{consent} = feed_stage.{consent}" if consent else "")
        + "))"
        for column, kind, consent in CONTACT_COLUMNS
    )
    something_differs = " OR ".join(
        [
            _distinct("a", "feed_stage", ACCOUNT_FIELDS),
            _distinct("d", "feed_stage", [*DEBTOR_FIELDS, "national_id_hash"]),
            contact_missing,
        ]
    )
    cursor.execute(
        f"UPDATE feed_stage SET outcome = CASE WHEN {something_differs} "
        "THEN 'updated' ELSE 'unchanged' END "
        "FROM cases_cardaccount a JOIN cases_debtor d ON d.id = a.debtor_id "
        "WHERE feed_stage.reject IS NULL AND a.account_reference = feed_stage.account_reference"
    )
    changed = "reject IS NULL AND (outcome IS NULL OR outcome = 'updated')"

    # Debtors: the file's last row for a national ID wins. Their ids go into feed_debtor, for
    # the accounts and contact points: on PostgreSQL the upsert returns those it wrote (and
    # whether it inserted them: xmax is 0 on a row version no one has updated), and only the
    # others are looked up.
    extra, extra_values = _default_columns(
        Debtor, {"created_at", "updated_at", "national_id_hash", *DEBTOR_FIELDS}
    )
    upsert_debtors = (
        f"INSERT INTO cases_debtor (created_at, updated_at, national_id_hash, "
        f"{', '.join(DEBTOR_FIELDS + extra)}) "
        f"SELECT %s, %s, s.national_id_hash, "
        f"{', '.join([f's.{c}' for c in DEBTOR_FIELDS] + ['%s'] * len(extra))} "
        f"FROM (SELECT national_id_hash, {', '.join(DEBTOR_FIELDS)}, "
        "      ROW_NUMBER() OVER (PARTITION BY national_id_hash ORDER BY line DESC) AS newest "
        f"      FROM feed_stage WHERE {changed}) AS s WHERE s.newest = 1 "
        "ON CONFLICT (national_id_hash) DO UPDATE SET updated_at = EXCLUDED.updated_at, "
        + ", ".join(f"{c} = EXCLUDED.{c}" for c in DEBTOR_FIELDS)
        + " WHERE "
        + _distinct("cases_debtor", "EXCLUDED", DEBTOR_FIELDS)
    )
    if connection.vendor == "postgresql":
        cursor.execute(
            f"WITH written AS ({upsert_debtors} RETURNING national_id_hash, id, xmax = 0) "
            "INSERT INTO feed_debtor (national_id_hash, id, is_new) SELECT * FROM written",
            [stamp, stamp, *extra_values],
        )
    else:
        cursor.execute(upsert_debtors, [stamp, stamp, *extra_values])
    # Looked up one by one in the unique index: a join could scan every debtor for each chunk.
    cursor.execute(
        "INSERT INTO feed_debtor (national_id_hash, id, is_new) "
        "SELECT m.national_id_hash, (SELECT d.id FROM cases_debtor d "
        "  WHERE d.national_id_hash = m.national_id_hash), false "
        f"FROM (SELECT DISTINCT s.national_id_hash FROM feed_stage s WHERE s.{changed} "
        "      AND NOT EXISTS (SELECT 1 FROM feed_debtor f "
        "                      WHERE f.national_id_hash = s.national_id_hash)) AS m"
    )

    extra, extra_values = _default_columns(
        CardAccount, {"created_at", "updated_at", "account_reference", "debtor_id", *ACCOUNT_FIELDS}
    )
    cursor.execute(
        f"INSERT INTO cases_cardaccount (created_at, updated_at, account_reference, debtor_id, "
        f"{', '.join(ACCOUNT_FIELDS + extra)}) "
        f"SELECT %s, %s, s.account_reference, f.id, "
        f"{', '.join([f's.{c}' for c in ACCOUNT_FIELDS] + ['%s'] * len(extra))} "
        "FROM feed_stage s JOIN feed_debtor f ON f.national_id_hash = s.national_id_hash "
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
    # invalid, opted out, do not contact, verified — is never touched. A debtor this chunk
    # inserted has no contact points yet, and no one else can add one before the chunk
    # commits, so theirs are plain inserts, without the upsert's conflict check.
    contact_rows = " UNION ALL ".join(
        f"SELECT debtor_id, '{kind.value}' AS kind, {column} AS value, "
        + (f"CASE WHEN {consent} THEN 1 ELSE 0 END" if consent == "sms_consent" else "0")
        + " AS sms, "
        + (f"CASE WHEN {consent} THEN 1 ELSE 0 END" if consent == "email_consent" else "0")
        + f" AS email FROM changed_row WHERE {column} <> ''"
        for column, kind, consent in CONTACT_COLUMNS
    )
    extra, extra_values = _default_columns(
        ContactPoint,
        {"created_at", "updated_at", "debtor_id", "kind", "value", "sms_consent", "email_consent"},
    )
    insert_contacts = (
        "WITH changed_row AS (SELECT f.id AS debtor_id, "
        f"{', '.join(f's.{column}' for column, _, _ in CONTACT_COLUMNS)}, s.sms_consent, "
        "s.email_consent FROM feed_stage s "
        "JOIN feed_debtor f ON f.national_id_hash = s.national_id_hash "
        f"WHERE s.{changed} AND f.is_new = {{new_debtors}}) "
        "INSERT INTO cases_contactpoint (created_at, updated_at, debtor_id, kind, value, "
        f"sms_consent, email_consent, {', '.join(extra)}) "
        "SELECT %s, %s, c.debtor_id, c.kind, c.value, MAX(c.sms) = 1, MAX(c.email) = 1, "
        f"{', '.join(['%s'] * len(extra))} "
        f"FROM ({contact_rows}) AS c "
        "WHERE true GROUP BY c.debtor_id, c.kind, c.value"
    )
    params = [stamp, stamp, *extra_values]
    cursor.execute(insert_contacts.format(new_debtors="true"), params)
    cursor.execute(
        insert_contacts.format(new_debtors="false")
        + " ON CONFLICT (debtor_id, kind, value) DO UPDATE SET updated_at = EXCLUDED.updated_at, "
        "sms_consent = CASE WHEN EXCLUDED.kind = 'mobile' THEN EXCLUDED.sms_consent "
        "  ELSE cases_contactpoint.sms_consent END, "
        "email_consent = CASE WHEN EXCLUDED.kind = 'email' THEN EXCLUDED.email_consent "
        "  ELSE cases_contactpoint.email_consent END "
        "WHERE (EXCLUDED.kind = 'mobile' AND "
        "       cases_contactpoint.sms_consent IS DISTINCT FROM EXCLUDED.sms_consent) "
        "   OR (EXCLUDED.kind = 'email' AND "
        "       cases_contactpoint.email_consent IS DISTINCT FROM EXCLUDED.email_consent)",
        params,
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
        "WHERE s.reject IS NULL AND s.outcome IS NULL "
        "ON CONFLICT (external_reference) DO NOTHING",
        [stamp, stamp, Payment.Source.BANK_FEED.value, *extra_values],
    )
