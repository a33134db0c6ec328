"""Plan a visit from a case, check in and out on a phone, and the visit board. Everything out
of the user's scope (cases_visible_to) is a 404."""

from __future__ import annotations

from pathlib import PurePath

from django.conf import settings
from django.contrib import messages
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext
from django.views.decorators.http import require_http_methods, require_POST

from accounts.models import User
from cases.selectors import cases_visible_to
from common.access import permission_required_or_404
from compliance.engine import Decision
from compliance.presets import rule_name
from visits.forms import BoardForm, CheckInForm, CheckOutForm, PlanForm
from visits.models import Visit
from visits.selectors import evidence_visible_to, visit_board, visits_visible_to
from visits.services import (
    VisitRefused,
    field_visit_policy,
    missed_after,
    postal_addresses,
    visit_check_in,
    visit_check_out,
    visit_plan,
    visitors_eligible,
)

VIEW = "visits.view_visit"
PLAN = "visits.add_visit"
VISIT = "visits.change_visit"
# What a browser may show inline; anything else is downloaded (never run as a page).
INLINE_TYPES = {
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".png": "image/png",
    ".webp": "image/webp",
}


def _blocked_message(decision: Decision) -> str:
    failing = "; ".join(f"{rule_name(r.code)}: {r.reason}" for r in decision.failed_results)
    return gettext(
        "Refused by the compliance gate (%(rules)s). Nothing was recorded but the decision, "
        "logged as %(position)s."
    ) % {"rules": failing, "position": decision.log_entry.position}


@permission_required_or_404(PLAN)
@require_http_methods(["GET", "POST"])
def plan(request, case_id: int):
    case = get_object_or_404(
        cases_visible_to(request.user).select_related("debtor", "account"), pk=case_id
    )
    now = timezone.now()
    addresses = postal_addresses(case)
    form_arguments = {
        "addresses": case.debtor.contact_points.filter(pk__in=[a.pk for a in addresses]),
        "visitors": visitors_eligible(case),
        "time_zone": case.debtor.time_zone,
    }
    form = PlanForm(request.POST or None, **form_arguments)
    policy = field_visit_policy(case)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            result = visit_plan(
                case=case,
                user=request.user,
                address=data["address"],
                planned_at=data["planned_at"],
                visitors=data["visitor_users"],
                now=now,
            )
        except VisitRefused as refusal:
            form.add_error(None, str(refusal))
        else:
            if result.visit is None:
                form.add_error(None, _blocked_message(result.decision))
            else:
                messages.success(request, gettext("The visit is planned."))
                return redirect("visits:detail", result.visit.pk)
    return render(
        request,
        "visits/plan.html",
        {"case": case, "form": form, "policy": policy, "has_address": bool(addresses)},
    )


def _visit_for(user, visit_id: int) -> Visit:
    return get_object_or_404(
        visits_visible_to(user).select_related("case__debtor", "address", "planned_by"),
        pk=visit_id,
    )


def _detail(request, visit: Visit, *, check_in_form=None, check_out_form=None, status=200):
    policy = field_visit_policy(visit.case)
    identification_required = bool(policy and policy.identification_shown)
    visitors = list(visit.visitors.all())
    return render(
        request,
        "visits/detail.html",
        {
            "visit": visit,
            "visitors": visitors,
            "is_visitor": any(person.pk == request.user.pk for person in visitors),
            "can_visit": request.user.has_perm(VISIT),
            "check_in_form": check_in_form or CheckInForm(),
            "check_out_form": check_out_form
            or CheckOutForm(identification_required=identification_required),
            "evidence": list(visit.evidence.all()),
            "max_mb": settings.VISIT_EVIDENCE_MAX_MB,
            "max_files": settings.VISIT_EVIDENCE_MAX_FILES,
        },
        status=status,
    )


@permission_required_or_404("cases.view_case")
def detail(request, visit_id: int):
    """The visit on a phone: where and when, who goes, check in, check out."""
    return _detail(request, _visit_for(request.user, visit_id))


@permission_required_or_404(VISIT)
@require_POST
def check_in(request, visit_id: int):
    visit = _visit_for(request.user, visit_id)
    form = CheckInForm(request.POST)
    if not form.is_valid():
        return _detail(request, visit, check_in_form=form)
    try:
        result = visit_check_in(
            visit=visit,
            user=request.user,
            now=timezone.now(),
            latitude=form.cleaned_data["latitude"],
            longitude=form.cleaned_data["longitude"],
        )
    except VisitRefused as refusal:
        form.add_error(None, str(refusal))
        return _detail(request, visit, check_in_form=form)
    if result.visit is None:
        form.add_error(None, _blocked_message(result.decision))
        return _detail(request, visit, check_in_form=form)
    messages.success(request, gettext("Checked in."))
    return redirect("visits:detail", visit.pk)


@permission_required_or_404(VISIT)
@require_POST
def check_out(request, visit_id: int):
    visit = _visit_for(request.user, visit_id)
    policy = field_visit_policy(visit.case)
    form = CheckOutForm(
        request.POST,
        request.FILES,
        identification_required=bool(policy and policy.identification_shown),
    )
    if form.is_valid():
        data = form.cleaned_data
        try:
            visit_check_out(
                visit=visit,
                user=request.user,
                now=timezone.now(),
                outcome=data["outcome"],
                notes=data["notes"],
                identification_shown=data["identification_shown"],
                files=data["files"],
            )
        except VisitRefused as refusal:
            form.add_error(None, str(refusal))
        else:
            messages.success(request, gettext("Checked out: the visit is recorded."))
            return redirect("visits:detail", visit.pk)
    return _detail(request, visit, check_out_form=form)


@permission_required_or_404("cases.view_case")
def evidence_file(request, evidence_id: int):
    """An evidence file, to whoever may see its case; there is no public address for it."""
    evidence = get_object_or_404(evidence_visible_to(request.user), pk=evidence_id)
    suffix = PurePath(evidence.original_name).suffix.lower()
    try:
        handle = evidence.file.open("rb")
    except FileNotFoundError:
        raise Http404 from None
    inline = suffix in INLINE_TYPES
    return FileResponse(
        handle,
        as_attachment=not inline,
        filename=evidence.original_name,
        content_type=INLINE_TYPES.get(suffix, "application/octet-stream"),
    )


@permission_required_or_404(VIEW)
def board(request):
    """Planned, done and missed visits in a period, and each visitor's outcomes."""
    now = timezone.now()
    visible = visits_visible_to(request.user)
    visitors = (
        User.objects.filter(field_visits__in=visible).distinct().order_by("last_name", "username")
    )
    form = BoardForm(request.GET or None, visitors=visitors, today=timezone.localdate(now))
    start, end, visitor_id = form.choice()
    visits, figures = visit_board(
        user=request.user,
        start=start,
        end=end,
        zone=timezone.get_current_timezone(),
        visitor_id=visitor_id,
        now=now,
        missed_after=missed_after(),
    )
    outcomes = Visit.Outcome.choices
    rows = [
        (
            row.visitor,
            [row.states.get(state, 0) for state in ("planned", "missed", "checked_in", "done")],
            [row.outcomes.get(code, 0) for code, _label in outcomes],
        )
        for row in figures
    ]
    return render(
        request,
        "visits/board.html",
        {
            "form": form,
            "start": start,
            "end": end,
            "visits": visits,
            "rows": rows,
            "outcomes": outcomes,
            "missed_hours": settings.VISIT_MISSED_AFTER_HOURS,
        },
    )
