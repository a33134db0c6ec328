"""The supervisor dashboards: People, Portfolio and Strategy pages, their CSV exports, the
cases behind each figure, and the supervisor's actions (reassign, move, pause, approve).

Pages read the statistics tables only. Anything outside the user's scope answers 404.
"""

from __future__ import annotations

import csv
import datetime as dt

from django import forms
from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_http_methods, require_POST

from cases.dashboards.figures import Figure, people_figures, portfolio_figures, strategy_figures
from cases.dashboards.filters import DashboardFilterSet
from cases.dashboards.forms import (
    ApprovedCallForm,
    CaseSearchFilterSet,
    MoveCollectorForm,
    ReasonForm,
    ReassignForm,
)
from cases.dashboards.selectors import (
    DRILL_MEASURES,
    blocked_decisions_awaiting_approval,
    cases_behind,
    collector_teams_for,
    statistics_computed_at,
)
from cases.dashboards.services import (
    ActionRefused,
    approved_call_log,
    case_pause,
    case_resume,
    cases_reassign,
    collector_move,
    override_approve,
)
from cases.models import Bucket, Case, ComplianceLogEntry, OverrideApproval, SupervisorAction
from cases.selectors import cases_visible_to
from common.access import permission_required_or_404

view_dashboard = permission_required_or_404("cases.view_dashboard")
PAGE_SIZE = 50
REASSIGN_PAGE_SIZE = 100
APPROVAL_LOOKBACK = dt.timedelta(days=7)

PAGES = {
    "people": ("People", people_figures),
    "portfolio": ("Portfolio", portfolio_figures),
    "strategies": ("Strategy", strategy_figures),
}


def agencies_url() -> str:
    """The agencies' league table, once its page exists; its path otherwise."""
    try:
        return reverse("agencies:league")
    except NoReverseMatch:
        return "/agencies/"


def _tabs(request, active: str) -> list[tuple[str, str, bool]]:
    user = request.user
    tabs = [
        (label, reverse("dashboards:page", args=[key]), key == active)
        for key, (label, _) in PAGES.items()
    ]
    tabs.append(("Agencies", agencies_url(), False))
    if user.has_perm("cases.reassign_case"):
        tabs.append(("Reassign", reverse("dashboards:reassign"), active == "reassign"))
    if user.has_perm("accounts.change_team"):
        tabs.append(("Teams", reverse("dashboards:teams"), active == "teams"))
    if user.has_perm("cases.override_compliance"):
        tabs.append(("Approvals", reverse("dashboards:approvals"), active == "approvals"))
    if user.has_perm("cases.run_pipeline"):
        tabs.append(("Pipeline", reverse("cases:pipeline"), False))
    return tabs


def _filterset(request) -> DashboardFilterSet:
    """The dashboard filters of the request; 404 when they name a team or person out of scope."""
    filterset = DashboardFilterSet(request.GET, request=request)
    if filterset.out_of_scope:
        raise Http404("No such team or collector among yours.")
    return filterset


def _problem(filterset: DashboardFilterSet) -> str | None:
    if not filterset.form.is_valid():
        return "Some filters are not valid; correct them to see figures."
    return filterset.clean_period()


def _build(
    request, page: str, filterset: DashboardFilterSet, only: str | None = None
) -> list[Figure]:
    """The page's figures; a CSV (`only`) holds every row of its table, the page a page."""
    _, builder = PAGES[page]
    if page == "people":
        return builder(
            filterset,
            request.user,
            sort=request.GET.get("sort", ""),
            descending=request.GET.get("order") == "desc",
            only=only,
            page_number=None if only else request.GET.get("page", "1"),
        )
    return builder(filterset, request.user, only=only)


def _add_headers(request, figure: Figure, filterset: DashboardFilterSet) -> None:
    """The figure's header row, with sort links when the figure sorts."""
    current, order = request.GET.get("sort", ""), request.GET.get("order", "asc")
    links = {}
    if figure.sortable:
        for column in figure.columns:
            if column.muted:
                continue
            flip = "desc" if current == column.key and order == "asc" else "asc"
            marker = ("▲" if order == "asc" else "▼") if current == column.key else ""
            links[column.key] = (f"?{filterset.query_string(sort=column.key, order=flip)}", marker)
    figure.header = figure.head_html(links)


@view_dashboard
def dashboard(request, page: str = "people"):
    if page not in PAGES:
        raise Http404("No such dashboard.")
    filterset = _filterset(request)
    problem = _problem(filterset)
    figures = [] if problem else _build(request, page, filterset)
    for figure in figures:
        _add_headers(request, figure, filterset)
    computed_at = None
    if not problem:
        computed_at = statistics_computed_at(*filterset.period())
    return render(
        request,
        "dashboards/page.html",
        {
            "title": PAGES[page][0],
            "page": page,
            "tabs": _tabs(request, page),
            "filterset": filterset,
            "figures": figures,
            "problem": problem,
            # The CSV keeps the page's order: same rows, same sequence.
            "query": filterset.query_string(
                sort=request.GET.get("sort"), order=request.GET.get("order")
            ),
            "currency": filterset.cleaned.get("currency", ""),
            "computed_at": computed_at,
        },
    )


@view_dashboard
def figure_csv(request, page: str, figure: str):
    """One table or chart of a page as CSV: the same cells the page shows."""
    if page not in PAGES:
        raise Http404("No such dashboard.")
    filterset = _filterset(request)
    problem = _problem(filterset)
    if problem:
        return HttpResponse(problem, status=400, content_type="text/plain")
    found = next(
        (f for f in _build(request, page, filterset, only=figure) if f.key == figure), None
    )
    if found is None:
        raise Http404("No such figure.")
    first, last = filterset.period()
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{page}-{figure}-{first}-{last}.csv"'
    csv.writer(response).writerows(found.csv_rows())
    return response


