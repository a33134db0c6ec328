"""The tables and charts of the dashboards, built once for the page and for its CSV export.

A figure is a list of columns and rows of cells; each cell holds its value, rounded as shown,
and the link to the cases behind it. The page and the CSV render the same cells, so the two
always give the same numbers.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from functools import lru_cache
from typing import NamedTuple

from django.core.paginator import Page, Paginator
from django.urls import reverse
from django.utils import formats
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from accounts.models import Team, User
from cases.buckets import DELINQUENCY_BUCKETS, Bucket
from cases.models import Stage, Strategy
from common.days import month_bounds
from common.formatting import money, number, percent, your_time
from common.money import CENT
from disputes.selectors import COMPLAINT, DISPUTE
from reporting.filters import DashboardFilterSet
from reporting.models import DailyCaseFlow, PortfolioSnapshot, RollRate
from reporting.selectors import (
    FILTER_COLUMNS,
    complaints_by_collector,
    grievances_in,
    latest_roll_month,
    latest_snapshot_day,
    performance_table,
    performance_totals,
    queue_snapshot_for,
    scoped,
    writeoff_totals,
)
from reporting.stats import FLOW_MEASURES, PERFORMANCE_MEASURES

TABLE_PAGE_SIZE = 50
COUNT, MONEY, RATE, SECONDS, TEXT, DATE = "count", "money", "rate", "seconds", "text", "date"
NUMERIC_KINDS = (COUNT, MONEY, RATE, SECONDS)
TENTH = Decimal("0.1")


def _rounded(value, kind: str):
    if value is None or kind in (TEXT, DATE):
        return value
    if kind == COUNT:
        return int(value)
    if kind == MONEY:
        return Decimal(value).quantize(CENT, ROUND_HALF_UP)
    if kind == RATE:
        return Decimal(value).quantize(TENTH, ROUND_HALF_UP)
    if kind == SECONDS:
        return int(Decimal(value).quantize(Decimal(1), ROUND_HALF_UP))
    raise ValueError(kind)


@dataclass
class Cell:
    value: object  # int, Decimal, str, date or None, already rounded as shown
    kind: str = TEXT
    url: str = ""
    shown: str = ""  # the page's text when it differs from the CSV's (a moment on a clock)

    @classmethod
    def of(cls, value, kind: str, url: str = "") -> Cell:
        return cls(_rounded(value, kind), kind, url)

    def text(self, currency: str = "") -> str:
        """As on the page, in the active language; amounts in `currency`."""
        if self.shown:
            return self.shown
        if self.value is None:
            return "—"
        if self.kind == COUNT:
            return number(self.value)
        if self.kind == MONEY:
            return money(self.value, currency)
        if self.kind == RATE:
            return percent(Decimal(self.value) / 100, 1)
        if self.kind == SECONDS:
            return _("%(seconds)s s") % {"seconds": number(self.value)}
        if self.kind == DATE:
            return formats.date_format(self.value)
        return str(self.value)

    @property
    def csv(self) -> str:
        """As in the CSV: the same number without separators or units."""
        if self.value is None:
            return ""
        if self.kind == MONEY:
            return f"{self.value:.2f}"
        if self.kind == RATE:
            return f"{self.value:.1f}"
        return str(self.value)

    @property
    def numeric(self) -> bool:
        return self.kind in NUMERIC_KINDS


@dataclass(frozen=True)
class Column:
    key: str
    label: str
    kind: str = TEXT
    definition: str = ""
    muted: bool = False  # a comparison figure shown beside another (team average)
    essential: bool = True  # shown in the compact layout (every column is in the CSV)

    @property
    def css(self) -> str:
        """The classes of the column's cells: numbers right-aligned, comparisons muted."""
        classes = []
        if self.kind in NUMERIC_KINDS:
            classes.append("text-end")
        if self.muted:
            classes.append("text-secondary small")
        return " ".join(classes)


class HeaderCell(NamedTuple):
    """A header cell as the template prints it."""

    css: str
    label: str
    definition: str
    sort_link: str
    sort_marker: str  # ▲ or ▼ on the column the table is sorted by


# A body cell as the template prints it: (classes, text, link).
BodyCell = tuple[str, str, str]


