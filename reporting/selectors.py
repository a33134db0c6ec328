"""Read-only queries of the dashboards, scoped to who is asking.

The pages read the statistics tables, the agreements' own tables (a row per plan or offer:
few beside the activities) and the portal's visits and actions (few beside the calls); the
lists of cases behind a figure read the raw tables, always through
cases.selectors.cases_visible_to.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Count, Exists, F, OuterRef, Q, QuerySet, Subquery, Sum
from django.utils.translation import gettext_lazy

from accounts.models import Team, User
from accounts.selectors import sees_every_team, teams_visible_to
from agreements.models import RepaymentPlan, SettlementOffer
from cases.models import Activity, Case, Payment, PromiseToPay, StageEntry
from cases.selectors import cases_visible_to, post_write_off_recoveries
from common.days import business_day_start
from compliance.models import ComplianceLogEntry
from disputes.models import Outcome
from disputes.selectors import COMPLAINT, DISPUTE, MODELS
from pipeline.models import OutboundMessage
from reporting.models import (
    DailyCollectorPerformance,
    DailyPerformance,
    DailyTeamPerformance,
    PortfolioSnapshot,
    QueueSnapshot,
    RollRate,
    StatsDay,
)
from reporting.stats import (
    PERFORMANCE_MEASURES,
    RPC_OUTCOMES,
    agency_holding_on,
    bucket_on,
    credited_collector,
    on_books,
    queue_cases,
    roll_window,
    to_bucket,
    untouched,
)

FALLBACK_CURRENCY = "USD"


def collectors_visible_to(user) -> QuerySet[User]:
    """Members of the user's teams, and whoever worked their teams' cases (e.g. since moved)."""
    if sees_every_team(user):
        return User.objects.filter(Q(team__isnull=False) | Q(agency__isnull=False)).order_by(
            "username"
        )
    teams = teams_visible_to(user)
    worked = Exists(
        DailyCollectorPerformance.objects.filter(collector_id=OuterRef("pk"), team__in=teams)
    )
    return User.objects.filter(Q(team__in=teams) | worked).order_by("username")


def scoped(user, queryset: QuerySet) -> QuerySet:
    """A statistics table narrowed to the user's teams."""
    if sees_every_team(user):
        return queryset
    return queryset.filter(team__in=teams_visible_to(user))


def _latest_snapshot_values(field: str) -> list[str]:
    latest = PortfolioSnapshot.objects.order_by("-day").values_list("day", flat=True).first()
    if latest is None:
        return []
    return sorted(
        PortfolioSnapshot.objects.filter(day=latest)
        .order_by()
        .values_list(field, flat=True)
        .distinct()
    )


def products_in_statistics() -> list[str]:
    """The products of the cases on the books at the latest snapshot."""
    return _latest_snapshot_values("product")


def currencies_in_statistics() -> list[str]:
    return _latest_snapshot_values("currency")


def default_currency_for(user) -> str:
    """The currency most of the user's cases are in, by the latest portfolio snapshot."""
    latest = PortfolioSnapshot.objects.order_by("-day").values_list("day", flat=True).first()
    if latest is None:
        return FALLBACK_CURRENCY
    rows = (
        scoped(user, PortfolioSnapshot.objects.filter(day=latest))
        .order_by()
        .values_list("currency")
        .annotate(total=Sum("cases"))
        .order_by("-total", "currency")
    )
    first = rows.first()
    return first[0] if first else FALLBACK_CURRENCY


def latest_snapshot_day(on_or_before: dt.date) -> dt.date | None:
    return (
        StatsDay.objects.filter(day__lte=on_or_before, snapshot_computed_at__isnull=False)
        .order_by("-day")
        .values_list("day", flat=True)
        .first()
    )


def latest_roll_month(on_or_before: dt.date) -> tuple[dt.date, dt.date] | None:
    """(month, as of) of the latest roll rates computed for a day on or before the given one."""
    return (
        RollRate.objects.filter(as_of__lte=on_or_before)
        .order_by("-month", "-as_of")
        .values_list("month", "as_of")
        .first()
    )


def statistics_computed_at(first: dt.date, last: dt.date) -> dt.datetime | None:
    """When the oldest day of the period was last computed (None: some day never was)."""
    days = StatsDay.objects.filter(day__range=(first, last), flows_computed_at__isnull=False)
    if days.count() < (last - first).days + 1:
        return None
    return min(days.values_list("flows_computed_at", flat=True))


