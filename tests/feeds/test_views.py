"""The upload page runs the import through a real Redis; the exports stream what you may see."""

from __future__ import annotations

import csv
import datetime as dt
import io

import django_rq
import pytest
from django.contrib.auth.models import Permission
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from rq import SimpleWorker

from accounts.roles import Role
from feeds.models import ImportRun
from tests.factories import (
    ActivityFactory,
    CaseFactory,
    PaymentFactory,
    PromiseToPayFactory,
    UserFactory,
)
from tests.feeds.conftest import BUSINESS_DATE

pytestmark = pytest.mark.django_db

SAMPLE = "samples/accounts_feed.csv"
PERIOD = {"date_from": "2026-11-01", "date_to": "2026-11-30"}


@pytest.fixture
def queue():
    queue = django_rq.get_queue("default")
    queue.connection.flushdb()
    yield queue
    queue.connection.flushdb()


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def login(client, user):
    client.force_login(user)
    return client


def test_the_sample_file_uploaded_by_an_admin_is_imported_by_the_worker_and_reported(
    client, admin_user, queue, django_capture_on_commit_callbacks
):
    login(client, admin_user)
    with open(SAMPLE, "rb") as sample:
        upload = SimpleUploadedFile("accounts_feed.csv", sample.read(), "text/csv")
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("feeds:upload"),
            {"kind": "accounts", "file": upload, "business_date": BUSINESS_DATE.isoformat()},
        )
    run = ImportRun.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("feeds:detail", args=[run.pk])
    assert run.status == ImportRun.Status.QUEUED
    waiting = client.get(reverse("feeds:detail", args=[run.pk]))
    assert b'hx-trigger="every 2s"' in waiting.content

    SimpleWorker([queue], connection=queue.connection).work(burst=True)

    run.refresh_from_db()
    assert run.status == ImportRun.Status.SUCCEEDED
    assert (run.rows_read, run.inserted, run.rejected) == (8, 3, 5)
    assert run.user == admin_user
    polled = client.get(reverse("feeds:progress", args=[run.pk]), headers={"HX-Request": "true"})
    assert polled["HX-Refresh"] == "true"
    report = client.get(reverse("feeds:detail", args=[run.pk])).content.decode()
    assert "hx-trigger" not in report
    assert "card_number_last4 holds a full card number" in report
    assert "duplicate account_reference in this file (first on line 4)" in report
    assert "4111111111111111" not in report


def test_the_rejected_rows_are_explained_in_the_uploader_language(
    client, admin_user, queue, django_capture_on_commit_callbacks
):
    login(client, admin_user)
    with open(SAMPLE, "rb") as sample:
        upload = SimpleUploadedFile("accounts_feed.csv", sample.read(), "text/csv")
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            reverse("feeds:upload"),
            {"kind": "accounts", "file": upload, "business_date": BUSINESS_DATE.isoformat()},
            HTTP_ACCEPT_LANGUAGE="zh-hans",
        )

    SimpleWorker([queue], connection=queue.connection).work(burst=True)

    run = ImportRun.objects.get()
    assert run.language == "zh-hans"
    reasons = list(run.rejected_rows.values_list("reason", flat=True))
    assert any(reason.startswith("card_number_last4 中含有完整卡号") for reason in reasons)


def test_a_refused_upload_says_why(client, admin_user, queue, django_capture_on_commit_callbacks):
    login(client, admin_user)
    upload = SimpleUploadedFile("feed.csv", b"a;b;c\n1;2;3\n", "text/csv")
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            reverse("feeds:upload"),
            {"kind": "payments", "file": upload, "business_date": BUSINESS_DATE.isoformat()},
        )
    SimpleWorker([queue], connection=queue.connection).work(burst=True)

    run = ImportRun.objects.get()
    report = client.get(reverse("feeds:detail", args=[run.pk])).content.decode()
    assert run.status == ImportRun.Status.REFUSED
    assert "refused and nothing was imported" in report
    assert "comma-separated" in report


def test_only_admins_reach_the_upload_page(client, collector, supervisor, admin_user):
    url = reverse("feeds:upload")
    assert client.get(url).status_code == 302  # anonymous: to the login page
    assert login(client, collector).get(url).status_code == 404
    assert login(client, supervisor).get(url).status_code == 404
    assert login(client, admin_user).get(url).status_code == 200