@dataclass
class Figure:
    key: str
    title: str
    columns: list[Column]
    rows: list[list[Cell]]
    note: str = ""
    chart: dict | None = None  # Chart.js type, labels and datasets
    sortable: bool = False
    page: Page | None = None  # the rows shown, when the table is shown a page at a time
    header: list[HeaderCell] = field(default_factory=list)  # set by the page, with its sort links
    currency: str = ""  # of the amounts
    compact: bool = False  # the page shows the essential columns only

    @property
    def has_more_columns(self) -> bool:
        return any(not column.essential for column in self.columns)

    def _shown(self) -> list[int]:
        """Positions of the columns the page shows."""
        return [
            position
            for position, column in enumerate(self.columns)
            if column.essential or not self.compact
        ]

    @property
    def shown_columns(self) -> list[Column]:
        return [self.columns[position] for position in self._shown()]

    def definitions(self) -> list[Column]:
        return [column for column in self.shown_columns if column.definition]

    def header_cells(
        self, sort_links: dict[str, tuple[str, str]] | None = None
    ) -> list[HeaderCell]:
        """The header row's cells; `sort_links` maps a column key to its (link, ▲/▼ marker)."""
        sort_links = sort_links or {}
        return [
            HeaderCell(
                column.css, column.label, column.definition, *sort_links.get(column.key, ("", ""))
            )
            for column in self.shown_columns
        ]

    def body_rows(self) -> list[list[BodyCell]]:
        """Each row's cells as (classes, text, link): plain data, so that the template's loop
        over thousands of linked figures only prints them."""
        shown = self._shown()
        classes = [self.columns[position].css for position in shown]
        currency = self.currency
        return [
            [
                (css, cells[position].text(currency), cells[position].url)
                for position, css in zip(shown, classes, strict=True)
            ]
            for cells in self.rows
        ]

    def csv_rows(self) -> list[list[str]]:
        return [[str(column.label) for column in self.columns]] + [
            [cell.csv for cell in row] for row in self.rows
        ]


# --- Measures of people and strategies --------------------------------------------------------


@dataclass(frozen=True)
class Measure:
    key: str
    label: str
    kind: str
    definition: str
    drill: str
    compute: Callable[[dict], object]
    essential: bool = False  # among the few columns of the compact layout


def _ratio(numerator, denominator, scale: Decimal = Decimal(1)):
    if not denominator:
        return None
    return Decimal(numerator or 0) * scale / Decimal(denominator)


MEASURES = [
    Measure(
        "attempts",
        gettext_lazy("Attempts"),
        COUNT,
        gettext_lazy("Outbound calls."),
        "attempts",
        lambda t: t["attempts"],
        essential=True,
    ),
    Measure(
        "rpc",
        gettext_lazy("Right-party contacts"),
        COUNT,
        gettext_lazy(
            "Outbound calls on which the debtor was spoken to: right-party contact, promise, "
            "refusal, dispute, paid, call-back asked."
        ),
        "rpc",
        lambda t: t["right_party_contacts"],
    ),
    Measure(
        "rpc_rate",
        gettext_lazy("RPC rate"),
        RATE,
        gettext_lazy("Right-party contacts ÷ attempts."),
        "rpc",
        lambda t: _ratio(t["right_party_contacts"], t["attempts"], Decimal(100)),
        essential=True,
    ),
    Measure(
        "promises",
        gettext_lazy("Promises"),
        COUNT,
        gettext_lazy("Promises to pay taken in the period."),
        "promises",
        lambda t: t["promises"],
        essential=True,
    ),
    Measure(
        "promised_amount",
        gettext_lazy("Promised"),
        MONEY,
        gettext_lazy("Amount of the promises taken."),
        "promises",
        lambda t: t["promised_amount"],
    ),
    Measure(
        "kept_rate",
        gettext_lazy("Promise-kept rate"),
        RATE,
        gettext_lazy(
            "Promises kept ÷ promises resolved (kept or broken) in the period, by the day they "
            "were resolved; credited to who took them."
        ),
        "resolved",
        lambda t: _ratio(
            t["promises_kept"], t["promises_kept"] + t["promises_broken"], Decimal(100)
        ),
        essential=True,
    ),
    Measure(
        "collected",
        gettext_lazy("Collected"),
        MONEY,
        gettext_lazy(
            "Payments received in the period, credited to the collector who last spoke with "
            "the debtor on that case (a right-party call) on or before the payment day; team "
            "rows also hold payments credited to nobody."
        ),
        "collected",
        lambda t: t["collected"],
        essential=True,
    ),
    Measure(
        "per_hour",
        gettext_lazy("Collected per hour"),
        MONEY,
        gettext_lazy(
            "Collected ÷ hours worked, where hours worked = the summed durations of the "
            "collector's calls (talk time, either direction), not logged-in time."
        ),
        "collected",
        lambda t: _ratio(t["collected"], t["call_seconds"], Decimal(3600)),
    ),
    Measure(
        "handling",
        gettext_lazy("Average handling time"),
        SECONDS,
        gettext_lazy("Summed call durations ÷ calls handled (either direction), in seconds."),
        "calls",
        lambda t: _ratio(t["call_seconds"], t["calls_handled"]),
    ),
    Measure(
        "blocks",
        gettext_lazy("Compliance blocks"),
        COUNT,
        gettext_lazy("Contact attempts the compliance gate blocked."),
        "blocks",
        lambda t: t["compliance_blocks"],
        essential=True,
    ),
    Measure(
        "overrides",
        gettext_lazy("Overrides"),
        COUNT,
        gettext_lazy("Blocks lifted by an approved override."),
        "overrides",
        lambda t: t["compliance_overrides"],
    ),
]
MEASURE_KEYS = [measure.key for measure in MEASURES]


