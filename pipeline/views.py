"""The pipeline page: preview a business date, or start its run in the background."""

from __future__ import annotations

import datetime as dt

import django_rq
from django.conf import settings
from django.contrib import messages
from django.db import transaction
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from common.access import permission_required_or_404
from pipeline.forms import PipelineDateForm
from pipeline.models import PipelineRun
from pipeline.services import describe_counts, pipeline_last_run, pipeline_preview_day


@permission_required_or_404("pipeline.run_pipeline")
@require_http_methods(["GET", "POST"])
def pipeline(request):
    """Preview what the pipeline would do for a date, or start it in the background."""
    form = PipelineDateForm(request.POST or None)
    preview = None
    if form.is_valid():
        business_date = form.cleaned_data["business_date"]
        if "run" in request.POST:
            _start_pipeline(request, business_date)
            return redirect("pipeline:page")
        preview = pipeline_preview_day(
            business_date=business_date, now=timezone.now(), triggered_by=request.user
        )
    runs = PipelineRun.objects.select_related("triggered_by")[:20]
    return render(
        request,
        "pipeline/pipeline.html",
        {
            "form": form,
            "preview": preview,
            "preview_rows": describe_counts(preview.counts) if preview else [],
            "runs": [(run, describe_counts(run.counts)) for run in runs],
        },
    )


def _start_pipeline(request, business_date: dt.date) -> None:
    """Start a run of the date in the background, saying plainly if it ran or is running."""
    last = pipeline_last_run(business_date=business_date)
    if last is not None and last.status == PipelineRun.Status.RUNNING:
        messages.warning(
            request,
            _(
                "The pipeline for %(date)s is already running: %(who)s started it at "
                "%(time)s UTC. Nothing more was started."
            )
            % {"date": business_date, "who": last.starter, "time": f"{last.started_at:%H:%M}"},
        )
        return
    user_id = request.user.pk
    transaction.on_commit(
        lambda: django_rq.get_queue("pipeline").enqueue(
            settings.COLLECTIONS_DAY_JOB,
            business_date.isoformat(),
            triggered_by_id=user_id,
            job_timeout=3600,
        )
    )
    if last is not None and last.status == PipelineRun.Status.SUCCEEDED:
        messages.info(
            request,
            _(
                "The pipeline for %(date)s already ran (%(who)s started it at %(time)s UTC). "
                "It has been started again and will do only what is left, such as payments "
                "imported since; the new run appears below once a worker takes it."
            )
            % {"date": business_date, "who": last.starter, "time": f"{last.started_at:%H:%M}"},
        )
    else:
        messages.success(
            request,
            _(
                "The pipeline for %(date)s has been started; the run appears below once a "
                "worker takes it."
            )
            % {"date": business_date},
        )
