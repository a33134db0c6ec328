"""Money an agency brings in: payments attributed to it, and its monthly commission statement.

Attribution: a payment received on an account while one of its cases was placed with an
agency (placed_on <= received_on <= recalled_on, or not recalled yet) is the agency's; when
a recall and a new placement fall on the same day, the later placement wins.

Commission: each placement line earns collected x the rate snapshotted when it was placed,
rounded to the cent half up; a statement's total is the sum of its lines (per currency).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal

from django.db import transaction
from django.db.models import BigIntegerField, Count, Exists, F, Subquery, Sum
from django.db.models.functions import Coalesce

from agencies.commission import commission_on
from agencies.models import Agency, CommissionStatement, CommissionStatementLine
from agencies.selectors import collected_by_placement, placements_covering, placements_held
from cases.models import Payment
from common.batches import keyset_batches
from common.days import month_bounds
from common.money import CENT

# The daily step attributes payments received up to this many days back: bank files bring
# payments a few days late, and the month's statement attributes its whole month again.
ATTRIBUTION_LOOKBACK_DAYS = 45


def payments_attribute(
    *, since: dt.date, until: dt.date, now: dt.datetime, batch_size: int = 10_000
) -> int:
    """Attribute the unattributed payments received in [since, until] to the agency that held
    the account's case then (and link the case if the payment has none). Set-based and
    idempotent: an attributed payment is never looked at again."""
    covering = placements_covering(account_ref="account_id", day_ref="received_on")
    unattributed = Payment.objects.filter(
        agency__isnull=True, received_on__range=(since, until)
    ).filter(Exists(covering))
    attributed = 0
    for rows in keyset_batches(unattributed, (), batch_size):
        with transaction.atomic():
            attributed += Payment.objects.filter(
                pk__in=[row[0] for row in rows], agency__isnull=True
            ).update(
                agency_id=Subquery(covering.values("agency_id")[:1]),
                case_id=Coalesce(
                    F("case_id"),
                    Subquery(covering.values("case_id")[:1]),
                    output_field=BigIntegerField(),
                ),
                updated_at=now,
            )
    return attributed


@dataclass(frozen=True)
class CommissionLine:
    placement_id: int
    account_reference: str
    currency: str
    placed_on: dt.date
    recalled_on: dt.date | None
    payments: int
    collected: Decimal
    commission_rate: Decimal
    commission: Decimal


def commission_lines(
    *, start: dt.date, end: dt.date, agency_ids: list[int]
) -> dict[int, list[CommissionLine]]:
    """Agency id -> one line per placement it held in [start, end] (none collected: 0.00)."""
    collected = collected_by_placement(start=start, end=end, agency_ids=agency_ids)
    lines: dict[int, list[CommissionLine]] = defaultdict(list)
    for pk, agency_id, reference, currency, placed_on, recalled_on, rate in (
        placements_held(start=start, end=end)
        .filter(agency_id__in=agency_ids)
        .order_by("placed_on", "pk")
        .values_list(
            "pk",
            "agency_id",
            "case__account__account_reference",
            "case__account__currency",
            "placed_on",
            "recalled_on",
            "commission_rate",
        )
    ):
        amount, payments = collected.get(pk, (Decimal("0.00"), 0))
        lines[agency_id].append(
            CommissionLine(
                placement_id=pk,
                account_reference=reference,
                currency=currency,
                placed_on=placed_on,
                recalled_on=recalled_on,
                payments=payments,
                collected=amount,
                commission_rate=rate,
                commission=commission_on(amount, rate),
            )
        )
    return lines


@dataclass(frozen=True)
class CurrencyTotal:
    currency: str
    lines: int
    payments: int
    collected: Decimal
    commission: Decimal


def totals_by_statement(statement_ids: list[int]) -> dict[int, list[CurrencyTotal]]:
    """Statement id -> its totals per currency: the sums of its lines."""
    totals: dict[int, list[CurrencyTotal]] = {pk: [] for pk in statement_ids}
    rows = (
        CommissionStatementLine.objects.filter(statement_id__in=statement_ids)
        .values("statement_id", "currency")
        .annotate(
            count=Count("pk"),
            paid=Sum("payments"),
            amount=Sum("collected"),
            earned=Sum("commission"),
        )
        .order_by("statement_id", "currency")
    )
    for row in rows:
        totals[row["statement_id"]].append(
            CurrencyTotal(
                row["currency"],
                row["count"],
                row["paid"],
                row["amount"].quantize(CENT),
                row["earned"].quantize(CENT),
            )
        )
    return totals


def statement_totals(statement: CommissionStatement) -> list[CurrencyTotal]:
    return totals_by_statement([statement.pk])[statement.pk]


def statement_generate(
    *,
    agency: Agency,
    month: dt.date,
    now: dt.datetime,
    user=None,
    lines: list[CommissionLine] | None = None,
) -> CommissionStatement:
    """Write `agency`'s statement for `month`'s calendar month, replacing its lines if it
    exists: generating twice leaves one statement, as of the second run."""
    start, end = month_bounds(month)
    if lines is None:
        lines = commission_lines(start=start, end=end, agency_ids=[agency.pk])[agency.pk]
    with transaction.atomic():
        statement, created = CommissionStatement.objects.select_for_update().get_or_create(
            agency=agency,
            period_start=start,
            defaults={"period_end": end, "generated_at": now, "generated_by": user},
        )
        if not created:
            statement.generated_at, statement.generated_by = now, user
            statement.save(update_fields=["generated_at", "generated_by", "updated_at"])
            statement.lines.all().delete()
        CommissionStatementLine.objects.bulk_create(
            (
                CommissionStatementLine(
                    statement=statement,
                    placement_id=line.placement_id,
                    account_reference=line.account_reference,
                    currency=line.currency,
                    placed_on=line.placed_on,
                    recalled_on=line.recalled_on,
                    payments=line.payments,
                    collected=line.collected,
                    commission_rate=line.commission_rate,
                    commission=line.commission,
                )
                for line in lines
            ),
            batch_size=2000,
        )
    return statement


def statements_write(
    *, month: dt.date, now: dt.datetime, user=None, agencies: list[Agency] | None = None
) -> list[CommissionStatement]:
    """The month's statement of each of `agencies` (default: those that held placements in
    it), from the payments attributed so far."""
    start, end = month_bounds(month)
    if agencies is None:
        agencies = list(
            Agency.objects.filter(
                pk__in=placements_held(start=start, end=end).values("agency_id")
            ).order_by("pk")
        )
    lines = commission_lines(start=start, end=end, agency_ids=[agency.pk for agency in agencies])
    return [
        statement_generate(
            agency=agency, month=start, now=now, user=user, lines=lines.get(agency.pk, [])
        )
        for agency in agencies
    ]


def statements_generate_month(
    *, month: dt.date, now: dt.datetime, user=None, agencies: list[Agency] | None = None
) -> list[CommissionStatement]:
    """Attribute the month's payments, then write its statements (see statements_write)."""
    start, end = month_bounds(month)
    payments_attribute(since=start, until=end, now=now)
    return statements_write(month=month, now=now, user=user, agencies=agencies)
