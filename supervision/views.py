"""What supervisors do from the dashboards: reassign cases, move a collector between teams,
pause or resume a case, approve a compliance override; and the collector's approved calls.

Anything outside the user's scope answers 404.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_http_methods, require_POST

from accounts.navigation import dashboard_tabs
from accounts.selectors import collector_teams_for
from agreements.selectors import offers_awaiting_approval, plans_awaiting_decision
from cases.models import Case
from cases.selectors import cases_visible_to, search_term_for_address
from common.access import permission_required_or_404, posted_id
from common.formatting import your_time
from common.forms import address_with
from compliance.models import ComplianceLogEntry
from supervision.forms import (
    ApprovedCallForm,
    CaseSearchFilterSet,
    MoveCollectorForm,
    ReasonForm,
    ReassignForm,
)
from supervision.models import OverrideApproval, SupervisorAction
from supervision.selectors import (
    blocked_decisions_awaiting_approval,
    reported_payments_unconfirmed,
)
from supervision.services import (
    ActionRefused,
    approved_call_log,
    case_pause,
    case_resume,
    cases_reassign,
    collector_move,
    override_approve,
    reported_payment_withdraw,
)

REASSIGN_PAGE_SIZE = 100
UNCONFIRMED_PAGE_SIZE = 50
APPROVAL_LOOKBACK = dt.timedelta(days=7)


# --- Reassignment -----------------------------------------------------------------------------


@permission_required_or_404("supervision.reassign_case")
@require_http_methods(["GET", "POST"])
def reassign(request):
    """Search open cases, tick some (or take every match), give them to a collector or a pool."""
    if (safer := search_term_for_address(request.GET.get("search", ""))) is not None:
        return redirect(address_with(request, "search", safer))
    open_cases = cases_visible_to(request.user).exclude(status__in=Case.CLOSED_STATUSES)
    search = CaseSearchFilterSet(request.GET or None, queryset=open_cases, request=request)
    if (
        search.is_bound
        and not search.is_valid()
        and ("team" in search.errors or "assigned_to" in search.errors)
    ):
        raise Http404("No such team or collector among yours.")
    matching = search.qs if search.is_bound and search.is_valid() else open_cases
    form = ReassignForm(request.POST or None, user=request.user, cases=matching)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        chosen = matching if data["all_matching"] else [case.pk for case in data["cases"]]
        try:
            result = cases_reassign(
                actor=request.user,
                case_ids=chosen,
                reason=data["reason"],
                collector=data["collector"],
                team=data["team"],
                now=timezone.now(),
            )
        except ActionRefused as refused:
            form.add_error(None, str(refused))
        else:
            target = (
                form.fields["collector"].label_from_instance(data["collector"])
                if data["collector"]
                else _("the pool of %(team)s") % {"team": data["team"]}
            )
            said = ngettext(
                "%(count)d case given to %(target)s.",
                "%(count)d cases given to %(target)s.",
                result.moved,
            ) % {"count": result.moved, "target": target}
            if result.skipped:
                said += " " + ngettext(
                    "%(count)d case was skipped: closed or not yours.",
                    "%(count)d cases were skipped: closed or not yours.",
                    result.skipped,
                ) % {"count": result.skipped}
            messages.success(request, said)
            return redirect(f"{reverse('supervision:reassign')}?{request.GET.urlencode()}")
    page = Paginator(
        matching.select_related("account", "debtor", "stage", "assigned_to", "team").order_by(
            "-priority_score", "pk"
        ),
        REASSIGN_PAGE_SIZE,
    ).get_page(request.GET.get("page"))
    return render(
        request,
        "supervision/reassign.html",
        {
            "tabs": dashboard_tabs(request.user, "supervision:reassign"),
            "search": search,
            "form": form,
            "page": page,
            "ticked": {str(pk) for pk in request.POST.getlist("cases")},
            "query": request.GET.urlencode(),
            "recent": SupervisorAction.objects.filter(
                actor=request.user, kind=SupervisorAction.Kind.REASSIGN
            )[:10],
        },
    )


@permission_required_or_404("accounts.change_team")
@require_http_methods(["GET", "POST"])
def teams(request):
    """The teams the user supervises, their collectors, and moving a collector between them."""
    form = MoveCollectorForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            action = collector_move(
                actor=request.user,
                collector=data["collector"],
                team=data["team"],
                reason=data["reason"],
                return_cases=data["return_cases"],
                now=timezone.now(),
            )
        except ActionRefused as refused:
            form.add_error(None, str(refused))
        else:
            returned = action.case_count
            names = {"collector": data["collector"], "team": data["team"]}
            if returned:
                said = ngettext(
                    "%(collector)s moved to %(team)s; %(count)d open case returned to the old "
                    "team's pool.",
                    "%(collector)s moved to %(team)s; %(count)d open cases returned to the old "
                    "team's pool.",
                    returned,
                ) % {**names, "count": returned}
            else:
                said = _("%(collector)s moved to %(team)s.") % names
            messages.success(request, said)
            return redirect("supervision:teams")
    supervised = collector_teams_for(request.user).prefetch_related("members", "supervisors")
    return render(
        request,
        "supervision/teams.html",
        {
            "tabs": dashboard_tabs(request.user, "supervision:teams"),
            "form": form,
            "teams": supervised,
        },
    )


# --- Pause and resume -------------------------------------------------------------------------


@permission_required_or_404("cases.change_case")
@require_http_methods(["GET", "POST"])
def case_supervise(request, case_id: int):
    """Pause or resume one case, with a reason; htmx swaps the panel in place."""
    case = get_object_or_404(
        cases_visible_to(request.user).select_related("account", "debtor", "stage", "team"),
        pk=case_id,
    )
    form = ReasonForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        act = case_resume if case.paused_at else case_pause
        try:
            act(
                actor=request.user,
                case=case,
                reason=form.cleaned_data["reason"],
                now=timezone.now(),
            )
        except ActionRefused as refused:
            form.add_error(None, str(refused))
        else:
            case.refresh_from_db()
            form = ReasonForm()
            if not request.htmx:  # the panel itself shows the new state
                messages.success(
                    request, _("Case paused.") if case.paused_at else _("Case resumed.")
                )
    template = "supervision/_pause_panel.html" if request.htmx else "supervision/case.html"
    return render(
        request,
        template,
        {
            "tabs": dashboard_tabs(request.user, ""),
            "case": case,
            "form": form,
            "history": SupervisorAction.objects.filter(
                kind__in=(SupervisorAction.Kind.PAUSE, SupervisorAction.Kind.RESUME),
                details__case=case.pk,
            ).select_related("actor")[:20],
        },
    )


# --- Compliance overrides ---------------------------------------------------------------------


@permission_required_or_404("compliance.override_compliance")
@require_http_methods(["GET", "POST"])
def approvals(request):
    """Blocked attempts on the user's cases an override could lift, and approving one."""
    now = timezone.now()
    form = ReasonForm(request.POST or None)
    if request.method == "POST":
        entry = get_object_or_404(
            ComplianceLogEntry.objects.filter(case__in=cases_visible_to(request.user)),
            pk=posted_id(request, "entry"),
        )
        if form.is_valid():
            try:
                approval = override_approve(
                    approver=request.user,
                    blocked_entry=entry,
                    reason=form.cleaned_data["reason"],
                    now=now,
                )
            except ActionRefused as refused:
                messages.error(
                    request,
                    _("The compliance gate refused the override: %(reason)s") % {"reason": refused},
                )
            else:
                messages.success(
                    request,
                    _("Approved: %(collector)s may make this contact until %(moment)s.")
                    % {
                        "collector": approval.collector,
                        "moment": your_time(approval.valid_until, request.user),
                    },
                )
            return redirect("supervision:approvals")
    waiting = blocked_decisions_awaiting_approval(request.user, since=now - APPROVAL_LOOKBACK)
    granted = OverrideApproval.objects.filter(
        case__in=cases_visible_to(request.user)
    ).select_related("collector", "approved_by", "case", "used_activity")[:50]
    return render(
        request,
        "supervision/approvals.html",
        {
            "offers": offers_awaiting_approval(request.user),
            "requested_plans": plans_awaiting_decision(request.user),
            "plan_answer_days": settings.PORTAL_PLAN_ANSWER_DAYS,
            "tabs": dashboard_tabs(request.user, "supervision:approvals"),
            "waiting": waiting,
            "granted": granted,
            "form": form,
            "now": now,
        },
    )


