"""Streaming CSV exports for reporting, and an import's rejected rows: rows are read in chunks
and written as they come."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from django.db.models import Exists, OuterRef, QuerySet
from django.utils.translation import gettext_lazy as _

from cases.models import Activity, Payment, PromiseToPay
from cases.selectors import cases_visible_to
from common.spreadsheet import csv_line_writer
from feeds.models import ImportRun

CHUNK_SIZE = 2000

# The header of each exported column, in the reader's language (the values stay as stored:
# codes, ISO dates and plain numbers a spreadsheet reads back).
COLUMN_HEADERS = {
    "id": _("ID"),
    "case_id": _("Case ID"),
    "account__account_reference": _("Account reference"),
    "case__account__account_reference": _("Account reference"),
    "status": _("Status"),
    "stage__name": _("Stage"),
    "team__name": _("Team"),
    "assigned_to__username": _("Assigned to"),
    "opened_at": _("Opened at (UTC)"),
    "closed_at": _("Closed at (UTC)"),
    "balance_at_open": _("Balance at opening"),
    "priority_score": _("Priority score"),
    "channel": _("Channel"),
    "direction": _("Direction"),
    "outcome": _("Outcome"),
    "actor__username": _("By"),
    "occurred_at": _("Occurred at (UTC)"),
    "duration_seconds": _("Duration (seconds)"),
    "amount": _("Amount"),
    "currency": _("Currency"),
    "promised_on": _("Promised on"),
    "due_date": _("Due date"),
    "resolved_on": _("Resolved on"),
    "received_on": _("Received on"),
    "source": _("Source"),
    "external_reference": _("External reference"),
}


@dataclass(frozen=True)
class Export:
    title: str
    columns: tuple[str, ...]
    rows: Callable[[object, dt.date, dt.date], QuerySet]


def _cases(user, start: dt.date, end: dt.date) -> QuerySet:
    return (
        cases_visible_to(user)
        .filter(opened_at__date__range=(start, end))
        .order_by("pk")
        .values_list(*EXPORTS["cases"].columns)
    )


def _activities(user, start: dt.date, end: dt.date) -> QuerySet:
    return (
        Activity.objects.filter(case__in=cases_visible_to(user).values("pk"))
        .filter(occurred_at__date__range=(start, end))
        .order_by("pk")
        .values_list(*EXPORTS["activities"].columns)
    )


def _promises(user, start: dt.date, end: dt.date) -> QuerySet:
    return (
        PromiseToPay.objects.filter(case__in=cases_visible_to(user).values("pk"))
        .filter(promised_on__range=(start, end))
        .order_by("pk")
        .values_list(*EXPORTS["promises"].columns)
    )


def _payments(user, start: dt.date, end: dt.date) -> QuerySet:
    visible_account = cases_visible_to(user).filter(account_id=OuterRef("account_id"))
    return (
        Payment.objects.filter(Exists(visible_account), received_on__range=(start, end))
        .order_by("pk")
        .values_list(*EXPORTS["payments"].columns)
    )


EXPORTS: dict[str, Export] = {
    "cases": Export(
        _("Cases"),
        (
            "id",
            "account__account_reference",
            "status",
            "stage__name",
            "team__name",
            "assigned_to__username",
            "opened_at",
            "closed_at",
            "balance_at_open",
            "priority_score",
        ),
        _cases,
    ),
    "activities": Export(
        _("Activities"),
        (
            "id",
            "case_id",
            "case__account__account_reference",
            "channel",
            "direction",
            "outcome",
            "actor__username",
            "occurred_at",
            "duration_seconds",
        ),
        _activities,
    ),
    "promises": Export(
        _("Promises"),
        (
            "id",
            "case_id",
            "case__account__account_reference",
            "amount",
            "currency",
            "promised_on",
            "due_date",
            "status",
            "resolved_on",
        ),
        _promises,
    ),
    "payments": Export(
        _("Payments"),
        (
            "id",
            "account__account_reference",
            "case_id",
            "amount",
            "currency",
            "received_on",
            "source",
            "external_reference",
        ),
        _payments,
    ),
}


def export_csv_lines(*, name: str, user, start: dt.date, end: dt.date) -> Iterator[str]:
    """The CSV lines of export `name` for what `user` may see, header first."""
    export = EXPORTS[name]
    writer = csv_line_writer()
    yield writer.writerow([str(COLUMN_HEADERS[column]) for column in export.columns])
    for row in export.rows(user, start, end).iterator(chunk_size=CHUNK_SIZE):
        yield writer.writerow(["" if value is None else value for value in row])


def rejected_csv_lines(run: ImportRun) -> Iterator[str]:
    """The CSV lines of the rows `run` turned away, header first, in the order of the file."""
    writer = csv_line_writer()
    yield writer.writerow([str(_("Line")), str(_("Reason")), str(_("Row as read"))])
    rows = run.rejected_rows.order_by("line_number", "pk").values_list(
        "line_number", "reason", "raw_row"
    )
    for row in rows.iterator(chunk_size=CHUNK_SIZE):
        yield writer.writerow(row)
