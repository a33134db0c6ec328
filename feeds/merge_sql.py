"""The SQL of the feed import, built from the models once per database vendor.

Every table and column of a model is named from its `_meta` and quoted by the connection, and
every value a statement compares with a model's (contact point kinds, the statuses of a closed
case, the payment source, the defaults of the columns the feed leaves alone) is the model's
own, passed as a parameter: a renamed table, column or status changes these statements with
it, instead of leaving them to fail or, worse, to go on matching the wrong rows. The staging
tables are the import's own temporary tables; their names are quoted too, so no bare word in a
statement names a table or a column (tests/feeds/test_merge_sql.py holds every statement to
that).

For each chunk the importer runs `clear_stage`, loads the rows with `load_stage` (COPY on
PostgreSQL, a bulk INSERT on SQLite), runs `merge`, then reads `count_outcomes` and
`merge_rejects`. The merge sets a staged row's `reject` (a duplicate, or for payments a
conflict with the database) or its `outcome`: 'updated', 'unchanged', or NULL for a row
inserted.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ImproperlyConfigured
from django.db import connection as default_connection
from django.db import models
from django.db.backends.base.base import BaseDatabaseWrapper

from cases.models import CardAccount, Case, ContactPoint, Debtor, Payment
from feeds.formats import FILE_KEY

STAGE_TABLE = "feed_stage"  # this chunk's good rows
SEEN_TABLE = "feed_seen"  # the keys of the chunks before, for duplicates across chunks
DEBTOR_IDS_TABLE = "feed_debtor"  # the ids of this chunk's debtors, and whether it inserted them
STAGE_TABLES = (STAGE_TABLE, SEEN_TABLE, DEBTOR_IDS_TABLE)
CHUNK_WORK_MEM = "64MB"
TEMP_BUFFERS = "128MB"

# The staging table's columns after `line`, in the order the row validators return the values.
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
# The model fields the accounts feed sets, each from the staging column of the same name.
DEBTOR_FIELDS = ("full_name", "national_id_last4", "birth_date", "time_zone", "language")
ACCOUNT_FIELDS = (
    "card_last4",
    "product",
    "currency",
    "credit_limit",
    "balance",
    "minimum_due",
    "oldest_unpaid_due_date",
)
# Contact point columns of the accounts feed: (staging column, kind, the ContactPoint consent
# field the bank holds for it, filled from the staging column of the same name, or None).
CONTACT_COLUMNS = (
    ("mobile", ContactPoint.Kind.MOBILE, "sms_consent"),
    ("home_phone", ContactPoint.Kind.HOME, None),
    ("work_phone", ContactPoint.Kind.WORK, None),
    ("email", ContactPoint.Kind.EMAIL, "email_consent"),
    ("postal_address", ContactPoint.Kind.POSTAL, None),
)
CONSENT_FIELDS = tuple(consent for _, _, consent in CONTACT_COLUMNS if consent)
STAMP_FIELDS = ("created_at", "updated_at")  # set to the moment the chunk is merged


class _Now:
    def __repr__(self) -> str:
        return "NOW"


NOW = _Now()  # in a statement's parameters: the moment the chunk is merged


@dataclass(frozen=True)
class Statement:
    sql: str
    params: tuple[Any, ...] = ()

    def params_at(self, now: Any) -> list[Any]:
        """The parameters, with `now` (adapted for the database) in place of NOW."""
        return [now if value is NOW else value for value in self.params]


@dataclass(frozen=True)
class FeedStatements:
    """Everything the import of one kind of feed runs on one database vendor."""

    create_stage: tuple[Statement, ...]
    drop_stage: tuple[Statement, ...]
    clear_stage: tuple[Statement, ...]
    load_stage: str  # COPY ... FROM STDIN when `loads_by_copy`, else INSERT ... VALUES
    loads_by_copy: bool
    merge: tuple[Statement, ...]
    count_outcomes: Statement  # (outcome, rows) of the rows kept
    merge_rejects: Statement  # (line, reason) of the rows the merge rejected
    remember_keys: str  # INSERT of (key, line) into the keys seen, for an import taken over
    key_position: int  # where the file's key is among a row's staged values


_built: dict[tuple[str, str], FeedStatements] = {}


def feed_statements(kind: str) -> FeedStatements:
    """The statements of a `kind` feed ("accounts" or "payments") on the default database,
    built on first use and kept for every chunk and import after."""
    key = (kind, default_connection.vendor)
    if key not in _built:
        _built[key] = build_feed_statements(kind, default_connection)
    return _built[key]


def build_feed_statements(kind: str, connection: BaseDatabaseWrapper) -> FeedStatements:
    """The statements of a `kind` feed on `connection`, read from the models as they are now."""
    sql = _Names(connection)
    on_postgresql = connection.vendor == "postgresql"
    stage = sql.quote(STAGE_TABLE)
    names = ", ".join(sql.quote(name) for name in ["line", *(n for n, _ in STAGE_COLUMNS[kind])])
    if on_postgresql:
        load = f"COPY {stage} ({names}) FROM STDIN (FORMAT csv)"
        clear = [f"TRUNCATE {stage}, {sql.quote(DEBTOR_IDS_TABLE)}"]
    else:
        placeholders = ", ".join(["%s"] * (1 + len(STAGE_COLUMNS[kind])))
        load = f"INSERT INTO {stage} ({names}) VALUES ({placeholders})"
        clear = [f"DELETE FROM {sql.quote(table)}" for table in (STAGE_TABLE, DEBTOR_IDS_TABLE)]
    merge = _merge_accounts(sql, on_postgresql) if kind == "accounts" else _merge_payments(sql)
    return FeedStatements(
        create_stage=_statements(_create_stage(sql, kind, on_postgresql)),
        drop_stage=_statements(
            [f"DROP TABLE IF EXISTS {sql.quote(table)}" for table in STAGE_TABLES]
            + (["RESET work_mem"] if on_postgresql else [])
        ),
        clear_stage=_statements(clear),
        load_stage=load,
        loads_by_copy=on_postgresql,
        merge=(*_reject_duplicates(sql, FILE_KEY[kind]), *merge),
        count_outcomes=Statement(
            f"SELECT COALESCE({sql.quote('outcome')}, 'inserted'), COUNT(*) FROM {stage} "
            f"WHERE {sql.quote('reject')} IS NULL GROUP BY 1"
        ),
        merge_rejects=Statement(
            f"SELECT {sql.quote('line')}, {sql.quote('reject')} FROM {stage} "
            f"WHERE {sql.quote('reject')} IS NOT NULL ORDER BY {sql.quote('line')}"
        ),
        remember_keys=f"INSERT INTO {sql.quote(SEEN_TABLE)} ({sql.quote('reference')}, "
        f"{sql.quote('line')}) VALUES (%s, %s)",
        key_position=[name for name, _ in STAGE_COLUMNS[kind]].index(FILE_KEY[kind]),
    )


def _statements(texts: Iterable[str]) -> tuple[Statement, ...]:
    return tuple(Statement(text) for text in texts)


class _Names:
    """Quoted names: of the models' tables and columns, read from `_meta`, and of the staging
    tables' own."""

    def __init__(self, connection: BaseDatabaseWrapper):
        self.connection = connection
        self.quote = connection.ops.quote_name

    def table(self, model: type[models.Model]) -> str:
        return self.quote(model._meta.db_table)

    def column(self, model: type[models.Model], field_name: str) -> str:
        return self.quote(model._meta.get_field(field_name).column)

    def columns(self, model: type[models.Model], field_names: Iterable[str]) -> list[str]:
        return [self.column(model, name) for name in field_names]

    def differs_from_stage(
        self, row: str, model: type[models.Model], field_names: Iterable[str], stage: str
    ) -> str:
        """SQL true when a model row differs from the staged row (whose columns are named
        like the fields) in any of the fields."""
        return " OR ".join(
            f"{row}.{self.column(model, name)} IS DISTINCT FROM {stage}.{self.quote(name)}"
            for name in field_names
        )

    def differs_from_excluded(self, model: type[models.Model], field_names: Iterable[str]) -> str:
        """SQL true, in an upsert's DO UPDATE, when the row differs from the one proposed."""
        table = self.table(model)
        return " OR ".join(
            f"{table}.{column} IS DISTINCT FROM EXCLUDED.{column}"
            for column in self.columns(model, field_names)
        )

    def unique_key(self, model: type[models.Model], *field_names: str) -> str:
        """The columns of a unique key the model declares, for ON CONFLICT."""
        declared = {
            tuple(constraint.fields)
            for constraint in model._meta.constraints
            if isinstance(constraint, models.UniqueConstraint) and constraint.condition is None
        }
        declared |= {(field.name,) for field in model._meta.concrete_fields if field.unique}
        if field_names not in declared:
            raise ImproperlyConfigured(
                f"The feed import upserts {model.__name__} on {field_names}, "
                "which the model no longer declares unique."
            )
        return ", ".join(self.columns(model, field_names))

    def defaults(
        self, model: type[models.Model], supplied: Iterable[str]
    ) -> tuple[list[str], list[Any]]:
        """The columns the feed does not fill, and the model's defaults for them."""
        columns, values = [], []
        supplied = set(supplied)
        for field in model._meta.concrete_fields:
            if field.primary_key or field.name in supplied or field.has_db_default():
                continue
            if field.has_default() and callable(field.default):
                raise ImproperlyConfigured(
                    f"{model.__name__}.{field.name} has a default computed in Python, which "
                    "the feed import would compute once for every row: give it a db_default, "
                    "or have the feed supply it."
                )
            columns.append(self.quote(field.column))
            values.append(field.get_db_prep_save(field.get_default(), self.connection))
        return columns, values