def _measure_column(measure: Measure) -> Column:
    return Column(
        measure.key,
        measure.label,
        measure.kind,
        measure.definition,
        essential=measure.essential,
    )


def _zero_totals() -> dict:
    return dict.fromkeys(PERFORMANCE_MEASURES, 0)


def _add(totals: dict, row: dict) -> dict:
    for measure in PERFORMANCE_MEASURES:
        totals[measure] += row.get(measure) or 0
    return totals


def drill_url(filterset: DashboardFilterSet, measure: str, **coordinates) -> str:
    """The list of cases behind a figure: the page's filters, the measure, its coordinates."""
    query = filterset.query_string(measure=measure, **coordinates)
    return f"{_drill_path()}?{query}"


@lru_cache(maxsize=1)
def _drill_path() -> str:
    return reverse("reporting:cases")


def _measure_cells(filterset: DashboardFilterSet, totals: dict, **coordinates) -> list[Cell]:
    # The row's part of the links is encoded once; each measure only adds its own name.
    row_link = f"{_drill_path()}?{filterset.query_string(measure=None, **coordinates)}&measure="
    return [
        Cell.of(measure.compute(totals), measure.kind, row_link + measure.drill)
        for measure in MEASURES
    ]


def _performance_rows(filterset: DashboardFilterSet, user, *group: str, in_house: bool = False):
    """The smallest performance table holding the grouped and filtered columns, filtered."""
    active = {name for name in FILTER_COLUMNS if filterset.cleaned.get(name) not in (None, "")}
    model = performance_table(active | {"agency"} if in_house else active, group)
    rows = filterset.filter_queryset(scoped(user, model.objects.all()))
    return rows.filter(agency__isnull=True) if in_house else rows


def _names(model, ids) -> dict:
    ids = {pk for pk in ids if pk is not None}
    return {obj.pk: obj for obj in model.objects.filter(pk__in=ids)}


def _people_names(ids) -> dict[int, str]:
    """Each user's full name, or username when they have none."""
    return {
        pk: f"{first} {last}".strip() or username
        for pk, username, first, last in User.objects.filter(
            pk__in={pk for pk in ids if pk is not None}
        ).values_list("pk", "username", "first_name", "last_name")
    }


def _sorted(entries: list[tuple[list, dict]], index: int, descending: bool) -> list:
    """Rows (their values first) by one column; blanks last whichever the direction."""
    present = [entry for entry in entries if entry[0][index] is not None]
    missing = [entry for entry in entries if entry[0][index] is None]
    if present and not isinstance(present[0][0][index], str):
        present.sort(key=lambda entry: entry[0][index], reverse=descending)
    else:
        present.sort(key=lambda entry: str(entry[0][index]).lower(), reverse=descending)
    return present + missing


def people_figures(
    filterset: DashboardFilterSet,
    user,
    *,
    sort: str = "",
    descending: bool = False,
    only: str | None = None,
    page_number: str | None = None,
) -> list[Figure]:
    """Per collector (beside their team's average), per team, and collections per day;
    with `only`, just the figure of that key (for its CSV). With `page_number`, the
    collectors' table holds that page of TABLE_PAGE_SIZE rows; without, every row."""
    figures = []
    if only in (None, "collectors", "teams"):
        figures += _people_tables(
            filterset, user, sort=sort, descending=descending, page_number=page_number
        )
    if only in (None, "collections-per-day"):
        figures.append(_collections_per_day(filterset, user))
    return figures


