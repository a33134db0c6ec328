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
   next chunks meanwhile, so the Python work and the database's work overlap. The statements
   live in feeds.merge_sql, built from the models once per database vendor.

After a payments file, the bank's payments confirm the payments collectors reported
(`cases.services.reported_payments_confirm`: by reference, else by amount and date).

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

from django.db import connection, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext

from cases.services import reported_payments_confirm
from common.dry_run import dry_run_transaction
from common.sensitive import mask_secrets
from feeds.formats import COLUMNS, FIELD_SEPARATOR, ROW_VALIDATORS, RawRowFormatter, RowRejected
from feeds.merge_sql import FeedStatements, Statement, feed_statements
from feeds.models import ImportRejectedRow, ImportRun

CHUNK_SIZE = 20_000
READ_AHEAD_CHUNKS = 2
READ_BLOCK = 1 << 20
COUNT_FIELDS = ("rows_read", "inserted", "updated", "unchanged", "rejected")
OTHER_DELIMITERS = {";": "semicolon", "\t": "tab", "|": "pipe"}


class FeedRefused(Exception):
    """The file cannot be read as a feed at all; the message tells the person why."""


@dataclass
class _Chunk:
    staged: Any  # the good rows as _StageTable.load takes them
    good_rows: dict[int, str | list[str]]  # line -> the fields, kept in case the merge rejects it
    rejected: list[ImportRejectedRow]
    rows_read: int
    position: int  # bytes of the file read so far
    last_line: int  # the file's line the chunk ends on
    # Taken over after a kill, in the first chunk: the keys the merged lines hold (key -> line).
    earlier_keys: dict[str, int]


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
    # Built here, so a model the statements no longer fit fails before anything is written.
    statements = feed_statements(kind)
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
        statements=statements,
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
        if kind == "payments":
            reported_payments_confirm(now=timezone.now())
        return _finish(run, started, ImportRun.Status.SUCCEEDED, counts=importer.counts)
    except BaseException as error:
        _finish(run, started, ImportRun.Status.FAILED, message=repr(error))
        raise
    finally:
        importer.stage.drop()
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


def _looks_like_utf16(start: bytes) -> bool:
    """Whether a file starting with these bytes is UTF-16: a UTF-16 byte order mark, or a first
    line whose every other byte is NUL (Latin text in UTF-16 without a mark)."""
    if start.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return True
    sample = start[:200]
    sample = sample[: len(sample) - len(sample) % 2]
    if len(sample) < 4:
        return False
    evens, odds = sample[0::2], sample[1::2]
    return (odds.count(0) == len(odds) and 0 not in evens) or (
        evens.count(0) == len(evens) and 0 not in odds
    )


