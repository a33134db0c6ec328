"""Supervisors compare agencies and place, recall and extend by hand; agency managers see
their own agency's performance and statements. Everything out of the user's scope is a 404."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_http_methods

from accounts.navigation import AGENCY_TABS, tabs_for
from accounts.roles import AGENCY_ROLES
from agencies.commission import ROUNDING_RULE
from agencies.documents import statement_csv, statement_filename, statement_pdf
from agencies.forms import ExtendForm, PeriodForm, PlaceForm, RecallForm
from agencies.models import Agency, Placement, RecallDestination
from agencies.selectors import (
    NEVER_PLACED_FLAGS,
    AgencyFigures,
    agencies_visible_to,
    agency_figures,
    cases_awaiting_placement,
    figures_together,
    placement_currencies,
    placements_visible_to,
    statements_visible_to,
)
from agencies.services import (
    PlacementRefused,
    placement_create,
    placement_extend,
    placements_recall,
    statement_totals,
)
from agencies.services.money import totals_by_statement
from agencies.services.placements import rule_for, rules_by_strategy
from cases.selectors import cases_visible_to
from common.access import permission_required_or_404
from common.formatting import EMPTY, money, number, percent
from common.numbers import parse_id
from common.spreadsheet import SafeCsvWriter

PERFORMANCE = "agencies.view_agency_performance"


# --- The league table -------------------------------------------------------------------------


@dataclass(frozen=True)
class Column:
    """A column of the league table: its title and its cell, from an agency's figures (which
    carry their currency)."""

    title: str
    value: Callable[[AgencyFigures], str]
    numeric: bool = True


def _days(value) -> str:
    return EMPTY if value is None else number(value, 1)


LEAGUE_COLUMNS = (
    Column(_("Agency"), lambda f: f.agency.name, numeric=False),
    Column(_("Capacity"), lambda f: number(f.agency.capacity)),
    Column(_("Current placements"), lambda f: number(f.current_placements)),
    Column(_("Placements held"), lambda f: number(f.placements_held)),
    Column(_("New placements"), lambda f: number(f.new_placements)),
    Column(_("Placed balance"), lambda f: money(f.balance_held, f.currency)),
    Column(_("Payments"), lambda f: number(f.payments)),
    Column(_("Collected"), lambda f: money(f.collected, f.currency)),
    Column(
        _("Recovered after write-off"), lambda f: money(f.recovered_after_write_off, f.currency)
    ),
    Column(_("Recovery rate"), lambda f: percent(f.recovery_rate)),
    Column(_("Commission"), lambda f: money(f.commission, f.currency)),
    Column(_("Average days to first payment"), lambda f: _days(f.average_days_to_first_payment)),
    Column(_("Compliance blocks"), lambda f: number(f.compliance_blocks)),
    Column(_("Field visits"), lambda f: number(f.visits)),
    Column(_("Visits that met the debtor"), lambda f: number(f.visits_met_debtor)),
    Column(_("Complaints"), lambda f: number(f.complaints)),
    Column(_("Complaints upheld"), lambda f: number(f.complaints_upheld)),
)


def _league(request, agencies: list[Agency]):
    """(period form, start, end, currency, figures) for the GET parameters."""
    form = PeriodForm(
        request.GET or None, currencies=placement_currencies(), today=timezone.localdate()
    )
    start, end, currency = form.period()
    figures = agency_figures(agencies=agencies, start=start, end=end, currency=currency)
    return form, start, end, currency, figures


def _cells(figures: AgencyFigures) -> list[str]:
    return [column.value(figures) for column in LEAGUE_COLUMNS]


def _aligned(cells: list[str]) -> list[tuple[str, bool]]:
    """(cell, numeric) pairs, for the template to right-align numbers."""
    return [(cell, column.numeric) for cell, column in zip(cells, LEAGUE_COLUMNS, strict=True)]


@permission_required_or_404(PERFORMANCE)
def league(request):
    """Every agency side by side; agency managers go to their own agency's page."""
    if request.user.role in AGENCY_ROLES:
        agency = get_object_or_404(agencies_visible_to(request.user))
        return redirect("agencies:detail", agency.pk)
    agencies = list(agencies_visible_to(request.user).order_by("name"))
    form, start, end, currency, figures = _league(request, agencies)
    together = figures_together(figures, label=gettext("All agencies"))
    return render(
        request,
        "agencies/league.html",
        {
            "form": form,
            "start": start,
            "end": end,
            "currency": currency,
            "columns": LEAGUE_COLUMNS,
            "rows": [(f.agency, _aligned(_cells(f))) for f in figures],
            "total": _aligned(_cells(together)) if together else None,
            "query": request.GET.urlencode(),
            "rounding_rule": ROUNDING_RULE,
            "tabs": tabs_for(request.user, AGENCY_TABS, "agencies:league"),
        },
    )


