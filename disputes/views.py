"""Record a dispute or a complaint from a case, move it through its steps, keep its documents,
and the register (overdue first) under /disputes/, /dashboards/ and /compliance/. Everything
out of the user's scope (cases_visible_to) is a 404."""

from __future__ import annotations

from pathlib import PurePath

from django.contrib import messages
from django.db.models import Q
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext
from django.views.decorators.http import require_http_methods, require_POST

from accounts.models import User
from accounts.navigation import COMPLIANCE_TABS, dashboard_tabs, tabs_for
from agencies.models import Agency
from cases.models import Activity
from cases.selectors import cases_visible_to
from common.access import permission_required_or_404
from common.days import business_day_of
from compliance.presets import rule_name
from disputes.forms import (
    FORMS,
    DocumentsForm,
    InvestigateForm,
    RegisterForm,
    ResolveForm,
    VerificationForm,
)
from disputes.models import Dispute, Status
from disputes.selectors import (
    COMPLAINT,
    DISPUTE,
    RegisterRow,
    documents_visible_to,
    grievances_visible_to,
    is_overdue,
    overdue_counts,
    register,
)
from disputes.services import (
    DOCUMENT_MAX_FILES,
    DOCUMENT_MAX_MB,
    GrievanceRefused,
    complaint_receive,
    dispute_receive,
    grievance_documents_add,
    grievance_investigate,
    grievance_resolve,
    verification_send,
)

# Images a browser may show inline; any other document is downloaded, never run as a page.
INLINE_TYPES = {".jpg": "image/jpeg", ".jpeg": "image/jpeg", ".png": "image/png"}
MESSAGE_CHANNELS = (Activity.Channel.LETTER, Activity.Channel.SMS, Activity.Channel.EMAIL)


def _today():
    return business_day_of(timezone.now())


# --- A case's disputes and complaints, and recording one --------------------------------------


@permission_required_or_404("disputes.view_dispute", "disputes.view_complaint")
def case_grievances(request, case_id: int):
    case = get_object_or_404(cases_visible_to(request.user).select_related("debtor"), pk=case_id)
    today = _today()
    rows = [RegisterRow(DISPUTE, item, is_overdue(item, today)) for item in case.disputes.all()] + [
        RegisterRow(COMPLAINT, item, is_overdue(item, today)) for item in case.complaints.all()
    ]
    rows.sort(key=lambda row: row.item.received_at, reverse=True)
    return render(request, "disputes/case.html", {"case": case, "rows": rows})


def _complaint_choices(case) -> dict:
    """Who and what a complaint on `case` may concern: staff who acted on it or hold it, the
    agencies it was placed with, its letters and messages."""
    staff = User.objects.filter(Q(activities__case=case) | Q(assigned_cases=case)).distinct()
    return {
        "collectors": staff.order_by("last_name", "username"),
        "agencies": Agency.objects.filter(placements__case=case).distinct().order_by("name"),
        "messages": Activity.objects.filter(
            case=case, channel__in=MESSAGE_CHANNELS, direction=Activity.Direction.OUTBOUND
        ).order_by("-occurred_at")[:100],
    }


def _record(request, case_id: int, kind: str):
    case = get_object_or_404(
        cases_visible_to(request.user).select_related("debtor", "account"), pk=case_id
    )
    now = timezone.now()
    extra = _complaint_choices(case) if kind == COMPLAINT else {}
    form = FORMS[kind](request.POST or None, request.FILES or None, now=now, **extra)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        common = {
            "case": case,
            "user": request.user,
            "channel": data["channel"],
            "description": data["description"],
            "received_at": form.received_at(),
            "now": now,
            "files": data["files"],
        }
        try:
            if kind == DISPUTE:
                item = dispute_receive(kind=data["kind"], **common)
            else:
                item = complaint_receive(
                    subject=data["subject"],
                    concerns_user=data["concerns_user"],
                    concerns_agency=data["concerns_agency"],
                    concerns_message=data["concerns_message"],
                    **common,
                )
        except GrievanceRefused as refusal:
            form.add_error(None, str(refusal))
        else:
            messages.success(request, gettext("Recorded."))
            return redirect(f"disputes:{kind}", item.pk)
    return render(
        request,
        "disputes/record.html",
        {
            "case": case,
            "form": form,
            "kind": kind,
            "max_mb": DOCUMENT_MAX_MB,
            "max_files": DOCUMENT_MAX_FILES,
        },
    )