def _people_tables(
    filterset: DashboardFilterSet, user, *, sort: str, descending: bool, page_number: str | None
) -> list[Figure]:
    # Agencies' staff appear when an agency is chosen; otherwise the in-house people only.
    in_house = not filterset.cleaned.get("agency")
    people_rows = _performance_rows(filterset, user, "team", "collector", in_house=in_house)
    # One query: per team and collector, the rows of nobody included (team totals).
    per_person = performance_totals(people_rows, "team", "collector")
    per_collector = [row for row in per_person if row["collector"] is not None]
    team_totals: dict = {}
    for row in per_person:
        _add(team_totals.setdefault(row["team"], _zero_totals()), row)
    per_team = [{"team": team_id, **totals} for team_id, totals in team_totals.items()]
    headcount = Counter(row["team"] for row in per_collector)
    teams = _names(Team, list(team_totals))
    people = _people_names([row["collector"] for row in per_collector])
    whose = _("In-house collectors (choose an agency to see its staff).") if in_house else ""
    start, end = filterset.period()
    complaints = (
        complaints_by_collector(
            user, filterset.cleaned, [row["collector"] for row in per_collector]
        )
        if start and end
        else {}
    )

    collector_totals_by_team: dict = {}
    for row in per_collector:
        _add(collector_totals_by_team.setdefault(row["team"], _zero_totals()), row)
    team_average = {}
    for team_id, totals in collector_totals_by_team.items():
        count = headcount[team_id] or 1
        average = []
        for measure in MEASURES:
            value = measure.compute(totals)
            # Counts and amounts are per collector; rates are the team's own rate.
            if measure.kind in (COUNT, MONEY) and measure.key != "per_hour" and value is not None:
                value = Decimal(value) / count
            average.append(_rounded(value, MONEY if measure.kind == COUNT else measure.kind))
        team_average[team_id] = average

    columns = [Column("collector", _("Collector")), Column("team", _("Team"))]
    for measure in MEASURES:
        columns.append(_measure_column(measure))
        kind = MONEY if measure.kind == COUNT else measure.kind
        columns.append(
            Column(f"{measure.key}_team", _("team avg"), kind, muted=True, essential=False)
        )
    columns += [
        Column(
            "complaints",
            _("Complaints"),
            COUNT,
            _("Complaints about the collector received in the period, on the cases you see."),
            essential=False,
        ),
        Column(
            "complaints_upheld",
            _("Complaints upheld"),
            COUNT,
            _("Of those complaints, the ones resolved as upheld."),
            essential=False,
        ),
    ]
    # Every row's values first (cheap), sorted; cells and links only for the rows shown.
    entries = []
    no_average = [None] * len(MEASURES)
    for row in per_collector:
        team = teams.get(row["team"])
        values = [people.get(row["collector"], "—"), str(team) if team else "—"]
        totals = _add(_zero_totals(), row)
        for measure, average in zip(
            MEASURES, team_average.get(row["team"], no_average), strict=True
        ):
            values += [_rounded(measure.compute(totals), measure.kind), average]
        against = complaints.get(row["collector"])
        values += [against.received if against else 0, against.upheld if against else 0]
        entries.append((values, row))
    keys = [column.key for column in columns]
    if sort in keys:
        entries = _sorted(entries, keys.index(sort), descending)
    else:
        entries.sort(key=lambda entry: (entry[0][1], entry[0][0]))
    page = None
    if page_number is not None:
        page = Paginator(entries, TABLE_PAGE_SIZE).get_page(page_number)
        entries = list(page.object_list)
    collector_rows = []
    for values, row in entries:
        coordinates = filterset.query_string(
            measure=None, team=row["team"] or "", collector=row["collector"]
        )
        row_link = f"{_drill_path()}?{coordinates}&measure="
        cells = [Cell(values[0]), Cell(values[1])]
        for position, measure in enumerate(MEASURES):
            kind = MONEY if measure.kind == COUNT else measure.kind
            cells.append(Cell(values[2 + 2 * position], measure.kind, row_link + measure.drill))
            cells.append(Cell(values[3 + 2 * position], kind))
        # Complaints about the collector on any team's cases: the link drops team and agency.
        about = f"{_drill_path()}?" + filterset.query_string(
            measure=None, team="", agency="", collector=row["collector"]
        )
        cells += [
            Cell(values[-2], COUNT, f"{about}&measure=complaints_received"),
            Cell(values[-1], COUNT, f"{about}&measure=complaints_upheld"),
        ]
        collector_rows.append(cells)

    team_columns = [Column("team", _("Team")), Column("collectors", _("Collectors"), COUNT)]
    team_columns += [_measure_column(m) for m in MEASURES]
    team_rows = []
    for row in sorted(per_team, key=lambda r: str(teams.get(r["team"], "—"))):
        team = teams.get(row["team"])
        team_rows.append(
            [
                Cell(str(team) if team else "—"),
                Cell.of(headcount[row["team"]], COUNT),
                *_measure_cells(filterset, _add(_zero_totals(), row), team=row["team"] or ""),
            ]
        )

    return [
        Figure(
            "collectors",
            _("Collectors"),
            columns,
            collector_rows,
            sortable=True,
            page=page,
            note=" ".join(
                [
                    whose,
                    _(
                        "With all columns, beside each figure, the average of the collectors of "
                        "the same team (counts and amounts per collector; rates and times over "
                        "the team's collectors). A collector who worked another team's cases has "
                        "a row there too."
                    ),
                ]
            ).strip(),
        ),
        Figure("teams", _("Teams"), team_columns, team_rows, note=whose),
    ]


def _collections_per_day(filterset: DashboardFilterSet, user) -> Figure:
    daily = {
        row["day"]: row
        for row in performance_totals(
            _performance_rows(filterset, user, "day").filter(payments__gt=0), "day"
        )
    }
    first, last = filterset.period()
    trend_rows = []
    for offset in range((last - first).days + 1):
        day = first + dt.timedelta(days=offset)
        row = daily.get(day, {"payments": 0, "collected": 0})
        url = drill_url(filterset, "collected", date_from=day, date_to=day)
        trend_rows.append(
            [
                Cell(day, DATE),
                Cell.of(row["payments"], COUNT, url),
                Cell.of(row["collected"] or 0, MONEY, url),
            ]
        )
    return Figure(
        "collections-per-day",
        _("Collections per day"),
        [
            Column("day", _("Day"), DATE),
            Column("payments", _("Payments"), COUNT),
            Column("collected", _("Collected"), MONEY, _("Payments received that day.")),
        ],
        trend_rows,
        note=_("In-house and agencies' collections, unless an agency is chosen."),
        chart={
            "type": "line",
            "labels": [formats.date_format(cells[0].value) for cells in trend_rows],
            "datasets": [{"label": _("Collected"), "data": [str(c[2].value) for c in trend_rows]}],
        },
    )