def queue_snapshot_for(user, team: Team | None) -> QuerySet[QueueSnapshot]:
    latest = QueueSnapshot.objects.order_by("-day").values_list("day", flat=True).first()
    rows = scoped(user, QueueSnapshot.objects.filter(day=latest)).select_related("team")
    if team is not None:
        rows = rows.filter(team=team)
    return rows.order_by("team__name")


# --- The cases behind a figure ---------------------------------------------------------------


def _between(first: dt.date, last: dt.date, field: str = "occurred_at") -> Q:
    return Q(
        **{
            f"{field}__gte": business_day_start(first),
            f"{field}__lt": business_day_start(last + dt.timedelta(days=1)),
        }
    )


def _who(filters: dict, *, collector_field: str, agency_field: str) -> Q:
    """The collector and agency filters, applied to one raw table's columns."""
    condition = Q()
    if filters.get("collector") is not None:
        condition &= Q(**{collector_field: filters["collector"]})
    agency = filters.get("agency", "")
    if agency == "null":
        condition &= Q(**{f"{agency_field}__isnull": True})
    elif agency:
        condition &= Q(**{agency_field: agency})
    return condition


def _activity_drill(filters: dict, first: dt.date, last: dt.date, condition: Q) -> Exists:
    return Exists(
        Activity.objects.filter(case_id=OuterRef("pk"), channel=Activity.Channel.CALL)
        .filter(_between(first, last), condition)
        .filter(_who(filters, collector_field="actor", agency_field="agency"))
    )


def _promise_drill(filters: dict, condition: Q) -> Exists:
    return Exists(
        PromiseToPay.objects.filter(case_id=OuterRef("pk"))
        .filter(condition)
        .filter(_who(filters, collector_field="created_by", agency_field="created_by__agency"))
    )


def _payment_drill(filters: dict, first: dt.date, last: dt.date) -> Exists:
    payments = Payment.objects.filter(case_id=OuterRef("pk"), received_on__range=(first, last))
    agency = filters.get("agency", "")
    if agency == "null":
        payments = payments.filter(agency__isnull=True)
    elif agency:
        payments = payments.filter(agency=agency)
    if filters.get("collector") is not None:
        payments = payments.alias(credited=credited_collector()).filter(
            credited=filters["collector"].pk
        )
    return Exists(payments)


def _decision_drill(filters: dict, first: dt.date, last: dt.date, verdict: str) -> Exists:
    return Exists(
        ComplianceLogEntry.objects.filter(
            case_id=OuterRef("pk"), kind=ComplianceLogEntry.Kind.DECISION, verdict=verdict
        )
        .filter(_between(first, last))
        .filter(_who(filters, collector_field="actor", agency_field="agency"))
    )


OUTBOUND = Q(direction=Activity.Direction.OUTBOUND)


# The agreements' measures: (model, status or None for any, the day that dates the event).
AGREEMENT_MEASURES = {
    "plans_agreed": (RepaymentPlan, None, "agreed_on"),
    "plans_kept": (RepaymentPlan, RepaymentPlan.Status.KEPT, "resolved_on"),
    "plans_broken": (RepaymentPlan, RepaymentPlan.Status.BROKEN, "resolved_on"),
    "plans_cancelled": (RepaymentPlan, RepaymentPlan.Status.CANCELLED, "resolved_on"),
    "offers_made": (SettlementOffer, None, "offered_on"),
    "offers_accepted": (SettlementOffer, None, "accepted_on"),
    "offers_paid": (SettlementOffer, SettlementOffer.Status.PAID, "resolved_on"),
    "offers_lapsed": (SettlementOffer, SettlementOffer.Status.LAPSED, "resolved_on"),
    "offers_rejected": (SettlementOffer, SettlementOffer.Status.REJECTED, "resolved_on"),
}


def agreements_in(user, measure: str, filters: dict) -> QuerySet:
    """The plans or offers a figure of the agreements counts, on cases `user` may see: dated
    in the period, by the collector or agency filtered on (who agreed the plan, who made the
    offer)."""
    model, status, day_field = AGREEMENT_MEASURES[measure]
    maker = "agreed_by" if model is RepaymentPlan else "created_by"
    rows = model.objects.filter(
        case__in=cases_visible_to(user).filter(_case_dimensions(filters)),
        **{f"{day_field}__range": (filters["date_from"], filters["date_to"])},
    ).filter(_who(filters, collector_field=maker, agency_field=f"{maker}__agency"))
    return rows if status is None else rows.filter(status=status)


