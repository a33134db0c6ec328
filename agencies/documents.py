"""A commission statement as documents: CSV (a spreadsheet) and PDF (to send the agency)."""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Iterator

from django.conf import settings
from django.utils import formats
from django.utils.translation import gettext, ngettext
from fpdf import FPDF

from agencies.commission import ROUNDING_RULE
from agencies.models import CommissionStatement
from agencies.services.money import CurrencyTotal, statement_totals
from common.formatting import money, number, percent
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


def _columns() -> tuple[tuple[str, int, str], ...]:
    """(title, width in mm, align) of each column, in the reader's language."""
    return (
        (gettext("Account reference"), 36, "L"),
        (gettext("Placed on"), 26, "L"),
        (gettext("Recalled on"), 26, "L"),
        (gettext("Payments"), 16, "R"),
        (gettext("Collected"), 30, "R"),
        (gettext("Commission rate"), 18, "R"),
        (gettext("Commission"), 28, "R"),
    )


def _date(day) -> str:
    return formats.date_format(day, "DATE_FORMAT") if day else ""


def statement_pdf(statement: CommissionStatement) -> bytes:
    """The statement on A4 in the reader's language: the agency and month, every line, the
    totals and the rule. Set in LETTER_PDF_FONT (the shipped font sets Chinese and Latin)."""
    pdf = FPDF(format="A4")
    pdf.set_margins(15, 15, 15)
    pdf.set_auto_page_break(True, margin=15)
    pdf.add_page()
    pdf.add_font("Statement", fname=settings.LETTER_PDF_FONT)
    pdf.add_font("Statement", style="B", fname=settings.LETTER_PDF_FONT)
    family = "Statement"
    columns = _columns()

    agency = statement.agency
    generated_at = statement.generated_at.astimezone(dt.UTC)
    pdf.set_font(family, "B", 14)
    pdf.cell(
        0,
        8,
        gettext("Commission statement: %(agency)s") % {"agency": agency.name},
        new_x="LMARGIN",
        new_y="NEXT",
    )
    pdf.set_font(family, size=10)
    pdf.multi_cell(
        0,
        5,
        "\n".join(
            (
                gettext("Period %(start)s to %(end)s")
                % {"start": _date(statement.period_start), "end": _date(statement.period_end)},
                gettext("Licence %(number)s") % {"number": agency.licence_number},
                gettext("Generated %(moment)s UTC")
                % {"moment": formats.date_format(generated_at, "DATETIME_FORMAT")},
            )
        ),
        new_x="LMARGIN",
        new_y="NEXT",
    )
    pdf.ln(4)

    def row(values, *, bold=False):
        pdf.set_font(family, "B" if bold else "", 9)
        for (_, width, align), value in zip(columns, values, strict=True):
            pdf.cell(width, 6, str(value), border="B" if bold else 0, align=align)
        pdf.ln(6)

    row([title for title, _, _ in columns], bold=True)
    for line in statement.lines.order_by("placed_on", "placement_id").iterator(chunk_size=2000):
        row(
            [
                line.account_reference,
                _date(line.placed_on),
                _date(line.recalled_on),
                number(line.payments),
                money(line.collected, line.currency),
                percent(line.commission_rate),
                money(line.commission, line.currency),
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
                number(total.payments),
                money(total.collected, total.currency),
                "",
                money(total.commission, total.currency),
            ],
            bold=True,
        )
    if not totals:
        pdf.cell(0, 6, gettext("No placements in this period."), new_x="LMARGIN", new_y="NEXT")
    pdf.ln(4)
    pdf.set_font(family, size=9)
    pdf.multi_cell(0, 5, str(ROUNDING_RULE))
    return bytes(pdf.output())
