"""What the debtor sees of their case on the portal."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.conf import settings

from agreements.models import RepaymentPlan, SettlementOffer
from cases.models import Case, Payment, PromiseToPay, ReportedPayment
from common.days import working_days_after
from disputes.models import Complaint, Dispute, Status

SHOWN_PAYMENTS = 5
SHOWN_AGREEMENTS = 5


@dataclass(frozen=True)
class PortalSummary:
    case: Case
    days_past_due: int
    payments: list[Payment]
    reported_payments: list[ReportedPayment]
    promises: list[PromiseToPay]
    plans: list[RepaymentPlan]
    offers: list[SettlementOffer]


def plan_answer_by(plan: RepaymentPlan) -> dt.date:
    """The day a debtor who asked for `plan` is told to expect the answer by: the day they
    asked plus PORTAL_PLAN_ANSWER_DAYS working days."""
    return working_days_after(plan.agreed_on, settings.PORTAL_PLAN_ANSWER_DAYS)


def portal_case(case_id: int) -> Case | None:
    return Case.objects.select_related("account", "debtor", "stage").filter(pk=case_id).first()


def portal_summary(case: Case, *, business_date: dt.date) -> PortalSummary:
    """The debt as its debtor sees it: the account's figures, the last payments (the bank's,
    and those reported and awaiting it), promises, plans, and the offers they may accept."""
    account = case.account
    plans = list(
        case.repayment_plans.prefetch_related("instalments").order_by("-agreed_on", "-pk")[
            :SHOWN_AGREEMENTS
        ]
    )
    for plan in plans:
        plan.answer_by = (
            plan_answer_by(plan) if plan.status == RepaymentPlan.Status.REQUESTED else None
        )
    return PortalSummary(
        case=case,
        days_past_due=account.days_past_due(business_date),
        payments=list(account.payments.order_by("-received_on", "-pk")[:SHOWN_PAYMENTS]),
        reported_payments=list(
            case.reported_payments.filter(status__in=ReportedPayment.OPEN_STATUSES).order_by(
                "-reported_at"
            )[:SHOWN_PAYMENTS]
        ),
        promises=list(case.promises.order_by("-promised_on", "-pk")[:SHOWN_AGREEMENTS]),
        plans=plans,
        offers=list(
            case.settlement_offers.filter(
                status=SettlementOffer.Status.OFFERED, expires_on__gte=business_date
            ).order_by("expires_on")
        ),
    )


def portal_grievances(case: Case, *, open_only: bool = False) -> list[Dispute | Complaint]:
    """The disputes and complaints raised on the case (by any channel), newest first."""
    disputes, complaints = case.disputes.all(), case.complaints.all()
    if open_only:
        disputes = disputes.exclude(status=Status.RESOLVED)
        complaints = complaints.exclude(status=Status.RESOLVED)
    return sorted(
        [*disputes, *complaints], key=lambda item: (item.received_at, item.pk), reverse=True
    )