# The disputes' and complaints' measures, each (kind, what): received in the period; open at
# its end; open at its end and past their deadline (the register's "overdue", when the period
# ends today); received in the period and resolved as upheld.
GRIEVANCE_MEASURES = {
    f"{kind}s_{what}": (kind, what)
    for kind in (DISPUTE, COMPLAINT)
    for what in ("received", "open", "overdue", "upheld")
}


def grievances_in(user, measure: str, filters: dict) -> QuerySet:
    """The disputes or complaints a figure counts, on cases `user` may see; complaints about the
    collector or agency filtered on (the one they concern)."""
    kind, what = GRIEVANCE_MEASURES[measure]
    first, last = filters["date_from"], filters["date_to"]
    # A period at the calendar's ends (a date a person typed) has no moment beyond it: open.
    edge = dt.timedelta(days=1)
    received = Q()
    if first > dt.date.min + edge:
        received &= Q(received_at__gte=business_day_start(first))
    open_at_end = Q(resolved_at__isnull=True)
    if last < dt.date.max - edge:
        end = business_day_start(last + edge)
        received &= Q(received_at__lt=end)
        open_at_end = Q(received_at__lt=end) & (open_at_end | Q(resolved_at__gte=end))
    condition = {
        "received": received,
        "open": open_at_end,
        "overdue": open_at_end & Q(due_on__lt=last),
        "upheld": received & Q(outcome=Outcome.UPHELD),
    }[what]
    rows = MODELS[kind].objects.filter(
        condition, case__in=cases_visible_to(user).filter(_case_dimensions(filters))
    )
    if kind == COMPLAINT:
        rows = rows.filter(
            _who(filters, collector_field="concerns_user", agency_field="concerns_agency")
        )
    return rows


@dataclass(frozen=True)
class ComplaintCount:
    received: int = 0
    upheld: int = 0


def complaints_by_collector(user, filters: dict, collector_ids) -> dict[int, ComplaintCount]:
    """Per collector: the complaints about them received in the period on the cases `user` may
    see under the case filters but the team's and the agency's (whichever team's case it was),
    and how many of those were upheld: the drill's `complaints_received` and
    `complaints_upheld` for each."""
    anyone = {**filters, "team": None, "collector": None, "agency": ""}
    rows = (
        grievances_in(user, "complaints_received", anyone)
        .filter(concerns_user_id__in=list(collector_ids))
        .values_list("concerns_user_id")
        .annotate(received=Count("pk"), upheld=Count("pk", filter=Q(outcome=Outcome.UPHELD)))
        .order_by()
    )
    return {pk: ComplaintCount(received, upheld) for pk, received, upheld in rows}


# --- The debtor portal ------------------------------------------------------------------------
# The portal's own rows are read through the relations it declares on a case
# (`portal_visits`), as a lower app's model carries them; its actions are the case's
# activities on the portal channel, each counted under the visit that led to it: the case's
# latest visit verified at or before the action. A visit's origin is the stage and channel of
# the message whose link brought the debtor; FROM_START_PAGE stands for none (the reference
# typed, or no visit recorded).

FROM_START_PAGE = "start"
# The portal's figures by the outcome of the debtor's actions, and the list of cases of each.
PORTAL_ACTIONS = {
    "portal_promises": (Activity.Outcome.PROMISE,),
    "portal_payments": (Activity.Outcome.PAID,),
    "portal_disputes": (Activity.Outcome.DISPUTE,),
    "portal_callbacks": (Activity.Outcome.CALLBACK_REQUESTED,),
}


def _origin(params: dict, *, stage: str, channel: str) -> Q:
    """Rows whose origin (their `stage` and `channel` columns) is the figure's row."""
    if params.get("channel") == FROM_START_PAGE:
        return Q(**{f"{channel}__isnull": True})
    condition = Q()
    if params.get("stage"):
        condition &= Q(**{stage: params["stage"]})
    if params.get("channel"):
        condition &= Q(**{channel: params["channel"]})
    return condition


def portal_cases(user, filters: dict) -> QuerySet[Case]:
    return cases_visible_to(user).filter(_case_dimensions(filters))


