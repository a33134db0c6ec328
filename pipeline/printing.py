"""Print runs: the letters dispatch handed to print, set into print files, off its path.

Dispatch judges a letter, keeps its text as HTML and hands it to print. Setting it as PDF costs
milliseconds a letter (and a Chinese letter's font some 150 ms, once per file here instead of
once per letter), which a night of tens of thousands of letters should not pay while it sends.
A print run sets the letters waiting into print files of `PRINT_FILE_LETTERS` letters each:
one PDF per file, each letter from a new page, the file the print-and-mail house takes.

Several runs may work at once: each locks the letters it sets (SKIP LOCKED). A file and its
letters are recorded in one transaction, so a run killed half-way leaves its letters waiting
for the next one; a file it had already written has no row and goes to no print house.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import transaction

from pipeline.letters import letter_pdf, letters_pdf
from pipeline.models import OutboundMessage, PrintFile


def letters_awaiting_print():
    return OutboundMessage.objects.filter(
        channel="letter", status=OutboundMessage.Status.SENT, print_file__isnull=True
    )


def letters_print(*, now: dt.datetime, files: int | None = None) -> int:
    """Set the letters waiting into print files (at most `files` of them); how many letters
    were set."""
    printed = written = 0
    while files is None or written < files:
        with transaction.atomic():
            letters = list(
                letters_awaiting_print()
                .select_related("case__debtor", "case__account", "contact_point")
                .select_for_update(skip_locked=True, of=("self",))
                .order_by("id")[: settings.PRINT_FILE_LETTERS]
            )
            if not letters:
                break
            pdf, first_pages = letters_pdf([_letter_fields(letter) for letter in letters])
            print_file = PrintFile(created_at=now, letters=len(letters))
            print_file.file.save(
                f"letters-{now:%Y%m%d-%H%M%S}-{letters[0].pk}.pdf", ContentFile(pdf), save=False
            )
            print_file.save()
            for letter, page in zip(letters, first_pages, strict=True):
                letter.print_file, letter.print_page = print_file, page
            OutboundMessage.objects.bulk_update(letters, ["print_file", "print_page"])
        printed += len(letters)
        written += 1
    return printed


def letter_copy_pdf(letter: OutboundMessage) -> bytes:
    """A sent letter as a PDF of its own, set again from what was sent (for a file or a court)."""
    return letter_pdf(**_letter_fields(letter))


def _letter_fields(letter: OutboundMessage) -> dict:
    return {
        "subject": letter.subject,
        "body": letter.body,
        "debtor": letter.case.debtor,
        "account": letter.case.account,
        "address": letter.contact_point.value,
        "date": letter.sent_at.date(),
    }
