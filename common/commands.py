"""Arguments that several management commands take, parsed the same way in each."""

from __future__ import annotations

import argparse
import datetime as dt


def iso_date(value: str) -> dt.date:
    """An argument type for a date written YYYY-MM-DD; anything else is refused with the form
    it should take (argparse names the option)."""
    try:
        return dt.date.fromisoformat(value)
    except ValueError as error:
        raise argparse.ArgumentTypeError(f"must be YYYY-MM-DD, not {value!r}.") from error


def add_business_day_arguments(parser: argparse.ArgumentParser) -> None:
    """`--date` and `--dry-run`, as every command running a nightly step for one day takes them."""
    parser.add_argument("--date", type=iso_date, help="Business date (default: the bank's today).")
    parser.add_argument(
        "--dry-run", action="store_true", help="Print what would happen and keep nothing."
    )
