"""Read-only queries over agencies, placements and commission: who may see what, and the
figures supervisors compare agencies on."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Count, Exists, Min, OuterRef, Q, QuerySet, Subquery, Sum
from django.utils.translation import gettext_lazy as _

from accounts.roles import AGENCY_ROLES, SUPERVISING_ROLES, Role
from agencies.commission import commission_on
from agencies.models import Agency, CommissionStatement, Placement, RecallDestination
from cases.models import Case, Payment, Stage, StageEntry
from cases.selectors import cases_visible_to, post_write_off_recoveries
from common.days import business_day_start
from common.money import CENT
from compliance.models import ComplianceLogEntry
from visits.models import Visit
from visits.services import MET_DEBTOR_OUTCOMES

# The debtor flags under which a case is never placed with an agency.
NEVER_PLACED_FLAGS = {
    "is_bankrupt": _("the debtor is bankrupt"),
    "is_deceased": _("the debtor is deceased"),
    "dispute_pending": _("the debtor disputes the debt"),
}


def cents(amount: Decimal) -> Decimal:
    """A database sum of money, to the cent (SQLite sums decimals in floating point)."""
    return amount.quantize(CENT)


# --- Scope ----------------------------------------------------------------------------------


def agencies_visible_to(user) -> QuerySet[Agency]:
    """Agency staff see their own agency; supervisors, compliance officers and admins all."""
    agencies = Agency.objects.all()
    if not user.is_authenticated or not user.is_active:
        return agencies.none()
    if user.role in AGENCY_ROLES:
        return agencies.filter(pk=user.agency_id) if user.agency_id else agencies.none()
    if user.role in (*SUPERVISING_ROLES, Role.COMPLIANCE_OFFICER, Role.ADMIN):
        return agencies
    return agencies.none()


def statements_visible_to(user) -> QuerySet[CommissionStatement]:
    return CommissionStatement.objects.filter(agency__in=agencies_visible_to(user))


def placements_visible_to(user) -> QuerySet[Placement]:
    """Placements of the cases the user may see (cases_visible_to decides)."""
    return Placement.objects.filter(case__in=cases_visible_to(user).values("pk"))


# --- The placement job's selection ----------------------------------------------------------


def held_by_an_agency() -> Exists:
    """Over a case: placed with an agency now."""
    return Exists(Placement.objects.filter(case_id=OuterRef("pk"), recalled_on__isnull=True))


def kept_off_the_ladder() -> Exists:
    """Over a case: placed with an agency now, or recalled from one to in-house collection."""
    return Exists(
        Placement.objects.filter(case_id=OuterRef("pk")).filter(
            Q(recalled_on__isnull=True) | Q(recall_destination=RecallDestination.IN_HOUSE)
        )
    )


def cases_awaiting_placement() -> QuerySet[Case]:
    """Open cases at their strategy's agency stage whose stage entry still awaits placement
    and that no agency holds, whatever the debtor's flags; not while a supervisor paused them."""
    pending_entry = StageEntry.objects.filter(
        case_id=OuterRef("pk"),
        stage_id=OuterRef("stage_id"),
        action_status=StageEntry.ActionStatus.PENDING,
    )
    placed = Placement.objects.filter(case_id=OuterRef("pk"), recalled_on__isnull=True)
    return (
        Case.objects.filter(
            status=Case.Status.OPEN, stage__action=Stage.Action.AGENCY, paused_at__isnull=True
        )
        .filter(Exists(pending_entry))
        .exclude(Exists(placed))
    )


def never_placed() -> Q:
    """Cases whose debtor is bankrupt, deceased or disputing the debt."""
    flagged = Q()
    for flag in NEVER_PLACED_FLAGS:
        flagged |= Q(**{f"debtor__{flag}": True})
    return flagged


def cases_placeable() -> QuerySet[Case]:
    return cases_awaiting_placement().exclude(never_placed())


# --- Money ------------------------------------------------------------------------------------


def placements_covering(*, account_ref: str, day_ref: str, agency_ref: str | None = None):
    """The account's placements current on the day (placed_on <= day <= recalled_on, or not
    recalled), latest first: the first one is the placement a payment that day belongs to."""
    placements = Placement.objects.filter(
        case__account_id=OuterRef(account_ref), placed_on__lte=OuterRef(day_ref)
    ).filter(Q(recalled_on__isnull=True) | Q(recalled_on__gte=OuterRef(day_ref)))
    if agency_ref is not None:
        placements = placements.filter(agency_id=OuterRef(agency_ref))
    return placements.order_by("-placed_on", "-pk")


