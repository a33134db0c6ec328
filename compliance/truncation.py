"""Emptying the compliance log on purpose (PostgreSQL).

A statement trigger refuses every TRUNCATE that reaches the log, `TRUNCATE cases_case CASCADE`
included (compliance/migrations/0003_log_refuses_truncate.py), unless the transaction first set
LOG_TRUNCATION_SETTING and runs as the log's owner. The application's role owns nothing and
holds no TRUNCATE privilege (compliance/grants.py), so it is refused whatever it sets.

No model is imported here: the test suite's database backend uses it before the apps load.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from django.db import DEFAULT_DB_ALIAS, connections, transaction

LOG_TRUNCATION_SETTING = "collections.compliance_log_truncate"


@contextmanager
def log_truncation_allowed(using: str = DEFAULT_DB_ALIAS) -> Iterator[None]:
    """Let a TRUNCATE in the block empty the compliance log: a test database between tests,
    the demo world reset, a benchmark's world rebuilt. The block runs in a transaction (a
    savepoint inside one), and the permission ends with the block."""
    connection = connections[using]
    on_postgres = connection.vendor == "postgresql"
    with transaction.atomic(using=using):
        if on_postgres:
            with connection.cursor() as cursor:
                cursor.execute("SELECT set_config(%s, 'allowed', true)", [LOG_TRUNCATION_SETTING])
        yield
        if on_postgres:  # a setting made in a savepoint outlives it: unset it
            with connection.cursor() as cursor:
                cursor.execute("SELECT set_config(%s, '', true)", [LOG_TRUNCATION_SETTING])
