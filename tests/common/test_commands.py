"""Every command taking a date reads it as YYYY-MM-DD and refuses anything else, naming the
option and the form it wants."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.management import CommandError, call_command

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("command", "option"),
    [
        ("run_collections_day", "--date"),
        ("run_agency_day", "--date"),
        ("stats_rebuild", "--from"),
        ("stats_rebuild", "--to"),
        ("seed_demo", "--date"),
    ],
)
def test_a_malformed_date_is_refused_with_the_form_it_should_take(command, option):
    with pytest.raises(CommandError, match=rf"argument {option}: must be YYYY-MM-DD, not '23/11"):
        call_command(command, option, "23/11/2026")


def test_a_date_written_yyyy_mm_dd_is_the_business_date(capsys):
    call_command("run_agency_day", "--date", "2026-11-23", "--dry-run")
    assert f"Agencies for {dt.date(2026, 11, 23)} would do:" in capsys.readouterr().out
