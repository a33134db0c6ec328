"""Benchmark: drawing the People page's tables and the dashboard filters with template partials,
against the HTML the Python code built before (`Figure.head_html` / `Figure.body_html` in
reporting/figures.py and `fields_html` in reporting/filters.py, read from git at `--before`).

A test database (SQLite in memory by default; with DATABASE_URL, `test_<its name>`) holds the
collectors, so the collector filter lists `--options` of them. Three parts are drawn, both ways
in turn, each from the objects the page builds to its HTML (header cells and sort links
included), with templates compiled once as the cached loader does in production:

- the collectors' table for `--collectors` rows with every column (collector, team, each
  measure beside its team average) and the page's links: the largest table a page can draw;
- the filter form (`reporting/_filters.html`);
- the People page as it is shown: the collectors' first page, the teams' table and `--days`
  days of collections per day, and the filters.

Both ways must give the same HTML (whitespace between tags aside). Prints p50/p95 of each part
and their ratio, beside the pages' floor (p95 < 300 ms, queries included: bench/dashboards.py).

Usage: `make bench-dashboard_render` (PostgreSQL) or `python bench/dashboard_render.py
[--collectors 500] [--options 1000] [--days 366] [--rounds 40] [--before COMMIT]`.
"""

from __future__ import annotations

import argparse
import datetime as dt
import gc
import os
import re
import statistics
import subprocess
import sys
import time
import types
from collections.abc import Callable
from dataclasses import replace
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "collections_site.settings")
os.environ.setdefault("SECRET_KEY", "bench-only-secret-key-0123456789abcdefghijklmnopqrstuvwxyz")

import django  # noqa: E402

django.setup()

from django.db import connection  # noqa: E402
from django.template import engines  # noqa: E402
from django.template.loader import get_template  # noqa: E402
from django.test import RequestFactory  # noqa: E402

from accounts.models import Team, User  # noqa: E402
from reporting import figures  # noqa: E402
from reporting.filters import DashboardFilterSet  # noqa: E402

# The last commit whose figures and filters built their HTML in Python.
BEFORE = "f9eb248361a0878d5fc7e525666efd8d1f8d0d02"
FLOOR_MS = 300.0
TEAMS = 20
SORTED_BY = "collected"
WAYS = ("before", "after")
PAGE_ROWS = figures.TABLE_PAGE_SIZE


def module_at(commit: str, path: str, name: str) -> types.ModuleType:
    """The module `path` as it was at `commit`, imported under `name`."""
    source = git_show(commit, path)
    module = types.ModuleType(name)
    sys.modules[name] = module  # dataclasses look their module up while the class is built
    exec(compile(source, f"{commit[:9]}:{path}", "exec"), module.__dict__)
    return module


def git_show(commit: str, path: str) -> str:
    return subprocess.run(
        ["git", "show", f"{commit}:{path}"], cwd=ROOT, check=True, capture_output=True, text=True
    ).stdout


def add_collectors(count: int) -> User:
    """`count` in-house collectors over TEAMS teams, some with names that need escaping; and
    the admin who sees them all."""
    teams = Team.objects.bulk_create([Team(name=f"Team {n:02d}") for n in range(TEAMS)])
    User.objects.bulk_create(
        User(
            username=f"collector{n:04d}",
            first_name="O'Brien & <Sons>" if n % 10 == 0 else f"Ann {n}",
            last_name='"Bo"' if n % 10 == 0 else "Collector",
            team=teams[n % TEAMS],
        )
        for n in range(count)
    )
    return User.objects.create(username="bench-admin", is_superuser=True, is_staff=True)


def measure_values(measure, row: int):
    """A plausible value of `measure` for the row-th collector; blanks now and then."""
    if row % 17 == 0 and measure.kind != figures.COUNT:
        return None
    seed = Decimal((row * 7919 + len(measure.key) * 104729) % 100000)
    match measure.kind:
        case figures.COUNT:
            return int(seed) % 900
        case figures.MONEY:
            return seed * Decimal("3.17")
        case figures.RATE:
            return seed / 1000
        case _:
            return int(seed) % 600