def collected_by_placement(
    *, start: dt.date, end: dt.date, agency_ids: list[int] | None = None
) -> dict[int, tuple[Decimal, int]]:
    """Placement id -> (amount, number) of the payments attributed to its agency, received in
    [start, end] while it was current."""
    payments = Payment.objects.filter(agency__isnull=False, received_on__range=(start, end))
    if agency_ids is not None:
        payments = payments.filter(agency_id__in=agency_ids)
    placement = placements_covering(
        account_ref="account_id", day_ref="received_on", agency_ref="agency_id"
    ).values("pk")[:1]
    rows = (
        payments.annotate(placement_id=Subquery(placement))
        .values("placement_id")
        .annotate(collected=Sum("amount"), payments=Count("pk"))
        .order_by()
    )
    return {
        row["placement_id"]: (cents(row["collected"]), row["payments"])
        for row in rows
        if row["placement_id"] is not None
    }


def placements_held(*, start: dt.date, end: dt.date) -> QuerySet[Placement]:
    """Placements current at any time in [start, end]."""
    return Placement.objects.filter(placed_on__lte=end).filter(
        Q(recalled_on__isnull=True) | Q(recalled_on__gte=start)
    )


@dataclass
class AgencyFigures:
    """One agency's performance in a period, in one currency. See the README for definitions."""

    agency: Agency
    currency: str
    current_placements: int = 0
    placements_held: int = 0
    new_placements: int = 0
    balance_held: Decimal = Decimal("0.00")
    payments: int = 0
    collected: Decimal = Decimal("0.00")
    commission: Decimal = Decimal("0.00")
    first_payment_days: list[int] = field(default_factory=list)
    compliance_blocks: int = 0
    visits: int = 0
    visits_met_debtor: int = 0
    complaints: int = 0
    complaints_upheld: int = 0
    recovered_after_write_off: Decimal = Decimal("0.00")

    @property
    def recovery_rate(self) -> Decimal | None:
        """Collected / balance held (at placement); None without a balance."""
        if not self.balance_held:
            return None
        return self.collected / self.balance_held

    @property
    def average_days_to_first_payment(self) -> Decimal | None:
        if not self.first_payment_days:
            return None
        return Decimal(sum(self.first_payment_days)) / len(self.first_payment_days)

    def add(self, other: AgencyFigures) -> None:
        for name in (
            "current_placements",
            "placements_held",
            "new_placements",
            "balance_held",
            "payments",
            "collected",
            "commission",
            "compliance_blocks",
            "visits",
            "visits_met_debtor",
            "complaints",
            "complaints_upheld",
            "recovered_after_write_off",
        ):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        self.first_payment_days.extend(other.first_payment_days)