def test_an_import_report_is_not_found_for_a_non_staff_user(client, supervisor):
    run = ImportRun.objects.create(kind="accounts", business_date=BUSINESS_DATE, file_name="x")
    supervisor.user_permissions.add(Permission.objects.get(codename="add_importrun"))
    assert login(client, supervisor).get(reverse("feeds:detail", args=[run.pk])).status_code == 404


@pytest.fixture
def two_teams(team, other_team):
    """One case of each team, each with an activity, a promise and a payment in November."""
    opened = dt.datetime(2026, 11, 10, 12, 0, tzinfo=dt.UTC)
    cases = {}
    for label, owner in (("A", team), ("B", other_team)):
        case = CaseFactory(team=owner, opened_at=opened, account__account_reference=f"TEAM-{label}")
        ActivityFactory(case=case, occurred_at=opened)
        PromiseToPayFactory(case=case, promised_on=dt.date(2026, 11, 10))
        PaymentFactory(account=case.account, received_on=dt.date(2026, 11, 12))
        cases[label] = case
    return cases


@pytest.mark.parametrize("name", ["cases", "activities", "promises", "payments"])
def test_a_supervisor_exports_their_teams_rows_only(client, supervisor, two_teams, name):
    response = login(client, supervisor).get(reverse("feeds:export", args=[name]), PERIOD)

    assert response.status_code == 200
    assert response.streaming
    lines = b"".join(response.streaming_content).decode().splitlines()
    assert len(lines) == 2  # header and team A's row
    assert "TEAM-A" in lines[1]
    assert not any("TEAM-B" in line for line in lines)


def test_the_supervisor_of_team_b_sees_nothing_of_team_a(client, other_team, two_teams):
    supervisor_b = UserFactory(username="supervisor_b", role=Role.SUPERVISOR, team=other_team)
    other_team.supervisors.add(supervisor_b)

    response = login(client, supervisor_b).get(reverse("feeds:export", args=["cases"]), PERIOD)

    content = b"".join(response.streaming_content).decode()
    assert "TEAM-B" in content
    assert "TEAM-A" not in content


def test_an_export_keeps_to_the_period(client, compliance_officer, two_teams):
    period = {"date_from": "2026-12-01", "date_to": "2026-12-31"}
    response = login(client, compliance_officer).get(
        reverse("feeds:export", args=["payments"]), period
    )
    assert b"".join(response.streaming_content).decode().count("\n") == 1


def test_collectors_and_anonymous_users_get_no_export(client, collector, outsider, two_teams):
    url = reverse("feeds:export", args=["cases"])
    assert client.get(url, PERIOD).status_code == 302
    assert login(client, collector).get(url, PERIOD).status_code == 404
    assert login(client, outsider).get(url, PERIOD).status_code == 404


def test_an_unknown_export_or_a_bad_period_is_refused(client, supervisor):
    login(client, supervisor)
    assert client.get(reverse("feeds:export", args=["debtors"]), PERIOD).status_code == 404
    bad = {"date_from": "2026-11-30", "date_to": "2026-11-01"}
    assert client.get(reverse("feeds:export", args=["cases"]), bad).status_code == 400


def test_the_feeds_page_shows_imports_to_admins_and_exports_to_supervisors(
    client, supervisor, admin_user
):
    ImportRun.objects.create(
        kind="accounts", business_date=timezone.localdate(), file_name="bank-file.csv"
    )
    page = login(client, supervisor).get(reverse("feeds:list")).content.decode()
    assert "Exports" in page and "bank-file.csv" not in page
    page = login(client, admin_user).get(reverse("feeds:list")).content.decode()
    assert "bank-file.csv" in page


def test_a_running_import_keeps_polling_its_progress(client, admin_user):
    run = ImportRun.objects.create(
        kind="accounts",
        business_date=BUSINESS_DATE,
        file_name="big.csv",
        status=ImportRun.Status.RUNNING,
        rows_read=20_000,
        progress_percent=40,
    )
    response = login(client, admin_user).get(
        reverse("feeds:progress", args=[run.pk]), headers={"HX-Request": "true"}
    )
    content = response.content.decode()
    assert 'hx-trigger="every 2s"' in content
    assert 'value="40"' in content and "20,000 rows read" in content


