"""Do the real work and keep none of it: how every dry run and preview counts exactly."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from django.db import transaction


class _RolledBack(Exception):
    """Raised at the end of a dry run's transaction to undo it."""


@contextmanager
def dry_run_transaction(*, dry_run: bool = True) -> Iterator[None]:
    """One transaction around the block: rolled back at its end when `dry_run`, so the block
    does everything a real run would and nothing of it is kept; committed otherwise."""
    try:
        with transaction.atomic():
            yield
            if dry_run:
                raise _RolledBack
    except _RolledBack:
        pass