@permission_required_or_404("disputes.add_dispute")
@require_http_methods(["GET", "POST"])
def dispute_record(request, case_id: int):
    return _record(request, case_id, DISPUTE)


@permission_required_or_404("disputes.add_complaint")
@require_http_methods(["GET", "POST"])
def complaint_record(request, case_id: int):
    return _record(request, case_id, COMPLAINT)


# --- One dispute or complaint: its steps and documents ----------------------------------------


def _item(request, kind: str, pk: int):
    return get_object_or_404(
        grievances_visible_to(request.user, kind).select_related(
            "case__debtor", "case__account", "received_by", "resolved_by"
        ),
        pk=pk,
    )


def _detail(request, kind: str, item, *, forms=None, status: int = 200):
    forms = forms or {}
    can_change = request.user.has_perm(f"disputes.change_{kind}")
    verification_due = (
        kind == DISPUTE and item.is_open and item.verification_sent_at is None and can_change
    )
    return render(
        request,
        "disputes/detail.html",
        {
            "kind": kind,
            "item": item,
            "overdue": is_overdue(item, _today()),
            "steps": list(item.steps.select_related("actor")),
            "documents": list(item.documents.all()),
            "can_change": can_change,
            "can_add_documents": request.user.has_perm(f"disputes.add_{kind}"),
            "verification_due": verification_due,
            "investigate_form": forms.get("investigate") or InvestigateForm(),
            "verification_form": forms.get("verification") or VerificationForm(),
            "resolve_form": forms.get("resolve") or ResolveForm(),
            "documents_form": forms.get("documents") or DocumentsForm(),
            "max_mb": DOCUMENT_MAX_MB,
            "max_files": DOCUMENT_MAX_FILES,
            "statuses": Status,
        },
        status=status,
    )


@permission_required_or_404("disputes.view_dispute")
def dispute_detail(request, dispute_id: int):
    return _detail(request, DISPUTE, _item(request, DISPUTE, dispute_id))


@permission_required_or_404("disputes.view_complaint")
def complaint_detail(request, complaint_id: int):
    return _detail(request, COMPLAINT, _item(request, COMPLAINT, complaint_id))


def _investigate(request, kind: str, pk: int):
    item = _item(request, kind, pk)
    form = InvestigateForm(request.POST)
    if form.is_valid():
        try:
            grievance_investigate(
                grievance=item,
                user=request.user,
                now=timezone.now(),
                note=form.cleaned_data["note"],
            )
        except GrievanceRefused as refusal:
            form.add_error(None, str(refusal))
        else:
            messages.success(request, gettext("The investigation has started."))
            return redirect(f"disputes:{kind}", item.pk)
    return _detail(request, kind, item, forms={"investigate": form})


def _resolve(request, kind: str, pk: int):
    item = _item(request, kind, pk)
    form = ResolveForm(request.POST)
    if form.is_valid():
        try:
            grievance_resolve(
                grievance=item,
                user=request.user,
                outcome=form.cleaned_data["outcome"],
                resolution=form.cleaned_data["resolution"],
                now=timezone.now(),
            )
        except GrievanceRefused as refusal:
            form.add_error(None, str(refusal))
        else:
            messages.success(request, gettext("Resolved."))
            return redirect(f"disputes:{kind}", item.pk)
    return _detail(request, kind, item, forms={"resolve": form})


def _documents(request, kind: str, pk: int):
    item = _item(request, kind, pk)
    form = DocumentsForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            grievance_documents_add(
                grievance=item,
                user=request.user,
                files=form.cleaned_data["files"],
                now=timezone.now(),
                note=form.cleaned_data["note"],
            )
        except GrievanceRefused as refusal:
            form.add_error(None, str(refusal))
        else:
            messages.success(request, gettext("The documents are kept."))
            return redirect(f"disputes:{kind}", item.pk)
    return _detail(request, kind, item, forms={"documents": form})