@pytest.mark.parametrize(("rows", "said"), [(1, "1 row read"), (2, "2 rows read")])
def test_a_running_imports_progress_counts_rows_in_words_that_fit(client, admin_user, rows, said):
    run = ImportRun.objects.create(
        kind="accounts",
        business_date=BUSINESS_DATE,
        file_name="small.csv",
        status=ImportRun.Status.RUNNING,
        rows_read=rows,
        rejected=1,
    )
    response = login(client, admin_user).get(
        reverse("feeds:progress", args=[run.pk]), headers={"HX-Request": "true"}
    )
    assert f"Running · {said} · 1 rejected</p>" in response.content.decode()


def test_imports_are_listed_read_only_in_the_admin(client, admin_user):
    run = ImportRun.objects.create(kind="payments", business_date=BUSINESS_DATE, file_name="p.csv")
    login(client, admin_user)
    assert client.get(reverse("admin:feeds_importrun_changelist")).status_code == 200
    assert client.get(reverse("admin:feeds_importrun_change", args=[run.pk])).status_code == 200
    assert client.get(reverse("admin:feeds_importrun_add")).status_code == 403


FORMULAS = ['=HYPERLINK("http://e.x","c")', "+1+1"]


def _csv_rows(response) -> list[list[str]]:
    return list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))


@pytest.mark.parametrize("name", ["cases", "activities"])
@pytest.mark.parametrize("reference", FORMULAS)
def test_an_account_reference_that_is_a_formula_is_exported_as_text(
    client, supervisor, team, name, reference
):
    opened = dt.datetime(2026, 11, 10, 12, 0, tzinfo=dt.UTC)
    case = CaseFactory(team=team, opened_at=opened, account__account_reference=reference)
    ActivityFactory(case=case, occurred_at=opened)

    rows = _csv_rows(login(client, supervisor).get(reverse("feeds:export", args=[name]), PERIOD))

    column = rows[0].index("Account reference")
    assert rows[1][column] == "'" + reference


def test_an_admin_downloads_the_rejected_rows_of_an_import_neutralised(client, admin_user):
    run = ImportRun.objects.create(kind="accounts", business_date=BUSINESS_DATE, file_name="x")
    run.rejected_rows.create(line_number=3, raw_row="@SUM(A1),1234", reason="bad row")
    run.rejected_rows.create(line_number=2, raw_row="ACC-1,-12.50", reason="=1+1")

    response = login(client, admin_user).get(reverse("feeds:rejected_csv", args=[run.pk]))

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert _csv_rows(response) == [
        ["Line", "Reason", "Row as read"],
        ["2", "'=1+1", "ACC-1,-12.50"],
        ["3", "bad row", "'@SUM(A1),1234"],
    ]
    detail = client.get(reverse("feeds:detail", args=[run.pk])).content.decode()
    assert reverse("feeds:rejected_csv", args=[run.pk]) in detail


def test_the_rejected_rows_are_not_found_for_those_who_may_not_import(
    client, supervisor, collector
):
    run = ImportRun.objects.create(kind="accounts", business_date=BUSINESS_DATE, file_name="x")
    url = reverse("feeds:rejected_csv", args=[run.pk])
    assert client.get(url).status_code == 302
    assert login(client, collector).get(url).status_code == 404
    assert login(client, supervisor).get(url).status_code == 404
    supervisor.user_permissions.add(Permission.objects.get(codename="add_importrun"))
    assert login(client, supervisor).get(url).status_code == 404  # not staff


def test_the_csv_headers_are_in_the_reader_language(client, supervisor, team):
    opened = dt.datetime(2026, 11, 10, 12, 0, tzinfo=dt.UTC)
    CaseFactory(team=team, opened_at=opened)

    response = login(client, supervisor).get(
        reverse("feeds:export", args=["cases"]), PERIOD, HTTP_ACCEPT_LANGUAGE="zh-hans"
    )

    header = _csv_rows(response)[0]
    assert "账户编号" in header and "立案时间" in header[6]
    assert "Account reference" not in header


def test_the_import_page_reads_in_chinese_with_rows_grouped(client, admin_user):
    run = ImportRun.objects.create(
        kind="accounts",
        business_date=BUSINESS_DATE,
        file_name="accounts.csv",
        status=ImportRun.Status.SUCCEEDED,
        rows_read=12345,
        rejected=1,
    )
    run.rejected_rows.create(line_number=2, raw_row="ACC-1", reason="x")

    page = (
        login(client, admin_user)
        .get(reverse("feeds:detail", args=[run.pk]), HTTP_ACCEPT_LANGUAGE="zh-hans")
        .content.decode()
    )

    assert "有 1 行被拒收" in page
    assert "12,345" in page
    assert "Rejected rows" not in page and "拒收行" in page
