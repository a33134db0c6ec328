"""`manage.py import_feed`: progress on the terminal, the report, a refusal as an error."""

from __future__ import annotations

import io

import pytest
from django.core.management import CommandError, call_command

from cases.models import CardAccount
from tests.feeds.conftest import accounts_feed

pytestmark = pytest.mark.django_db


def test_the_command_imports_and_prints_progress_and_report(write_feed):
    out, err = io.StringIO(), io.StringIO()
    path = write_feed(accounts_feed(3))

    call_command(
        "import_feed", "accounts", str(path), "--date", "2026-11-23", stdout=out, stderr=err
    )

    assert "3 rows read, 3 inserted, 0 updated, 0 unchanged, 0 rejected" in out.getvalue()
    assert "\r[" in err.getvalue() and "3 rows" in err.getvalue()
    assert CardAccount.objects.count() == 3


def test_the_report_of_a_one_row_file_says_row_not_rows(write_feed):
    out, err = io.StringIO(), io.StringIO()
    path = write_feed(accounts_feed(1))

    call_command(
        "import_feed", "accounts", str(path), "--date", "2026-11-23", stdout=out, stderr=err
    )

    assert "Succeeded: 1 row read, 1 inserted" in out.getvalue()
    assert "1 row, 0 rejected" in err.getvalue()


def test_a_dry_run_from_the_command_writes_nothing(write_feed):
    out = io.StringIO()
    call_command(
        "import_feed", "accounts", str(write_feed(accounts_feed(2))), "--dry-run",
        "--date", "2026-11-23", stdout=out, stderr=io.StringIO(),
    )  # fmt: skip
    assert "Previewed (dry run): 2 rows read, 2 inserted" in out.getvalue()
    assert not CardAccount.objects.exists()


def test_a_refused_file_is_a_command_error(write_feed):
    with pytest.raises(CommandError, match="Refused, nothing imported: The file is empty"):
        call_command("import_feed", "payments", str(write_feed(b"")), stderr=io.StringIO())