def strategy_figures(
    filterset: DashboardFilterSet, user, *, only: str | None = None
) -> list[Figure]:
    """Every strategy with results in the period, side by side on the same measures."""
    if only not in (None, "strategies"):
        return []
    rows = _performance_rows(filterset, user, "strategy")
    per_strategy = {row["strategy"]: row for row in performance_totals(rows, "strategy")}
    flows = {
        row["strategy"]: row
        for row in scoped(user, filterset.filter_queryset(DailyCaseFlow.objects.all()))
        .order_by()
        .values("strategy")
        .annotate(**{m: _sum(m) for m in FLOW_MEASURES})
    }
    strategies = _names(Strategy, set(per_strategy) | set(flows))
    columns = [Column("strategy", _("Strategy")), Column("live", _("Live"))]
    columns += [_measure_column(m) for m in MEASURES]
    columns += [
        Column("opened", _("Cases opened"), COUNT, _("Cases opened in the period.")),
        Column("cured", _("Cases cured"), COUNT, _("Cases cured in the period.")),
    ]
    table = []
    for strategy_id in sorted(
        set(per_strategy) | set(flows), key=lambda pk: str(strategies.get(pk, ""))
    ):
        strategy = strategies.get(strategy_id)
        totals = _add(_zero_totals(), per_strategy.get(strategy_id, {}))
        flow = flows.get(strategy_id, {})
        table.append(
            [
                Cell(str(strategy) if strategy else "—"),
                Cell(_("yes") if strategy and strategy.is_active else _("no")),
                *_measure_cells(filterset, totals, strategy=strategy_id or ""),
                Cell.of(
                    flow.get("opened") or 0,
                    COUNT,
                    drill_url(filterset, "opened", strategy=strategy_id or ""),
                ),
                Cell.of(
                    flow.get("cured") or 0,
                    COUNT,
                    drill_url(filterset, "cured", strategy=strategy_id or ""),
                ),
            ]
        )
    live = Strategy.objects.filter(is_active=True).count()
    note = (
        ngettext(
            "%(count)s strategy is live: champion and challenger side by side.",
            "%(count)s strategies are live: champion and challenger side by side.",
            live,
        )
        % {"count": number(live)}
        if live > 1
        else _("Only one strategy is live; a challenger appears here beside it once it runs.")
    )
    return [Figure("strategies", _("Strategies"), columns, table, note=note)]


def _sum(measure: str):
    from django.db.models import Sum

    return Sum(measure)


def portfolio_figures(
    filterset: DashboardFilterSet, user, *, only: str | None = None
) -> list[Figure]:
    """Buckets at the period's end, roll rates, the stage funnel, the call queue, the
    write-offs with the recoveries after them, and the disputes and complaints against their
    deadlines; with `only`, just the figure of that key (for its CSV)."""
    _, last = filterset.period()
    builders = {
        "buckets": lambda: _buckets(filterset, user, latest_snapshot_day(last)),
        "roll-rates": lambda: _roll_rates(filterset, user, latest_roll_month(last)),
        "funnel": lambda: _funnel(filterset, user),
        "queue": lambda: _queue(filterset, user),
        "write-offs": lambda: _write_offs(filterset, user),
        "disputes": lambda: _grievances(filterset, user),
    }
    return [build() for key, build in builders.items() if only in (None, key)]


def _buckets(filterset: DashboardFilterSet, user, day: dt.date | None) -> Figure:
    totals = {}
    if day is not None:
        rows = filterset.filter_without_dates(
            scoped(user, PortfolioSnapshot.objects.filter(day=day))
        )
        totals = {
            row["bucket"]: row
            for row in rows.order_by()
            .values("bucket")
            .annotate(cases=_sum("cases"), balance=_sum("balance"))
        }
    all_cases = sum(row["cases"] for row in totals.values())
    all_balance = sum((row["balance"] for row in totals.values()), Decimal(0))
    table = []
    for bucket in (Bucket.CURRENT, *DELINQUENCY_BUCKETS):
        row = totals.get(bucket, {"cases": 0, "balance": Decimal(0)})
        url = drill_url(filterset, "bucket", bucket=int(bucket), as_of=day) if day else ""
        table.append(
            [
                Cell(str(bucket.label)),
                Cell.of(row["cases"], COUNT, url),
                Cell.of(_ratio(row["cases"], all_cases, Decimal(100)), RATE),
                Cell.of(row["balance"], MONEY, url),
                Cell.of(_ratio(row["balance"], all_balance, Decimal(100)), RATE),
            ]
        )
    return Figure(
        "buckets",
        _("Cases and balance by days past due, at the end of %(day)s")
        % {"day": formats.date_format(day)}
        if day
        else _("Cases and balance by days past due"),
        [
            Column("bucket", _("Days past due")),
            Column("cases", _("Cases"), COUNT, _("Cases open at the end of the day.")),
            Column("cases_share", _("Share of cases"), RATE),
            Column(
                "balance",
                _("Balance"),
                MONEY,
                _("Their balances: the account's current one for open cases."),
            ),
            Column("balance_share", _("Share of balance"), RATE),
        ],
        table,
        note="" if day else _("No portfolio snapshot on or before the period's end yet."),
        chart={
            "type": "bar",
            "labels": [cells[0].value for cells in table],
            "datasets": [
                {"label": _("Cases"), "data": [c[1].value for c in table], "yAxisID": "y"},
                {
                    "label": _("Balance"),
                    "data": [str(c[3].value) for c in table],
                    "yAxisID": "y1",
                },
            ],
        },
    )


