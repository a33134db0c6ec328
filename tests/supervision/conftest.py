"""The supervisors' tools act on the same small world as the dashboards' figures."""

from tests.reporting.conftest import collector2, stage_of  # noqa: F401  (fixtures)