@permission_required_or_404(PERFORMANCE)
def league_csv(request):
    """The league table as CSV: the same cells as the page."""
    agencies = list(agencies_visible_to(request.user).order_by("name"))
    _form, start, end, currency, figures = _league(request, agencies)
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = (
        f'attachment; filename="agency-league-{start}-to-{end}-{currency}.csv"'
    )
    writer = SafeCsvWriter(response)
    writer.writerow([column.title for column in LEAGUE_COLUMNS])
    writer.writerows(_cells(f) for f in figures)
    return response


@permission_required_or_404(PERFORMANCE)
def agency_detail(request, agency_id: int):
    """One agency: its figures (beside the other agencies', for those who may see them), its
    terms, and its statements."""
    visible = list(agencies_visible_to(request.user).order_by("name"))
    agency = next((a for a in visible if a.pk == agency_id), None)
    if agency is None:
        raise Http404
    form, start, end, currency, figures = _league(request, visible)
    own = next(f for f in figures if f.agency.pk == agency.pk)
    others = figures_together(
        [f for f in figures if f.agency.pk != agency.pk], label=gettext("Other agencies")
    )
    comparison = [
        (column.title, column.value(own), column.value(others) if others else None)
        for column in LEAGUE_COLUMNS[1:]
    ]
    statements = list(agency.statements.order_by("-period_start")[:24])
    totals = totals_by_statement([statement.pk for statement in statements])
    today = timezone.localdate()
    return render(
        request,
        "agencies/agency_detail.html",
        {
            "agency": agency,
            "form": form,
            "start": start,
            "end": end,
            "currency": currency,
            "comparison": comparison,
            "others_shown": others is not None,
            "problems": agency.problems_on(today),
            "tiers": agency.commission_tiers.all(),
            "statements": [(statement, totals[statement.pk]) for statement in statements],
            "can_manage": request.user.has_perm("agencies.change_placement"),
            "rounding_rule": ROUNDING_RULE,
            "tabs": tabs_for(request.user, AGENCY_TABS, ""),
        },
    )


# --- The public list ---------------------------------------------------------------------------


def approved_list(request):
    """The bank's current agencies with their contact details, for anyone (no log-in): the
    page the bank links to from its own site. Nothing internal (terms, figures) is shown."""
    today = timezone.localdate()
    agencies = Agency.objects.eligible_on(today).only(
        "name", "licence_number", "contact_name", "contact_email", "contact_phone"
    )
    return render(request, "agencies/approved_list.html", {"agencies": agencies, "today": today})


# --- Statements -----------------------------------------------------------------------------


def _get_statement_for_user(user, statement_id: int):
    return get_object_or_404(statements_visible_to(user).select_related("agency"), pk=statement_id)


@permission_required_or_404(PERFORMANCE)
def statement_detail(request, statement_id: int):
    statement = _get_statement_for_user(request.user, statement_id)
    lines = statement.lines.order_by("placed_on", "placement_id")
    page = Paginator(lines, 100).get_page(request.GET.get("page"))
    return render(
        request,
        "agencies/statement_detail.html",
        {
            "statement": statement,
            "page": page,
            "totals": statement_totals(statement),
            "rounding_rule": ROUNDING_RULE,
        },
    )


