"""Letters as stored documents: the same text as HTML (archive, e-delivery) and PDF (print).

A letter is written in the debtor's language (`Debtor.language`), whoever or whatever sends it.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.template.loader import render_to_string
from django.utils import formats, translation
from django.utils.translation import gettext
from fpdf import FPDF

LETTER_FONT_FAMILY = "Letter"  # LETTER_PDF_FONT's name inside a PDF


def debtor_interface_language(debtor) -> str:
    """The site's language closest to the debtor's (`zh` → `zh-hans`), else the default."""
    try:
        return translation.get_supported_language_variant(debtor.language)
    except LookupError:
        return settings.LANGUAGE_CODE


def letter_html(*, subject: str, body: str, debtor, account, address: str, date: dt.date) -> str:
    with translation.override(debtor_interface_language(debtor)):
        return render_to_string(
            "pipeline/letters/letter.html",
            {
                "subject": subject,
                "body": body,
                "debtor": debtor,
                "account": account,
                "address": address,
                "date": date,
                "language": debtor.language,
            },
        )


def letter_pdf(*, subject: str, body: str, debtor, account, address: str, date: dt.date) -> bytes:
    """One letter as a PDF of its own (a copy on demand; print runs set many in one file)."""
    pdf = FPDF(format="A4")
    _add_letter(
        pdf, subject=subject, body=body, debtor=debtor, account=account, address=address, date=date
    )
    return bytes(pdf.output())


def letters_pdf(letters: list[dict]) -> tuple[bytes, list[int]]:
    """Many letters in one PDF, each starting on a new page: the file and each letter's first
    page. `letters` hold `letter_pdf`'s arguments."""
    pdf = FPDF(format="A4")
    first_pages = []
    for letter in letters:
        first_pages.append(pdf.page + 1)
        _add_letter(pdf, **letter)
    return bytes(pdf.output()), first_pages


def _add_letter(
    pdf: FPDF, *, subject: str, body: str, debtor, account, address: str, date: dt.date
) -> None:
    """A one-column A4 letter from a new page. Text that PDF's built-in Helvetica can set
    (Latin-1) is set in it; any other (Chinese) in LETTER_PDF_FONT, which is embedded once per
    file. Loading and subsetting a CJK font costs some 150 ms, against 5 ms for a letter in
    Helvetica: a file of English letters does not pay it."""
    with translation.override(debtor_interface_language(debtor)):
        dated = formats.date_format(date, "DATE_FORMAT")
        reference = gettext("Account reference: %(reference)s · card ending %(last4)s") % {
            "reference": account.account_reference,
            "last4": account.card_last4,
        }
    texts = (dated, debtor.full_name, address, subject, body, reference)
    pdf.set_margins(25, 25, 25)
    pdf.add_page()
    if all(_latin1(text) for text in texts):
        family = "Helvetica"
    else:
        family = LETTER_FONT_FAMILY
        if LETTER_FONT_FAMILY.lower() not in pdf.fonts:
            pdf.add_font(family, fname=settings.LETTER_PDF_FONT)
    pdf.set_font(family, size=11)
    pdf.multi_cell(0, 6, f"{dated}\n\n{debtor.full_name}\n{address}\n")
    pdf.ln(6)
    pdf.set_font(family, size=14)
    pdf.multi_cell(0, 8, subject)
    pdf.ln(4)
    pdf.set_font(family, size=11)
    pdf.multi_cell(0, 6, body)
    pdf.ln(6)
    pdf.multi_cell(0, 6, reference)


def _latin1(text: str) -> bool:
    try:
        text.encode("latin-1")
    except UnicodeEncodeError:
        return False
    return True
