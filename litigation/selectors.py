"""Who sees which lawsuit, which cases the referral criteria hold back and why, and the legal
team's lists."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Count, Exists, OuterRef, Q, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce
from django.utils.translation import gettext

from accounts.roles import Role
from agreements.models import RepaymentPlan
from cases.models import Activity, Case, PromiseToPay, Stage
from cases.selectors import cases_visible_to
from common.days import business_day_start
from litigation.models import Hearing, Lawsuit, ReferralCriteria

# Contact attempts that reached nobody: they count as failed towards a referral.
FAILED_OUTCOMES = (
    Activity.Outcome.NO_ANSWER,
    Activity.Outcome.VOICEMAIL,
    Activity.Outcome.WRONG_NUMBER,
    Activity.Outcome.FAILED,
)
ATTEMPT_CHANNELS = (Activity.Channel.CALL, Activity.Channel.VISIT)


def lawsuit_held() -> Exists:
    """Over a case: a lawsuit of it is under way (the legal team holds it)."""
    return Exists(
        Lawsuit.objects.filter(case_id=OuterRef("pk")).exclude(status__in=Lawsuit.ENDED_STATUSES)
    )


def failed_attempts_since(since: dt.datetime) -> Coalesce:
    """Over a case: its outbound calls and visits since `since` that reached nobody."""
    attempts = (
        Activity.objects.filter(
            case_id=OuterRef("pk"),
            direction=Activity.Direction.OUTBOUND,
            channel__in=ATTEMPT_CHANNELS,
            outcome__in=FAILED_OUTCOMES,
            occurred_at__gte=since,
        )
        .order_by()
        .values("case_id")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return Coalesce(Subquery(attempts), Value(0))


def broken_agreement() -> Q:
    """Over a case: a promise to pay or a repayment plan of it was broken."""
    return Q(
        Exists(
            PromiseToPay.objects.filter(case_id=OuterRef("pk"), status=PromiseToPay.Status.BROKEN)
        )
    ) | Q(
        Exists(
            RepaymentPlan.objects.filter(case_id=OuterRef("pk"), status=RepaymentPlan.Status.BROKEN)
        )
    )


def attempts_window_start(criteria: ReferralCriteria, business_date: dt.date) -> dt.datetime:
    """Attempts count from the start of the business day `failed_attempts_days` ago."""
    return business_day_start(business_date - dt.timedelta(days=criteria.failed_attempts_days))


def referral_criteria_met(stage: Stage, business_date: dt.date) -> Q | None:
    """Over a case: it meets `stage`'s referral criteria on `business_date` (None: the stage
    has none, every case that reaches it is referred). The pipeline filters with it."""
    criteria = ReferralCriteria.objects.filter(stage=stage).first()
    if criteria is None:
        return None
    signs = Q(pk__in=[])
    if criteria.failed_attempts is not None:
        start = attempts_window_start(criteria, business_date)
        attempts = Activity.objects.filter(
            direction=Activity.Direction.OUTBOUND,
            channel__in=ATTEMPT_CHANNELS,
            outcome__in=FAILED_OUTCOMES,
            occurred_at__gte=start,
        )
        often_failed = (
            attempts.order_by()
            .values("case_id")
            .annotate(n=Count("pk"))
            .filter(n__gte=criteria.failed_attempts)
            .values("case_id")
        )
        signs |= Q(pk__in=often_failed)
    if criteria.when_unreachable:
        signs |= Q(debtor__is_unreachable=True)
    if criteria.when_broken_agreement:
        signs |= broken_agreement()
    return Q(account__balance__gte=criteria.min_balance) & signs


@dataclass(frozen=True)
class HeldBack:
    """A case that reached a litigation stage's days but not its criteria, and why."""

    case: Case
    stage: Stage
    reasons: list[str]


