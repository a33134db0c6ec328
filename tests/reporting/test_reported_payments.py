"""A reported payment is not money collected: the statistics count the bank's payments only,
so a report counts once its bank payment is in, and never twice."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.db.models import Sum

from cases.models import ReportedPayment
from cases.services import reported_payments_confirm
from reporting.models import DailyPerformance
from reporting.stats import stats_compute_days
from tests.factories import CaseFactory, PaymentFactory, ReportedPaymentFactory

pytestmark = pytest.mark.django_db
DAY = dt.date(2026, 11, 20)
LATER = dt.datetime(2026, 11, 23, 12, 0, tzinfo=dt.UTC)


def collected() -> tuple[int, Decimal]:
    stats_compute_days(first=DAY, last=DAY, now=LATER)
    totals = DailyPerformance.objects.filter(day=DAY).aggregate(
        payments=Sum("payments"), collected=Sum("collected")
    )
    return totals["payments"] or 0, totals["collected"] or Decimal(0)


def test_reported_amounts_count_only_once_the_bank_confirms_them(team, collector):
    case = CaseFactory(team=team, assigned_to=collector)
    report = ReportedPaymentFactory(
        case=case, amount=Decimal("300.00"), paid_on=DAY, reported_by=collector
    )
    assert collected() == (0, Decimal(0))

    PaymentFactory(account=case.account, case=case, amount=Decimal("300.00"), received_on=DAY)
    assert reported_payments_confirm(now=LATER) == 1
    report.refresh_from_db()
    assert report.status == ReportedPayment.Status.CONFIRMED

    assert collected() == (1, Decimal("300.00"))
