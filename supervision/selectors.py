"""Read-only queries of the supervisors' tools, scoped to who is asking."""

from __future__ import annotations

import datetime as dt

from cases.models import ReportedPayment
from cases.selectors import cases_visible_to
from compliance.models import ComplianceLogEntry


def blocked_decisions_awaiting_approval(user, *, since: dt.datetime) -> list[ComplianceLogEntry]:
    """Recent blocked attempts by a person on the user's cases that an override could lift.

    Only blocks whose failing rules all yield to an override, and not approved yet.
    """
    entries = (
        ComplianceLogEntry.objects.filter(
            kind=ComplianceLogEntry.Kind.DECISION,
            verdict=ComplianceLogEntry.Verdict.BLOCKED,
            occurred_at__gte=since,
            actor__isnull=False,
            case__in=cases_visible_to(user).values("pk"),
        )
        .exclude(override_approval__isnull=False)
        .exclude(approval_decision__isnull=False)
        .select_related("actor", "case", "debtor", "contact_point")
        .order_by("-pk")[:200]
    )
    return [
        entry
        for entry in entries
        if entry.rules and all(rule["overridable"] for rule in entry.rules if not rule["passed"])
    ]


def reported_payments_unconfirmed(user):
    """Reported payments on the user's cases that the bank never confirmed in time (flagged
    by the night), oldest report first."""
    return (
        ReportedPayment.objects.filter(
            status=ReportedPayment.Status.FLAGGED,
            case__in=cases_visible_to(user).values("pk"),
        )
        .select_related("case__debtor", "account", "reported_by", "agency")
        .order_by("reported_at", "pk")
    )
