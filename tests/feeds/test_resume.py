"""Nothing uploaded is lost: an import whose process died goes on where it stopped, and an
upload made while the job server was away is imported once it is back."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import django_rq
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from rq import SimpleWorker

from cases.models import CardAccount
from common.holders import holding
from feeds.importer import feed_import
from feeds.jobs import (
    IMPORT_HOLDER,
    queue_import,
    resume_stalled_imports,
    run_import,
    stalled_imports,
)
from feeds.models import ImportRun
from tests.feeds.conftest import BUSINESS_DATE, account_fields, feed_bytes

pytestmark = pytest.mark.django_db

# Eight rows; the fifth (line 6) has a balance that is not an amount.
ROWS = [account_fields(n, **({"balance": "lots"} if n == 5 else {})) for n in range(1, 9)]


class Killed(Exception):
    pass


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def queue():
    queue = django_rq.get_queue("default")
    queue.connection.flushdb()
    yield queue
    queue.connection.flushdb()


def stored_run(content: bytes = b"", **fields) -> ImportRun:
    upload = SimpleUploadedFile("feed.csv", content or feed_bytes(ROWS), "text/csv")
    return ImportRun.objects.create(
        kind="accounts", business_date=BUSINESS_DATE, file_name="feed.csv", upload=upload, **fields
    )


def counts(run: ImportRun) -> tuple[int, int, int, int, int]:
    return (run.rows_read, run.inserted, run.updated, run.unchanged, run.rejected)


def killed_after_two_chunks(run: ImportRun) -> None:
    """Import three rows a chunk and die after the second, leaving what a SIGKILL leaves."""

    def die(chunk_number: int) -> None:
        if chunk_number == 2:
            raise Killed

    with run.upload.open("rb") as upload, pytest.raises(Killed):
        feed_import(
            kind="accounts",
            path_or_file=upload,
            business_date=BUSINESS_DATE,
            run=run,
            chunk_size=3,
            after_chunk=die,
        )
    # A killed process records nothing more: the run still says running.
    ImportRun.objects.filter(pk=run.pk).update(status="running", message="", finished_at=None)


def backdate(run: ImportRun, minutes: int = 3) -> None:
    ImportRun.objects.filter(pk=run.pk).update(
        created_at=timezone.now() - dt.timedelta(minutes=minutes)
    )


def test_an_import_whose_process_died_goes_on_after_its_last_committed_chunk():
    run = stored_run()
    killed_after_two_chunks(run)
    run.refresh_from_db()
    assert (run.lines_done, run.rows_read, CardAccount.objects.count()) == (7, 6, 5)

    assert run_import(run.pk) == "succeeded"

    run.refresh_from_db()
    # The same counts and rejected rows as one clean import of the file.
    assert counts(run) == (8, 7, 0, 0, 1)
    assert list(run.rejected_rows.values_list("line_number", flat=True)) == [6]
    assert run.lines_done == 9
    assert CardAccount.objects.count() == 7


def test_the_sweep_takes_over_an_import_whose_process_died(queue):
    run = stored_run()
    killed_after_two_chunks(run)

    assert resume_stalled_imports() == 1
    SimpleWorker([queue], connection=queue.connection).work(burst=True)

    run.refresh_from_db()
    assert run.status == "succeeded" and counts(run) == (8, 7, 0, 0, 1)
    assert resume_stalled_imports() == 0


def test_the_sweep_leaves_alone_what_is_alive_or_waiting_for_a_worker(queue):
    alive = stored_run(status="running")
    waiting = stored_run()
    lost = stored_run()
    just_uploaded = stored_run()
    for run in (alive, waiting, lost):
        backdate(run)
    assert queue_import(waiting.pk)

    with holding(IMPORT_HOLDER, alive.pk):
        assert stalled_imports(now=timezone.now()) == [lost]
        assert run_import(alive.pk) == "running elsewhere"
    assert just_uploaded not in stalled_imports(now=timezone.now())


def test_a_finished_import_is_not_imported_again():
    run = stored_run(status="succeeded")
    assert run_import(run.pk) == "succeeded"
    assert CardAccount.objects.count() == 0


def test_an_upload_while_the_job_server_is_down_is_kept_and_imported_when_it_returns(
    client, admin_user, queue, settings
):
    working_queues = settings.RQ_QUEUES
    settings.RQ_QUEUES = {
        **working_queues,
        "default": {"URL": "redis://127.0.0.1:1/0", "DEFAULT_TIMEOUT": 60},
    }
    client.force_login(admin_user)
    upload = SimpleUploadedFile("feed.csv", feed_bytes(ROWS), "text/csv")

    response = client.post(
        reverse("feeds:upload"),
        {"kind": "accounts", "file": upload, "business_date": BUSINESS_DATE.isoformat()},
        follow=True,
    )

    assert response.status_code == 200
    assert "The file is saved, but the job server cannot be reached" in response.content.decode()
    run = ImportRun.objects.get()
    assert run.status == "queued" and run.upload.size > 0

    settings.RQ_QUEUES = working_queues
    assert resume_stalled_imports() == 0  # just uploaded: its job may yet arrive
    backdate(run)
    assert resume_stalled_imports() == 1
    SimpleWorker([queue], connection=queue.connection).work(burst=True)

    run.refresh_from_db()
    assert run.status == "succeeded" and counts(run) == (8, 7, 0, 0, 1)


def test_a_taken_over_import_still_rejects_a_duplicate_of_a_row_merged_before_the_kill():
    # Line 9 repeats the account of line 2, which the killed process had merged.
    rows = [*ROWS[:7], account_fields(1, balance="99.00")]
    run = stored_run(feed_bytes(rows))
    killed_after_two_chunks(run)

    assert run_import(run.pk) == "succeeded"

    run.refresh_from_db()
    assert counts(run) == (8, 6, 0, 0, 2)
    assert list(run.rejected_rows.values_list("line_number", "reason")) == [
        (6, "balance is not an amount written with digits and a point, like 1234.50: 'lots'"),
        (9, "duplicate account_reference in this file (first on line 2)"),
    ]
    assert CardAccount.objects.get(account_reference="ACC-000001").balance == Decimal("1200.50")
