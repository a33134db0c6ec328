"""PostgreSQL for the test suite: Django's backend, whose flush (run between transactional
tests, as the tables' owner) may empty the compliance log. The log's trigger refuses any other
TRUNCATE that reaches it (compliance/migrations/0003_log_refuses_truncate.py)."""

from __future__ import annotations

from django.db.backends.postgresql import base, operations

from compliance.truncation import log_truncation_allowed


class DatabaseOperations(operations.DatabaseOperations):
    def execute_sql_flush(self, sql_list):
        with log_truncation_allowed(using=self.connection.alias):
            super().execute_sql_flush(sql_list)


class DatabaseWrapper(base.DatabaseWrapper):
    ops_class = DatabaseOperations
