"""Writing many rows' changed fields back in one statement."""

from __future__ import annotations

from django.db import connections, router


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
