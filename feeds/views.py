"""Admins upload bank files and watch them import; supervisors download reporting CSVs."""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods
from django_htmx.http import HttpResponseClientRefresh

from common.access import permission_required_or_404
from feeds.exports import EXPORTS, export_csv_lines, rejected_csv_lines
from feeds.forms import ExportPeriodForm, FeedUploadForm
from feeds.jobs import queue_import
from feeds.models import ImportRun

IMPORT_PERMISSION = "feeds.add_importrun"
# Supervisors, compliance officers and admins hold it; collectors and agency staff do not.
EXPORT_PERMISSION = "reporting.view_dashboard"
REJECTED_PAGE_SIZE = 100

can_import = permission_required_or_404(IMPORT_PERMISSION)
can_export = permission_required_or_404(EXPORT_PERMISSION)


def _staff_only(user) -> None:
    if not user.is_staff:
        raise Http404


@can_export
def index(request):
    """The imports (for those who may import) and the export form."""
    runs = None
    if request.user.has_perm(IMPORT_PERMISSION) and request.user.is_staff:
        runs = ImportRun.objects.select_related("user")[:50]
    return render(
        request,
        "feeds/index.html",
        {"runs": runs, "export_form": ExportPeriodForm(), "exports": EXPORTS.items()},
    )


@can_import
@require_http_methods(["GET", "POST"])
def upload(request):
    _staff_only(request.user)
    form = FeedUploadForm(request.POST or None, request.FILES or None)
    if form.is_valid():
        upload_file = form.cleaned_data["file"]
        run = ImportRun.objects.create(
            kind=form.cleaned_data["kind"],
            business_date=form.cleaned_data["business_date"],
            file_name=upload_file.name[:255],
            upload=upload_file,
            user=request.user,
            language=request.LANGUAGE_CODE,
        )
        if not queue_import(run.pk):
            messages.warning(
                request,
                _(
                    "The file is saved, but the job server cannot be reached just now. The "
                    "import will start by itself as soon as it is back; nothing needs to be "
                    "uploaded again."
                ),
            )
        return redirect("feeds:detail", run_id=run.pk)
    return render(request, "feeds/upload.html", {"form": form})


def _run_for(request, run_id: int) -> ImportRun:
    _staff_only(request.user)
    return get_object_or_404(ImportRun.objects.select_related("user"), pk=run_id)


@can_import
def detail(request, run_id: int):
    run = _run_for(request, run_id)
    rejected = Paginator(run.rejected_rows.all(), REJECTED_PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    return render(request, "feeds/detail.html", {"run": run, "rejected": rejected})


@can_import
def progress(request, run_id: int):
    """The progress box, polled by htmx; a finished run reloads the page to show its report."""
    run = _run_for(request, run_id)
    if run.is_finished and request.htmx:
        return HttpResponseClientRefresh()
    return render(request, "feeds/_progress.html", {"run": run})


@can_import
def rejected_csv(request, run_id: int):
    """The import's rejected rows as CSV: line, reason and the row as read (masked)."""
    run = _run_for(request, run_id)
    response = StreamingHttpResponse(
        rejected_csv_lines(run), content_type="text/csv; charset=utf-8"
    )
    response["Content-Disposition"] = f'attachment; filename="import-{run.pk}-rejected.csv"'
    return response


@can_export
def export(request, name: str):
    if name not in EXPORTS:
        raise Http404
    form = ExportPeriodForm(request.GET)
    if not form.is_valid():
        return render(
            request,
            "feeds/index.html",
            {"runs": None, "export_form": form, "exports": EXPORTS.items()},
            status=400,
        )
    start, end = form.cleaned_data["date_from"], form.cleaned_data["date_to"]
    response = StreamingHttpResponse(
        export_csv_lines(name=name, user=request.user, start=start, end=end),
        content_type="text/csv; charset=utf-8",
    )
    response["Content-Disposition"] = f'attachment; filename="{name}_{start}_{end}.csv"'
    return response