class DrillForm(forms.Form):
    """A figure's coordinates beyond the dashboard filters."""

    measure = forms.ChoiceField(choices=list(DRILL_MEASURES.items()))
    stage = forms.IntegerField(required=False, min_value=1)
    bucket = forms.TypedChoiceField(required=False, coerce=int, choices=Bucket.choices)
    from_bucket = forms.TypedChoiceField(required=False, coerce=int, choices=Bucket.choices)
    to_bucket = forms.TypedChoiceField(required=False, coerce=int, choices=Bucket.choices)
    as_of = forms.DateField(required=False)

    def clean(self):
        cleaned = super().clean()
        measure = cleaned.get("measure")
        needs = {"bucket": ("bucket", "as_of"), "roll": ("from_bucket", "to_bucket", "as_of")}
        for name in needs.get(measure, ()):
            if cleaned.get(name) in (None, ""):
                raise forms.ValidationError(f"This list needs “{name}”.")
        return cleaned


@view_dashboard
def drill(request):
    """The cases behind one figure, among those the user may see."""
    filterset = _filterset(request)
    drill_form = DrillForm(request.GET)
    problem = _problem(filterset)
    if not drill_form.is_valid():
        problem = " ".join(str(error) for errors in drill_form.errors.values() for error in errors)
    page = None
    if not problem:
        cases = cases_behind(
            request.user,
            drill_form.cleaned_data["measure"],
            filterset.cleaned,
            drill_form.cleaned_data,
        ).select_related("account", "debtor", "stage", "assigned_to", "team")
        page = Paginator(cases.order_by("pk"), PAGE_SIZE).get_page(request.GET.get("page"))
    measure = drill_form.cleaned_data.get("measure") if drill_form.is_valid() else ""
    return render(
        request,
        "dashboards/drill.html",
        {
            "tabs": _tabs(request, ""),
            "filterset": filterset,
            "problem": problem,
            "page": page,
            "title": DRILL_MEASURES.get(measure, "Cases"),
            "coordinates": {
                key: value
                for key, value in (drill_form.cleaned_data.items() if drill_form.is_valid() else [])
                if key != "measure" and value not in (None, "")
            },
        },
    )


# --- Reassignment -----------------------------------------------------------------------------


@permission_required_or_404("cases.reassign_case")
@require_http_methods(["GET", "POST"])
def reassign(request):
    """Search open cases, tick some (or take every match), give them to a collector or a pool."""
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
            return redirect(f"{reverse('dashboards:reassign')}?{request.GET.urlencode()}")
    page = Paginator(
        matching.select_related("account", "debtor", "stage", "assigned_to", "team").order_by(
            "-priority_score", "pk"
        ),
        REASSIGN_PAGE_SIZE,
    ).get_page(request.GET.get("page"))
    return render(
        request,
        "dashboards/reassign.html",
        {
            "tabs": _tabs(request, "reassign"),
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
            return redirect("dashboards:teams")
    supervised = collector_teams_for(request.user).prefetch_related("members", "supervisors")
    return render(
        request,
        "dashboards/teams.html",
        {"tabs": _tabs(request, "teams"), "form": form, "teams": supervised},
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
                messages.success(request, "Case paused." if case.paused_at else "Case resumed.")
    template = "dashboards/_pause_panel.html" if request.htmx else "dashboards/case.html"
    return render(
        request,
        template,
        {
            "tabs": _tabs(request, ""),
            "case": case,
            "form": form,
            "history": SupervisorAction.objects.filter(
                kind__in=(SupervisorAction.Kind.PAUSE, SupervisorAction.Kind.RESUME),
                details__case=case.pk,
            ).select_related("actor")[:20],
        },
    )


# --- Compliance overrides ---------------------------------------------------------------------


@permission_required_or_404("cases.override_compliance")
@require_http_methods(["GET", "POST"])
def approvals(request):
    """Blocked attempts on the user's cases an override could lift, and approving one."""
    now = timezone.now()
    form = ReasonForm(request.POST or None)
    if request.method == "POST":
        entry = get_object_or_404(
            ComplianceLogEntry.objects.filter(case__in=cases_visible_to(request.user)),
            pk=request.POST.get("entry"),
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
                messages.error(request, f"The compliance gate refused the override: {refused}")
            else:
                messages.success(
                    request,
                    f"Approved: {approval.collector} may make this contact until "
                    f"{approval.valid_until:%H:%M} UTC.",
                )
            return redirect("dashboards:approvals")
    waiting = blocked_decisions_awaiting_approval(request.user, since=now - APPROVAL_LOOKBACK)
    granted = OverrideApproval.objects.filter(
        case__in=cases_visible_to(request.user)
    ).select_related("collector", "approved_by", "case", "used_activity")[:50]
    return render(
        request,
        "dashboards/approvals.html",
        {
            "tabs": _tabs(request, "approvals"),
            "waiting": waiting,
            "granted": granted,
            "form": form,
            "now": now,
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
        "dashboards/my_approvals.html",
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
        messages.error(request, "Choose the call's outcome and its duration.")
        return redirect("dashboards:my_approvals")
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
                request, f"The compliance gate refused the call: {result.decision.reason}"
            )
        else:
            messages.success(request, f"Logged: {result.activity.get_outcome_display()}.")
    return redirect("dashboards:my_approvals")
