"""Letters as stored documents: the same text as HTML (archive, e-delivery) and PDF (print)."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.template.loader import render_to_string
from fpdf import FPDF


def letter_html(*, subject: str, body: str, debtor, account, address: str, date: dt.date) -> str:
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


def letter_pdf(*, subject: str, body: str, recipient: str, address: str, date: dt.date) -> bytes:
    """A one-column A4 letter. Uses LETTER_PDF_FONT when set (any script), else Helvetica."""
    pdf = FPDF(format="A4")
    pdf.set_margins(25, 25, 25)
    pdf.add_page()
    if settings.LETTER_PDF_FONT:
        pdf.add_font("Letter", fname=settings.LETTER_PDF_FONT)
        family = "Letter"
    else:
        family = "Helvetica"
        subject, body, recipient, address = (
            text.encode("latin-1", "replace").decode("latin-1")
            for text in (subject, body, recipient, address)
        )
    pdf.set_font(family, size=11)
    pdf.multi_cell(0, 6, f"{date:%d %B %Y}\n\n{recipient}\n{address}\n")
    pdf.ln(6)
    pdf.set_font(family, size=14)
    pdf.multi_cell(0, 8, subject)
    pdf.ln(4)
    pdf.set_font(family, size=11)
    pdf.multi_cell(0, 6, body)
    return bytes(pdf.output())