def _roll_rates(filterset: DashboardFilterSet, user, window) -> Figure:
    to_buckets = [Bucket.CURRENT, *DELINQUENCY_BUCKETS, Bucket.CURED, Bucket.CLOSED]
    columns = [
        Column("from", _("From (at the first month end)")),
        Column("cases", _("Cases"), COUNT, _("Cases on the books at the first month end.")),
    ]
    columns += [Column(f"to_{int(b)}", str(b.label), RATE) for b in to_buckets]
    if window is None:
        return Figure(
            "roll-rates",
            _("Roll rates"),
            columns,
            [],
            note=_("No roll rates computed on or before the period's end yet."),
        )
    month, as_of = window
    rows = filterset.filter_without_dates(
        scoped(user, RollRate.objects.filter(month=month, as_of=as_of))
    )
    matrix: dict[tuple[int, int], int] = {}
    for row in rows.order_by().values("from_bucket", "to_bucket").annotate(cases=_sum("cases")):
        matrix[(row["from_bucket"], row["to_bucket"])] = row["cases"]
    table = []
    for source in (Bucket.CURRENT, *DELINQUENCY_BUCKETS):
        started = sum(count for (f, _), count in matrix.items() if f == source)
        cells = [Cell(str(source.label)), Cell.of(started, COUNT)]
        for target in to_buckets:
            url = drill_url(
                filterset, "roll", from_bucket=int(source), to_bucket=int(target), as_of=as_of
            )
            cells.append(
                Cell.of(_ratio(matrix.get((source, target), 0), started, Decimal(100)), RATE, url)
            )
        table.append(cells)
    total = sum(matrix.values())
    cured = sum(count for (_, t), count in matrix.items() if t == Bucket.CURED)
    start = month - dt.timedelta(days=1)
    return Figure(
        "roll-rates",
        _("Roll rates from %(start)s to %(end)s")
        % {"start": formats.date_format(start), "end": formats.date_format(as_of)},
        columns,
        table,
        note=_(
            "Each row: of the cases in that bucket at the first month end, the share in each "
            "bucket (or cured, or closed) at the second. Cure rate = cases cured ÷ cases on the "
            "books at the first month end: %(rate)s (%(cured)s of %(total)s). Not split by "
            "agency or collector."
        )
        % {
            "rate": percent(_ratio(cured, total) or 0, 1),
            "cured": number(cured),
            "total": number(total),
        },
    )


def _funnel(filterset: DashboardFilterSet, user) -> Figure:
    rows = scoped(user, filterset.filter_queryset(DailyCaseFlow.objects.all()))
    per_stage = {
        row["stage"]: row
        for row in rows.order_by().values("stage").annotate(**{m: _sum(m) for m in FLOW_MEASURES})
    }
    stages = (
        Stage.objects.filter(pk__in=[pk for pk in per_stage if pk])
        .select_related("strategy")
        .order_by("strategy__name", "position")
    )
    several = len({stage.strategy_id for stage in stages}) > 1
    opened = per_stage.get(None, {}).get("opened") or 0
    table = [
        [
            Cell(_("Opened")),
            Cell.of(opened, COUNT, drill_url(filterset, "opened")),
            Cell.of(None, COUNT),
            Cell.of(None, RATE),
        ]
    ]
    for stage in stages:
        row = per_stage[stage.pk]
        entered, cured = row["entered"] or 0, row["cured"] or 0
        name = f"{stage.strategy.name}: {stage.name}" if several else stage.name
        table.append(
            [
                Cell(name),
                Cell.of(entered, COUNT, drill_url(filterset, "entered", stage=stage.pk)),
                Cell.of(cured, COUNT, drill_url(filterset, "cured", stage=stage.pk)),
                Cell.of(_ratio(cured, entered, Decimal(100)), RATE),
            ]
        )
    return Figure(
        "funnel",
        _("Stage funnel"),
        [
            Column("stage", _("Stage")),
            Column(
                "entered",
                _("Entered"),
                COUNT,
                _("Cases opened, or entering the stage, in the period."),
            ),
            Column(
                "cured",
                _("Cured there"),
                COUNT,
                _("Cases cured in the period while at the stage."),
            ),
            Column("cure_share", _("Cured ÷ entered"), RATE),
        ],
        table,
        note=_("Not split by agency or collector."),
        chart={
            "type": "bar",
            "labels": [cells[0].value for cells in table],
            "datasets": [
                {"label": _("Entered"), "data": [c[1].value for c in table]},
                {"label": _("Cured there"), "data": [c[2].value or 0 for c in table]},
            ],
        },
    )


