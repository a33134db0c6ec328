from __future__ import annotations

import datetime as dt

import pytest

from tests.factories import CardAccountFactory, ContactPointFactory

DAY_ZERO = dt.date(2026, 1, 5)


def day(n: int) -> dt.date:
    return DAY_ZERO + dt.timedelta(days=n)


def moment(n: int) -> dt.datetime:
    """02:00 UTC on simulated day n: when the nightly run happens."""
    return dt.datetime.combine(day(n), dt.time(2, 0), tzinfo=dt.UTC)


@pytest.fixture
def overdue_account(team):
    """An account whose minimum payment fell due on day 0, with a consented mobile and address."""
    account = CardAccountFactory(oldest_unpaid_due_date=DAY_ZERO)
    ContactPointFactory(
        debtor=account.debtor, kind="mobile", value="+15550001111", sms_consent=True
    )
    ContactPointFactory(debtor=account.debtor, kind="postal", value="1 Main St, Springfield")
    return account
