"""Read-only queries of agreements, always within the user's case scope."""

from __future__ import annotations

from django.db.models import QuerySet

from agreements.models import RepaymentPlan, SettlementOffer
from cases.selectors import cases_visible_to


def plans_visible_to(user) -> QuerySet[RepaymentPlan]:
    return RepaymentPlan.objects.filter(case__in=cases_visible_to(user))


def offers_visible_to(user) -> QuerySet[SettlementOffer]:
    return SettlementOffer.objects.filter(case__in=cases_visible_to(user))


def offers_awaiting_approval(user) -> QuerySet[SettlementOffer]:
    """Offers on the user's cases waiting for someone with more authority, oldest first."""
    return (
        offers_visible_to(user)
        .filter(status=SettlementOffer.Status.AWAITING)
        .select_related("case__account", "created_by")
        .order_by("created_at", "pk")
    )