@permission_required_or_404("disputes.change_dispute")
@require_POST
def dispute_investigate(request, dispute_id: int):
    return _investigate(request, DISPUTE, dispute_id)


@permission_required_or_404("disputes.change_complaint")
@require_POST
def complaint_investigate(request, complaint_id: int):
    return _investigate(request, COMPLAINT, complaint_id)


@permission_required_or_404("disputes.change_dispute")
@require_POST
def dispute_resolve(request, dispute_id: int):
    return _resolve(request, DISPUTE, dispute_id)


@permission_required_or_404("disputes.change_complaint")
@require_POST
def complaint_resolve(request, complaint_id: int):
    return _resolve(request, COMPLAINT, complaint_id)


@permission_required_or_404("disputes.add_dispute")
@require_POST
def dispute_documents(request, dispute_id: int):
    return _documents(request, DISPUTE, dispute_id)


@permission_required_or_404("disputes.add_complaint")
@require_POST
def complaint_documents(request, complaint_id: int):
    return _documents(request, COMPLAINT, complaint_id)


@permission_required_or_404("disputes.change_dispute")
@require_POST
def dispute_verification(request, dispute_id: int):
    dispute: Dispute = _item(request, DISPUTE, dispute_id)
    form = VerificationForm(request.POST)
    if form.is_valid():
        try:
            result = verification_send(
                dispute=dispute,
                user=request.user,
                channel=form.cleaned_data["channel"],
                now=timezone.now(),
                note=form.cleaned_data["note"],
            )
        except GrievanceRefused as refusal:
            form.add_error(None, str(refusal))
        else:
            if result.step is not None:
                messages.success(request, gettext("Verification sent is recorded."))
                return redirect("disputes:dispute", dispute.pk)
            failing = "; ".join(
                f"{rule_name(r.code)}: {r.reason}" for r in result.decision.failed_results
            )
            form.add_error(
                None,
                gettext("Refused by the compliance gate (%(rules)s).") % {"rules": failing},
            )
    return _detail(request, DISPUTE, dispute, forms={"verification": form})


@permission_required_or_404("disputes.view_dispute", "disputes.view_complaint")
def document_file(request, document_id: int):
    """A document, to whoever may see its case; there is no public address for it."""
    document = get_object_or_404(documents_visible_to(request.user), pk=document_id)
    suffix = PurePath(document.original_name).suffix.lower()
    try:
        handle = document.file.open("rb")
    except FileNotFoundError:
        raise Http404 from None
    return FileResponse(
        handle,
        as_attachment=suffix not in INLINE_TYPES,
        filename=document.original_name,
        content_type=INLINE_TYPES.get(suffix, "application/octet-stream"),
    )


# --- The register -----------------------------------------------------------------------------


def _register(request, *, tabs, here: str):
    today = _today()
    form = RegisterForm(request.GET or None)
    rows = register(user=request.user, today=today, **form.choice())
    return render(
        request,
        "disputes/register.html",
        {
            "form": form,
            "rows": rows,
            "today": today,
            "overdue": overdue_counts(user=request.user, today=today),
            "tabs": tabs,
            "here": reverse(here),
        },
    )


@permission_required_or_404("disputes.view_dispute", "disputes.view_complaint")
def register_page(request):
    return _register(request, tabs=[], here="disputes:register")


@permission_required_or_404(
    "reporting.view_dashboard", "disputes.view_dispute", "disputes.view_complaint"
)
def dashboard_register(request):
    """The supervisors' page: the register among the dashboards' tabs."""
    return _register(
        request, tabs=dashboard_tabs(request.user, "disputes:dashboard"), here="disputes:dashboard"
    )


@permission_required_or_404(
    "compliance.view_compliance_log", "disputes.view_dispute", "disputes.view_complaint"
)
def compliance_register(request):
    """The compliance officer's tab: the same register."""
    return _register(
        request,
        tabs=tabs_for(request.user, COMPLIANCE_TABS, "disputes:compliance"),
        here="disputes:compliance",
    )
