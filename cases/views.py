from __future__ import annotations

from django.contrib.auth.decorators import login_required, permission_required
from django.core.paginator import Paginator
from django.db.models import Q
from django.shortcuts import get_object_or_404, render
from django.utils import timezone

from cases.models import Case
from cases.selectors import cases_visible_to


def _get_case_for_user(user, case_id: int) -> Case:
    """The case if `user` may see it; a 404 otherwise, never a 403 that confirms it exists."""
    return get_object_or_404(
        cases_visible_to(user).select_related(
            "account", "debtor", "stage", "strategy", "assigned_to", "team"
        ),
        pk=case_id,
    )


@login_required
@permission_required("cases.view_case", raise_exception=True)
def case_list(request):
    cases = cases_visible_to(request.user).select_related(
        "account", "debtor", "stage", "assigned_to"
    )
    status = request.GET.get("status", "active")
    if status == "active":
        cases = cases.exclude(status__in=Case.CLOSED_STATUSES)
    elif status in Case.Status.values:
        cases = cases.filter(status=status)
    query = request.GET.get("q", "").strip()
    if query:
        cases = cases.filter(
            Q(account__account_reference__iexact=query) | Q(debtor__full_name__icontains=query)
        )
    page = Paginator(cases.order_by("-priority_score", "id"), 50).get_page(request.GET.get("page"))
    return render(
        request,
        "cases/case_list.html",
        {
            "page": page,
            "status": status,
            "query": query,
            "statuses": Case.Status.choices,
            "business_date": timezone.localdate(),
        },
    )


@login_required
@permission_required("cases.view_case", raise_exception=True)
def case_detail(request, case_id: int):
    case = _get_case_for_user(request.user, case_id)
    return render(
        request,
        "cases/case_detail.html",
        {
            "case": case,
            "now": timezone.now(),
            "business_date": timezone.localdate(),
            "contact_points": case.debtor.contact_points.all(),
            "activities": case.activities.select_related("actor", "contact_point", "agency")[:100],
            "promises": case.promises.prefetch_related("instalments"),
            "payments": case.account.payments.all()[:50],
            "placements": case.placements.select_related("agency"),
            "stages": case.strategy.stages.all(),
        },
    )
