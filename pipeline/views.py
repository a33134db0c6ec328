"""The pipeline page: preview a business date, or start its run in the background."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.contrib import messages
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from cases.selectors import cases_visible_to
from common.access import permission_required_or_404
from common.formatting import your_time
from common.jobs import enqueue
from common.numbers import parse_id
from pipeline.forms import PipelineDateForm
from pipeline.messaging import message_review_decide
from pipeline.models import OutboundMessage, PipelineRun
from pipeline.services import (
    describe_counts,
    pipeline_is_running,
    pipeline_last_run,
    pipeline_preview_day,
)


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
            "in_review": _messages_in_review(request.user).count(),
        },
    )


def _messages_in_review(user):
    return OutboundMessage.objects.filter(
        status=OutboundMessage.Status.REVIEW, case__in=cases_visible_to(user)
    )


@permission_required_or_404("pipeline.run_pipeline")
@require_http_methods(["GET", "POST"])
def messages_review(request):
    """Messages whose worker died while sending them on a channel that cannot tell a second
    copy from the first: a person sends each again or cancels it."""
    if request.method == "POST":
        message_id = parse_id(request.POST.get("message", ""))
        if message_id is None:
            raise Http404
        message = get_object_or_404(_messages_in_review(request.user), pk=message_id)
        send_again = request.POST.get("decision") == "send"
        if message_review_decide(
            message_id=message.pk, send_again=send_again, user=request.user, now=timezone.now()
        ):
            text = (
                _("The message to %(debtor)s will be sent again within five minutes.")
                if send_again
                else _("The message to %(debtor)s is cancelled; it will not be sent.")
            )
            messages.success(request, text % {"debtor": message.case.debtor.full_name})
        return redirect("pipeline:messages_review")
    in_review = _messages_in_review(request.user).select_related(
        "case__debtor", "contact_point", "stage_entry__stage"
    )
    return render(request, "pipeline/messages_review.html", {"in_review": in_review})


def _start_pipeline(request, business_date: dt.date) -> None:
    """Start a run of the date in the background, saying plainly if it ran or is running."""
    last = pipeline_last_run(business_date=business_date)
    if pipeline_is_running(business_date=business_date):
        if last is None or last.status != PipelineRun.Status.RUNNING:  # it is just starting
            text = _("The pipeline for %(date)s is already running. Nothing more was started.")
        else:
            text = _(
                "The pipeline for %(date)s is already running: %(who)s started it at "
                "%(time)s. Nothing more was started."
            )
        messages.warning(request, text % _run_facts(request, business_date, last))
        return
    if not enqueue(
        "pipeline",
        settings.COLLECTIONS_DAY_JOB,
        business_date.isoformat(),
        triggered_by_id=request.user.pk,
        job_timeout=3600,
    ):
        messages.error(
            request,
            _(
                "The pipeline for %(date)s could not be started: the job server cannot be "
                "reached. Nothing was started; try again in a few minutes."
            )
            % {"date": formats.date_format(business_date, "DATE_FORMAT")},
        )
        return
    if last is not None and last.status == PipelineRun.Status.RUNNING:
        messages.warning(
            request,
            _(
                "The run of %(date)s that %(who)s started at %(time)s stopped before the "
                "end (its worker is gone). It has been started again to finish the work."
            )
            % _run_facts(request, business_date, last),
        )
    elif last is not None and last.status == PipelineRun.Status.SUCCEEDED:
        messages.info(
            request,
            _(
                "The pipeline for %(date)s already ran (%(who)s started it at %(time)s). "
                "It has been started again and will do only what is left, such as payments "
                "imported since; the new run appears below once a worker takes it."
            )
            % _run_facts(request, business_date, last),
        )
    else:
        messages.success(
            request,
            _(
                "The pipeline for %(date)s has been started; the run appears below once a "
                "worker takes it."
            )
            % {"date": formats.date_format(business_date, "DATE_FORMAT")},
        )


def _run_facts(request, business_date: dt.date, run: PipelineRun | None) -> dict[str, object]:
    facts: dict[str, object] = {"date": formats.date_format(business_date, "DATE_FORMAT")}
    if run is not None:
        facts.update(who=run.starter, time=your_time(run.started_at, request.user))
    return facts