def _create_stage(sql: _Names, kind: str, on_postgresql: bool) -> list[str]:
    q = sql.quote
    definitions = ", ".join(f"{q(name)} {sql_type}" for name, sql_type in STAGE_COLUMNS[kind])
    debtor_id_type = Debtor._meta.pk.rel_db_type(sql.connection)
    statements = []
    if on_postgresql:
        # Keep the staging tables in the session's memory rather than in temporary files;
        # PostgreSQL accepts this only before the session's first temporary table, later the
        # setting stays as it was. The merges sort and group a whole chunk in memory too
        # (work_mem is reset when the stage tables are dropped).
        statements += [
            f"DO $$ BEGIN SET temp_buffers = '{TEMP_BUFFERS}'; "
            "EXCEPTION WHEN invalid_parameter_value THEN NULL; END $$",
            f"SET work_mem = '{CHUNK_WORK_MEM}'",
        ]
    return [
        *statements,
        f"CREATE TEMPORARY TABLE {q(STAGE_TABLE)} ({q('line')} integer, {definitions}, "
        f"{q('reject')} text, {q('outcome')} text)",
        f"CREATE TEMPORARY TABLE {q(SEEN_TABLE)} "
        f"({q('reference')} text PRIMARY KEY, {q('line')} integer)",
        f"CREATE TEMPORARY TABLE {q(DEBTOR_IDS_TABLE)} ({q('national_id_hash')} text PRIMARY KEY, "
        f"{q('id')} {debtor_id_type}, {q('is_new')} boolean)",
    ]


