"""Walking a large queryset in batches, for the jobs that change many rows."""

from __future__ import annotations

from collections.abc import Iterator

from django.db.models import Q, QuerySet


def keyset_batches(queryset: QuerySet, fields: tuple[str, ...], size: int) -> Iterator[list]:
    """Yield lists of `values_list(id, *fields)` rows in id order, `size` at a time.

    The queryset is re-evaluated for each batch, so rows that an earlier batch changed
    and that no longer match drop out; no OFFSET, no server-side cursor.
    """
    last_id = 0
    while True:
        rows = list(
            queryset.filter(pk__gt=last_id).order_by("pk").values_list("pk", *fields)[:size]
        )
        if not rows:
            return
        yield rows
        last_id = rows[-1][0]


def in_batch(ids: list[int], field: str = "pk") -> Q:
    """Rows whose `field` is one of `ids` (a batch), said so the database can find them fast.

    The ids' range comes with the list: on its own, a list of thousands of ids is estimated to
    match much of the table, and PostgreSQL scans all of it for each batch (a cost growing with
    the table, paid once per batch); with the range it walks the index over the batch alone.
    """
    if not ids:
        return Q(pk__in=[])
    return Q(**{f"{field}__in": ids, f"{field}__gte": min(ids), f"{field}__lte": max(ids)})