@permission_required_or_404(PERFORMANCE)
def statement_csv_download(request, statement_id: int):
    statement = _get_statement_for_user(request.user, statement_id)
    response = HttpResponse(statement_csv(statement), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = (
        f'attachment; filename="{statement_filename(statement, "csv")}"'
    )
    return response


@permission_required_or_404(PERFORMANCE)
def statement_pdf_download(request, statement_id: int):
    statement = _get_statement_for_user(request.user, statement_id)
    response = HttpResponse(statement_pdf(statement), content_type="application/pdf")
    response["Content-Disposition"] = (
        f'attachment; filename="{statement_filename(statement, "pdf")}"'
    )
    return response


# --- Placing, recalling, extending by hand --------------------------------------------------------


@permission_required_or_404("agencies.change_placement")
def placement_list(request):
    """The current placements of the cases the supervisor may see, due back soonest first."""
    placements = (
        placements_visible_to(request.user)
        .filter(recalled_on__isnull=True)
        .select_related("agency", "case__account", "case__debtor")
        .annotate(extensions_count=Count("extensions"))
        .order_by("recall_due_on", "pk")
    )
    agencies = Agency.objects.order_by("name")
    agency_id = request.GET.get("agency", "")
    if (agency := parse_id(agency_id)) is not None:
        placements = placements.filter(agency_id=agency)
    page = Paginator(placements, 50).get_page(request.GET.get("page"))
    return render(
        request,
        "agencies/placement_list.html",
        {
            "page": page,
            "agencies": agencies,
            "agency_id": agency_id,
            "tabs": tabs_for(request.user, AGENCY_TABS, "agencies:placements"),
        },
    )


@permission_required_or_404("agencies.add_placement")
def awaiting_list(request):
    """Cases at the agency stage still awaiting placement, with why some never will be."""
    cases = (
        cases_awaiting_placement()
        .filter(pk__in=cases_visible_to(request.user).values("pk"))
        .select_related("account", "debtor")
        .order_by("pk")
    )
    page = Paginator(cases, 50).get_page(request.GET.get("page"))
    for case in page:
        case.never_placed = [
            text for flag, text in NEVER_PLACED_FLAGS.items() if getattr(case.debtor, flag)
        ]
    return render(
        request,
        "agencies/awaiting_list.html",
        {"page": page, "tabs": tabs_for(request.user, AGENCY_TABS, "agencies:awaiting")},
    )


@permission_required_or_404("agencies.add_placement")
@require_http_methods(["GET", "POST"])
def place(request, case_id: int):
    case = get_object_or_404(
        cases_visible_to(request.user).select_related("account", "debtor", "stage"), pk=case_id
    )
    today = timezone.localdate()
    eligible = Agency.objects.eligible_on(today).annotate(
        current=Count("placements", filter=Q(placements__recalled_on__isnull=True))
    )
    form = PlaceForm(request.POST or None, agencies=eligible.order_by("name"))
    if form.is_valid():
        try:
            placement = placement_create(
                case=case,
                agency=form.cleaned_data["agency"],
                user=request.user,
                reason=form.cleaned_data["reason"],
                business_date=today,
                now=timezone.now(),
            )
        except PlacementRefused as refused:
            form.add_error(None, str(refused))
        else:
            messages.success(
                request,
                gettext("Case %(case)s placed with %(agency)s until %(date)s.")
                % {
                    "case": case.pk,
                    "agency": placement.agency,
                    "date": date_format(placement.recall_due_on),
                },
            )
            return redirect("agencies:awaiting")
    return render(
        request,
        "agencies/placement_form.html",
        {
            "form": form,
            "case": case,
            "title": gettext("Place case %(case)s") % {"case": case.pk},
        },
    )


def _get_current_placement_for_user(request, placement_id: int) -> Placement | None:
    placement = get_object_or_404(
        placements_visible_to(request.user).select_related("agency", "case__account"),
        pk=placement_id,
    )
    if placement.is_current:
        return placement
    messages.warning(
        request,
        gettext("That placement was already recalled on %(date)s.")
        % {"date": date_format(placement.recalled_on)},
    )
    return None


@permission_required_or_404("agencies.change_placement")
@require_http_methods(["GET", "POST"])
def recall(request, placement_id: int):
    placement = _get_current_placement_for_user(request, placement_id)
    if placement is None:
        return redirect("agencies:placements")
    default = rule_for(rules_by_strategy(), placement.case.strategy_id).recall_destination
    form = RecallForm(request.POST or None, initial={"destination": default})
    if form.is_valid():
        try:
            placements_recall(
                placements=[placement],
                user=request.user,
                reason=form.cleaned_data["reason"],
                destination=form.cleaned_data["destination"],
                business_date=timezone.localdate(),
                now=timezone.now(),
            )
        except PlacementRefused as refused:
            form.add_error(None, str(refused))
        else:
            label = RecallDestination(form.cleaned_data["destination"]).label
            messages.success(
                request,
                gettext("Case %(case)s recalled from %(agency)s to %(destination)s.")
                % {"case": placement.case_id, "agency": placement.agency, "destination": label},
            )
            return redirect("agencies:placements")
    return render(
        request,
        "agencies/placement_form.html",
        {
            "form": form,
            "placement": placement,
            "title": gettext("Recall case %(case)s") % {"case": placement.case_id},
        },
    )


@permission_required_or_404("agencies.change_placement")
@require_http_methods(["GET", "POST"])
def extend(request, placement_id: int):
    placement = _get_current_placement_for_user(request, placement_id)
    if placement is None:
        return redirect("agencies:placements")
    form = ExtendForm(request.POST or None)
    if form.is_valid():
        try:
            placement_extend(
                placement=placement,
                user=request.user,
                recall_due_on=form.cleaned_data["recall_due_on"],
                reason=form.cleaned_data["reason"],
                business_date=timezone.localdate(),
                now=timezone.now(),
            )
        except PlacementRefused as refused:
            form.add_error(None, str(refused))
        else:
            messages.success(
                request,
                gettext("Case %(case)s stays with %(agency)s until %(date)s.")
                % {
                    "case": placement.case_id,
                    "agency": placement.agency,
                    "date": date_format(form.cleaned_data["recall_due_on"]),
                },
            )
            return redirect("agencies:placements")
    return render(
        request,
        "agencies/placement_form.html",
        {
            "form": form,
            "placement": placement,
            "title": gettext("Extend the placement of case %(case)s") % {"case": placement.case_id},
        },
    )