def collectors_figure(module, filterset: DashboardFilterSet, collectors: list[User]):
    """The collectors' table as `module`'s people_figures builds it, with synthetic values."""
    columns = [module.Column("collector", "Collector"), module.Column("team", "Team")]
    for measure in module.MEASURES:
        kind = module.MONEY if measure.kind == module.COUNT else measure.kind
        columns.append(module.Column(measure.key, measure.label, measure.kind, measure.definition))
        columns.append(module.Column(f"{measure.key}_team", "team avg", kind, muted=True))
    rows = []
    for position, collector in enumerate(collectors):
        coordinates = filterset.query_string(
            measure=None, team=collector.team_id, collector=collector.pk
        )
        row_link = f"{module._drill_path()}?{coordinates}&measure="
        cells = [module.Cell(collector.get_full_name()), module.Cell(str(collector.team))]
        for measure in module.MEASURES:
            kind = module.MONEY if measure.kind == module.COUNT else measure.kind
            value = measure_values(measure, position)
            average = measure_values(measure, position // 25)
            cells.append(module.Cell.of(value, measure.kind, row_link + measure.drill))
            cells.append(module.Cell.of(average, kind))
        rows.append(cells)
    return module.Figure("collectors", "Collectors", columns, rows, sortable=True)


def teams_figure(module, filterset: DashboardFilterSet, teams: list[Team], headcount: int):
    """The teams' table of the People page, with synthetic values."""
    columns = [module.Column("team", "Team"), module.Column("collectors", "Collectors", "count")]
    columns += [module.Column(m.key, m.label, m.kind, m.definition) for m in module.MEASURES]
    rows = []
    for position, team in enumerate(teams):
        row_link = f"{module._drill_path()}?{filterset.query_string(measure=None, team=team.pk)}"
        cells = [module.Cell(str(team)), module.Cell.of(headcount, module.COUNT)]
        cells += [
            module.Cell.of(
                measure_values(measure, position),
                measure.kind,
                f"{row_link}&measure={measure.drill}",
            )
            for measure in module.MEASURES
        ]
        rows.append(cells)
    return module.Figure("teams", "Teams", columns, rows)


def collections_per_day_figure(module, filterset: DashboardFilterSet, days: int):
    """The People page's collections per day, over `days` days, with synthetic values."""
    first = dt.date(2025, 11, 1)
    rows = []
    for offset in range(days):
        day = first + dt.timedelta(days=offset)
        url = module.drill_url(filterset, "collected", date_from=day, date_to=day)
        rows.append(
            [
                module.Cell(day, module.DATE),
                module.Cell.of(offset * 37 % 400, module.COUNT, url),
                module.Cell.of(Decimal(offset * 7919 % 100000) * 3, module.MONEY, url),
            ]
        )
    return module.Figure(
        "collections-per-day",
        "Collections per day",
        [
            module.Column("day", "Day", module.DATE),
            module.Column("payments", "Payments", module.COUNT),
            module.Column("collected", "Collected", module.MONEY, "Payments received that day."),
        ],
        rows,
        chart={
            "type": "line",
            "labels": [cells[0].value.isoformat() for cells in rows],
            "datasets": [{"label": "Collected", "data": [str(c[2].value) for c in rows]}],
        },
    )


def sort_links(figure, filterset: DashboardFilterSet) -> dict[str, tuple[str, str]]:
    """The links reporting.views gives a sortable table's header, sorted by SORTED_BY."""
    links = {}
    for column in figure.columns:
        if column.muted:
            continue
        flip = "desc" if column.key == SORTED_BY else "asc"
        marker = "▲" if column.key == SORTED_BY else ""
        links[column.key] = (f"?{filterset.query_string(sort=column.key, order=flip)}", marker)
    return links


def timed(draw: Callable[[], str]) -> float:
    """Milliseconds to draw once."""
    gc.collect()
    began = time.perf_counter()
    draw()
    return (time.perf_counter() - began) * 1000


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def between_tags(html: str) -> str:
    return re.sub(r">\s+<", "><", html).strip()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--collectors", type=int, default=500, help="rows of the table")
    parser.add_argument("--options", type=int, default=1000, help="collectors in the filter")
    parser.add_argument("--days", type=int, default=366, help="days of collections per day")
    parser.add_argument("--rounds", type=int, default=40)
    parser.add_argument("--before", default=BEFORE, help="the commit of the Python-built HTML")
    args = parser.parse_args()

    modules = {
        "before": module_at(args.before, "reporting/figures.py", "bench_before_figures"),
        "after": figures,
    }
    filterset_classes = {
        "before": module_at(
            args.before, "reporting/filters.py", "bench_before_filters"
        ).DashboardFilterSet,
        "after": DashboardFilterSet,
    }
    templates = {
        "before": {
            name: engines["django"].from_string(
                git_show(args.before, f"reporting/templates/reporting/{name}.html")
            )
            for name in ("_figure", "_filters")
        },
        "after": {name: get_template(f"reporting/{name}.html") for name in ("_figure", "_filters")},
    }

    original_name = connection.settings_dict["NAME"]
    connection.creation.create_test_db(verbosity=0, autoclobber=True, serialize=False)
    try:
        admin = add_collectors(max(args.options - 1, args.collectors))
        request = RequestFactory().get("/dashboards/people/", {"sort": SORTED_BY})
        request.user = admin
        collectors = list(
            User.objects.filter(team__isnull=False)
            .select_related("team")
            .order_by("pk")[: args.collectors]
        )
        teams = list(Team.objects.order_by("name"))

        def drawings(way: str) -> dict[str, Callable[[], str]]:
            """The parts drawn, `way`: each from the objects the page builds to its HTML."""
            module, filterset = modules[way], filterset_classes[way](request.GET, request=request)
            collectors_table = collectors_figure(module, filterset, collectors)
            first_page = replace(collectors_table, rows=collectors_table.rows[:PAGE_ROWS])
            people_page = [
                first_page,
                teams_figure(module, filterset, teams, len(collectors) // len(teams)),
                collections_per_day_figure(module, filterset, args.days),
            ]
            query = filterset.query_string()

            def cards(shown: list) -> str:
                html = []
                for figure in shown:
                    links = sort_links(figure, filterset) if figure.sortable else {}
                    # As reporting.views does, before the page is drawn.
                    if way == "before":
                        figure.header = figure.head_html(links)
                    else:
                        figure.header = figure.header_cells(links)
                    context = {"figure": figure, "page": "people", "query": query}
                    html.append(templates[way]["_figure"].render(context))
                return "".join(html)

            def filters() -> str:
                return templates[way]["_filters"].render(
                    {"filterset": filterset, "request": request}
                )

            return {
                f"collectors table, {len(collectors)} rows": lambda: cards([collectors_table]),
                f"filters, {args.options} collectors": filters,
                "People page: figures, filters": lambda: cards(people_page) + filters(),
            }

        draws = {way: drawings(way) for way in WAYS}
        for part in draws["after"]:
            same = between_tags(draws["before"][part]()) == between_tags(draws["after"][part]())
            print(f"  {part}: the same HTML both ways: {'yes' if same else 'NO'}", flush=True)

        # Rounds alternate the ways, so that a busier moment of the machine falls on both.
        results = {part: {way: [] for way in WAYS} for part in draws["after"]}
        for _ in range(args.rounds):
            for part in results:
                for way in WAYS:
                    results[part][way].append(timed(draws[way][part]))

        print(
            f"\n  {len(collectors)} collectors x {len(figures.MEASURES) * 2 + 2} columns; the"
            f" People page drawn as shown: the collectors' first {PAGE_ROWS} rows, {len(teams)}"
            f" teams, {args.days} days of collections. {args.rounds} rounds ({connection.vendor})."
        )
        print(f"  {'(ms)':<32} {'before (Python)':>25} {'after (templates)':>25}  after/before")
        for part, ways in results.items():
            line = f"  {part:<32}"
            for values in ways.values():
                line += (
                    f"  p50 {statistics.median(values):6.1f} p95 {percentile(values, 0.95):6.1f}"
                )
            ratio = statistics.median(ways["after"]) / statistics.median(ways["before"])
            print(f"{line}  {ratio:6.2f}x (p50)")
        page_p95 = percentile(results["People page: figures, filters"]["after"], 0.95)
        print(
            f"\n  The People page drawn with templates: p95 {page_p95:.1f} ms, of the pages' floor"
            f" of {FLOOR_MS:.0f} ms (p95, queries included)"
            f" {'ok' if page_p95 < FLOOR_MS else 'MISSED'}"
        )
    finally:
        connection.creation.destroy_test_db(original_name, verbosity=0)


if __name__ == "__main__":
    main()