def _queue(filterset: DashboardFilterSet, user) -> Figure:
    team = filterset.cleaned.get("team")
    snapshots = list(queue_snapshot_for(user, team))
    table = []
    for snapshot in snapshots:
        team_id = snapshot.team_id or ""
        oldest = ""
        if snapshot.oldest_untouched_case_id:
            oldest = reverse("workspace:detail", args=[snapshot.oldest_untouched_case_id])
        table.append(
            [
                Cell(str(snapshot.team) if snapshot.team else "—"),
                Cell.of(snapshot.queue_depth, COUNT, drill_url(filterset, "queue", team=team_id)),
                Cell.of(snapshot.untouched, COUNT, drill_url(filterset, "untouched", team=team_id)),
                Cell.of(snapshot.paused, COUNT),
                Cell(snapshot.oldest_untouched_case_id, TEXT, oldest),
                _moment_cell(snapshot.oldest_untouched_since, user),
            ]
        )
    taken = snapshots[0].taken_at if snapshots else None
    return Figure(
        "queue",
        _("Call queue"),
        [
            Column("team", _("Team")),
            Column(
                "depth",
                _("Queue depth"),
                COUNT,
                _(
                    "Open cases in a calling stage (phone collection and later, short of "
                    "litigation), not paused."
                ),
            ),
            Column(
                "untouched",
                _("Untouched"),
                COUNT,
                _("Of those, cases without a call since they entered their stage."),
            ),
            Column("paused", _("Paused"), COUNT, _("Open cases a supervisor paused.")),
            Column("oldest", _("Oldest untouched case")),
            Column(
                "since",
                _("In its stage since"),
                definition=_("On your clock on the page; in UTC in the CSV."),
            ),
        ],
        table,
        note=(
            _("Counted at %(moment)s; filtered by team only.") % {"moment": your_time(taken, user)}
            if taken
            else _("No queue snapshot yet.")
        ),
    )


def _write_offs(filterset: DashboardFilterSet, user) -> Figure:
    totals = writeoff_totals(user, filterset.cleaned)
    return Figure(
        "write-offs",
        _("Write-offs and recoveries"),
        [
            Column("figure", _("Figure")),
            Column("cases", _("Cases"), COUNT),
            Column("payments", _("Payments"), COUNT),
            Column("amount", _("Amount"), MONEY),
        ],
        [
            [
                Cell(_("Written off")),
                Cell.of(totals["written_off_cases"], COUNT, drill_url(filterset, "written_off")),
                Cell.of(None, COUNT),
                Cell.of(totals["written_off_amount"], MONEY),
            ],
            [
                Cell(_("Recovered after write-off")),
                Cell.of(totals["recovered_cases"], COUNT, drill_url(filterset, "recovered")),
                Cell.of(totals["recovered_payments"], COUNT),
                Cell.of(totals["recovered_amount"], MONEY),
            ],
        ],
        note=_(
            "Written off: cases a manager wrote off in the period, for their balance then. "
            "Recovered: payments received in the period on accounts written off before them, "
            "counted here and not in Collected. Not split by agency or collector."
        ),
    )


def _grievances(filterset: DashboardFilterSet, user) -> Figure:
    """Disputes and complaints: received in the period, open and past their deadline at its
    end, upheld; each count drills to its cases (`grievances_in`, the same definition)."""
    columns = [
        Column("kind", _("Kind")),
        Column("received", _("Received"), COUNT, _("Received in the period.")),
        Column("open", _("Open"), COUNT, _("Not resolved at the end of the period.")),
        Column(
            "overdue",
            _("Past their deadline"),
            COUNT,
            _("Open at the end of the period, and the day their answer was due has passed."),
        ),
        Column(
            "upheld",
            _("Upheld"),
            COUNT,
            _("Of those received in the period, the ones resolved as upheld."),
        ),
    ]
    rows = []
    for kind, label in ((DISPUTE, _("Disputes")), (COMPLAINT, _("Complaints"))):
        cells = [Cell(label)]
        for what in ("received", "open", "overdue", "upheld"):
            measure = f"{kind}s_{what}"
            count = grievances_in(user, measure, filterset.cleaned).count()
            cells.append(Cell.of(count, COUNT, drill_url(filterset, measure)))
        rows.append(cells)
    return Figure(
        "disputes",
        _("Disputes and complaints"),
        columns,
        rows,
        note=_(
            "Deadlines come from each case's compliance policy at receipt; with the period "
            "ending today, past their deadline is the register's overdue. Complaints follow the "
            "collector and agency filters (the one they concern); disputes do not."
        ),
    )


