"""Writing many rows in one statement: new rows (`bulk_insert`), or changed fields of existing
ones (`bulk_update_rows`)."""

from __future__ import annotations

from django.db import connections, models, router, transaction

# Values of these fields go to the database as Python holds them; any other field's value is
# prepared by the field itself (JSON, decimals, ...), as Django does for every field.
_PASSED_AS_THEY_ARE = (
    models.CharField,
    models.TextField,
    models.IntegerField,
    models.BooleanField,
    models.DateTimeField,
    models.ForeignKey,
)


def bulk_insert(objects: list) -> list:
    """Insert new `objects` (all of one model, no primary key set) in order; returns them with
    their primary keys, as `bulk_create` does.

    On PostgreSQL the keys are drawn from the table's sequence first, ascending in the objects'
    order, and the rows are sent with COPY: `bulk_create` passes every column as an array for
    UNNEST, which psycopg builds value by value in Python, and costs several times the
    database's own work. Elsewhere it is `bulk_create`.
    """
    if not objects:
        return objects
    model = type(objects[0])
    connection = connections[router.db_for_write(model)]
    if connection.vendor != "postgresql":
        return model.objects.bulk_create(objects)
    meta = model._meta
    fields = [field for field in meta.concrete_fields if not field.primary_key]
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
            [meta.db_table, meta.pk.column, len(objects)],
        )
        keys = sorted(key for (key,) in cursor.fetchall())
        columns = ", ".join(quote(field.column) for field in [meta.pk, *fields])
        with cursor.cursor.copy(f"COPY {quote(meta.db_table)} ({columns}) FROM STDIN") as copy:
            for obj, key in zip(objects, keys, strict=True):
                obj.pk = key
                copy.write_row(
                    [key]
                    + [
                        value
                        if isinstance(field, _PASSED_AS_THEY_ARE)
                        else field.get_db_prep_save(value, connection)
                        for field in fields
                        for value in (field.pre_save(obj, True),)
                    ]
                )
    for obj in objects:
        obj._state.adding, obj._state.db = False, connection.alias
    return objects


def bulk_update_rows(objects: list, fields: list[str]) -> int:
    """Write `fields` of every object (all of one model) back to its row; how many rows.

    Django's `bulk_update` builds a CASE per field and per row, which costs more to compile
    than to run. On PostgreSQL the new values are sent with COPY into a temporary table, then
    one UPDATE joins the rows to it: passed as arrays instead (UNNEST), each value is quoted
    into the statement in Python. Elsewhere one prepared UPDATE is run for each row.
    """
    if not objects:
        return 0
    model = type(objects[0])
    meta = model._meta
    connection = connections[router.db_for_write(model)]
    columns = [meta.get_field(name) for name in fields]
    rows = [
        [field.get_db_prep_save(getattr(obj, field.attname), connection) for field in columns]
        + [obj.pk]
        for obj in objects
    ]
    if connection.vendor == "postgresql":
        return _update_from_copy(connection, meta, columns, rows)
    quote = connection.ops.quote_name
    assignments = ", ".join(f"{quote(field.column)} = %s" for field in columns)
    with connection.cursor() as cursor:
        cursor.executemany(
            f"UPDATE {quote(meta.db_table)} SET {assignments} WHERE {quote(meta.pk.column)} = %s",
            rows,
        )
    return len(rows)


def _update_from_copy(connection, meta, columns: list, rows: list[list]) -> int:
    """The rows' new values (the key last) copied into a temporary table made for this call,
    then one UPDATE ... FROM it; the table is dropped before the transaction ends."""
    quote = connection.ops.quote_name
    table, staging = quote(meta.db_table), quote(f"new_{meta.db_table}")
    names = [quote(field.column) for field in columns]
    definitions = [
        f"{name} {field.db_type(connection)}" for name, field in zip(names, columns, strict=True)
    ]
    assignments = ", ".join(f"{name} = new.{name}" for name in names)
    with transaction.atomic(using=connection.alias), connection.cursor() as cursor:
        cursor.execute(
            f"CREATE TEMPORARY TABLE {staging} ({', '.join(definitions)}, row_id "
            f"{meta.pk.db_type(connection)}) ON COMMIT DROP"
        )
        with cursor.cursor.copy(f"COPY {staging} FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
        cursor.execute(
            f"UPDATE {table} SET {assignments} FROM {staging} AS new "
            f"WHERE {table}.{quote(meta.pk.column)} = new.row_id"
        )
        updated = cursor.rowcount
        cursor.execute(f"DROP TABLE {staging}")
    return updated
