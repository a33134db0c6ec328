"""The demo world's door into the debtor portal: an account to try it with, and the answers
its debtor would give (the demo's debtors have a date of birth and a national ID, of which the
world keeps only the keyed hash and the last four characters, as a bank's would)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from cases.models import Case, ContactPoint


@dataclass(frozen=True)
class PortalDemo:
    case_id: int
    reference: str
    birth_date: dt.date
    national_id_last4: str

    def describe(self) -> str:
        return (
            f"Try the debtor portal at /portal/ with account reference {self.reference}, date "
            f"of birth {self.birth_date.isoformat()} and national ID ending "
            f"{self.national_id_last4}; or arrive by a link as a message carries it: "
            f"manage.py portal_link {self.case_id}."
        )


def portal_demo_account() -> PortalDemo | None:
    """The first open case (by id) whose debtor the demo lets anyone reach: nothing holds the
    case or stops contact, the balance is owed, and a mobile agreed to SMS (where a message's
    link would come from). None in a world without one."""
    case = (
        Case.objects.filter(
            status=Case.Status.OPEN,
            paused_at__isnull=True,
            under_repayment_plan=False,
            legal_hold_since__isnull=True,
            account__balance__gt=0,
            debtor__birth_date__isnull=False,
            debtor__is_vulnerable=False,
            debtor__is_deceased=False,
            debtor__is_bankrupt=False,
            debtor__has_attorney=False,
            debtor__cease_communication=False,
            debtor__dispute_pending=False,
            debtor__is_unreachable=False,
            debtor__contact_points__kind=ContactPoint.Kind.MOBILE,
            debtor__contact_points__sms_consent=True,
        )
        .select_related("account", "debtor")
        .order_by("pk")
        .first()
    )
    if case is None:
        return None
    return PortalDemo(
        case_id=case.pk,
        reference=case.account.account_reference,
        birth_date=case.debtor.birth_date,
        national_id_last4=case.debtor.national_id_last4,
    )