def _reject_duplicates(sql: _Names, key: str) -> tuple[Statement, ...]:
    """A key seen in an earlier chunk, or earlier in this one, rejects the row: the first wins."""
    q = sql.quote
    stage, seen = q(STAGE_TABLE), q(SEEN_TABLE)
    reference, line, reject = q("reference"), q("line"), q("reject")
    message = f"'duplicate {key} in this file (first on line '"
    return _statements(
        [
            f"UPDATE {stage} SET {reject} = {message} || CAST({seen}.{line} AS text) || ')' "
            f"FROM {seen} WHERE {seen}.{reference} = {stage}.{q(key)} "
            f"AND {stage}.{reject} IS NULL",
            f"UPDATE {stage} SET {reject} = {message} || CAST(earliest.{line} AS text) || ')' "
            f"FROM (SELECT {q(key)} AS {reference}, MIN({line}) AS {line} FROM {stage} "
            f"      WHERE {reject} IS NULL GROUP BY {q(key)} HAVING COUNT(*) > 1) AS earliest "
            f"WHERE earliest.{reference} = {stage}.{q(key)} AND {stage}.{line} > earliest.{line}",
            f"INSERT INTO {seen} ({reference}, {line}) SELECT {q(key)}, {line} FROM {stage} "
            f"WHERE {reject} IS NULL",
        ]
    )