@permission_required_or_404("supervision.reassign_case")
@require_http_methods(["GET", "POST"])
def unconfirmed_payments(request):
    """Payments collectors reported on the user's cases that the bank's feed never confirmed,
    and withdrawing one (with a reason)."""
    reports = reported_payments_unconfirmed(request.user)
    form = ReasonForm(request.POST or None)
    if request.method == "POST":
        report = get_object_or_404(reports, pk=posted_id(request, "report"))
        if form.is_valid():
            try:
                reported_payment_withdraw(
                    actor=request.user,
                    report=report,
                    reason=form.cleaned_data["reason"],
                    now=timezone.now(),
                )
            except ActionRefused as refused:
                messages.error(request, str(refused))
            else:
                messages.success(
                    request,
                    _("Reported payment on case #%(case)s withdrawn.") % {"case": report.case_id},
                )
            return redirect("supervision:unconfirmed_payments")
        failed = report.pk
    else:
        failed = None
    page = Paginator(reports, UNCONFIRMED_PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "supervision/unconfirmed_payments.html",
        {
            "tabs": dashboard_tabs(request.user, "supervision:unconfirmed_payments"),
            "page": page,
            "form": form,
            "failed": failed,  # the report whose withdrawal the form refused: its row says why
        },
    )


@permission_required_or_404("cases.work_case")
def my_approvals(request):
    """The contacts a supervisor approved for this collector, still to be made."""
    now = timezone.now()
    approvals_given = OverrideApproval.objects.filter(
        collector=request.user, used_activity__isnull=True, valid_until__gt=now
    ).select_related("case", "approved_by", "blocked_entry__contact_point", "case__debtor")
    return render(
        request,
        "supervision/my_approvals.html",
        {"approvals": approvals_given, "form": ApprovedCallForm(), "now": now},
    )


@permission_required_or_404("cases.work_case")
@require_POST
def approved_call(request, approval_id: int):
    approval = get_object_or_404(
        OverrideApproval.objects.select_related("blocked_entry", "approved_by"),
        pk=approval_id,
        collector=request.user,
    )
    form = ApprovedCallForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose the call's outcome and its duration."))
        return redirect("supervision:my_approvals")
    data = form.cleaned_data
    try:
        result = approved_call_log(
            approval=approval,
            user=request.user,
            outcome=data["outcome"],
            notes=data["notes"],
            duration_seconds=data["duration_minutes"] * 60,
            now=timezone.now(),
        )
    except ActionRefused as refused:
        messages.error(request, str(refused))
    else:
        if result.activity is None:
            messages.error(
                request,
                _("The compliance gate refused the call: %(reason)s")
                % {"reason": result.decision.reason},
            )
        else:
            messages.success(
                request,
                _("Logged: %(outcome)s.") % {"outcome": result.activity.get_outcome_display()},
            )
    return redirect("supervision:my_approvals")
