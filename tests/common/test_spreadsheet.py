"""The one CSV writer: a cell a spreadsheet would run as a formula is written as text, plain
numbers stay numbers, and no CSV file leaves the product through any other writer."""

from __future__ import annotations

import ast
import csv
import datetime as dt
import io
from decimal import Decimal
from pathlib import Path

import pytest

from common.spreadsheet import SafeCsvWriter, csv_line_writer, safe_cell

ROOT = Path(__file__).resolve().parents[2]
# Writers of CSV that never leaves the product as a file, each with the reason.
INTERNAL_CSV_WRITERS = {
    # The good rows of a feed, as COPY reads them into the staging table.
    "feeds/importer.py",
    # A rejected row written back as the line it was, kept in the database; its download
    # (feeds.exports.rejected_csv_lines) passes it through the safe writer.
    "feeds/formats.py",
    # The one place.
    "common/spreadsheet.py",
}
# Files that are no part of the running product: the suite, the benchmarks, the environment.
NOT_THE_PRODUCT = {"tests", "bench", ".venv", "var", "staticfiles", "node_modules"}


@pytest.mark.parametrize(
    "value",
    [
        '=HYPERLINK("http://e.x","c")',
        "+1+1",
        "-1+1",
        "@SUM(A1:A2)",
        "\t=1+1",
        "\r=1+1",
        "+12",
        "-1e5",
        "-",
        "=",
    ],
)
def test_a_text_a_spreadsheet_would_run_is_written_with_a_quote(value):
    assert safe_cell(value) == "'" + value


@pytest.mark.parametrize("value", ["-12.50", "-3", "0.5", "1234.50", "ACC-000001", "a=b", ""])
def test_plain_numbers_and_harmless_text_are_written_as_they_are(value):
    assert safe_cell(value) == value


@pytest.mark.parametrize("value", [Decimal("-12.50"), -3, -0.25, dt.date(2026, 11, 23), None, True])
def test_numbers_dates_and_blanks_keep_their_type(value):
    assert safe_cell(value) is value


def test_an_object_whose_text_starts_a_formula_is_neutralised():
    class Named:
        def __str__(self) -> str:
            return "=cmd|' /C calc'!A0"

    assert safe_cell(Named()) == "'=cmd|' /C calc'!A0"


def test_the_writer_quotes_what_must_be_quoted_and_neutralises_each_cell():
    buffer = io.StringIO()
    SafeCsvWriter(buffer).writerows([["=1+1", "a,b", Decimal("-2.00")], ["+x", "-7", None]])
    assert list(csv.reader(io.StringIO(buffer.getvalue()))) == [
        ["'=1+1", "a,b", "-2.00"],
        ["'+x", "-7", ""],
    ]


def test_the_line_writer_returns_each_line():
    assert csv_line_writer().writerow(["@a", 1]) == "'@a,1\r\n"


def _csv_writer_calls(path: Path) -> list[int]:
    """The lines of `path` that build a csv module writer (csv.writer or csv.DictWriter)."""
    tree = ast.parse(path.read_text(), filename=str(path))
    found = []
    writers = {"writer", "DictWriter"}
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and node.attr in writers:
            if isinstance(node.value, ast.Name) and node.value.id == "csv":
                found.append(node.lineno)
        elif isinstance(node, ast.ImportFrom) and node.module == "csv":
            found += [node.lineno for alias in node.names if alias.name in writers]
    return found


def test_every_csv_the_product_writes_goes_through_the_one_writer():
    bypassing = []
    for path in sorted(ROOT.rglob("*.py")):
        relative = path.relative_to(ROOT)
        if relative.parts[0] in NOT_THE_PRODUCT or relative.as_posix() in INTERNAL_CSV_WRITERS:
            continue
        bypassing += [f"{relative}:{line}" for line in _csv_writer_calls(path)]
    assert bypassing == [], "write CSV files with common.spreadsheet.SafeCsvWriter"


def test_the_check_finds_a_writer_that_bypasses_it(tmp_path):
    module = tmp_path / "export.py"
    module.write_text("import csv\n\n\ndef export(f):\n    csv.writer(f).writerow(['=1'])\n")
    assert _csv_writer_calls(module) == [5]
