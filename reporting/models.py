"""The daily statistics the dashboards read.

The tables keep the names they were created with (`cases_…`), from before the split of the
`cases` app.

The statistics tables are derived data: every row can be recomputed from the cases,
activities, promises, payments and the compliance log (`reporting.stats`). Their
foreign keys carry no database constraint, so a rebuild is a plain delete and insert.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from cases.buckets import Bucket
from common.money import TOTAL

__all__ = [
    "Bucket",
    "DailyCaseFlow",
    "DailyCollectorPerformance",
    "DailyPerformance",
    "DailyTeamPerformance",
    "PortfolioSnapshot",
    "QueueSnapshot",
    "RollRate",
    "StatsDay",
    "StatsWatermark",
]


def _dimension(model: str, **extra) -> models.ForeignKey:
    return models.ForeignKey(
        model,
        null=True,
        blank=True,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        db_index=False,  # the tables are read by day; each index only slows the rebuild
        related_name="+",
        **extra,
    )


class PerformanceMeasures(models.Model):
    """What was done: the measures every performance table sums."""

    attempts = models.PositiveIntegerField(_("attempts"), default=0, help_text=_("Outbound calls."))
    right_party_contacts = models.PositiveIntegerField(
        _("right-party contacts"), default=0, help_text=_("Outbound calls that reached the debtor.")
    )
    calls_handled = models.PositiveIntegerField(
        _("calls handled"), default=0, help_text=_("Calls, either direction.")
    )
    call_seconds = models.BigIntegerField(
        _("call seconds"), default=0, help_text=_("Their summed durations.")
    )
    promises = models.PositiveIntegerField(
        _("promises"), default=0, help_text=_("Promises taken that day.")
    )
    promised_amount = models.DecimalField(_("promised amount"), **TOTAL, default=0)
    promises_kept = models.PositiveIntegerField(
        _("promises kept"), default=0, help_text=_("Resolved as kept that day.")
    )
    promises_broken = models.PositiveIntegerField(
        _("promises broken"), default=0, help_text=_("Resolved as broken that day.")
    )
    payments = models.PositiveIntegerField(_("payments"), default=0)
    collected = models.DecimalField(_("collected"), **TOTAL, default=0)
    compliance_blocks = models.PositiveIntegerField(_("compliance blocks"), default=0)
    compliance_overrides = models.PositiveIntegerField(_("compliance overrides"), default=0)

    class Meta:
        abstract = True


class DailyPerformance(PerformanceMeasures):
    """What was done on one business day, by whom, on which cases.

    One row per (day, case team, collector, agency, strategy, product, currency). The case's
    team, strategy, product and currency are read when the day is computed.
    """

    day = models.DateField(_("day"))
    team = _dimension("accounts.Team", verbose_name=_("team"))
    collector = _dimension(settings.AUTH_USER_MODEL, verbose_name=_("collector"))
    agency = _dimension("agencies.Agency", verbose_name=_("agency"))
    strategy = _dimension("cases.Strategy", verbose_name=_("strategy"))
    product = models.CharField(_("product"), max_length=60)
    currency = models.CharField(_("currency"), max_length=3)

    class Meta:
        verbose_name = _("daily performance")
        verbose_name_plural = _("daily performance")
        db_table = "cases_dailyperformance"
        ordering = ["day", "id"]
        permissions = [("view_dashboard", _("Can view performance dashboards"))]
        indexes = [
            models.Index(fields=["currency", "day"], name="dash_perf_currency_day"),
            models.Index(fields=["team", "currency", "day"], name="dash_perf_team_day"),
            models.Index(fields=["collector", "day"], name="dash_perf_collector_day"),
        ]

    def __str__(self) -> str:
        return f"Performance {self.day} team {self.team_id} collector {self.collector_id}"


class DailyCollectorPerformance(PerformanceMeasures):
    """DailyPerformance summed over strategies and products: what the People page reads
    when neither is filtered (several times fewer rows)."""

    day = models.DateField(_("day"))
    team = _dimension("accounts.Team", verbose_name=_("team"))
    collector = _dimension(settings.AUTH_USER_MODEL, verbose_name=_("collector"))
    agency = _dimension("agencies.Agency", verbose_name=_("agency"))
    currency = models.CharField(_("currency"), max_length=3)

    class Meta:
        verbose_name = _("daily collector performance")
        verbose_name_plural = _("daily collector performance")
        db_table = "cases_dailycollectorperformance"
        ordering = ["day", "id"]
        indexes = [
            # In-house people (agency blank) are the usual reading: their rows sit together.
            models.Index(fields=["currency", "agency", "day"], name="dash_perf_person_day"),
            # Whose work a supervisor's teams hold: the collector filter's choices.
            models.Index(fields=["collector", "team"], name="dash_perf_person_team"),
        ]

    def __str__(self) -> str:
        return f"Performance {self.day} team {self.team_id} collector {self.collector_id}"


class DailyTeamPerformance(PerformanceMeasures):
    """DailyPerformance summed over collectors: for team totals, trends and strategies when
    no collector is chosen."""

    day = models.DateField(_("day"))
    team = _dimension("accounts.Team", verbose_name=_("team"))
    agency = _dimension("agencies.Agency", verbose_name=_("agency"))
    strategy = _dimension("cases.Strategy", verbose_name=_("strategy"))
    product = models.CharField(_("product"), max_length=60)
    currency = models.CharField(_("currency"), max_length=3)

    class Meta:
        verbose_name = _("daily team performance")
        verbose_name_plural = _("daily team performance")
        db_table = "cases_dailyteamperformance"
        ordering = ["day", "id"]
        indexes = [models.Index(fields=["currency", "day"], name="dash_perf_team_only_day")]

    def __str__(self) -> str:
        return f"Performance {self.day} team {self.team_id}"


class DailyCaseFlow(models.Model):
    """Cases opened, entering a stage, and cured on one business day."""

    day = models.DateField(_("day"))
    team = _dimension("accounts.Team", verbose_name=_("team"))
    strategy = _dimension("cases.Strategy", verbose_name=_("strategy"))
    stage = _dimension("cases.Stage", verbose_name=_("stage"), help_text=_("Blank for openings."))
    product = models.CharField(_("product"), max_length=60)
    currency = models.CharField(_("currency"), max_length=3)

    opened = models.PositiveIntegerField(_("opened"), default=0)
    entered = models.PositiveIntegerField(
        _("entered"), default=0, help_text=_("Entries into the stage.")
    )
    cured = models.PositiveIntegerField(
        _("cured"), default=0, help_text=_("Cured while at the stage.")
    )
    cured_balance = models.DecimalField(
        _("cured balance"), **TOTAL, default=0, help_text=_("Their balances when opened.")
    )

    class Meta:
        verbose_name = _("daily case flow")
        verbose_name_plural = _("daily case flows")
        db_table = "cases_dailycaseflow"
        ordering = ["day", "id"]
        indexes = [models.Index(fields=["currency", "day"], name="dash_flow_currency_day")]

    def __str__(self) -> str:
        return f"Case flow {self.day} team {self.team_id} stage {self.stage_id}"


class PortfolioSnapshot(models.Model):
    """Cases on the books at the end of a business day, by days-past-due bucket."""

    day = models.DateField(_("day"))
    team = _dimension("accounts.Team", verbose_name=_("team"))
    agency = _dimension(
        "agencies.Agency",
        verbose_name=_("agency"),
        help_text=_("The agency holding the case that day."),
    )
    strategy = _dimension("cases.Strategy", verbose_name=_("strategy"))
    product = models.CharField(_("product"), max_length=60)
    currency = models.CharField(_("currency"), max_length=3)
    bucket = models.PositiveSmallIntegerField(_("bucket"), choices=Bucket)

    cases = models.PositiveIntegerField(_("cases"), default=0)
    balance = models.DecimalField(_("balance"), **TOTAL, default=0)

    class Meta:
        verbose_name = _("portfolio snapshot")
        verbose_name_plural = _("portfolio snapshots")
        db_table = "cases_portfoliosnapshot"
        ordering = ["day", "bucket", "id"]
        indexes = [models.Index(fields=["currency", "day"], name="dash_portfolio_currency_day")]

    def __str__(self) -> str:
        return f"Portfolio {self.day} bucket {self.bucket}: {self.cases}"


class RollRate(models.Model):
    """Where the cases on the books at one month end stood at the next (or on `as_of`)."""

    month = models.DateField(
        _("month"), help_text=_("First day of the month the cases rolled through.")
    )
    as_of = models.DateField(
        _("as of"), help_text=_("The month's last day, or the day computed if earlier.")
    )
    team = _dimension("accounts.Team", verbose_name=_("team"))
    strategy = _dimension("cases.Strategy", verbose_name=_("strategy"))
    product = models.CharField(_("product"), max_length=60)
    currency = models.CharField(_("currency"), max_length=3)
    from_bucket = models.PositiveSmallIntegerField(_("from bucket"), choices=Bucket)
    to_bucket = models.PositiveSmallIntegerField(_("to bucket"), choices=Bucket)

    cases = models.PositiveIntegerField(_("cases"), default=0)
    balance = models.DecimalField(
        _("balance"), **TOTAL, default=0, help_text=_("Balances at the first month end.")
    )

    class Meta:
        verbose_name = _("roll rate")
        verbose_name_plural = _("roll rates")
        db_table = "cases_rollrate"
        ordering = ["month", "from_bucket", "to_bucket", "id"]
        indexes = [models.Index(fields=["currency", "month"], name="dash_roll_currency_month")]

    def __str__(self) -> str:
        return f"Roll {self.month:%Y-%m} {self.from_bucket}→{self.to_bucket}: {self.cases}"


class QueueSnapshot(models.Model):
    """A team's call queue when the day's statistics were last computed."""

    day = models.DateField(_("day"))
    team = _dimension("accounts.Team", verbose_name=_("team"))
    taken_at = models.DateTimeField(_("taken at"))
    queue_depth = models.PositiveIntegerField(
        _("queue depth"), default=0, help_text=_("Open cases in a calling stage, not paused.")
    )
    untouched = models.PositiveIntegerField(
        _("untouched"),
        default=0,
        help_text=_("Of those, cases without a call since entering their stage."),
    )
    paused = models.PositiveIntegerField(_("paused"), default=0)
    oldest_untouched_case = _dimension("cases.Case", verbose_name=_("oldest untouched case"))
    oldest_untouched_since = models.DateTimeField(
        _("oldest untouched since"), null=True, blank=True
    )

    class Meta:
        verbose_name = _("queue snapshot")
        verbose_name_plural = _("queue snapshots")
        db_table = "cases_queuesnapshot"
        ordering = ["day", "team"]
        indexes = [models.Index(fields=["day"], name="dash_queue_day")]

    def __str__(self) -> str:
        return f"Queue {self.day} team {self.team_id}: {self.queue_depth}"


class StatsDay(models.Model):
    """A business day whose statistics exist; its row is locked while the day is recomputed."""

    day = models.DateField(_("day"), unique=True)
    flows_computed_at = models.DateTimeField(_("flows computed at"), null=True, blank=True)
    snapshot_computed_at = models.DateTimeField(_("snapshot computed at"), null=True, blank=True)

    class Meta:
        verbose_name = _("statistics day")
        verbose_name_plural = _("statistics days")
        db_table = "cases_statsday"
        ordering = ["-day"]

    def __str__(self) -> str:
        return f"Statistics for {self.day}"


class StatsWatermark(models.Model):
    """How far the statistics job has read each source: rows past these are news."""

    id = models.PositiveSmallIntegerField(primary_key=True, default=1)
    activity_id = models.BigIntegerField(default=0)
    payment_id = models.BigIntegerField(default=0)
    promise_id = models.BigIntegerField(default=0)
    stage_entry_id = models.BigIntegerField(default=0)
    compliance_sequence = models.BigIntegerField(default=0)
    pipeline_run_id = models.BigIntegerField(default=0)
    case_id = models.BigIntegerField(default=0)

    class Meta:
        verbose_name = _("statistics watermark")
        verbose_name_plural = _("statistics watermarks")
        db_table = "cases_statswatermark"
        constraints = [models.CheckConstraint(condition=Q(id=1), name="stats_watermark_one_row")]

    def __str__(self) -> str:
        return "Statistics watermark"
