"""The demo's agreements, disputes and complaints: a few of each, in every state the pages show.

Each is made through its app's services, as the people of the demo would have made it on the
days before the business date, and the night's agreements step then runs for the business date:
a plan being kept, a plan broken, a settlement offer awaiting approval, one accepted (its letter
queued, as the plan's are), the write-off batch of the night; disputes and complaints open, one
past its deadline, and resolved. Cases are taken in id order from the in-house open ones, so the
same world gets the same casework.
"""

from __future__ import annotations

import datetime as dt
from decimal import ROUND_DOWN, Decimal

from django.db.models import Exists, OuterRef
from django.utils import timezone

from accounts.roles import Role
from agreements.models import ApprovalLimit, RepaymentPlan, SettlementOffer
from agreements.services import agreements_run_day, offer_accept, offer_make, plan_create
from cases.models import Case, Payment, PromiseToPay, Strategy
from disputes.models import Complaint, Dispute, Outcome
from disputes.services import (
    complaint_receive,
    dispute_receive,
    grievance_investigate,
    grievance_resolve,
)

# Days past due after which the demo's ladder proposes a case for write-off. Cards usually wait
# 180 days; the demo's history is shorter, so its ladder gives up sooner to fill a batch.
DEMO_CHARGE_OFF_DAYS = 150
# The approval matrix of the demo, per currency: (largest discount in percent, in money).
DEMO_LIMITS = {
    Role.COLLECTOR: (Decimal(10), Decimal(500)),
    Role.SUPERVISOR: (Decimal(30), Decimal(5000)),
    Role.MANAGER: (Decimal(60), Decimal(50000)),
}
CASES_NEEDED = 9


def _at(day: dt.date, hour: int) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour), timezone.get_default_timezone())


def _cases(business_date: dt.date) -> list[Case]:
    """In-house open cases with a collector and a supervisor, no pending promise and no payment
    in the last 60 days (a plan's review finds nothing kept by chance)."""
    recent = Payment.objects.filter(
        account_id=OuterRef("account_id"),
        received_on__gte=business_date - dt.timedelta(days=60),
    )
    promised = PromiseToPay.objects.filter(case_id=OuterRef("pk"), status="pending")
    return list(
        Case.objects.filter(
            status=Case.Status.OPEN,
            assigned_to__isnull=False,
            paused_at__isnull=True,
            team__supervisors__isnull=False,
            account__balance__gte=Decimal(200),
        )
        .exclude(Exists(recent))
        .exclude(Exists(promised))
        .select_related("account", "assigned_to", "team")
        .distinct()
        .order_by("pk")[:CASES_NEEDED]
    )


def _supervisor(case: Case):
    return case.team.supervisors.order_by("pk").first()


def _approval_matrix() -> None:
    currencies = set(Case.objects.values_list("account__currency", flat=True).distinct())
    for currency in sorted(currencies):
        for role, (percent, amount) in DEMO_LIMITS.items():
            ApprovalLimit.objects.update_or_create(
                role=role,
                currency=currency,
                defaults={"max_discount_percent": percent, "max_discount_amount": amount},
            )


def _plans(cases: list[Case], day: dt.date) -> None:
    kept, broken = cases
    agreed = day - dt.timedelta(days=5)
    plan_create(
        actor=kept.assigned_to,
        case=kept,
        total_amount=kept.account.balance,
        instalment_count=6,
        frequency=RepaymentPlan.Frequency.MONTHLY,
        first_due_date=day + dt.timedelta(days=3),
        agreed_via=RepaymentPlan.Channel.CALL,
        business_date=agreed,
        now=_at(agreed, 11),
    )
    agreed = day - dt.timedelta(days=40)
    plan_create(
        actor=broken.assigned_to,
        case=broken,
        total_amount=(broken.account.balance / 2).quantize(Decimal("0.01"), ROUND_DOWN),
        instalment_count=3,
        frequency=RepaymentPlan.Frequency.MONTHLY,
        first_due_date=agreed + dt.timedelta(days=7),
        agreed_via=RepaymentPlan.Channel.CALL,
        business_date=agreed,
        now=_at(agreed, 15),
    )


