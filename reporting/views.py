"""The supervisor dashboards: People, Portfolio and Strategy pages, their CSV exports and the
cases behind each figure.

Pages read the statistics tables only. Anything outside the user's scope answers 404.
"""

from __future__ import annotations

import datetime as dt

from django import forms
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.navigation import DASHBOARD_PAGES, dashboard_tabs
from cases.buckets import Bucket
from common.access import permission_required_or_404
from common.spreadsheet import SafeCsvWriter
from reporting.agreement_figures import agreement_figures
from reporting.figures import (
    Figure,
    key_figures,
    people_figures,
    portfolio_figures,
    strategy_figures,
)
from reporting.filters import DashboardFilterSet
from reporting.portal_figures import portal_figures
from reporting.selectors import (
    DRILL_MEASURES,
    FROM_START_PAGE,
    cases_behind,
    statistics_computed_at,
)

view_dashboard = permission_required_or_404("reporting.view_dashboard")
PAGE_SIZE = 50
REASSIGN_PAGE_SIZE = 100
APPROVAL_LOOKBACK = dt.timedelta(days=7)

PAGES = {
    "people": people_figures,
    "portfolio": portfolio_figures,
    "strategies": strategy_figures,
    "agreements": agreement_figures,
    "portal": portal_figures,
}


def _filterset(request) -> DashboardFilterSet:
    """The dashboard filters of the request; 404 when they name a team or person out of scope."""
    filterset = DashboardFilterSet(request.GET, request=request)
    if filterset.out_of_scope:
        raise Http404("No such team or collector among yours.")
    return filterset


def _problem(filterset: DashboardFilterSet) -> str | None:
    if not filterset.form.is_valid():
        return _("Some filters are not valid; correct them to see figures.")
    return filterset.clean_period()


def _build(
    request, page: str, filterset: DashboardFilterSet, only: str | None = None
) -> list[Figure]:
    """The page's figures; a CSV (`only`) holds every row of its table, the page a page."""
    builder = PAGES[page]
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
        for column in figure.shown_columns:
            if column.muted:
                continue
            flip = "desc" if current == column.key and order == "asc" else "asc"
            marker = ("▲" if order == "asc" else "▼") if current == column.key else ""
            links[column.key] = (f"?{filterset.query_string(sort=column.key, order=flip)}", marker)
    figure.header = figure.header_cells(links)


@view_dashboard
def dashboard(request, page: str = "people"):
    if page not in PAGES:
        raise Http404("No such dashboard.")
    filterset = _filterset(request)
    problem = _problem(filterset)
    figures = [] if problem else _build(request, page, filterset)
    every_column = request.GET.get("columns") == "all"
    currency = filterset.cleaned.get("currency", "")
    for figure in figures:
        figure.currency = currency
        figure.compact = not every_column
        _add_headers(request, figure, filterset)
    computed_at = None
    headline = []
    if not problem:
        computed_at = statistics_computed_at(*filterset.period())
        headline = key_figures(filterset, request.user, today=timezone.localdate())
    return render(
        request,
        "reporting/page.html",
        {
            "title": DASHBOARD_PAGES[page],
            "page": page,
            "tabs": dashboard_tabs(request.user, page),
            "filterset": filterset,
            "figures": figures,
            "key_figures": headline,
            "every_column": every_column,
            "columns_query": filterset.query_string(
                sort=request.GET.get("sort"),
                order=request.GET.get("order"),
                columns=None if every_column else "all",
            ),
            "problem": problem,
            # The CSV keeps the page's order: same rows, same sequence.
            "query": filterset.query_string(
                sort=request.GET.get("sort"), order=request.GET.get("order")
            ),
            "currency": currency,
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
    SafeCsvWriter(response).writerows(found.csv_rows())
    return response


class DrillForm(forms.Form):
    """A figure's coordinates beyond the dashboard filters."""

    measure = forms.ChoiceField(label=gettext_lazy("List"), choices=list(DRILL_MEASURES.items()))
    stage = forms.IntegerField(label=gettext_lazy("Stage"), required=False, min_value=1)
    bucket = forms.TypedChoiceField(
        label=gettext_lazy("Days past due"), required=False, coerce=int, choices=Bucket.choices
    )
    from_bucket = forms.TypedChoiceField(
        label=gettext_lazy("From"), required=False, coerce=int, choices=Bucket.choices
    )
    to_bucket = forms.TypedChoiceField(
        label=gettext_lazy("To"), required=False, coerce=int, choices=Bucket.choices
    )
    as_of = forms.DateField(label=gettext_lazy("As of"), required=False)
    channel = forms.ChoiceField(
        label=gettext_lazy("Brought by"),
        required=False,
        choices=[
            ("", "—"),
            ("sms", gettext_lazy("SMS")),
            ("email", gettext_lazy("Email")),
            ("letter", gettext_lazy("Letter")),
            (FROM_START_PAGE, gettext_lazy("Typed the account reference")),
        ],
    )

    def clean(self):
        cleaned = super().clean()
        measure = cleaned.get("measure")
        needs = {"bucket": ("bucket", "as_of"), "roll": ("from_bucket", "to_bucket", "as_of")}
        for name in needs.get(measure, ()):
            if cleaned.get(name) in (None, ""):
                raise forms.ValidationError(
                    _("This list needs “%(name)s”.") % {"name": self.fields[name].label}
                )
        return cleaned


def _coordinates(drill_form: DrillForm) -> list[tuple[str, str]]:
    """The figure's coordinates as the page names them: (label, value)."""
    if not drill_form.is_valid():
        return []
    named = []
    for name, value in drill_form.cleaned_data.items():
        if name == "measure" or value in (None, ""):
            continue
        if name in ("bucket", "from_bucket", "to_bucket"):
            value = Bucket(value).label
        elif name == "channel":
            value = dict(drill_form.fields[name].choices)[value]
        elif isinstance(value, dt.date):
            value = formats.date_format(value)
        named.append((str(drill_form.fields[name].label), str(value)))
    return named


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
        "reporting/drill.html",
        {
            "tabs": dashboard_tabs(request.user, ""),
            "filterset": filterset,
            "problem": problem,
            "page": page,
            "title": DRILL_MEASURES.get(measure, _("Cases")),
            "coordinates": _coordinates(drill_form),
        },
    )
