from __future__ import annotations

import django_rq
from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.paginator import Paginator
from django.db import transaction
from django.db.models import Q
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from cases.forms import PipelineDateForm
from cases.jobs import run_collections_day
from cases.models import Case, PipelineRun
from cases.selectors import cases_visible_to
from cases.services.pipeline import describe_counts, pipeline_preview_day


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


@login_required
@permission_required("cases.run_pipeline", raise_exception=True)
@require_http_methods(["GET", "POST"])
def pipeline(request):
    """Preview what the pipeline would do for a date, or start it in the background."""
    form = PipelineDateForm(request.POST or None)
    preview = None
    if form.is_valid():
        business_date = form.cleaned_data["business_date"]
        if "run" in request.POST:
            transaction.on_commit(
                lambda: django_rq.get_queue("pipeline").enqueue(
                    run_collections_day, business_date.isoformat(), job_timeout=3600
                )
            )
            messages.success(request, f"The pipeline for {business_date} has been started.")
            return redirect("cases:pipeline")
        preview = pipeline_preview_day(
            business_date=business_date, now=timezone.now(), triggered_by=request.user
        )
    runs = PipelineRun.objects.select_related("triggered_by")[:20]
    return render(
        request,
        "cases/pipeline.html",
        {
            "form": form,
            "preview": preview,
            "preview_rows": describe_counts(preview.counts) if preview else [],
            "runs": [(run, describe_counts(run.counts)) for run in runs],
        },
    )
