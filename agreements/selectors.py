"""Read-only queries of agreements, always within the user's case scope."""

from __future__ import annotations

from django.db.models import Count, Exists, OuterRef, QuerySet, Sum

from agreements.models import RepaymentPlan, SettlementOffer, WriteOffBatch, WriteOffProposal
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


def plans_awaiting_decision(user) -> QuerySet[RepaymentPlan]:
    """Plans debtors asked for beyond the policy's rules, on the user's cases, oldest first."""
    return (
        plans_visible_to(user)
        .filter(status=RepaymentPlan.Status.REQUESTED)
        .select_related("case__account")
        .prefetch_related("instalments")
        .order_by("created_at", "pk")
    )


def writeoff_proposals_visible_to(user) -> QuerySet[WriteOffProposal]:
    return WriteOffProposal.objects.filter(case__in=cases_visible_to(user))


def writeoff_batches_visible_to(user) -> QuerySet[WriteOffBatch]:
    """Batches with at least one case in the user's scope, those awaiting a decision first."""
    return WriteOffBatch.objects.filter(
        Exists(writeoff_proposals_visible_to(user).filter(batch_id=OuterRef("pk")))
    ).order_by("-status", "-proposed_on", "-pk")


def writeoff_totals(user, batch_ids: list[int]) -> dict[int, dict[str, list[dict]]]:
    """Per batch, per proposal status: the count and balance of the user's cases in each
    currency, e.g. {7: {"proposed": [{"currency": "USD", "count": 3, "balance": ...}]}}."""
    totals: dict[int, dict[str, list[dict]]] = {pk: {} for pk in batch_ids}
    rows = (
        writeoff_proposals_visible_to(user)
        .filter(batch_id__in=batch_ids)
        .order_by()
        .values("batch_id", "status", "currency")
        .annotate(count=Count("pk"), balance=Sum("balance"))
        .order_by("batch_id", "status", "currency")
    )
    for row in rows:
        totals[row["batch_id"]].setdefault(row["status"], []).append(
            {"currency": row["currency"], "count": row["count"], "balance": row["balance"]}
        )
    return totals