def cases_held_back(user, *, business_date: dt.date, limit: int = 200) -> list[HeldBack]:
    """The cases `user` sees that have the days of their strategy's litigation stage but were
    not referred because they miss its criteria, each with what it misses."""
    held: list[HeldBack] = []
    criteria_of_stages = ReferralCriteria.objects.select_related("stage__strategy").filter(
        stage__action=Stage.Action.LITIGATION, stage__strategy__is_active=True
    )
    for criteria in criteria_of_stages:
        stage = criteria.stage
        threshold = business_date - dt.timedelta(days=stage.min_days_past_due)
        waiting = (
            cases_visible_to(user)
            .exclude(status__in=Case.CLOSED_STATUSES)
            .filter(strategy_id=stage.strategy_id, paused_at__isnull=True)
            .filter(account__oldest_unpaid_due_date__lte=threshold)
            .filter(Q(stage__isnull=True) | Q(stage__position__lt=stage.position))
            .exclude(referral_criteria_met(stage, business_date))
            .exclude(status=Case.Status.PLACED)
            .select_related("debtor", "account", "stage")
            .annotate(
                failed_attempts=failed_attempts_since(
                    attempts_window_start(criteria, business_date)
                ),
                broken=Exists(
                    PromiseToPay.objects.filter(
                        case_id=OuterRef("pk"), status=PromiseToPay.Status.BROKEN
                    )
                )
                | Exists(
                    RepaymentPlan.objects.filter(
                        case_id=OuterRef("pk"), status=RepaymentPlan.Status.BROKEN
                    )
                ),
            )
            .order_by("account__oldest_unpaid_due_date", "pk")
        )
        for case in waiting[: max(limit - len(held), 0)]:
            held.append(HeldBack(case=case, stage=stage, reasons=_missing(criteria, case)))
    return held


def _missing(criteria: ReferralCriteria, case: Case) -> list[str]:
    """What `case` misses of `criteria`, as the supervisor reads it."""
    reasons = []
    currency = case.account.currency
    if case.account.balance < criteria.min_balance:
        reasons.append(
            gettext("Balance %(balance)s %(currency)s is below the minimum of %(minimum)s.")
            % {
                "balance": case.account.balance,
                "currency": currency,
                "minimum": criteria.min_balance,
            }
        )
    signs = []
    if criteria.failed_attempts is not None:
        signs.append(
            gettext("%(made)s of %(needed)s failed attempts in %(days)s days")
            % {
                "made": case.failed_attempts,
                "needed": criteria.failed_attempts,
                "days": criteria.failed_attempts_days,
            }
        )
    if criteria.when_unreachable:
        signs.append(gettext("the debtor is not marked unreachable"))
    if criteria.when_broken_agreement:
        signs.append(gettext("no broken promise or plan"))
    met_a_sign = (
        (criteria.failed_attempts is not None and case.failed_attempts >= criteria.failed_attempts)
        or (criteria.when_unreachable and case.debtor.is_unreachable)
        or (criteria.when_broken_agreement and case.broken)
    )
    if not met_a_sign:
        reasons.append(
            gettext("No sign that collection failed: %(signs)s.") % {"signs": "; ".join(signs)}
        )
    return reasons


def lawsuits_visible_to(user) -> QuerySet[Lawsuit]:
    """The lawsuits of the cases `user` sees; the legal team sees every lawsuit."""
    if user.is_authenticated and user.is_active and user.role == Role.LEGAL:
        return Lawsuit.objects.all()
    return Lawsuit.objects.filter(case__in=cases_visible_to(user))


def hearings_upcoming(user, *, now: dt.datetime, lawyer=None) -> QuerySet[Hearing]:
    """Hearings not yet held from `now` on, of the lawsuits `user` sees (of `lawyer`'s only,
    when given): the reminders of the legal team's page."""
    hearings = Hearing.objects.filter(
        held=False,
        scheduled_at__gte=now,
        lawsuit__in=lawsuits_visible_to(user),
        lawsuit__status__in=Lawsuit.FILED_STATUSES,
    )
    if lawyer is not None:
        hearings = hearings.filter(lawsuit__lawyer=lawyer)
    return hearings.select_related("lawsuit__case__debtor", "lawsuit__lawyer").order_by(
        "scheduled_at", "pk"
    )
