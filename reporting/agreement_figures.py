"""The Agreements page: repayment plans and settlement offers, what became of them in the
period, and the money they moved; each count links to its cases."""

from __future__ import annotations

from decimal import Decimal

from django.db.models import Count, Sum
from django.utils.translation import gettext as _

from reporting.figures import COUNT, MONEY, Cell, Column, Figure, drill_url
from reporting.filters import DashboardFilterSet
from reporting.selectors import agreements_in


def agreement_figures(
    filterset: DashboardFilterSet, user, *, only: str | None = None
) -> list[Figure]:
    builders = {"plans": _plans, "settlements": _settlements}
    return [build(filterset, user) for key, build in builders.items() if only in (None, key)]


def _totals(filterset: DashboardFilterSet, user, measure: str, **sums: str) -> dict:
    first, last = filterset.period()
    filters = {**filterset.cleaned, "date_from": first, "date_to": last}
    return agreements_in(user, measure, filters).aggregate(
        count=Count("pk"), **{name: Sum(field) for name, field in sums.items()}
    )


def _row(filterset, user, label: str, measure: str, **sums: str) -> list[Cell]:
    totals = _totals(filterset, user, measure, **sums)
    return [
        Cell(label),
        Cell.of(totals["count"], COUNT, drill_url(filterset, measure)),
        *(Cell.of(totals[name] or Decimal(0), MONEY) for name in sums),
    ]


def _plans(filterset: DashboardFilterSet, user) -> Figure:
    rows = [
        (_("Agreed"), "plans_agreed"),
        (_("Kept to the end"), "plans_kept"),
        (_("Broken"), "plans_broken"),
        (_("Cancelled"), "plans_cancelled"),
    ]
    return Figure(
        "plans",
        _("Repayment plans"),
        [
            Column("event", _("In the period")),
            Column("plans", _("Plans"), COUNT),
            Column("amount", _("Amount agreed"), MONEY, _("The plans' total amounts.")),
            Column("paid", _("Paid"), MONEY, _("Paid towards the plans, as of the latest review.")),
        ],
        [
            _row(filterset, user, label, measure, amount="total_amount", paid="paid_amount")
            for label, measure in rows
        ],
        note=_(
            "A plan is agreed on the day it was taken, kept or broken on the night it was "
            "judged; by who agreed it when a collector or agency is chosen."
        ),
    )


def _settlements(filterset: DashboardFilterSet, user) -> Figure:
    rows = [
        (_("Offered"), "offers_made"),
        (_("Rejected by the approver"), "offers_rejected"),
        (_("Accepted by the debtor"), "offers_accepted"),
        (_("Paid: settled"), "offers_paid"),
        (_("Lapsed"), "offers_lapsed"),
    ]
    return Figure(
        "settlements",
        _("Settlements and waivers"),
        [
            Column("event", _("In the period")),
            Column("offers", _("Offers"), COUNT),
            Column("settled", _("Settled amount"), MONEY, _("What the debtor is to pay.")),
            Column("waived", _("Waived"), MONEY, _("The part of the balance given up.")),
        ],
        [
            _row(filterset, user, label, measure, settled="amount", waived="waived_amount")
            for label, measure in rows
        ],
        note=_("By who made the offer when a collector or agency is chosen."),
    )
