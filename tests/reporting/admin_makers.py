"""One row of each dashboards table, for the admin tests (tests/test_admin.py)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.utils import timezone

from reporting.models import (
    DailyCaseFlow,
    DailyCollectorPerformance,
    DailyPerformance,
    DailyTeamPerformance,
    PortfolioSnapshot,
    QueueSnapshot,
    RollRate,
    StatsDay,
    StatsWatermark,
)
from supervision.models import OverrideApproval, SupervisorAction
from tests.factories import CaseFactory, TeamFactory, UserFactory

DAY = dt.date(2026, 11, 10)
_days = iter(range(10_000))


def _next_day() -> dt.date:
    return DAY - dt.timedelta(days=next(_days))


def make_override_approval() -> OverrideApproval:
    from compliance.engine import compliance_decide

    case = CaseFactory()
    case.debtor.is_vulnerable = True
    case.debtor.save()
    collector, supervisor = UserFactory(), UserFactory(role="supervisor")
    now = timezone.now()
    blocked = compliance_decide(actor=collector, case=case, channel="call", moment=now)
    approved = compliance_decide(
        actor=collector,
        case=case,
        channel="call",
        moment=now,
        override_reason="Reviewed",
        approver=supervisor,
    )
    return OverrideApproval.objects.create(
        blocked_entry=blocked.log_entry,
        decision_entry=approved.log_entry,
        case=case,
        collector=collector,
        approved_by=supervisor,
        reason="Reviewed",
        approved_at=now,
        valid_until=now + dt.timedelta(hours=4),
    )


DASHBOARD_MAKERS = {
    DailyPerformance: lambda: DailyPerformance.objects.create(
        day=DAY, team=TeamFactory(), product="Classic", currency="USD", attempts=3
    ),
    DailyCollectorPerformance: lambda: DailyCollectorPerformance.objects.create(
        day=DAY, team=TeamFactory(), currency="USD", attempts=3
    ),
    DailyTeamPerformance: lambda: DailyTeamPerformance.objects.create(
        day=DAY, team=TeamFactory(), product="Classic", currency="USD", attempts=3
    ),
    DailyCaseFlow: lambda: DailyCaseFlow.objects.create(
        day=DAY, product="Classic", currency="USD", opened=1
    ),
    PortfolioSnapshot: lambda: PortfolioSnapshot.objects.create(
        day=DAY,
        product="Classic",
        currency="USD",
        bucket=1,
        cases=2,
        balance=Decimal("10.00"),
    ),
    RollRate: lambda: RollRate.objects.create(
        month=DAY.replace(day=1),
        as_of=DAY,
        product="Classic",
        currency="USD",
        from_bucket=1,
        to_bucket=2,
        cases=1,
    ),
    QueueSnapshot: lambda: QueueSnapshot.objects.create(
        day=DAY, team=TeamFactory(), taken_at=timezone.now(), queue_depth=4
    ),
    StatsDay: lambda: StatsDay.objects.create(day=_next_day()),
    StatsWatermark: lambda: StatsWatermark.objects.get_or_create(pk=1)[0],
    SupervisorAction: lambda: SupervisorAction.objects.create(
        kind=SupervisorAction.Kind.PAUSE,
        actor=UserFactory(),
        occurred_at=timezone.now(),
        reason="Hardship",
        case_count=1,
    ),
    OverrideApproval: make_override_approval,
}
