"""The evidence bundle of a lawsuit for the court: one ZIP holding a PDF that sums it up and
the attachments it lists, each with its SHA-256.

Attachments: the account statement (the account and its payments), the contact history, the
letters sent, the plans and promises, and the case's compliance log rows with everything
their hash covers, their chain hashes, each row's recomputed hash and the result of verifying
the whole chain. Anyone can recompute a row's hash from the file: SHA-256 of
`previous_hash + "\\n" + canonical JSON of hashed_content` (compliance.models).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import json
import zipfile

from django.conf import settings
from django.utils.translation import gettext
from fpdf import FPDF

from agreements.models import RepaymentPlan
from cases.models import Activity, Payment, PromiseToPay
from common.spreadsheet import SafeCsvWriter
from compliance.log import compliance_log_verify
from compliance.models import ComplianceLogEntry
from litigation.models import Lawsuit
from pipeline.models import OutboundMessage

BUNDLE_FONT_FAMILY = "Bundle"


def _csv(header: list[str], rows) -> bytes:
    buffer = io.StringIO()
    writer = SafeCsvWriter(buffer)
    writer.writerow(header)
    writer.writerows(rows)
    return buffer.getvalue().encode("utf-8")


def account_statement(lawsuit: Lawsuit) -> bytes:
    account = lawsuit.case.account
    payments = Payment.objects.filter(account=account).order_by("received_on", "pk")
    rows = [
        ["account", account.account_reference, account.currency, account.balance, ""],
        ["minimum due", "", account.currency, account.minimum_due, ""],
        ["oldest unpaid due date", "", "", "", account.oldest_unpaid_due_date],
    ]
    rows += [
        ["payment", payment.pk, account.currency, payment.amount, payment.received_on]
        for payment in payments
    ]
    return _csv(["row", "reference", "currency", "amount", "date"], rows)


def contact_history(lawsuit: Lawsuit) -> bytes:
    activities = Activity.objects.filter(case__account_id=lawsuit.case.account_id).order_by(
        "occurred_at", "pk"
    )
    return _csv(
        ["id", "occurred_at", "channel", "direction", "outcome", "actor", "agency", "notes"],
        (
            [
                a.pk,
                a.occurred_at.astimezone(dt.UTC).isoformat(),
                a.channel,
                a.direction,
                a.outcome,
                a.actor_id,
                a.agency_id,
                a.notes,
            ]
            for a in activities
        ),
    )


def plans_and_promises(lawsuit: Lawsuit) -> bytes:
    promises = PromiseToPay.objects.filter(case=lawsuit.case).order_by("promised_on", "pk")
    plans = RepaymentPlan.objects.filter(case=lawsuit.case).order_by("agreed_on", "pk")
    rows = [
        ["promise", p.pk, p.currency, p.amount, p.promised_on, p.due_date, p.status]
        for p in promises
    ] + [
        ["plan", p.pk, p.currency, p.total_amount, p.agreed_on, p.first_due_date, p.status]
        for p in plans
    ]
    return _csv(["kind", "id", "currency", "amount", "agreed_on", "due", "status"], rows)


def letters_sent(lawsuit: Lawsuit) -> dict[str, bytes]:
    letters = OutboundMessage.objects.filter(
        case__account_id=lawsuit.case.account_id,
        channel="letter",
        status=OutboundMessage.Status.SENT,
    ).order_by("sent_at", "pk")
    return {
        f"letters/letter-{letter.pk}.html": (
            letter.document_html or f"<h1>{letter.subject}</h1>\n<pre>{letter.body}</pre>"
        ).encode("utf-8")
        for letter in letters
    }


def compliance_rows(lawsuit: Lawsuit) -> tuple[bytes, int, bool]:
    """The case's log rows with their hashes and the chain's verification: (file, rows, every
    row's recomputed hash matches and the chain verifies)."""
    entries = ComplianceLogEntry.objects.filter(case=lawsuit.case).order_by("sequence", "pk")
    verification = compliance_log_verify()
    rows = []
    for entry in entries:
        sealed = entry.sequence is not None
        rows.append(
            {
                "id": entry.pk,
                "sequence": entry.sequence,
                "previous_hash": entry.previous_hash,
                "entry_hash": entry.entry_hash,
                "recomputed_hash": entry.compute_hash() if sealed else None,
                "hash_matches": sealed and entry.compute_hash() == entry.entry_hash,
                "hashed_content": entry.hashed_content(),
            }
        )
    verified = verification.ok and all(row["hash_matches"] for row in rows if row["sequence"])
    document = {
        "case": lawsuit.case_id,
        "rows": rows,
        "chain_verification": {
            "ok": verification.ok,
            "rows_checked": verification.rows_checked,
            "pending": verification.pending,
            "summary": verification.summary,
        },
        "hash_rule": 'sha256(previous_hash + "\\n" + json(hashed_content, sort_keys, '
        'separators=(",", ":"), ensure_ascii=False))',
    }
    return json.dumps(document, ensure_ascii=False, indent=2).encode("utf-8"), len(rows), verified


def evidence_bundle(*, lawsuit: Lawsuit, now: dt.datetime) -> bytes:
    """The bundle as one ZIP: `bundle.pdf` and its attachments."""
    log_file, log_rows, verified = compliance_rows(lawsuit)
    attachments = {
        "account_statement.csv": account_statement(lawsuit),
        "contact_history.csv": contact_history(lawsuit),
        "plans_and_promises.csv": plans_and_promises(lawsuit),
        "compliance_log.json": log_file,
        **letters_sent(lawsuit),
    }
    summary = _summary_pdf(
        lawsuit, attachments=attachments, log_rows=log_rows, verified=verified, now=now
    )
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("bundle.pdf", summary)
        for name, content in attachments.items():
            archive.writestr(name, content)
    return buffer.getvalue()


def _summary_pdf(
    lawsuit: Lawsuit, *, attachments: dict[str, bytes], log_rows: int, verified: bool, now
) -> bytes:
    case, account = lawsuit.case, lawsuit.case.account
    lines = [
        gettext("Case %(case)s · account %(reference)s · card ending %(last4)s")
        % {"case": case.pk, "reference": account.account_reference, "last4": account.card_last4},
        gettext("Debtor: %(name)s") % {"name": case.debtor.full_name},
        gettext("Balance: %(amount)s %(currency)s")
        % {"amount": account.balance, "currency": account.currency},
        gettext("Step: %(step)s") % {"step": lawsuit.get_status_display()},
    ]
    if lawsuit.filed_on:
        lines.append(
            gettext("Filed on %(day)s with %(court)s, case number %(number)s, claiming %(amount)s")
            % {
                "day": lawsuit.filed_on.isoformat(),
                "court": lawsuit.court,
                "number": lawsuit.court_case_number,
                "amount": f"{lawsuit.claimed_amount} {lawsuit.currency}",
            }
        )
    lines.append(
        gettext("Compliance log: %(rows)s rows of the case; chain verified: %(verified)s")
        % {"rows": log_rows, "verified": gettext("yes") if verified else gettext("NO")}
    )
    lines.append("")
    lines.append(gettext("Attachments (SHA-256):"))
    lines += [
        f"{name}  {hashlib.sha256(content).hexdigest()}" for name, content in attachments.items()
    ]
    pdf = FPDF(format="A4")
    pdf.set_margins(20, 20, 20)
    pdf.add_page()
    pdf.add_font(BUNDLE_FONT_FAMILY, fname=settings.LETTER_PDF_FONT)
    pdf.set_font(BUNDLE_FONT_FAMILY, size=14)
    pdf.multi_cell(
        0, 8, gettext("Evidence bundle · lawsuit %(id)s") % {"id": lawsuit.pk}, new_x="LMARGIN"
    )
    pdf.set_font(BUNDLE_FONT_FAMILY, size=9)
    pdf.multi_cell(0, 5, now.astimezone(dt.UTC).isoformat(), new_x="LMARGIN")
    pdf.ln(3)
    pdf.set_font(BUNDLE_FONT_FAMILY, size=10)
    for line in lines:
        pdf.multi_cell(0, 6, line, new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())
