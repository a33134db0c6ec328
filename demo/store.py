"""Getting demo rows into the database fast, and taking the demo world out again."""

from __future__ import annotations

import threading
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager

from django.apps import apps
from django.core.management.color import no_style
from django.db import connection, models

from accounts.models import Team, User
from agencies.models import Agency, CommissionStatement, Placement
from cases.models import (
    Activity,
    CardAccount,
    Case,
    ContactPoint,
    Debtor,
    Payment,
    PromiseInstalment,
    PromiseToPay,
    StageEntry,
)
from compliance.models import ComplianceChainHead
from compliance.truncation import log_truncation_allowed
from demo.reference import AGENCIES, DEMO_EMAIL_DOMAIN, TEAM_NAMES
from pipeline.models import OutboundMessage

# Everything that hangs off a debtor.
DEBTOR_SIDE = (
    OutboundMessage,
    Activity,
    Payment,
    PromiseInstalment,
    PromiseToPay,
    Placement,
    StageEntry,
    Case,
    CardAccount,
    ContactPoint,
    Debtor,
)
INSERT_BATCH = 2000


def on_postgres() -> bool:
    return connection.vendor == "postgresql"


class RowWriter:
    """Writes chunks of row tuples: COPY on PostgreSQL, batched INSERTs elsewhere.

    Values go in as given (no `auto_now`), so a row's timestamps are the demo's own.
    Columns of the model that the rows leave out get the field's default. On PostgreSQL
    a chunk is copied by a background thread on the same connection (and transaction)
    while the caller builds the next one; the caller must not use the connection until
    `wait()` returns.
    """

    def __init__(self, columns: dict[type, Sequence[str]]) -> None:
        self.plans = {model: self._plan(model, names) for model, names in columns.items()}
        self._column_types = self._postgres_types() if on_postgres() else {}
        self._copier: threading.Thread | None = None
        self._failure: BaseException | None = None

    @staticmethod
    def _plan(model: type[models.Model], names: Sequence[str]) -> tuple:
        meta = model._meta
        fields = [meta.get_field(name) for name in names]
        named = {f.column for f in fields}
        extra = [f for f in meta.concrete_fields if f.column not in named]
        quote = connection.ops.quote_name
        columns = ", ".join(quote(f.column) for f in fields + extra)
        tail = tuple(f.get_default() for f in extra)
        return fields + extra, tail, f"{quote(meta.db_table)} ({columns})"

    def _postgres_types(self) -> dict[type, list[str]]:
        """Each model's column types, in the order written (binary COPY needs them)."""
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT c.relname, a.attname, format_type(a.atttypid, NULL) "
                "FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid "
                "WHERE c.oid = ANY(%s::regclass[]) AND a.attnum > 0 AND NOT a.attisdropped",
                [[model._meta.db_table for model in self.plans]],
            )
            types = {(table, column): kind for table, column, kind in cursor.fetchall()}
        return {
            model: [types[(model._meta.db_table, f.column)] for f in fields]
            for model, (fields, _, _) in self.plans.items()
        }

    def write(self, rows: dict[type, list[tuple]]) -> None:
        """Write one chunk: every model's rows, in the order of `columns`."""
        if not on_postgres():
            for model in self.plans:
                self._insert(model, rows[model])
            return
        self.wait()
        connection.ensure_connection()
        self._copier = threading.Thread(
            target=self._copy_chunk, args=(connection.connection, rows), daemon=True
        )
        self._copier.start()

    def __enter__(self) -> RowWriter:
        return self

    def __exit__(self, *exc_info: object) -> None:
        """Never leave a copy running on the connection (say, while it rolls back)."""
        if self._copier is not None:
            self._copier.join()
            self._copier = None

    def wait(self) -> None:
        """Block until the chunk being copied is in; re-raise what went wrong copying it."""
        if self._copier is not None:
            self._copier.join()
            self._copier = None
        if self._failure is not None:
            raise self._failure

    def _copy_chunk(self, raw_connection, rows: dict[type, list[tuple]]) -> None:
        try:
            with raw_connection.cursor() as cursor:
                for model, (_, tail, target) in self.plans.items():
                    with cursor.copy(f"COPY {target} FROM STDIN (FORMAT BINARY)") as copy:
                        copy.set_types(self._column_types[model])
                        for row in rows[model]:
                            copy.write_row(row + tail if tail else row)
        except BaseException as error:  # handed to the caller by wait()
            self._failure = error

    def _insert(self, model: type[models.Model], rows: Iterable[tuple]) -> None:
        fields, tail, target = self.plans[model]
        placeholders = ", ".join(["%s"] * len(fields))
        sql = f"INSERT INTO {target} VALUES ({placeholders})"
        batch: list[tuple] = []
        with connection.cursor() as cursor:
            for row in rows:
                values = zip(fields, row + tail, strict=True)
                batch.append(tuple(f.get_db_prep_save(v, connection) for f, v in values))
                if len(batch) >= INSERT_BATCH:
                    cursor.executemany(sql, batch)
                    batch.clear()
            if batch:
                cursor.executemany(sql, batch)

    def finish(self) -> None:
        """Move the id sequences past the ids written, and refresh planner statistics."""
        self.wait()
        written = list(self.plans)
        with connection.cursor() as cursor:
            for statement in connection.ops.sequence_reset_sql(no_style(), written):
                cursor.execute(statement)
            if on_postgres():
                tables = ", ".join(connection.ops.quote_name(m._meta.db_table) for m in written)
                cursor.execute(f"ANALYZE {tables}")


