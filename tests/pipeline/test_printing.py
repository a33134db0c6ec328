"""Print runs: the letters dispatch handed to print, set into print files, each letter once."""

from __future__ import annotations

import datetime as dt
import io

import django_rq
import pytest
from django.urls import reverse
from pypdf import PdfReader

from pipeline import jobs
from pipeline.models import OutboundMessage, PrintFile
from pipeline.printing import letters_awaiting_print, letters_print
from pipeline.services import pipeline_run_day
from tests.factories import CardAccountFactory, ContactPointFactory
from tests.pdfs import pdf_text
from tests.pipeline.conftest import DAY_ZERO, day, moment
from tests.pipeline.test_messages import dispatch_and_send

pytestmark = pytest.mark.django_db

NOON_DAY_45 = dt.datetime.combine(day(45), dt.time(16, 0), tzinfo=dt.UTC)
AFTER_DISPATCH = NOON_DAY_45 + dt.timedelta(hours=1)


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


def sent_letters(*debtors: dict) -> list[OutboundMessage]:
    """A demand letter sent to each debtor (their fields), in this order."""
    for fields in debtors:
        account = CardAccountFactory(oldest_unpaid_due_date=DAY_ZERO, **fields)
        ContactPointFactory(debtor=account.debtor, kind="postal", value="1 Main St, Springfield")
    for n in (1, 45):
        pipeline_run_day(business_date=day(n), now=moment(n))
    OutboundMessage.objects.filter(channel="sms").update(status="cancelled")
    assert len(dispatch_and_send(NOON_DAY_45)) == len(debtors)
    letters = list(OutboundMessage.objects.filter(channel="letter").order_by("id"))
    assert {letter.status for letter in letters} == {"sent"}
    return letters


def page_text(print_file: PrintFile, page: int) -> str:
    reader = PdfReader(io.BytesIO(print_file.file.read()))
    return "".join(reader.pages[page - 1].extract_text().replace("\x00", " ").split())


def test_letters_are_set_into_print_files_each_once_from_its_own_page(media, settings, team):
    settings.PRINT_FILE_LETTERS = 2
    letters = sent_letters(
        {"account_reference": "ACC-PRINT-1"},
        {"account_reference": "ACC-PRINT-2", "debtor__language": "zh", "debtor__full_name": "张喆"},
        {"account_reference": "ACC-PRINT-3"},
    )
    assert letters_awaiting_print().count() == 3

    assert letters_print(now=AFTER_DISPATCH) == 3

    first, second = PrintFile.objects.order_by("id")
    assert (first.letters, second.letters) == (2, 1)
    for letter in letters:
        letter.refresh_from_db()
        text = page_text(letter.print_file, letter.print_page)
        assert letter.case.account.account_reference in text
        assert letter.case.debtor.full_name.replace(" ", "") in text
    assert [letter.print_file for letter in letters] == [first, first, second]
    assert letters[0].print_page == 1 and letters[1].print_page > 1
    # Run again: nothing waits, nothing is printed twice.
    assert letters_print(now=AFTER_DISPATCH) == 0
    assert PrintFile.objects.count() == 2


def test_a_run_sets_at_most_the_files_it_is_given(media, settings, team):
    settings.PRINT_FILE_LETTERS = 1
    sent_letters({}, {})
    assert letters_print(now=AFTER_DISPATCH, files=1) == 1
    assert letters_awaiting_print().count() == 1


def test_a_run_killed_while_writing_a_file_leaves_its_letters_for_the_next(
    media, settings, team, monkeypatch
):
    settings.PRINT_FILE_LETTERS = 1
    letters = sent_letters({}, {})
    saved = PrintFile.save

    def dies_on_the_second_file(print_file, *args, **kwargs):
        if PrintFile.objects.exists():
            raise SystemExit("killed")
        saved(print_file, *args, **kwargs)

    monkeypatch.setattr(PrintFile, "save", dies_on_the_second_file)
    with pytest.raises(SystemExit):
        letters_print(now=AFTER_DISPATCH)
    monkeypatch.setattr(PrintFile, "save", saved)
    assert list(letters_awaiting_print()) == [letters[1]]

    assert letters_print(now=AFTER_DISPATCH) == 1
    assert PrintFile.objects.count() == 2
    assert not letters_awaiting_print().exists()


def test_the_print_job_queues_itself_again_while_letters_wait(media, settings, team, monkeypatch):
    settings.PRINT_FILE_LETTERS = 1
    monkeypatch.setattr(jobs, "PRINT_RUN_FILES", 1)
    sent_letters({}, {})
    queue = django_rq.get_queue("default")
    queue.empty()

    assert jobs.print_letters() == 1
    assert [job.func_name for job in queue.jobs] == ["pipeline.jobs.print_letters"]
    queue.empty()
    assert jobs.print_letters() == 1
    assert jobs.print_letters() == 0
    assert queue.count == 1  # after the second full run; the empty run queues nothing


def test_the_admin_gives_a_sent_letter_as_a_pdf_of_its_own(media, client, admin_user, team):
    [letter] = sent_letters({"account_reference": "ACC-COPY-1"})
    client.force_login(admin_user)
    page = client.get(reverse("admin:pipeline_outboundmessage_change", args=[letter.pk]))
    url = reverse("admin:pipeline_outboundmessage_letter", args=[letter.pk])
    assert url in page.content.decode()

    response = client.get(url)
    assert response["Content-Type"] == "application/pdf"
    assert "ACC-COPY-1" in pdf_text(response.content)
    sms = OutboundMessage.objects.get(channel="sms")
    not_a_letter = reverse("admin:pipeline_outboundmessage_letter", args=[sms.pk])
    assert client.get(not_a_letter).status_code == 404
