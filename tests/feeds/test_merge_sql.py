"""The import's SQL names tables and columns only as the models do, and carries their values."""

from __future__ import annotations

import re
from dataclasses import fields

import pytest
from django.apps import apps
from django.core.exceptions import ImproperlyConfigured
from django.db import connection

from cases.models import CardAccount, Case, ContactPoint, Debtor, Payment
from feeds.merge_sql import (
    CONTACT_COLUMNS,
    STAGE_COLUMNS,
    STAGE_TABLES,
    FeedStatements,
    Statement,
    build_feed_statements,
    feed_statements,
)

KINDS = sorted(STAGE_COLUMNS)
# The models each feed reads or writes (a payment goes to its account's open case).
MODELS = {"accounts": (Debtor, CardAccount, ContactPoint), "payments": (CardAccount, Payment, Case)}
STAGE_NAMES = {
    *STAGE_TABLES,
    *(name for columns in STAGE_COLUMNS.values() for name, _ in columns),
    *("line", "reject", "outcome", "reference", "id", "is_new", "national_id_hash"),
}
STRING_LITERAL = re.compile(r"'(?:[^']|'')*'")
QUOTED_NAME = re.compile(r'"([^"]+)"')
PLACEHOLDER = re.compile(r"%s")
# A name where a statement expects a table: after FROM, JOIN, INTO, UPDATE, TRUNCATE, COPY, TABLE.
TABLE_NAMES = re.compile(
    r'\b(?:FROM|JOIN|INTO|UPDATE|TRUNCATE|COPY|TABLE(?: IF EXISTS)?)\s+("[^"]+"(?:\s*,\s*"[^"]+")*)'
)


def statements_of(built: FeedStatements) -> list[Statement]:
    statements = [Statement(built.load_stage)]
    for field in fields(built):
        value = getattr(built, field.name)
        if isinstance(value, Statement):
            statements.append(value)
        elif isinstance(value, tuple):
            statements.extend(value)
    return statements


def sql_of(kind: str) -> list[str]:
    return [statement.sql for statement in statements_of(build_feed_statements(kind, connection))]


def model_tables() -> set[str]:
    return {model._meta.db_table for model in apps.get_models()}


def columns_of(models) -> set[str]:
    return {field.column for model in models for field in model._meta.concrete_fields}


@pytest.mark.parametrize("kind", KINDS)
def test_every_table_a_statement_names_is_a_table_of_the_models_it_works_on_or_a_staging_table(
    kind,
):
    named = set()
    for sql in sql_of(kind):
        for names in TABLE_NAMES.findall(STRING_LITERAL.sub("''", sql)):
            named.update(QUOTED_NAME.findall(names))

    assert named - set(STAGE_TABLES) == {model._meta.db_table for model in MODELS[kind]}


@pytest.mark.parametrize("kind", KINDS)
def test_every_quoted_name_is_a_table_or_column_of_those_models_or_of_the_staging_tables(kind):
    known = (
        STAGE_NAMES | {model._meta.db_table for model in MODELS[kind]} | columns_of(MODELS[kind])
    )
    for sql in sql_of(kind):
        assert set(QUOTED_NAME.findall(STRING_LITERAL.sub("''", sql))) <= known, sql


@pytest.mark.parametrize("kind", KINDS)
def test_no_table_or_column_is_written_as_a_bare_word(kind):
    """A literal creeping back (`cases_debtor`, `national_id_hash`) is a bare word."""
    names = model_tables() | columns_of(MODELS[kind]) | STAGE_NAMES
    for sql in sql_of(kind):
        bare = QUOTED_NAME.sub(" ", PLACEHOLDER.sub(" ", STRING_LITERAL.sub(" ", sql)))
        words = set(re.findall(r"[A-Za-z_][A-Za-z0-9_]*", bare))
        assert not words & names, sql


@pytest.mark.parametrize("kind", KINDS)
def test_no_value_of_a_models_choices_is_written_into_a_statement(kind):
    """Statuses, kinds and sources are the models' own, passed as parameters."""
    choice_values = {
        str(value)
        for model in MODELS[kind]
        for field in model._meta.concrete_fields
        for value, _ in field.flatchoices or ()
    }
    for sql in sql_of(kind):
        literals = {literal[1:-1] for literal in STRING_LITERAL.findall(sql)}
        assert not literals & choice_values, sql


@pytest.mark.parametrize("kind", KINDS)
def test_every_statement_has_a_parameter_for_each_placeholder(kind):
    for statement in statements_of(build_feed_statements(kind, connection))[1:]:
        assert len(PLACEHOLDER.findall(statement.sql)) == len(statement.params), statement.sql


def payment_insert(built: FeedStatements) -> Statement:
    case_table = connection.ops.quote_name(Case._meta.db_table)
    return next(statement for statement in built.merge if case_table in statement.sql)


def test_the_payment_merge_skips_the_cases_the_model_calls_closed(monkeypatch):
    closed = {str(status) for status in Case.CLOSED_STATUSES}
    assert closed <= set(payment_insert(build_feed_statements("payments", connection)).params)

    monkeypatch.setattr(Case, "CLOSED_STATUSES", (Case.Status.CLOSED, Case.Status.LITIGATION))
    params = payment_insert(build_feed_statements("payments", connection)).params

    assert {"closed", "litigation"} <= set(params)
    assert "cured" not in params


def test_the_contact_point_kinds_are_the_models():
    built = build_feed_statements("accounts", connection)
    params = {value for statement in built.merge for value in statement.params}

    assert {str(kind) for _, kind, _ in CONTACT_COLUMNS} <= params


def test_a_renamed_table_or_column_is_followed(monkeypatch):
    monkeypatch.setattr(Debtor._meta, "db_table", "collections_debtor")
    monkeypatch.setattr(Debtor._meta.get_field("full_name"), "column", "legal_name")

    sql = " ".join(sql_of("accounts"))

    assert '"collections_debtor"' in sql and '"cases_debtor"' not in sql
    assert '"legal_name" = EXCLUDED."legal_name"' in sql


def test_a_default_computed_per_row_is_refused_rather_than_frozen(monkeypatch):
    monkeypatch.setattr(Debtor._meta.get_field("is_vulnerable"), "default", lambda: False)

    with pytest.raises(ImproperlyConfigured, match=r"Debtor\.is_vulnerable"):
        build_feed_statements("accounts", connection)


def test_an_upsert_key_the_model_no_longer_declares_unique_is_refused(monkeypatch):
    monkeypatch.setattr(Payment._meta.get_field("external_reference"), "unique", False)

    with pytest.raises(ImproperlyConfigured, match="external_reference"):
        build_feed_statements("payments", connection)


def test_the_statements_are_built_once_per_kind():
    assert feed_statements("accounts") is feed_statements("accounts")
    assert feed_statements("payments") is not feed_statements("accounts")
