"""Which disputes, complaints and documents a user may see, and the register with its overdue
flags."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Q, QuerySet

from cases.selectors import cases_visible_to
from disputes.models import Complaint, Dispute, Document, Grievance, Status

DISPUTE, COMPLAINT = "dispute", "complaint"
MODELS = {DISPUTE: Dispute, COMPLAINT: Complaint}


def disputes_visible_to(user) -> QuerySet[Dispute]:
    return Dispute.objects.filter(case__in=cases_visible_to(user))


def complaints_visible_to(user) -> QuerySet[Complaint]:
    return Complaint.objects.filter(case__in=cases_visible_to(user))


def grievances_visible_to(user, kind: str) -> QuerySet:
    """`kind` is DISPUTE or COMPLAINT."""
    return disputes_visible_to(user) if kind == DISPUTE else complaints_visible_to(user)


def documents_visible_to(user) -> QuerySet[Document]:
    visible = cases_visible_to(user)
    return Document.objects.filter(Q(dispute__case__in=visible) | Q(complaint__case__in=visible))


def overdue_q(today: dt.date) -> Q:
    """Open, and the day the answer was due has passed."""
    return Q(due_on__lt=today) & ~Q(status=Status.RESOLVED)


def is_overdue(grievance: Grievance, today: dt.date) -> bool:
    return grievance.is_open and grievance.due_on is not None and grievance.due_on < today


@dataclass(frozen=True)
class RegisterRow:
    kind: str  # DISPUTE or COMPLAINT
    item: Grievance
    overdue: bool

    @property
    def what(self) -> str:
        if self.kind == DISPUTE:
            return str(self.item.get_kind_display())
        return str(self.item.get_subject_display())


def register(
    *,
    user,
    today: dt.date,
    kind: str = "",
    status: str = "",
    overdue_only: bool = False,
    limit: int = 500,
) -> list[RegisterRow]:
    """The disputes and complaints `user` may see, overdue ones first, then open ones by
    deadline (none last), then resolved ones, newest first; at most `limit` rows."""
    rows = []
    for key in (DISPUTE, COMPLAINT):
        if kind and kind != key:
            continue
        found = grievances_visible_to(user, key).select_related(
            "case__debtor", "received_by", "case__account"
        )
        if status:
            found = found.filter(status=status)
        if overdue_only:
            found = found.filter(overdue_q(today))
        found = found.order_by("due_on", "-received_at")[:limit]
        rows += [RegisterRow(key, item, is_overdue(item, today)) for item in found]
    far = dt.date.max

    def order(row: RegisterRow):
        item = row.item
        return (
            not row.overdue,
            not item.is_open,
            item.due_on or far if item.is_open else far,
            -item.received_at.timestamp(),
        )

    return sorted(rows, key=order)[:limit]


def overdue_counts(*, user, today: dt.date) -> dict[str, int]:
    """How many open disputes and complaints `user` may see are past their deadline."""
    return {
        key: grievances_visible_to(user, key).filter(overdue_q(today)).count() for key in MODELS
    }
