"""Walking a large queryset in batches, for the jobs that change many rows."""

from __future__ import annotations

from collections.abc import Iterator

from django.db.models import QuerySet


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
