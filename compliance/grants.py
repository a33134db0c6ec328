"""What the application's database role may do (PostgreSQL).

The tables belong to the role that runs the migrations. The web server and the workers connect
as another role, named by DATABASE_APPLICATION_ROLE, which owns nothing: it cannot ALTER, DROP
or TRUNCATE a table, nor switch a trigger off. After every `migrate` the owner grants it exactly:

- SELECT, INSERT, UPDATE, DELETE on every table of the schema;
- only SELECT and INSERT on the append-only tables (every AppendOnlyModel's: the compliance
  log, the policy versions), whose rows are written once; on the compliance log, UPDATE of
  its chain columns too, for the sealer (its trigger allows that one update, once per row);
- USAGE on the schema and on its sequences.

Everything is revoked first, so the role holds exactly this, whatever it held before.
"""

from __future__ import annotations

from django.apps import apps
from django.conf import settings
from django.db import connections, transaction
from django.db.backends.base.base import BaseDatabaseWrapper

from compliance.models import AppendOnlyModel


def append_only_models() -> list[type[AppendOnlyModel]]:
    return sorted(
        (model for model in apps.get_models() if issubclass(model, AppendOnlyModel)),
        key=lambda model: model._meta.db_table,
    )


def append_only_tables() -> list[str]:
    return [model._meta.db_table for model in append_only_models()]


def application_role_grant(*, connection: BaseDatabaseWrapper, role: str) -> None:
    """Give `role` the application's privileges on every table, and nothing more."""
    quote = connection.ops.quote_name
    grantee = quote(role)
    append_only = ", ".join(quote(table) for table in append_only_tables())
    with transaction.atomic(using=connection.alias), connection.cursor() as cursor:
        cursor.execute("SELECT current_schema()")
        schema = quote(cursor.fetchone()[0])
        for statement in (
            f"REVOKE ALL ON ALL TABLES IN SCHEMA {schema} FROM {grantee}",
            f"REVOKE ALL ON ALL SEQUENCES IN SCHEMA {schema} FROM {grantee}",
            f"GRANT USAGE ON SCHEMA {schema} TO {grantee}",
            f"GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA {schema} TO {grantee}",
            f"REVOKE UPDATE, DELETE ON {append_only} FROM {grantee}",
            f"GRANT USAGE ON ALL SEQUENCES IN SCHEMA {schema} TO {grantee}",
            *(
                f"GRANT UPDATE ({', '.join(quote(column) for column in model.SEAL_FIELDS)}) "
                f"ON {quote(model._meta.db_table)} TO {grantee}"
                for model in append_only_models()
                if hasattr(model, "SEAL_FIELDS")
            ),
            # PostgreSQL 17+: ANALYZE after the night's bulk moves (pipeline.services), not on
            # the append-only tables (MAINTAIN would let the role lock them).
            *(
                (
                    f"GRANT MAINTAIN ON ALL TABLES IN SCHEMA {schema} TO {grantee}",
                    f"REVOKE MAINTAIN ON {append_only} FROM {grantee}",
                )
                if connection.pg_version >= 170000
                else ()
            ),
        ):
            cursor.execute(statement)


def application_role_grant_after_migrate(sender, using: str, **kwargs) -> None:
    """post_migrate: the tables a migration added are granted before the application meets them."""
    connection = connections[using]
    if settings.DATABASE_APPLICATION_ROLE and connection.vendor == "postgresql":
        application_role_grant(connection=connection, role=settings.DATABASE_APPLICATION_ROLE)
