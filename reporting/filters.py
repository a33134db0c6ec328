"""The dashboards' filters (django-filter): period, team, collector, agency, strategy, product,
currency. One filter set narrows every statistics table; a filter on a column a table does not
have leaves that table alone (the page says which figures a filter does not split).

Team and collector choices are the user's scope: a value outside it is not a valid choice, and
the views answer 404 for it, as for any case outside the user's scope.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from functools import lru_cache
from urllib.parse import quote_plus, urlencode

import django_filters
from django import forms
from django.db.models import QuerySet
from django.http import QueryDict
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.models import Team, User
from accounts.selectors import teams_visible_to
from agencies.models import Agency
from cases.models import Strategy
from common.forms import DateInput, period_problem
from reporting.models import DailyPerformance
from reporting.selectors import (
    collectors_visible_to,
    currencies_in_statistics,
    default_currency_for,
    products_in_statistics,
)

DEFAULT_PERIOD_DAYS = 30
LONGEST_PERIOD_DAYS = 366
# Filters naming who: a value outside the user's scope is a 404, not a form error.
SCOPED_FILTERS = ("team", "collector")


def _teams(request) -> QuerySet[Team]:
    return teams_visible_to(request.user) if request else Team.objects.none()


def _collectors(request) -> QuerySet[User]:
    return collectors_visible_to(request.user) if request else User.objects.none()


class CollectorChoiceField(django_filters.fields.ModelChoiceField):
    def label_from_instance(self, obj: User) -> str:
        return obj.get_full_name() or obj.username


class CollectorFilter(django_filters.ModelChoiceFilter):
    field_class = CollectorChoiceField


class DashboardFilterSet(django_filters.FilterSet):
    date_from = django_filters.DateFilter(
        field_name="day", lookup_expr="gte", label=gettext_lazy("From"), widget=DateInput
    )
    date_to = django_filters.DateFilter(
        field_name="day", lookup_expr="lte", label=gettext_lazy("To (inclusive)"), widget=DateInput
    )
    team = django_filters.ModelChoiceFilter(
        label=gettext_lazy("Team"), queryset=_teams, empty_label=gettext_lazy("All my teams")
    )
    collector = CollectorFilter(
        label=gettext_lazy("Collector"), queryset=_collectors, empty_label=gettext_lazy("Everyone")
    )
    agency = django_filters.ModelChoiceFilter(
        label=gettext_lazy("Agency"),
        queryset=Agency.objects.all(),
        empty_label=gettext_lazy("In-house and agencies"),
        null_label=gettext_lazy("In-house only"),
    )
    strategy = django_filters.ModelChoiceFilter(
        label=gettext_lazy("Strategy"),
        queryset=Strategy.objects.all(),
        empty_label=gettext_lazy("Every strategy"),
    )
    product = django_filters.ChoiceFilter(
        label=gettext_lazy("Product"), empty_label=gettext_lazy("Every product")
    )
    currency = django_filters.ChoiceFilter(label=gettext_lazy("Currency"), empty_label=None)

    class Meta:
        model = DailyPerformance
        fields: list[str] = []

    def __init__(self, data=None, *args, request=None, **kwargs):
        data = data.copy() if data is not None else QueryDict(mutable=True)
        today = timezone.localdate()
        data.setdefault("date_to", today.isoformat())
        data.setdefault(
            "date_from", (today - dt.timedelta(days=DEFAULT_PERIOD_DAYS - 1)).isoformat()
        )
        if request is not None and not data.get("currency"):
            data["currency"] = default_currency_for(request.user)
        super().__init__(data, *args, request=request, **kwargs)
        self.params = data
        self._encoded: dict[frozenset, str] = {}
        self.filters["product"].extra["choices"] = [(p, p) for p in products_in_statistics()]
        self.filters["currency"].extra["choices"] = [
            (c, c) for c in currencies_in_statistics() or [data["currency"]]
        ]

    @property
    def out_of_scope(self) -> bool:
        """A team or collector named that the user may not see."""
        self.form.is_valid()
        return any(name in self.form.errors for name in SCOPED_FILTERS)

    @property
    def cleaned(self) -> dict:
        return self.form.cleaned_data if self.form.is_valid() else {}

    def period(self) -> tuple[dt.date, dt.date]:
        data = self.cleaned
        return data["date_from"], data["date_to"]

    def filter_queryset(self, queryset, *, dates: bool = True):
        """Apply the filters the table has columns for (dates only when `dates`)."""
        columns = {field.name for field in queryset.model._meta.get_fields()}
        for name, value in self.form.cleaned_data.items():
            current = self.filters[name]
            if current.field_name not in columns:
                continue
            if current.field_name == "day" and not dates:
                continue
            queryset = current.filter(queryset, value)
        return queryset

    def filter_without_dates(self, queryset):
        self.form.is_valid()
        return self.filter_queryset(queryset, dates=False)

    @cached_property
    def base_params(self) -> list[tuple[str, str]]:
        """The filters as (key, value) pairs, without paging or sorting, blanks left out."""
        return [
            (key, value)
            for key, values in self.params.lists()
            if key not in ("page", "sort", "order")
            for value in values
            if value != ""
        ]

    def query_string(self, **changes) -> str:
        """The current filters as a query string, with `changes` applied (None drops a key).

        Pages link every figure to its cases, so the unchanged part is encoded once.
        """
        names = frozenset(changes)
        kept = self._encoded.get(names)
        if kept is None:
            kept = self._encoded[names] = urlencode(
                [(key, value) for key, value in self.base_params if key not in names]
            )
        changed = "&".join(
            f"{key}={_quoted(str(value))}" for key, value in changes.items() if value is not None
        )
        return f"{kept}&{changed}" if kept and changed else kept or changed

    def clean_period(self) -> str | None:
        """Why the period is unusable, if it is."""
        data = self.cleaned
        if not data:
            return None
        start, end = data["date_from"], data["date_to"]
        if start is None or end is None:
            return _("Give both ends of the period.")
        return period_problem(start, end, longest_days=LONGEST_PERIOD_DAYS)

    def filter_fields(self) -> list[FilterField]:
        """The filter fields as the template draws them: plain data, options included.

        Not widget templates: the collector list alone holds hundreds of options, which
        widget templates take a tenth of a second to draw.
        """
        return [_filter_field(bound) for bound in self.form]


@dataclass(frozen=True)
class FilterField:
    """One filter as the template draws it: label, control (a select when `input_type` is
    blank), errors."""

    id: str
    name: str
    label: str
    input_type: str
    value: str
    options: list[tuple[str, str, bool]]  # (value, label, selected) of a select
    errors: list[str]


@lru_cache(maxsize=8192)
def _quoted(value: str) -> str:
    return quote_plus(value)


def _filter_field(bound: forms.BoundField) -> FilterField:
    value = bound.value()
    current = "" if value is None else str(value)
    if isinstance(bound.field.widget, forms.Select):
        input_type = ""
        options = [
            (str(option), str(label), str(option) == current)
            for option, label in bound.field.choices
        ]
    else:
        input_type = getattr(bound.field.widget, "input_type", "text")
        options = []
    return FilterField(
        id=str(bound.id_for_label),
        name=bound.html_name,
        label=str(bound.label),
        input_type=input_type,
        value=current,
        options=options,
        errors=[str(error) for error in bound.errors],
    )