def portal_visits_in(
    user, filters: dict, params: dict | None = None, *, verified: bool = False
) -> QuerySet[Case]:
    """Visits arriving in the period (only those verified, if `verified`), on cases `user` may
    see: one row per visit (a case joined to it), narrowed to an origin by `params` (stage,
    channel). One filter, so that every condition is on the same visit."""
    first, last = filters["date_from"], filters["date_to"]
    origin = _origin(
        params or {},
        stage="portal_visits__message__stage_entry__stage_id",
        channel="portal_visits__message__channel",
    )
    if verified:
        origin &= Q(portal_visits__verified_at__isnull=False)
    return portal_cases(user, filters).filter(
        _between(first, last, "portal_visits__arrived_at") & origin
    )


def _latest_visit(field: str) -> Subquery:
    """`field` of the visit an activity's portal action came in: the case's latest visit
    verified at or before it."""
    return Subquery(
        Case.objects.filter(
            pk=OuterRef("case_id"), portal_visits__verified_at__lte=OuterRef("occurred_at")
        )
        .order_by("-portal_visits__verified_at", "-portal_visits__pk")
        .values(f"portal_visits__{field}")[:1]
    )


def portal_actions_in(user, filters: dict, params: dict | None = None) -> QuerySet[Activity]:
    """The debtors' actions on the portal in the period, on cases `user` may see, each with
    the origin of the visit it came in (`origin_stage`, `origin_channel`)."""
    first, last = filters["date_from"], filters["date_to"]
    actions = (
        Activity.objects.filter(
            _between(first, last),
            case__in=portal_cases(user, filters),
            channel=Activity.Channel.PORTAL,
            direction=Activity.Direction.INBOUND,
        )
    ).annotate(
        origin_stage=_latest_visit("message__stage_entry__stage_id"),
        origin_channel=_latest_visit("message__channel"),
    )
    return actions.filter(_origin(params or {}, stage="origin_stage", channel="origin_channel"))


def portal_messages_sent_in(user, filters: dict, params: dict | None = None):
    """The messages sent in the period on cases `user` may see (each carried a link)."""
    first, last = filters["date_from"], filters["date_to"]
    return OutboundMessage.objects.filter(
        _between(first, last, "sent_at"),
        case__in=portal_cases(user, filters),
        status=OutboundMessage.Status.SENT,
    ).filter(_origin(params or {}, stage="stage_entry__stage_id", channel="channel"))


def _portal_cases_behind(user, measure: str, filters: dict, params: dict) -> QuerySet[Case]:
    if measure == "portal_sent":
        rows = portal_messages_sent_in(user, filters, params).values("case_id")
    elif measure in PORTAL_ACTIONS:
        rows = (
            portal_actions_in(user, filters, params)
            .filter(outcome__in=PORTAL_ACTIONS[measure])
            .values("case_id")
        )
    else:
        verified = measure == "portal_verified"
        rows = portal_visits_in(user, filters, params, verified=verified).values("pk")
    return Case.objects.filter(pk__in=rows)


def _measure_condition(measure: str, filters: dict, params: dict) -> Q:
    """What a case must have for `measure` (see DRILL_MEASURES)."""
    first, last = filters["date_from"], filters["date_to"]
    if measure == "attempts":
        return Q(_activity_drill(filters, first, last, OUTBOUND))
    if measure == "rpc":
        return Q(_activity_drill(filters, first, last, OUTBOUND & Q(outcome__in=RPC_OUTCOMES)))
    if measure == "calls":
        return Q(_activity_drill(filters, first, last, Q()))
    if measure == "promises":
        return Q(_promise_drill(filters, Q(promised_on__range=(first, last))))
    if measure in ("kept", "broken", "resolved"):
        statuses = {"kept": ["kept"], "broken": ["broken"], "resolved": ["kept", "broken"]}
        return Q(
            _promise_drill(
                filters, Q(resolved_on__range=(first, last), status__in=statuses[measure])
            )
        )
    if measure == "collected":
        return Q(_payment_drill(filters, first, last))
    if measure in ("blocks", "overrides"):
        verdict = "blocked" if measure == "blocks" else "overridden"
        return Q(_decision_drill(filters, first, last, verdict))
    if measure == "opened":
        return _between(first, last, "opened_at")
    if measure == "entered":
        return Q(
            Exists(
                StageEntry.objects.filter(
                    case_id=OuterRef("pk"),
                    entered_on__range=(first, last),
                    **({"stage_id": params["stage"]} if params.get("stage") else {}),
                )
            )
        )
    if measure == "written_off":
        return Q(status=Case.Status.WRITTEN_OFF, written_off_on__range=(first, last))
    if measure == "recovered":
        return Q(status=Case.Status.WRITTEN_OFF) & Exists(
            Payment.objects.filter(
                account_id=OuterRef("account_id"),
                received_on__range=(first, last),
                received_on__gt=OuterRef("written_off_on"),
            )
        )
    if measure == "cured":
        condition = Q(status=Case.Status.CURED) & _between(first, last, "closed_at")
        if params.get("stage"):
            condition &= Q(stage_id=params["stage"])
        return condition
    raise ValueError(measure)