@contextmanager
def deferred_indexes(tables: Sequence[type[models.Model]]) -> Iterator[None]:
    """On PostgreSQL, load `tables` without their secondary indexes, unique and foreign-key
    constraints, then rebuild those: one sort per index and one join per foreign key are
    far cheaper than maintaining them row by row (and WAL-logging every index page).

    Must run inside a transaction: if anything fails, the rollback restores the schema.
    The rebuild checks every constraint, so bad rows still fail the whole load.
    """
    if not on_postgres():
        yield
        return
    names = [m._meta.db_table for m in tables]
    with connection.cursor() as cursor:
        # Run the deferred checks of rows written so far: a table with pending trigger
        # events cannot be altered.
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute(
            """
            SELECT conrelid::regclass::text, quote_ident(conname), pg_get_constraintdef(oid)
            FROM pg_constraint
            WHERE conrelid = ANY(%s::regclass[]) AND contype IN ('f', 'u')
            ORDER BY contype, 1, 2
            """,
            [names],
        )
        constraints = cursor.fetchall()
        cursor.execute(
            """
            SELECT i.indexrelid::regclass::text, pg_get_indexdef(i.indexrelid)
            FROM pg_index i
            WHERE i.indrelid = ANY(%s::regclass[]) AND NOT i.indisprimary
              AND NOT EXISTS (
                SELECT 1 FROM pg_constraint c
                WHERE c.conindid = i.indexrelid AND c.conrelid = i.indrelid
              )
            ORDER BY 1
            """,
            [names],
        )
        indexes = cursor.fetchall()
        for table, name, _ in constraints:  # foreign keys first, then unique constraints
            cursor.execute(f"ALTER TABLE {table} DROP CONSTRAINT {name}")
        for name, _ in indexes:
            cursor.execute(f"DROP INDEX {name}")
    yield
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL maintenance_work_mem = '512MB'")
        cursor.execute("SET LOCAL work_mem = '256MB'")
        for _, definition in indexes:
            cursor.execute(definition)
        for table, name, definition in reversed(constraints):
            cursor.execute(f"ALTER TABLE {table} ADD CONSTRAINT {name} {definition}")


def demo_users() -> models.QuerySet[User]:
    return User.objects.filter(email__endswith=f"@{DEMO_EMAIL_DOMAIN}")


def _with_dependents(models_: Sequence[type[models.Model]]) -> list[type[models.Model]]:
    """`models_` and every model whose rows point at them, directly or through another."""
    found = list(models_)
    grew = True
    while grew:
        grew = False
        for model in apps.get_models():
            if model not in found and any(
                f.is_relation and f.related_model in found for f in model._meta.concrete_fields
            ):
                found.append(model)
                grew = True
    return found


def delete_world() -> None:
    """Delete every debtor, what hangs off them and every row pointing at those (as
    TRUNCATE ... CASCADE does: the compliance log of those cases too, with its chain head),
    then the demo staff, agencies and teams.

    Run it inside a transaction. Raises ProtectedError when a non-demo row still points at
    a demo user, agency or team.
    """
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        if on_postgres():
            tables = ", ".join(quote(m._meta.db_table) for m in DEBTOR_SIDE)
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # no pending trigger events
            with log_truncation_allowed():  # the demo's log goes with the demo's cases
                cursor.execute(f"TRUNCATE {tables} RESTART IDENTITY CASCADE")
        else:  # foreign keys are checked at commit, so the order does not matter
            for model in _with_dependents(DEBTOR_SIDE):
                cursor.execute(f"DELETE FROM {quote(model._meta.db_table)}")
    ComplianceChainHead.objects.all().delete()  # the log is empty: the chain starts afresh
    demo_users().delete()
    demo_agencies = Agency.objects.filter(name__in=[a.name for a in AGENCIES])
    CommissionStatement.objects.filter(agency__in=demo_agencies).delete()
    demo_agencies.delete()
    Team.objects.filter(name__in=TEAM_NAMES).delete()
