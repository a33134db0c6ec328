"""A commission statement as documents: CSV (a spreadsheet) and PDF (to send the agency)."""

from __future__ import annotations

import io
from collections.abc import Iterator

from django.conf import settings
from django.utils.translation import ngettext
from fpdf import FPDF

from agencies.commission import ROUNDING_RULE
from agencies.models import CommissionStatement
from agencies.services.money import CurrencyTotal, statement_totals
from common.spreadsheet import SafeCsvWriter

CSV_HEADER = [
    "account_reference",
    "placed_on",
    "recalled_on",
    "currency",
    "payments",
    "collected",
    "commission_rate",
    "commission",
]


def statement_csv_rows(statement: CommissionStatement) -> Iterator[list[str]]:
    """One row per line, then one total row per currency, then the rounding rule."""
    yield CSV_HEADER
    for line in statement.lines.order_by("placed_on", "placement_id").iterator(chunk_size=2000):
        yield [
            line.account_reference,
            line.placed_on.isoformat(),
            line.recalled_on.isoformat() if line.recalled_on else "",
            line.currency,
            str(line.payments),
            str(line.collected),
            str(line.commission_rate),
            str(line.commission),
        ]
    yield []
    for total in statement_totals(statement):
        yield [
            "TOTAL",
            "",
            "",
            total.currency,
            str(total.payments),
            str(total.collected),
            "",
            str(total.commission),
        ]
    yield ["Rounding", ROUNDING_RULE]


def statement_csv(statement: CommissionStatement) -> str:
    buffer = io.StringIO()
    SafeCsvWriter(buffer).writerows(statement_csv_rows(statement))
    return buffer.getvalue()


def statement_filename(statement: CommissionStatement, extension: str) -> str:
    slug = "".join(c if c.isalnum() else "-" for c in statement.agency.name.lower()).strip("-")
    return f"commission-{slug}-{statement.period_start:%Y-%m}.{extension}"


COLUMNS = (  # (title, width in mm, align)
    ("Account", 34, "L"),
    ("Placed", 22, "L"),
    ("Recalled", 22, "L"),
    ("Cur.", 12, "L"),
    ("Payments", 18, "R"),
    ("Collected", 26, "R"),
    ("Rate", 16, "R"),
    ("Commission", 30, "R"),
)


def statement_pdf(statement: CommissionStatement) -> bytes:
    """The statement on A4: the agency and month, every line, the totals and the rule."""
    pdf = FPDF(format="A4")
    pdf.set_margins(15, 15, 15)
    pdf.set_auto_page_break(True, margin=15)
    pdf.add_page()
    if settings.LETTER_PDF_FONT:
        pdf.add_font("Statement", fname=settings.LETTER_PDF_FONT)
        pdf.add_font("Statement", style="B", fname=settings.LETTER_PDF_FONT)
        family, text = "Statement", str
    else:
        family = "Helvetica"

        def text(value) -> str:
            return str(value).encode("latin-1", "replace").decode("latin-1")

    agency = statement.agency
    pdf.set_font(family, "B", 14)
    pdf.cell(0, 8, text(f"Commission statement: {agency.name}"), new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(family, size=10)
    pdf.multi_cell(
        0,
        5,
        text(
            f"Period {statement.period_start.isoformat()} to {statement.period_end.isoformat()}"
            f"\nLicence {agency.licence_number}"
            f"\nGenerated {statement.generated_at:%Y-%m-%d %H:%M} UTC"
        ),
        new_x="LMARGIN",
        new_y="NEXT",
    )
    pdf.ln(4)

    def row(values, *, bold=False):
        pdf.set_font(family, "B" if bold else "", 9)
        for (_, width, align), value in zip(COLUMNS, values, strict=True):
            pdf.cell(width, 6, text(value), border="B" if bold else 0, align=align)
        pdf.ln(6)

    row([title for title, _, _ in COLUMNS], bold=True)
    for line in statement.lines.order_by("placed_on", "placement_id").iterator(chunk_size=2000):
        row(
            [
                line.account_reference,
                line.placed_on.isoformat(),
                line.recalled_on.isoformat() if line.recalled_on else "",
                line.currency,
                line.payments,
                line.collected,
                f"{line.commission_rate:.2%}",
                line.commission,
            ]
        )
    pdf.ln(2)
    totals: list[CurrencyTotal] = statement_totals(statement)
    for total in totals:
        row(
            [
                ngettext("Total (%(count)d line)", "Total (%(count)d lines)", total.lines)
                % {"count": total.lines},
                "",
                "",
                total.currency,
                total.payments,
                total.collected,
                "",
                total.commission,
            ],
            bold=True,
        )
    if not totals:
        pdf.cell(0, 6, text("No placements in this period."), new_x="LMARGIN", new_y="NEXT")
    pdf.ln(4)
    pdf.set_font(family, size=9)
    pdf.multi_cell(0, 5, text(ROUNDING_RULE))
    return bytes(pdf.output())