def agency_figures(
    *, agencies: list[Agency], start: dt.date, end: dt.date, currency: str
) -> list[AgencyFigures]:
    """Each agency's figures for [start, end] in `currency`, in the order given.

    A few grouped queries whatever the number of placements; commission is computed per
    placement and rounded as on the statements (commission_on), then summed.
    """
    ids = [agency.pk for agency in agencies]
    figures = {agency.pk: AgencyFigures(agency=agency, currency=currency) for agency in agencies}
    in_currency = Q(case__account__currency=currency)

    for agency_id, current in (
        Placement.objects.filter(in_currency, agency_id__in=ids, recalled_on__isnull=True)
        .values_list("agency_id")
        .annotate(Count("pk"))
        .order_by()
    ):
        figures[agency_id].current_placements = current
    for agency_id, held, new, balance in (
        placements_held(start=start, end=end)
        .filter(in_currency, agency_id__in=ids)
        .values_list("agency_id")
        .annotate(
            held=Count("pk"),
            new=Count("pk", filter=Q(placed_on__gte=start)),
            balance=Sum("placed_balance"),
        )
        .order_by()
    ):
        figures[agency_id].placements_held = held
        figures[agency_id].new_placements = new
        figures[agency_id].balance_held = cents(balance)
    for agency_id, paid, amount in (
        Payment.objects.filter(
            agency_id__in=ids, currency=currency, received_on__range=(start, end)
        )
        .values_list("agency_id")
        .annotate(Count("pk"), Sum("amount"))
        .order_by()
    ):
        figures[agency_id].payments = paid
        figures[agency_id].collected = cents(amount)

    # Of the collected, what came in on accounts the bank had written off (reported apart).
    for agency_id, amount in (
        post_write_off_recoveries()
        .filter(agency_id__in=ids, currency=currency, received_on__range=(start, end))
        .values_list("agency_id")
        .annotate(Sum("amount"))
        .order_by()
    ):
        figures[agency_id].recovered_after_write_off = cents(amount)

    collected = collected_by_placement(start=start, end=end, agency_ids=ids)
    for placement_id, agency_id, rate in Placement.objects.filter(
        in_currency, pk__in=list(collected)
    ).values_list("pk", "agency_id", "commission_rate"):
        figures[agency_id].commission += commission_on(collected[placement_id][0], rate)

    first_payment = (
        Payment.objects.filter(
            agency_id=OuterRef("agency_id"),
            account_id=OuterRef("case__account_id"),
            received_on__gte=OuterRef("placed_on"),
            received_on__lte=end,
        )
        .order_by()
        .values("agency_id")
        .annotate(first=Min("received_on"))
        .values("first")
    )
    for agency_id, placed_on, recalled_on, first in (
        Placement.objects.filter(in_currency, agency_id__in=ids, placed_on__range=(start, end))
        .annotate(first_payment_on=Subquery(first_payment))
        .filter(first_payment_on__isnull=False)
        .values_list("agency_id", "placed_on", "recalled_on", "first_payment_on")
    ):
        # The earliest payment after placing; one after the recall was not this placement's.
        if recalled_on is None or first <= recalled_on:
            figures[agency_id].first_payment_days.append((first - placed_on).days)

    for agency_id, blocks in (
        ComplianceLogEntry.objects.filter(
            kind=ComplianceLogEntry.Kind.DECISION,
            verdict=ComplianceLogEntry.Verdict.BLOCKED,
            agency_id__in=ids,
            occurred_at__gte=business_day_start(start),
            occurred_at__lt=business_day_start(end + dt.timedelta(days=1)),
        )
        .values_list("agency_id")
        .annotate(Count("pk"))
        .order_by()
    ):
        figures[agency_id].compliance_blocks = blocks

    # Field visits the agency's staff made (checked in) in the period, on accounts in currency.
    for agency_id, made, met in (
        Visit.objects.filter(
            status=Visit.Status.DONE,
            case__account__currency=currency,
            activity__agency_id__in=ids,
            activity__occurred_at__gte=business_day_start(start),
            activity__occurred_at__lt=business_day_start(end + dt.timedelta(days=1)),
        )
        .values_list("activity__agency_id")
        .annotate(made=Count("pk"), met=Count("pk", filter=Q(outcome__in=MET_DEBTOR_OUTCOMES)))
        .order_by()
    ):
        figures[agency_id].visits = made
        figures[agency_id].visits_met_debtor = met

    # Complaints about the agency received in the period, on accounts in currency: the disputes
    # app declares them on the agency (`Agency.complaints`); "upheld" is its outcome's code.
    about_agency = Q(
        complaints__case__account__currency=currency,
        complaints__received_at__gte=business_day_start(start),
        complaints__received_at__lt=business_day_start(end + dt.timedelta(days=1)),
    )
    for agency_id, received, upheld in (
        Agency.objects.filter(about_agency, pk__in=ids)
        .values_list("pk")
        .annotate(
            received=Count("complaints"),
            upheld=Count("complaints", filter=Q(complaints__outcome="upheld")),
        )
        .order_by()
    ):
        figures[agency_id].complaints = received
        figures[agency_id].complaints_upheld = upheld
    return [figures[agency.pk] for agency in agencies]


def figures_together(figures: list[AgencyFigures], *, label: str) -> AgencyFigures | None:
    """Several agencies' figures as one (sums; the rates computed on the sums)."""
    if not figures:
        return None
    total = AgencyFigures(
        agency=Agency(name=label, capacity=sum(f.agency.capacity for f in figures)),
        currency=figures[0].currency,
    )
    for figure in figures:
        total.add(figure)
    return total


def recovery_rates(*, start: dt.date, end: dt.date) -> dict[tuple[int, str], Decimal]:
    """(agency id, currency) -> collected / balance held in [start, end], where it held any."""
    held = defaultdict(Decimal)
    for agency_id, currency, balance in (
        placements_held(start=start, end=end)
        .values_list("agency_id", "case__account__currency")
        .annotate(Sum("placed_balance"))
        .order_by()
    ):
        held[(agency_id, currency)] = balance
    collected = defaultdict(Decimal)
    for agency_id, currency, amount in (
        Payment.objects.filter(agency__isnull=False, received_on__range=(start, end))
        .values_list("agency_id", "currency")
        .annotate(Sum("amount"))
        .order_by()
    ):
        collected[(agency_id, currency)] = amount
    return {key: collected[key] / balance for key, balance in held.items() if balance > 0}


def placement_currencies() -> list[str]:
    """The currencies of placed accounts, most placements first."""
    return list(
        Placement.objects.values_list("case__account__currency", flat=True)
        .annotate(placements=Count("pk"))
        .order_by("-placements", "case__account__currency")
    )