DRILL_MEASURES = {
    "attempts": gettext_lazy("Cases with an outbound call in the period"),
    "rpc": gettext_lazy("Cases with a right-party contact in the period"),
    "calls": gettext_lazy("Cases with a call (either direction) in the period"),
    "promises": gettext_lazy("Cases with a promise taken in the period"),
    "kept": gettext_lazy("Cases with a promise kept in the period"),
    "broken": gettext_lazy("Cases with a promise broken in the period"),
    "resolved": gettext_lazy("Cases with a promise kept or broken in the period"),
    "collected": gettext_lazy("Cases with a payment received in the period"),
    "blocks": gettext_lazy("Cases with a blocked contact attempt in the period"),
    "overrides": gettext_lazy("Cases with an overridden block in the period"),
    "opened": gettext_lazy("Cases opened in the period"),
    "entered": gettext_lazy("Cases that entered the stage in the period"),
    "plans_agreed": gettext_lazy("Cases with a repayment plan agreed in the period"),
    "plans_kept": gettext_lazy("Cases with a repayment plan kept to the end in the period"),
    "plans_broken": gettext_lazy("Cases with a repayment plan broken in the period"),
    "plans_cancelled": gettext_lazy("Cases with a repayment plan cancelled in the period"),
    "offers_made": gettext_lazy("Cases with a settlement offer made in the period"),
    "offers_accepted": gettext_lazy("Cases with a settlement offer accepted in the period"),
    "offers_paid": gettext_lazy("Cases settled by an offer paid in the period"),
    "offers_lapsed": gettext_lazy("Cases with a settlement offer lapsed in the period"),
    "offers_rejected": gettext_lazy("Cases with a settlement offer rejected in the period"),
    "disputes_received": gettext_lazy("Cases with a dispute received in the period"),
    "disputes_open": gettext_lazy("Cases with a dispute open at the end of the period"),
    "disputes_overdue": gettext_lazy(
        "Cases with a dispute open and past its deadline at the end of the period"
    ),
    "disputes_upheld": gettext_lazy("Cases with a dispute received in the period and upheld"),
    "complaints_received": gettext_lazy("Cases with a complaint received in the period"),
    "complaints_open": gettext_lazy("Cases with a complaint open at the end of the period"),
    "complaints_overdue": gettext_lazy(
        "Cases with a complaint open and past its deadline at the end of the period"
    ),
    "complaints_upheld": gettext_lazy("Cases with a complaint received in the period and upheld"),
    "portal_sent": gettext_lazy("Cases sent a message (with its portal link) in the period"),
    "portal_visits": gettext_lazy("Cases whose debtor arrived on the portal in the period"),
    "portal_verified": gettext_lazy("Cases whose debtor proved who they are on the portal"),
    "portal_promises": gettext_lazy("Cases with a promise or plan made on the portal"),
    "portal_payments": gettext_lazy("Cases with a payment made on the portal in the period"),
    "portal_disputes": gettext_lazy("Cases with a dispute raised on the portal in the period"),
    "portal_callbacks": gettext_lazy("Cases with a call-back asked for on the portal"),
    "cured": gettext_lazy("Cases cured in the period"),
    "written_off": gettext_lazy("Cases written off in the period"),
    "recovered": gettext_lazy("Written-off cases with a payment received in the period"),
    "bucket": gettext_lazy("Cases on the books in the bucket"),
    "roll": gettext_lazy("Cases that rolled between the buckets"),
    "queue": gettext_lazy("Cases in the call queue now"),
    "untouched": gettext_lazy("Cases in the call queue now, not called since entering their stage"),
}