def _changed(sql: _Names, row: str) -> str:
    """SQL true for a staged row to write: not rejected, and new or updated."""
    outcome = f"{row}.{sql.quote('outcome')}"
    return f"{row}.{sql.quote('reject')} IS NULL AND ({outcome} IS NULL OR {outcome} = 'updated')"


def _merge_accounts(sql: _Names, on_postgresql: bool) -> list[Statement]:
    q = sql.quote
    stage, debtor_ids = q(STAGE_TABLE), q(DEBTOR_IDS_TABLE)
    debtor_table, account_table = sql.table(Debtor), sql.table(CardAccount)
    contact_table = sql.table(ContactPoint)
    debtor_id, debtor_hash = sql.column(Debtor, "id"), sql.column(Debtor, "national_id_hash")
    account_debtor = sql.column(CardAccount, "debtor")
    account_reference = sql.column(CardAccount, "account_reference")
    contact_debtor, contact_kind, contact_value = sql.columns(
        ContactPoint, ["debtor", "kind", "value"]
    )
    statements = []

    # Classify before writing. A row whose account exists is updated or unchanged; the others
    # (outcome left NULL) are new. An unchanged account belongs to the row's debtor, so its
    # contact points are that debtor's: a point the row names that is missing (or holds
    # another consent) is a change.
    contact_missing, kinds = [], []
    for column, kind, consent in CONTACT_COLUMNS:
        same_consent = (
            f" AND p.{sql.column(ContactPoint, consent)} = {stage}.{q(consent)}" if consent else ""
        )
        contact_missing.append(
            f"({stage}.{q(column)} <> '' AND NOT EXISTS (SELECT 1 FROM {contact_table} p "
            f"WHERE p.{contact_debtor} = d.{debtor_id} AND p.{contact_kind} = %s "
            f"AND p.{contact_value} = {stage}.{q(column)}{same_consent}))"
        )
        kinds.append(str(kind))
    something_differs = " OR ".join(
        [
            sql.differs_from_stage("a", CardAccount, ACCOUNT_FIELDS, stage),
            sql.differs_from_stage("d", Debtor, [*DEBTOR_FIELDS, "national_id_hash"], stage),
            *contact_missing,
        ]
    )
    statements.append(
        Statement(
            f"UPDATE {stage} SET {q('outcome')} = CASE WHEN {something_differs} "
            "THEN 'updated' ELSE 'unchanged' END "
            f"FROM {account_table} a JOIN {debtor_table} d ON d.{debtor_id} = a.{account_debtor} "
            f"WHERE {stage}.{q('reject')} IS NULL "
            f"AND a.{account_reference} = {stage}.{q('account_reference')}",
            tuple(kinds),
        )
    )

    # Debtors: the file's last row for a national ID wins. Their ids go into the debtor ids
    # table, for the accounts and contact points: on PostgreSQL the upsert returns those it
    # wrote (and whether it inserted them: xmax is 0 on a row version no one has updated), and
    # only the others are looked up.
    extra, extra_values = sql.defaults(Debtor, {*STAMP_FIELDS, "national_id_hash", *DEBTOR_FIELDS})
    inserted = [
        *sql.columns(Debtor, STAMP_FIELDS),
        debtor_hash,
        *sql.columns(Debtor, DEBTOR_FIELDS),
    ]
    upsert_debtors = (
        f"INSERT INTO {debtor_table} ({', '.join(inserted + extra)}) "
        f"SELECT %s, %s, s.{q('national_id_hash')}, "
        f"{', '.join([f's.{q(name)}' for name in DEBTOR_FIELDS] + ['%s'] * len(extra))} "
        f"FROM (SELECT {q('national_id_hash')}, {', '.join(q(n) for n in DEBTOR_FIELDS)}, "
        f"      ROW_NUMBER() OVER (PARTITION BY {q('national_id_hash')} "
        f"                         ORDER BY {q('line')} DESC) AS newest "
        f"      FROM {stage} WHERE {_changed(sql, stage)}) AS s WHERE s.newest = 1 "
        f"ON CONFLICT ({sql.unique_key(Debtor, 'national_id_hash')}) DO UPDATE SET "
        + _set_from_excluded(sql, Debtor, ["updated_at", *DEBTOR_FIELDS])
        + " WHERE "
        + sql.differs_from_excluded(Debtor, DEBTOR_FIELDS)
    )
    debtor_params = (NOW, NOW, *extra_values)
    if on_postgresql:
        statements.append(
            Statement(
                f"WITH written AS ({upsert_debtors} RETURNING {debtor_hash}, {debtor_id}, "
                f"xmax = 0) INSERT INTO {debtor_ids} "
                f"({q('national_id_hash')}, {q('id')}, {q('is_new')}) SELECT * FROM written",
                debtor_params,
            )
        )
    else:
        statements.append(Statement(upsert_debtors, debtor_params))
    # From here on the statements join this chunk's rows with the debtor ids, two temporary
    # tables PostgreSQL has no statistics of: taking each for a row or two, it would probe
    # one's index once per row of the other. They are hashed instead. The model tables are
    # reached through their unique indexes all the same (the subquery below, the upserts'
    # conflict checks), never joined.
    if on_postgresql:
        statements.append(Statement("SET LOCAL enable_nestloop = off"))
    # Looked up one by one in the unique index: a join could scan every debtor for each chunk.
    statements.append(
        Statement(
            f"INSERT INTO {debtor_ids} ({q('national_id_hash')}, {q('id')}, {q('is_new')}) "
            f"SELECT m.{q('national_id_hash')}, (SELECT d.{debtor_id} FROM {debtor_table} d "
            f"  WHERE d.{debtor_hash} = m.{q('national_id_hash')}), false "
            f"FROM (SELECT DISTINCT s.{q('national_id_hash')} FROM {stage} s "
            f"      WHERE {_changed(sql, 's')} AND NOT EXISTS (SELECT 1 FROM {debtor_ids} f "
            f"      WHERE f.{q('national_id_hash')} = s.{q('national_id_hash')})) AS m"
        )
    )

    extra, extra_values = sql.defaults(
        CardAccount, {*STAMP_FIELDS, "account_reference", "debtor", *ACCOUNT_FIELDS}
    )
    statements.append(
        Statement(
            f"INSERT INTO {account_table} "
            f"({', '.join(sql.columns(CardAccount, STAMP_FIELDS))}, {account_reference}, "
            f"{account_debtor}, {', '.join(sql.columns(CardAccount, ACCOUNT_FIELDS) + extra)}) "
            f"SELECT %s, %s, s.{q('account_reference')}, f.{q('id')}, "
            f"{', '.join([f's.{q(name)}' for name in ACCOUNT_FIELDS] + ['%s'] * len(extra))} "
            f"FROM {stage} s JOIN {debtor_ids} f "
            f"ON f.{q('national_id_hash')} = s.{q('national_id_hash')} "
            f"WHERE {_changed(sql, 's')} "
            f"ON CONFLICT ({sql.unique_key(CardAccount, 'account_reference')}) DO UPDATE SET "
            + _set_from_excluded(sql, CardAccount, ["updated_at", "debtor", *ACCOUNT_FIELDS])
            + " WHERE "
            + sql.differs_from_excluded(CardAccount, [*ACCOUNT_FIELDS, "debtor"]),
            (NOW, NOW, *extra_values),
        )
    )

    # Contact points: new ones are added; on an existing one only the consent the bank holds
    # (SMS on a mobile, email on an email address) is refreshed. What collectors learned —
    # invalid, opted out, do not contact, verified — is never touched. A debtor this chunk
    # inserted has no contact points yet, and no one else can add one before the chunk
    # commits, so theirs are plain inserts, without the upsert's conflict check.
    consent_columns = sql.columns(ContactPoint, CONSENT_FIELDS)
    contact_rows = []
    for column, _, consent in CONTACT_COLUMNS:
        # One row per named contact point, each consent as 1 or 0 (the largest one wins).
        consents = [
            f"CASE WHEN {q(consent)} THEN 1 ELSE 0 END" if consent == name else "0"
            for name in CONSENT_FIELDS
        ]
        contact_rows.append(
            f"SELECT {contact_debtor}, %s AS {contact_kind}, {q(column)} AS {contact_value}, "
            + ", ".join(
                f"{value} AS {target}"
                for value, target in zip(consents, consent_columns, strict=True)
            )
            + f" FROM changed_row WHERE {q(column)} <> ''"
        )
    extra, extra_values = sql.defaults(
        ContactPoint, {*STAMP_FIELDS, "debtor", "kind", "value", *CONSENT_FIELDS}
    )
    inserted = [
        *sql.columns(ContactPoint, STAMP_FIELDS),
        contact_debtor,
        contact_kind,
        contact_value,
        *consent_columns,
    ]
    selected = [
        "%s",
        "%s",
        *(f"c.{column}" for column in (contact_debtor, contact_kind, contact_value)),
        *(f"MAX(c.{column}) = 1" for column in consent_columns),
    ]

    def insert_contacts(*, of_new_debtors: bool) -> str:
        return (
            f"WITH changed_row AS (SELECT f.{q('id')} AS {contact_debtor}, "
            f"{', '.join(f's.{q(column)}' for column, _, _ in CONTACT_COLUMNS)}, "
            f"{', '.join(f's.{q(consent)}' for consent in CONSENT_FIELDS)} FROM {stage} s "
            f"JOIN {debtor_ids} f ON f.{q('national_id_hash')} = s.{q('national_id_hash')} "
            f"WHERE {_changed(sql, 's')} "
            f"AND f.{q('is_new')} = {'true' if of_new_debtors else 'false'}) "
            f"INSERT INTO {contact_table} ({', '.join(inserted + extra)}) "
            f"SELECT {', '.join(selected + ['%s'] * len(extra))} "
            f"FROM ({' UNION ALL '.join(contact_rows)}) AS c "
            f"WHERE true GROUP BY c.{contact_debtor}, c.{contact_kind}, c.{contact_value}"
        )

    contact_params = (NOW, NOW, *extra_values, *kinds)
    statements.append(Statement(insert_contacts(of_new_debtors=True), contact_params))
    # On an existing point, the consent the bank holds for its kind is refreshed, and only it.
    consent_kinds = [str(kind) for _, kind, consent in CONTACT_COLUMNS if consent]
    refreshed, changed_consents = [], []
    for column in consent_columns:
        refreshed.append(
            f"{column} = CASE WHEN EXCLUDED.{contact_kind} = %s THEN EXCLUDED.{column} "
            f"ELSE {contact_table}.{column} END"
        )
        changed_consents.append(
            f"(EXCLUDED.{contact_kind} = %s AND "
            f"{contact_table}.{column} IS DISTINCT FROM EXCLUDED.{column})"
        )
    upsert_key = sql.unique_key(ContactPoint, "debtor", "kind", "value")
    updated_at = sql.column(ContactPoint, "updated_at")
    statements.append(
        Statement(
            insert_contacts(of_new_debtors=False) + f" ON CONFLICT ({upsert_key}) DO UPDATE SET "
            f"{updated_at} = EXCLUDED.{updated_at}, {', '.join(refreshed)} "
            f"WHERE {' OR '.join(changed_consents)}",
            (*contact_params, *consent_kinds, *consent_kinds),
        )
    )
    if on_postgresql:
        statements.append(Statement("RESET enable_nestloop"))
    return statements


