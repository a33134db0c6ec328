"""Locks that belong to a living process: who is running a piece of work, known by its holder.

A row saying "running" cannot tell a live worker from one killed half-way (SIGKILL, a lost
machine). A holder lock can: it is held for the life of the work by the process doing it, and
released by the system the moment that process dies, whatever killed it. A process that finds
the lock free knows that whoever marked the work "running" is gone, and may take it over.

- PostgreSQL: a session-level advisory lock on a connection of its own, so that neither the
  work's transactions nor Django closing its connections let go of it; the server releases it
  when the connection drops.
- SQLite (one machine): an exclusive `flock` on a file in `RUN_LOCK_DIR`; the kernel releases
  it when the process ends.
"""

from __future__ import annotations

import fcntl
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections


def _signed_32(number: int) -> int:
    return number - (1 << 32) if number >= (1 << 31) else number


@contextmanager
def holding(work: str, key: int) -> Iterator[bool]:
    """Hold the lock of `work` number `key` for the block if no living process holds it.

    Yields whether this process holds it; the block decides what to do when it does not.
    """
    if connections[DEFAULT_DB_ALIAS].vendor == "postgresql":
        with _advisory_lock(work, key) as held:
            yield held
    else:
        with _file_lock(work, key) as held:
            yield held


def is_held(work: str, key: int) -> bool:
    """Whether a living process holds the lock of `work` number `key` right now."""
    with holding(work, key) as held:
        return not held


@contextmanager
def _advisory_lock(work: str, key: int) -> Iterator[bool]:
    own = connections.create_connection(DEFAULT_DB_ALIAS)
    try:
        with own.cursor() as cursor:
            cursor.execute(
                "SELECT pg_try_advisory_lock(%s, %s)",
                [_signed_32(zlib.crc32(work.encode())), _signed_32(key % (1 << 32))],
            )
            [held] = cursor.fetchone()
        yield held
    finally:
        own.close()  # ends the session, and with it the lock


@contextmanager
def _file_lock(work: str, key: int) -> Iterator[bool]:
    folder = Path(settings.RUN_LOCK_DIR)
    folder.mkdir(parents=True, exist_ok=True)
    with open(folder / f"{work}-{key}.lock", "a") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            yield False
            return
        try:
            yield True
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)