def _offers(cases: list[Case], day: dt.date) -> None:
    awaiting, accepted = cases
    made_on = day - dt.timedelta(days=2)
    offer_make(
        actor=awaiting.assigned_to,
        case=awaiting,
        kind=SettlementOffer.Kind.SETTLEMENT,
        amount=(awaiting.account.balance * Decimal("0.6")).quantize(Decimal("0.01")),
        expires_on=day + dt.timedelta(days=28),
        reason="Long-term unemployment; a lump sum from family.",
        business_date=made_on,
        now=_at(made_on, 10),
    )
    made_on = day - dt.timedelta(days=6)
    balance = accepted.account.balance
    waived = min(balance * Decimal("0.1"), Decimal(1000)).quantize(Decimal("0.01"))
    offer = offer_make(
        actor=_supervisor(accepted),
        case=accepted,
        kind=SettlementOffer.Kind.WAIVER,
        amount=balance - waived,
        expires_on=day + dt.timedelta(days=24),
        reason="Fees and interest waived for a payment in full of the rest.",
        business_date=made_on,
        now=_at(made_on, 14),
    )
    offer_accept(
        actor=accepted.assigned_to,
        offer=offer,
        business_date=made_on + dt.timedelta(days=1),
        now=_at(made_on + dt.timedelta(days=1), 16),
    )


def _grievances(cases: list[Case], day: dt.date) -> None:
    """A dispute open, one resolved; a complaint past its deadline, one upheld, one new."""
    disputed, settled_dispute, late, upheld, fresh = cases
    received = day - dt.timedelta(days=3)
    dispute_receive(
        case=disputed,
        user=disputed.assigned_to,
        kind=Dispute.Kind.AMOUNT_WRONG,
        channel="letter",
        description="The balance includes a purchase the debtor says was refunded.",
        received_at=_at(received, 9),
        now=_at(received, 9),
    )
    received = day - dt.timedelta(days=25)
    dispute = dispute_receive(
        case=settled_dispute,
        user=settled_dispute.assigned_to,
        kind=Dispute.Kind.ALREADY_PAID,
        channel="call",
        description="The debtor says the arrears were paid at a branch.",
        received_at=_at(received, 10),
        now=_at(received, 10),
    )
    supervisor = _supervisor(settled_dispute)
    grievance_investigate(grievance=dispute, user=supervisor, now=_at(received, 14))
    grievance_resolve(
        grievance=dispute,
        user=supervisor,
        outcome=Outcome.WITHDRAWN,
        resolution="The branch payment was to another card; the debtor withdrew the dispute.",
        now=_at(day - dt.timedelta(days=12), 11),
    )
    received = day - dt.timedelta(days=60)
    complaint = complaint_receive(
        case=late,
        user=_supervisor(late),
        subject=Complaint.Subject.COLLECTOR,
        concerns_user=late.assigned_to,
        channel="email",
        description="The debtor says the collector called three times in one evening.",
        received_at=_at(received, 19),
        now=_at(received, 19),
    )
    grievance_investigate(grievance=complaint, user=_supervisor(late), now=_at(received, 20))
    received = day - dt.timedelta(days=20)
    complaint = complaint_receive(
        case=upheld,
        user=_supervisor(upheld),
        subject=Complaint.Subject.COLLECTOR,
        concerns_user=upheld.assigned_to,
        channel="call",
        description="The debtor says the collector spoke to their neighbour about the debt.",
        received_at=_at(received, 11),
        now=_at(received, 11),
    )
    grievance_investigate(grievance=complaint, user=_supervisor(upheld), now=_at(received, 15))
    grievance_resolve(
        grievance=complaint,
        user=_supervisor(upheld),
        outcome=Outcome.UPHELD,
        resolution="The call recording confirms it; the collector was retrained.",
        now=_at(day - dt.timedelta(days=6), 10),
    )
    received = day - dt.timedelta(days=1)
    complaint_receive(
        case=fresh,
        user=fresh.assigned_to,
        subject=Complaint.Subject.OTHER,
        channel="portal",
        description="The debtor finds the demand letter's tone threatening.",
        received_at=_at(received, 21),
        now=_at(received, 21),
    )


def write_casework(*, business_date: dt.date) -> int:
    """Make the demo's plans, offers, disputes and complaints before `business_date`, then run
    the night's agreements step for it (plans reviewed, write-offs proposed); returns how many
    cases were worked. A world too small for all of it gets none."""
    cases = _cases(business_date)
    if len(cases) < CASES_NEEDED:
        return 0
    _approval_matrix()
    Strategy.objects.filter(is_default=True).update(charge_off_days=DEMO_CHARGE_OFF_DAYS)
    _plans(cases[:2], business_date)
    _offers(cases[2:4], business_date)
    _grievances(cases[4:9], business_date)
    agreements_run_day(business_date=business_date, now=_at(business_date, 1))
    return len(cases)
