"""Reading the dashboards' figures as a supervisor would see them."""

from __future__ import annotations

import csv
import io
import re
from html import unescape

from django.test import RequestFactory

from reporting.filters import DashboardFilterSet


def filterset_for(user, **params) -> DashboardFilterSet:
    request = RequestFactory().get("/", {k: str(v) for k, v in params.items()})
    request.user = user
    filterset = DashboardFilterSet(request.GET, request=request)
    assert filterset.is_valid(), filterset.errors
    return filterset


def figures(builder, user, **params) -> dict:
    return {figure.key: figure for figure in builder(filterset_for(user, **params), user)}


def rows(figure) -> dict[str, dict]:
    """Each row as {column key: value}, keyed by its first cell's value."""
    keys = [column.key for column in figure.columns]
    return {
        str(cells[0].value): dict(zip(keys, [cell.value for cell in cells], strict=True))
        for cells in figure.rows
    }


def screen_table(html: str, figure_key: str) -> list[list[str]]:
    """The header and body cells of one figure's table on a page, as text."""
    match = re.search(
        rf'<table[^>]*data-figure="{re.escape(figure_key)}"[^>]*>(.*?)</table>', html, re.S
    )
    assert match, f"no table {figure_key}"
    table = []
    for row in re.findall(r"<tr>(.*?)</tr>", match.group(1), re.S):
        cells = re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row, re.S)
        table.append(
            [
                re.sub(r"\s+", " ", unescape(re.sub(r"<[^>]+>", "", cell))).strip(" ▲▼")
                for cell in cells
            ]
        )
    return table


def csv_table(content: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(content.decode())))