class _Importer:
    def __init__(
        self,
        *,
        kind: str,
        statements: FeedStatements,
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
        # Taking over a run whose process died: its committed chunks stay done and counted.
        self.resume_after_line = run.lines_done
        self.counts: Counter = Counter({name: getattr(run, name) for name in COUNT_FIELDS})
        self.size = 0
        self.columns = COLUMNS[kind]
        self.stage = _StageTable(statements)
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
            if offset == 0 and _looks_like_utf16(block):
                raise FeedRefused(
                    "The file is UTF-16 text; bank feeds are UTF-8. Save it as UTF-8 CSV "
                    "(in a spreadsheet: CSV UTF-8) and import it again."
                )
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
                    self.stage.remember(chunk.earlier_keys)
                    self.stage.load(chunk.staged)
                    outcomes, merge_rejected = self.stage.merge(now=timezone.now())
                    rejected = chunk.rejected + [
                        ImportRejectedRow(
                            run=self.run,
                            line_number=line,
                            raw_row=self.raw_row(_fields(chunk.good_rows[line]), mask_all=False),
                            reason=reason,
                        )
                        for line, reason in merge_rejected
                    ]
                    ImportRejectedRow.objects.bulk_create(rejected, batch_size=1000)
                    self.counts.update(outcomes)
                    self.counts["rows_read"] += chunk.rows_read
                    self.counts["rejected"] += len(rejected)
                    self._save_progress(chunk.position, chunk.last_line)
                self.on_progress(self.run)
                self.after_chunk(number)

    def _save_progress(self, position: int, last_line: int) -> None:
        self.run.progress_percent = min(99, int(100 * position / max(self.size, 1)))
        self.run.lines_done = last_line
        counts = {name: self.counts[name] for name in COUNT_FIELDS}
        for name, value in counts.items():
            setattr(self.run, name, value)
        ImportRun.objects.filter(pk=self.run.pk).update(
            progress_percent=self.run.progress_percent, lines_done=last_line, **counts
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
        skip_through = self.resume_after_line
        key_position = self.stage.statements.key_position
        earlier_keys: dict[str, int] = {}  # so that a later duplicate of them is still refused
        while True:
            try:
                fields = next(reader)
            except StopIteration:
                break
            except csv.Error as error:
                last_line = reader.line_num
                if last_line <= skip_through:
                    continue
                chunk.reject(
                    ImportRejectedRow(
                        run=run,
                        line_number=last_line,
                        raw_row="",
                        reason=gettext("not CSV: %(error)s") % {"error": error},
                    )
                )
            else:
                line, last_line = last_line + 1, reader.line_num
                if last_line <= skip_through:  # merged and counted before the process died
                    if len(fields) == width:
                        try:
                            key = validate(fields)[key_position]
                        except RowRejected:
                            continue
                        earlier_keys.setdefault(key, line)
                    continue
                if not fields or (len(fields) == 1 and not fields[0].strip()):
                    continue  # a blank line is not a row
                try:
                    if len(fields) != width:
                        raise RowRejected(
                            f"the row has {len(fields)} fields; the header has {width}"
                        )
                    values = validate(fields)
                except RowRejected as reason:
                    # A reason may quote the value it refuses: masked like the row.
                    chunk.reject(
                        ImportRejectedRow(
                            run=run,
                            line_number=line,
                            raw_row=raw_row(fields, mask_all=True),
                            reason=mask_secrets(str(reason)),
                        )
                    )
                else:
                    chunk.stage(line, fields, values)
            if chunk.rows_read >= self.chunk_size:
                yield chunk.packed(self.binary.tell(), last_line, earlier_keys)
                chunk, earlier_keys = self.stage.new_chunk(), {}
        if chunk.rows_read:
            yield chunk.packed(self.binary.tell(), last_line, earlier_keys)


class _ReadAhead:
    """Runs an iterator in a thread, at most `depth` items ahead of the one consuming it.

    The items wait in a bounded queue, so memory stays flat; an error in the thread is raised
    where the item would have been; leaving the block (normally or by an error) stops the
    thread. The thread speaks the caller's language (the rejected rows' reasons are written
    in it): Django's active language belongs to a thread.
    """

    _END = object()

    def __init__(self, items: Iterator, *, depth: int):
        self._items = items
        self._queue: queue.Queue = queue.Queue(maxsize=depth)
        self._stopping = threading.Event()
        self._language = translation.get_language()
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
        translation.activate(self._language)
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

    def packed(self, position: int, last_line: int, earlier_keys: dict[str, int]) -> _Chunk:
        return _Chunk(
            self.staged(),
            self.good_rows,
            self.rejected,
            self.rows_read,
            position,
            last_line,
            earlier_keys,
        )


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
    """The temporary tables one import works through (feeds.merge_sql): this chunk's good rows,
    and the keys seen in the chunks before."""

    def __init__(self, statements: FeedStatements):
        self.statements = statements

    def create(self) -> None:
        self.drop()
        _execute(self.statements.create_stage)

    def drop(self) -> None:
        _execute(self.statements.drop_stage)

    def new_chunk(self) -> _ChunkBuilder:
        return _CopyChunkBuilder() if self.statements.loads_by_copy else _TupleChunkBuilder()

    def remember(self, keys: dict[str, int]) -> None:
        """Count `keys` as seen on their lines, as the chunks that held them did."""
        if keys:
            with connection.cursor() as cursor:
                cursor.executemany(self.statements.remember_keys, list(keys.items()))

    def load(self, staged: str | list[tuple]) -> None:
        _execute(self.statements.clear_stage)
        with connection.cursor() as cursor:
            if self.statements.loads_by_copy:
                with cursor.cursor.copy(self.statements.load_stage) as copy:
                    copy.write(staged)
            else:
                cursor.executemany(self.statements.load_stage, staged)

    def merge(self, *, now: dt.datetime) -> tuple[Counter, list[tuple[int, str]]]:
        """Reject in-file duplicates, classify, upsert: this chunk's counts of inserted,
        updated and unchanged rows, and the (line, reason) of the rows the merge rejected."""
        stamp = connection.ops.adapt_datetimefield_value(now)
        _execute(self.statements.merge, now=stamp)
        with connection.cursor() as cursor:
            cursor.execute(self.statements.count_outcomes.sql)
            counts = Counter(dict(cursor.fetchall()))
            cursor.execute(self.statements.merge_rejects.sql)
            return counts, cursor.fetchall()


def _execute(statements: tuple[Statement, ...], *, now: Any = None) -> None:
    with connection.cursor() as cursor:
        for statement in statements:
            cursor.execute(statement.sql, statement.params_at(now))