def _case_dimensions(filters: dict) -> Q:
    condition = Q()
    if filters.get("team") is not None:
        condition &= Q(team=filters["team"])
    if filters.get("strategy") is not None:
        condition &= Q(strategy=filters["strategy"])
    if filters.get("product"):
        condition &= Q(account__product=filters["product"])
    if filters.get("currency"):
        condition &= Q(account__currency=filters["currency"])
    return condition


def cases_behind(user, measure: str, filters: dict, params: dict) -> QuerySet[Case]:
    """The cases a figure counts, among those `user` may see.

    `filters` are the dashboard's cleaned filters; `params` the figure's own coordinates
    (stage, bucket, from/to bucket, as-of day).
    """
    cases = cases_visible_to(user).filter(_case_dimensions(filters))
    if measure == "bucket":
        day = params["as_of"]
        cases = cases.filter(on_books(day)).alias(drill_bucket=bucket_on(day))
        cases = cases.filter(drill_bucket=params["bucket"])
        agency = filters.get("agency", "")
        if agency:
            cases = cases.alias(drill_agency=agency_holding_on(day))
            if agency == "null":
                cases = cases.filter(drill_agency__isnull=True)
            else:
                cases = cases.filter(drill_agency=agency.pk)
        return cases
    if measure == "roll":
        _, start, until = roll_window(params["as_of"])
        return (
            cases.filter(on_books(start))
            .alias(drill_from=bucket_on(start), drill_to=to_bucket(until))
            .filter(drill_from=params["from_bucket"], drill_to=params["to_bucket"])
        )
    if measure in ("queue", "untouched"):
        cases = cases.filter(pk__in=queue_cases().values("pk"))
        return cases.filter(untouched()) if measure == "untouched" else cases
    if measure in AGREEMENT_MEASURES:
        return cases.filter(pk__in=agreements_in(user, measure, filters).values("case_id"))
    if measure in GRIEVANCE_MEASURES:
        return cases.filter(pk__in=grievances_in(user, measure, filters).values("case_id"))
    if measure.startswith("portal_"):
        return cases.filter(pk__in=_portal_cases_behind(user, measure, filters, params))
    return cases.filter(_measure_condition(measure, filters, params))


def writeoff_totals(user, filters: dict) -> dict[str, object]:
    """In the period, of the cases `user` may see (under the case filters): how many were
    written off and for how much, and the payments received on written-off accounts after
    their write-off (recoveries), how many, on how many cases, for how much. Counted from the
    cases themselves: write-offs are few."""
    first, last = filters["date_from"], filters["date_to"]
    written_off = cases_visible_to(user).filter(
        _case_dimensions(filters), status=Case.Status.WRITTEN_OFF
    )
    written = written_off.filter(written_off_on__range=(first, last)).aggregate(
        cases=Count("pk"), amount=Sum("written_off_amount")
    )
    recovered = (
        post_write_off_recoveries()
        .filter(
            account__in=written_off.values("account_id"),
            received_on__range=(first, last),
            currency=F("account__currency"),
        )
        .aggregate(
            payments=Count("pk"), cases=Count("account", distinct=True), amount=Sum("amount")
        )
    )
    return {
        "written_off_cases": written["cases"],
        "written_off_amount": written["amount"] or 0,
        "recovered_payments": recovered["payments"],
        "recovered_cases": recovered["cases"],
        "recovered_amount": recovered["amount"] or 0,
    }


def performance_totals(rows: QuerySet[DailyPerformance], *group: str) -> list[dict]:

    return list(
        rows.order_by()
        .values(*group)
        .annotate(**{measure: Sum(measure) for measure in PERFORMANCE_MEASURES})
    )


# Smallest first: a page reads the first table holding every column it groups or filters by.
PERFORMANCE_TABLES = (DailyTeamPerformance, DailyCollectorPerformance, DailyPerformance)
FILTER_COLUMNS = ("team", "collector", "agency", "strategy", "product", "currency")


def performance_table(needed: set[str], group: tuple[str, ...]):
    wanted = set(needed) | set(group)
    for model in PERFORMANCE_TABLES:
        if wanted <= {field.name for field in model._meta.get_fields()}:
            return model
    raise ValueError(f"No performance table has the columns {sorted(wanted)}.")