def _set_from_excluded(sql: _Names, model: type[models.Model], field_names: list[str]) -> str:
    return ", ".join(f"{column} = EXCLUDED.{column}" for column in sql.columns(model, field_names))


def _merge_payments(sql: _Names) -> list[Statement]:
    q = sql.quote
    stage, reject, outcome = q(STAGE_TABLE), q("reject"), q("outcome")
    account_table, payment_table = sql.table(CardAccount), sql.table(Payment)
    account_id, account_reference, account_currency = sql.columns(
        CardAccount, ["id", "account_reference", "currency"]
    )
    payment_account, external_reference = sql.columns(Payment, ["account", "external_reference"])
    same_account = f"a.{account_reference} = {stage}.{q('account_reference')}"
    supplied = [
        "created_at",
        "updated_at",
        "account",
        "case",
        "amount",
        "currency",
        "received_on",
        "source",
        "external_reference",
    ]
    extra, extra_values = sql.defaults(Payment, supplied)
    closed_statuses = tuple(str(status) for status in Case.CLOSED_STATUSES)
    case_id, case_account, case_status = sql.columns(Case, ["id", "account", "status"])
    amount, currency, received_on = sql.columns(Payment, ["amount", "currency", "received_on"])
    return [
        Statement(
            f"UPDATE {stage} SET {reject} = 'unknown account_reference' WHERE {reject} IS NULL "
            f"AND NOT EXISTS (SELECT 1 FROM {account_table} a WHERE {same_account})"
        ),
        Statement(
            f"UPDATE {stage} SET {reject} = 'currency ' || {stage}.{q('currency')} "
            f"|| ' differs from the account''s currency ' || a.{account_currency} "
            f"FROM {account_table} a WHERE {stage}.{reject} IS NULL AND {same_account} "
            f"AND a.{account_currency} <> {stage}.{q('currency')}"
        ),
        Statement(
            f"UPDATE {stage} SET {outcome} = 'unchanged' FROM {payment_table} p "
            f"JOIN {account_table} a ON a.{account_id} = p.{payment_account} "
            f"WHERE {stage}.{reject} IS NULL "
            f"AND p.{external_reference} = {stage}.{q('external_reference')} "
            f"AND {same_account} AND p.{amount} = {stage}.{q('amount')} "
            f"AND p.{currency} = {stage}.{q('currency')} "
            f"AND p.{received_on} = {stage}.{q('received_on')}"
        ),
        Statement(
            f"UPDATE {stage} SET {reject} = 'external_reference already recorded for another "
            f"account, amount or date' WHERE {reject} IS NULL AND {outcome} IS NULL AND EXISTS "
            f"(SELECT 1 FROM {payment_table} p "
            f"WHERE p.{external_reference} = {stage}.{q('external_reference')})"
        ),
        # A payment goes to the account's open case, if it has one.
        Statement(
            f"INSERT INTO {payment_table} "
            f"({', '.join(sql.columns(Payment, supplied) + extra)}) "
            f"SELECT %s, %s, a.{account_id}, (SELECT c.{case_id} FROM {sql.table(Case)} c "
            f"  WHERE c.{case_account} = a.{account_id} "
            f"  AND c.{case_status} NOT IN ({', '.join(['%s'] * len(closed_statuses))}) "
            f"  ORDER BY c.{case_id} LIMIT 1), "
            f"s.{q('amount')}, s.{q('currency')}, s.{q('received_on')}, %s, "
            f"s.{q('external_reference')}{''.join(', %s' for _ in extra)} "
            f"FROM {stage} s JOIN {account_table} a "
            f"ON a.{account_reference} = s.{q('account_reference')} "
            f"WHERE s.{reject} IS NULL AND s.{outcome} IS NULL "
            f"ON CONFLICT ({sql.unique_key(Payment, 'external_reference')}) DO NOTHING",
            (NOW, NOW, *closed_statuses, str(Payment.Source.BANK_FEED), *extra_values),
        ),
    ]
