"""Set-based writes the ORM has no method for, built from querysets so the SQL stays the ORM's.

`insert_from_select` writes the rows a queryset selects straight into another table, in one
statement: the rows never travel to Python and back, which for a job writing a million rows is
most of its time. `DaysBetween` is the whole days between two dates, on both databases.
"""

from __future__ import annotations

from collections.abc import Mapping

from django.core.exceptions import ImproperlyConfigured
from django.db import connections, models
from django.db.models import Func, IntegerField, QuerySet, Value


class DaysBetween(Func):
    """Whole days from the date `earlier` to the date `later` (negative when it is before)."""

    arity = 2
    output_field = IntegerField()

    def as_sql(self, compiler, connection, **extra_context):
        # PostgreSQL: a date minus a date is their distance in days, an integer.
        return super().as_sql(
            compiler, connection, template="(%(expressions)s)", arg_joiner=" - ", **extra_context
        )

    def as_sqlite(self, compiler, connection, **extra_context):
        (later, later_params), (earlier, earlier_params) = (
            compiler.compile(expression) for expression in self.get_source_expressions()
        )
        return (
            f"CAST(julianday({later}) - julianday({earlier}) AS integer)",
            [*later_params, *earlier_params],
        )


def insert_from_select(
    model: type[models.Model],
    queryset: QuerySet,
    values: Mapping[str, object],
    *,
    returning: str | None = None,
) -> int | list:
    """INSERT INTO `model`'s table the rows `queryset` selects, one statement.

    `values` maps each field of `model` the caller fills to an expression over the queryset's
    model (F, Value, Subquery, ...). The other fields get their default, a constant for the
    whole statement (a default computed in Python per row is refused), or the database's own
    (db_default). Returns the number of rows inserted, or with `returning` (a field name) the
    list of that field's values, one per row inserted.
    """
    connection = connections[queryset.db]
    unknown = set(values) - {field.name for field in model._meta.concrete_fields}
    if unknown:
        raise ImproperlyConfigured(f"{model.__name__} has no field(s) {sorted(unknown)}.")
    columns, expressions = [], {}
    for field in model._meta.concrete_fields:
        if field.name in values:
            expression = values[field.name]
        elif field.primary_key or field.has_db_default():
            continue
        elif field.has_default() and callable(field.default):
            raise ImproperlyConfigured(
                f"{model.__name__}.{field.name} has a default computed in Python, which one "
                "INSERT ... SELECT would compute once for every row: supply it."
            )
        elif not field.null and field.get_default() is None:
            raise ImproperlyConfigured(
                f"{model.__name__}.{field.name} has no default and cannot be NULL: supply it."
            )
        else:
            expression = Value(field.get_default(), output_field=field)
        columns.append(connection.ops.quote_name(field.column))
        expressions[f"insert_{len(expressions)}"] = expression
    selected = queryset.order_by().annotate(**expressions).values_list(*expressions)
    select_sql, params = selected.query.get_compiler(queryset.db).as_sql()
    sql = (
        f"INSERT INTO {connection.ops.quote_name(model._meta.db_table)} "
        f"({', '.join(columns)}) {select_sql}"
    )
    if returning is not None:
        column = model._meta.get_field(returning).column
        sql += f" RETURNING {connection.ops.quote_name(column)}"
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        if returning is not None:
            return [row[0] for row in cursor.fetchall()]
        return cursor.rowcount
