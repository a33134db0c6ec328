"""Every CSV file the product hands out is written here, so that no cell of it runs as a formula.

A spreadsheet reads a cell that starts with `=`, `+`, `-` or `@` as a formula (and a leading
tab or carriage return can hide one), so a value typed by a debtor or sent in a bank file,
like `=HYPERLINK("http://…","click")`, would run on the desk of whoever opens the export. Such
a cell is written with a `'` in front: the spreadsheet then shows the text as it was, and
anyone reading the file by program sees the quote.

A plain number stays as it is, so that amounts stay numbers: an optional minus, digits and at
most one decimal point (`-12.50`, `-3`). Anything else starting with those characters is text
and is neutralised (`-1+1`, `+12`, `-1e5`, `@SUM(A1)`).
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterable
from datetime import date, datetime
from decimal import Decimal
from typing import Any

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
PLAIN_NUMBER = re.compile(r"-?[0-9]+(?:\.[0-9]+)?")
# Values whose text can only be a number or a date: written as they are.
NUMBERS_AND_DATES = (int, float, Decimal, date, datetime)


def safe_cell(value: Any) -> Any:
    """The value as the CSV shows it safely: a text that a spreadsheet would run gets a `'`."""
    if value is None or isinstance(value, NUMBERS_AND_DATES):
        return value
    text = str(value)
    if text.startswith(FORMULA_STARTS) and not PLAIN_NUMBER.fullmatch(text):
        return "'" + text
    return text


class SafeCsvWriter:
    """A csv.writer whose cells go through safe_cell. writerow returns what the file's write
    returned, so a streaming response can hand each line on as it is written."""

    def __init__(self, file, **options):
        self.writer = csv.writer(file, **options)

    def writerow(self, row: Iterable[Any]):
        return self.writer.writerow([safe_cell(value) for value in row])

    def writerows(self, rows: Iterable[Iterable[Any]]) -> None:
        for row in rows:
            self.writerow(row)


class _Echo:
    """A file whose write() hands the line back instead of storing it."""

    def write(self, value: str) -> str:
        return value


def csv_line_writer() -> SafeCsvWriter:
    """A writer whose writerow returns the CSV line, for responses streamed line by line."""
    return SafeCsvWriter(_Echo())
