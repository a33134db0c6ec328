"""On PostgreSQL, a trigram index on the debtor's name in capitals: the search for a part of a
name (`UPPER(full_name) LIKE '%…%'`, Django's `icontains`) follows it instead of reading every
debtor. pg_trgm is a trusted extension: the database's owner may create it. Where it cannot
be created the search still works, unindexed."""

from django.db import DatabaseError, migrations, transaction

INDEX = "debtor_name_trigram"


def create_index(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    try:
        with transaction.atomic(using=schema_editor.connection.alias):
            schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    except DatabaseError:
        return
    schema_editor.execute(
        f"CREATE INDEX IF NOT EXISTS {INDEX} ON cases_debtor "
        "USING gin (UPPER(full_name::text) gin_trgm_ops)"
    )


def drop_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"DROP INDEX IF EXISTS {INDEX}")


class Migration(migrations.Migration):
    dependencies = [
        ("cases", "0016_reported_payments"),
    ]

    operations = [
        migrations.RunPython(create_index, drop_index),
    ]
