"""The Portal page: what debtors did on the self-service portal in the period, by the stage and
by the message whose link brought them, so a supervisor sees which wording (of which strategy:
champion and challenger split the cases) brings debtors in and gets them to act. Each count
links to its cases."""

from __future__ import annotations

from collections import Counter, defaultdict

from django.db.models import Count, F
from django.utils.translation import gettext as _

from cases.models import Activity, Stage
from reporting.figures import COUNT, RATE, Cell, Column, Figure, drill_url
from reporting.filters import DashboardFilterSet
from reporting.selectors import (
    FROM_START_PAGE,
    PORTAL_ACTIONS,
    portal_actions_in,
    portal_messages_sent_in,
    portal_visits_in,
)

Origin = tuple[int | None, str | None]  # (stage id, channel); (None, None): the start page


def portal_figures(filterset: DashboardFilterSet, user, *, only: str | None = None) -> list[Figure]:
    counts = _counts(filterset, user)
    labels = _stage_labels({stage for stage, _channel in counts if stage is not None})
    builders = {"portal_stages": _by_stage, "portal_messages": _by_message}
    return [
        build(filterset, counts, labels) for key, build in builders.items() if only in (None, key)
    ]


def _counts(filterset: DashboardFilterSet, user) -> dict[Origin, Counter]:
    """Every measure of the page by the origin of the visit: the messages sent, the visits and
    those verified, and the actions by kind."""
    first, last = filterset.period()
    filters = {**filterset.cleaned, "date_from": first, "date_to": last}
    counts: dict[Origin, Counter] = defaultdict(Counter)
    sent = (
        portal_messages_sent_in(user, filters)
        .values_list("stage_entry__stage_id", "channel")
        .annotate(n=Count("pk"))
        .order_by()
    )
    for stage, channel, n in sent:
        counts[(stage, channel)]["portal_sent"] += n
    visits = (
        portal_visits_in(user, filters)
        .values_list(
            F("portal_visits__message__stage_entry__stage_id"), F("portal_visits__message__channel")
        )
        .annotate(visits=Count("portal_visits"), verified=Count("portal_visits__verified_at"))
        .order_by()
    )
    for stage, channel, visited, verified in visits:
        counts[(stage, channel)]["portal_visits"] += visited
        counts[(stage, channel)]["portal_verified"] += verified
    measure_of = {
        outcome: measure for measure, outcomes in PORTAL_ACTIONS.items() for outcome in outcomes
    }
    actions = (
        portal_actions_in(user, filters)
        .filter(outcome__in=measure_of)
        .values_list("origin_stage", "origin_channel", "outcome")
        .annotate(n=Count("pk"))
        .order_by()
    )
    for stage, channel, outcome, n in actions:
        counts[(stage, channel)][measure_of[outcome]] += n
    return counts


def _stage_labels(stage_ids: set[int]) -> dict[int, str]:
    stages = Stage.objects.select_related("strategy").filter(pk__in=stage_ids)
    return {stage.pk: f"{stage.strategy.name}: {stage.name}" for stage in stages}


def _order(origin: Origin, labels: dict[int, str]) -> tuple:
    stage, channel = origin
    return (stage is None, labels.get(stage, ""), channel or "")


ACTION_MEASURES = ("portal_promises", "portal_payments", "portal_disputes", "portal_callbacks")


def _columns(first: Column) -> list[Column]:
    return [
        first,
        Column(
            "portal_sent",
            _("Messages sent"),
            COUNT,
            _("Sent in the period; each carried its own link."),
        ),
        Column("portal_visits", _("Visits"), COUNT, _("Arrivals in the period.")),
        Column("visit_rate", _("Visits per 100 sent"), RATE, essential=False),
        Column(
            "portal_verified", _("Verified"), COUNT, _("Visits whose debtor proved who they are.")
        ),
        Column("portal_promises", _("Promises and plans"), COUNT),
        Column("portal_payments", _("Payments"), COUNT, _("Online payments made.")),
        Column("portal_disputes", _("Disputes"), COUNT),
        Column("portal_callbacks", _("Call-backs"), COUNT, _("Call-backs asked for.")),
    ]


def _row(filterset: DashboardFilterSet, label: str, counts: Counter, origin: Origin) -> list[Cell]:
    stage, channel = origin
    coordinates = (
        {"stage": stage, "channel": channel}
        if stage is not None
        else {"stage": None, "channel": FROM_START_PAGE}
    )

    def count(measure: str) -> Cell:
        return Cell.of(counts[measure], COUNT, drill_url(filterset, measure, **coordinates))

    rate = (
        Cell.of(100 * counts["portal_visits"] / counts["portal_sent"], RATE)
        if counts["portal_sent"]
        else Cell(None, RATE)
    )
    return [
        Cell(label),
        count("portal_sent") if stage is not None else Cell(None, COUNT),
        count("portal_visits"),
        rate,
        count("portal_verified"),
        *(count(measure) for measure in ACTION_MEASURES),
    ]


def _note() -> str:
    return _(
        "Actions count under the visit they came in (the case's latest verified visit before "
        "them). The collector and agency filters do not split these figures: the debtor acts "
        "alone."
    )


def _by_stage(filterset: DashboardFilterSet, counts, labels) -> Figure:
    by_stage: dict[Origin, Counter] = defaultdict(Counter)
    for (stage, _channel), measures in counts.items():
        by_stage[(stage, None)].update(measures)
    rows = [
        _row(filterset, labels.get(stage) or _("Typed the account reference"), measures, origin)
        for origin, measures in sorted(by_stage.items(), key=lambda row: _order(row[0], labels))
        for stage, _channel in [origin]
    ]
    return Figure(
        "portal_stages",
        _("The portal by stage"),
        _columns(Column("stage", _("Stage of the message that brought the debtor"))),
        rows,
        note=_note(),
    )


def _by_message(filterset: DashboardFilterSet, counts, labels) -> Figure:
    channels = dict(Activity.Channel.choices)
    rows = [
        _row(
            filterset,
            f"{labels.get(stage, stage)} · {channels.get(channel, channel)}"
            if stage is not None
            else _("Typed the account reference"),
            measures,
            (stage, channel),
        )
        for (stage, channel), measures in sorted(
            counts.items(), key=lambda row: _order(row[0], labels)
        )
    ]
    return Figure(
        "portal_messages",
        _("The portal by message"),
        _columns(Column("message", _("Message (stage's wording, channel)"))),
        rows,
        note=_note(),
    )
