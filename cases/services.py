"""Reported payments meet the bank's: confirming them from the payments feed, and flagging
the ones the bank never confirmed.

Both are set-based and safe to run again: a report is confirmed once (its status leaves the
open ones), a bank payment confirms at most one report (the one-to-one `confirmed_by`), and a
flagged report is not flagged again.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.conf import settings
from django.db import transaction
from django.db.models import F, OuterRef, Subquery
from django.db.models.functions import Abs

from cases.models import Payment, ReportedPayment, Strategy
from common.sql import DaysBetween

UPDATE_BATCH = 500


def reported_payments_confirm(*, now: dt.datetime, account_ids: Iterable[int] | None = None) -> int:
    """Confirm the open reported payments (of `account_ids`, or all) that a bank payment of
    the same account no other report claims stands for; how many were confirmed.

    First by reference: the payer's reference equals the bank's (`external_reference`),
    compared without case or separators. Then, for the rest, by equal amount and currency
    received within REPORTED_PAYMENT_MATCH_DAYS either side of the date paid; each report
    takes the nearest such payment, earlier reports first. The open reports are locked for
    the transaction, so two imports finishing together cannot confirm one twice.
    """
    accounts = None if account_ids is None else list(account_ids)
    with transaction.atomic():
        reports = ReportedPayment.objects.filter(status__in=ReportedPayment.OPEN_STATUSES)
        if accounts is not None:
            reports = reports.filter(account_id__in=accounts)
        open_ids = set(reports.select_for_update().values_list("pk", flat=True))
        if not open_ids:
            return 0
        free_payments = Payment.objects.filter(reported_payment__isnull=True)
        if accounts is not None:
            free_payments = free_payments.filter(account_id__in=accounts)
        pairs: dict[int, int] = {}  # report -> payment
        used: set[int] = set()  # payments confirming a report
        by_reference = (
            ReportedPayment.objects.filter(pk__in=open_ids)
            .exclude(reference_key="")
            .annotate(
                payment_id=Subquery(
                    free_payments.filter(account_id=OuterRef("account_id"))
                    .annotate(key=ReportedPayment.reference_key_sql("external_reference"))
                    .filter(key=OuterRef("reference_key"))
                    .order_by("pk")
                    .values("pk")[:1]
                )
            )
            .filter(payment_id__isnull=False)
            .values_list("pk", "payment_id")
        )
        for report_id, payment_id in by_reference:
            if payment_id not in used:
                pairs[report_id] = payment_id
                used.add(payment_id)
        window = settings.REPORTED_PAYMENT_MATCH_DAYS
        by_amount = (
            free_payments.filter(
                account__reported_payments__status__in=ReportedPayment.OPEN_STATUSES,
                account__reported_payments__amount=F("amount"),
                account__reported_payments__currency=F("currency"),
            )
            .annotate(gap=Abs(DaysBetween("received_on", "account__reported_payments__paid_on")))
            .filter(gap__lte=window)
            .order_by()
            .values_list(
                "account__reported_payments__pk",
                "pk",
                "gap",
                "account__reported_payments__paid_on",
            )
        )
        for report_id, payment_id, _gap, _paid_on in sorted(
            by_amount, key=lambda row: (row[3], row[0], row[2], row[1])
        ):
            if report_id in open_ids and report_id not in pairs and payment_id not in used:
                pairs[report_id] = payment_id
                used.add(payment_id)
        confirmed = [
            ReportedPayment(
                pk=report_id,
                status=ReportedPayment.Status.CONFIRMED,
                confirmed_by_id=payment_id,
                confirmed_at=now,
                updated_at=now,
            )
            for report_id, payment_id in pairs.items()
        ]
        ReportedPayment.objects.bulk_update(
            confirmed,
            ["status", "confirmed_by", "confirmed_at", "updated_at"],
            batch_size=UPDATE_BATCH,
        )
    return len(confirmed)


def reported_payments_flag_unconfirmed(*, business_date: dt.date) -> int:
    """Flag the reports still awaiting the bank after their strategy's
    `unconfirmed_payment_days`, counted from the business date they were reported; how many.

    One statement per strategy. A flagged report no longer pauses escalation; the feed may
    still confirm it later.
    """
    flagged = 0
    for strategy_id, days in Strategy.objects.values_list("pk", "unconfirmed_payment_days"):
        flagged += ReportedPayment.objects.filter(
            status=ReportedPayment.Status.REPORTED,
            case__strategy_id=strategy_id,
            reported_on__lte=business_date - dt.timedelta(days=days),
        ).update(status=ReportedPayment.Status.FLAGGED, flagged_on=business_date)
    return flagged
