"""Writing many rows in one statement: new rows (`bulk_insert`), or changed fields of existing
ones (`bulk_update_rows`)."""

from __future__ import annotations

from django.db import connections, models, router

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
    than to run. On PostgreSQL this is one UPDATE joined to the new values passed as arrays
    (UNNEST); elsewhere one prepared UPDATE run for each row.
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
    quote = connection.ops.quote_name
    table = quote(meta.db_table)
    pk_column = quote(meta.pk.column)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            arrays = [f"%s::{field.db_type(connection)}[]" for field in [*columns, meta.pk]]
            names = [quote(f"v{index}") for index in range(len(columns))]
            assignments = ", ".join(
                f"{quote(field.column)} = v.{name}"
                for field, name in zip(columns, names, strict=True)
            )
            cursor.execute(
                f"UPDATE {table} SET {assignments} "
                f"FROM UNNEST({', '.join(arrays)}) AS v({', '.join(names)}, row_id) "
                f"WHERE {table}.{pk_column} = v.row_id",
                [list(values) for values in zip(*rows, strict=True)],
            )
            return cursor.rowcount
        assignments = ", ".join(f"{quote(field.column)} = %s" for field in columns)
        cursor.executemany(f"UPDATE {table} SET {assignments} WHERE {pk_column} = %s", rows)
        return len(rows)