def _moment_cell(moment: dt.datetime | None, user) -> Cell:
    """A moment: on the reader's clock on the page, in UTC (ISO 8601) in the CSV."""
    if moment is None:
        return Cell(None)
    utc = moment.astimezone(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
    return Cell(utc, TEXT, shown=your_time(moment, user))


# --- The few figures a supervisor looks at first ----------------------------------------------


@dataclass(frozen=True)
class KeyFigure:
    """One figure at the head of every dashboard, with what it is compared with."""

    key: str
    label: str
    value: str
    comparison: str = ""
    url: str = ""


def _totals_between(
    filterset: DashboardFilterSet, user, first: dt.date, last: dt.date
) -> dict[str, object]:
    """The performance measures summed over `first`..`last`, under every other filter."""
    active = {name for name in FILTER_COLUMNS if filterset.cleaned.get(name) not in (None, "")}
    model = performance_table(active, ("day",))
    rows = filterset.filter_without_dates(scoped(user, model.objects.all()))
    totals = rows.filter(day__range=(first, last)).aggregate(
        **{measure: _sum(measure) for measure in PERFORMANCE_MEASURES}
    )
    return {measure: value or 0 for measure, value in totals.items()}


def _same_days_a_month_before(first: dt.date, last: dt.date) -> tuple[dt.date, dt.date]:
    """The month before's first day to the same day of that month (its last, when shorter)."""
    previous_start, previous_end = month_bounds(first - dt.timedelta(days=1))
    return previous_start, min(previous_end, previous_start.replace(day=last.day))


def _rate_text(numerator, denominator) -> str:
    return percent(_ratio(numerator, denominator) if denominator else None, 1)


def key_figures(filterset: DashboardFilterSet, user, *, today: dt.date) -> list[KeyFigure]:
    """Collected on the period's last day and in its month (against the day and the same
    days of the month before), the right-party contact and promise-kept rates of the period
    (against the period before), and the call queue now."""
    first, last = filterset.period()
    currency = filterset.cleaned.get("currency", "")
    day_before = last - dt.timedelta(days=1)
    on_day = _totals_between(filterset, user, last, last)
    on_day_before = _totals_between(filterset, user, day_before, day_before)
    month_start = last.replace(day=1)
    month = _totals_between(filterset, user, month_start, last)
    month_before = _totals_between(filterset, user, *_same_days_a_month_before(month_start, last))
    length = (last - first).days + 1
    period = _totals_between(filterset, user, first, last)
    period_before = _totals_between(
        filterset, user, first - dt.timedelta(days=length), first - dt.timedelta(days=1)
    )

    def kept(totals: dict) -> str:
        resolved = totals["promises_kept"] + totals["promises_broken"]
        return _rate_text(totals["promises_kept"], resolved)

    def contacted(totals: dict) -> str:
        return _rate_text(totals["right_party_contacts"], totals["attempts"])

    before_days = ngettext(
        "the %(count)s day before: %(value)s", "the %(count)s days before: %(value)s", length
    )
    snapshots = list(queue_snapshot_for(user, filterset.cleaned.get("team")))
    return [
        KeyFigure(
            "collected-day",
            _("Collected today")
            if last == today
            else _("Collected on %(day)s") % {"day": formats.date_format(last)},
            money(on_day["collected"], currency),
            _("the day before: %(value)s") % {"value": money(on_day_before["collected"], currency)},
            drill_url(filterset, "collected", date_from=last, date_to=last),
        ),
        KeyFigure(
            "collected-month",
            _("Collected this month")
            if month_start == today.replace(day=1)
            else _("Collected in %(month)s")
            % {"month": formats.date_format(last, "YEAR_MONTH_FORMAT")},
            money(month["collected"], currency),
            _("same days of the month before: %(value)s")
            % {"value": money(month_before["collected"], currency)},
            drill_url(filterset, "collected", date_from=month_start, date_to=last),
        ),
        KeyFigure(
            "rpc-rate",
            _("Right-party contact rate"),
            contacted(period),
            before_days % {"count": number(length), "value": contacted(period_before)},
            drill_url(filterset, "rpc"),
        ),
        KeyFigure(
            "kept-rate",
            _("Promises kept"),
            kept(period),
            before_days % {"count": number(length), "value": kept(period_before)},
            drill_url(filterset, "resolved"),
        ),
        KeyFigure(
            "queue-depth",
            _("Queue depth"),
            number(sum(snapshot.queue_depth for snapshot in snapshots)),
            _("cases to call now") if snapshots else _("No queue snapshot yet."),
            drill_url(filterset, "queue"),
        ),
        KeyFigure(
            "untouched",
            _("Untouched cases"),
            number(sum(snapshot.untouched for snapshot in snapshots)),
            _("not called since they entered their stage"),
            drill_url(filterset, "untouched"),
        ),
    ]
