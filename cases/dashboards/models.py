"""The daily statistics the dashboards read, and the record of what supervisors did.

These models belong to the `cases` app: cases/models.py star-imports this module. Foreign keys
name their targets as strings so this module never imports cases.models (no import cycle).

The statistics tables are derived data: every row can be recomputed from the cases,
activities, promises, payments and the compliance log (`cases.dashboards.stats`). Their
foreign keys carry no database constraint, so a rebuild is a plain delete and insert.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

__all__ = [
    "Bucket",
    "DailyCaseFlow",
    "DailyCollectorPerformance",
    "DailyPerformance",
    "DailyTeamPerformance",
    "OverrideApproval",
    "PortfolioSnapshot",
    "QueueSnapshot",
    "RollRate",
    "StatsDay",
    "StatsWatermark",
    "SupervisorAction",
]

MONEY = {"max_digits": 16, "decimal_places": 2}


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


class Bucket(models.IntegerChoices):
    """Days past due, and (for roll rates) where a case ended up."""

    CURRENT = 0, "Current (0)"
    DPD_1_29 = 1, "1-29"
    DPD_30_59 = 2, "30-59"
    DPD_60_89 = 3, "60-89"
    DPD_90_119 = 4, "90-119"
    DPD_120_PLUS = 5, "120+"
    CURED = 6, "Cured"
    CLOSED = 7, "Closed otherwise"


class PerformanceMeasures(models.Model):
    """What was done: the measures every performance table sums."""

    attempts = models.PositiveIntegerField(default=0, help_text="Outbound calls.")
    right_party_contacts = models.PositiveIntegerField(
        default=0, help_text="Outbound calls that reached the debtor."
    )
    calls_handled = models.PositiveIntegerField(default=0, help_text="Calls, either direction.")
    call_seconds = models.BigIntegerField(default=0, help_text="Their summed durations.")
    promises = models.PositiveIntegerField(default=0, help_text="Promises taken that day.")
    promised_amount = models.DecimalField(**MONEY, default=0)
    promises_kept = models.PositiveIntegerField(default=0, help_text="Resolved as kept that day.")
    promises_broken = models.PositiveIntegerField(
        default=0, help_text="Resolved as broken that day."
    )
    payments = models.PositiveIntegerField(default=0)
    collected = models.DecimalField(**MONEY, default=0)
    compliance_blocks = models.PositiveIntegerField(default=0)
    compliance_overrides = models.PositiveIntegerField(default=0)

    class Meta:
        abstract = True


class DailyPerformance(PerformanceMeasures):
    """What was done on one business day, by whom, on which cases.

    One row per (day, case team, collector, agency, strategy, product, currency). The case's
    team, strategy, product and currency are read when the day is computed.
    """

    day = models.DateField()
    team = _dimension("accounts.Team")
    collector = _dimension(settings.AUTH_USER_MODEL)
    agency = _dimension("agencies.Agency")
    strategy = _dimension("cases.Strategy")
    product = models.CharField(max_length=60)
    currency = models.CharField(max_length=3)

    class Meta:
        ordering = ["day", "id"]
        verbose_name_plural = "daily performance"
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

    day = models.DateField()
    team = _dimension("accounts.Team")
    collector = _dimension(settings.AUTH_USER_MODEL)
    agency = _dimension("agencies.Agency")
    currency = models.CharField(max_length=3)

    class Meta:
        ordering = ["day", "id"]
        verbose_name_plural = "daily collector performance"
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

    day = models.DateField()
    team = _dimension("accounts.Team")
    agency = _dimension("agencies.Agency")
    strategy = _dimension("cases.Strategy")
    product = models.CharField(max_length=60)
    currency = models.CharField(max_length=3)

    class Meta:
        ordering = ["day", "id"]
        verbose_name_plural = "daily team performance"
        indexes = [models.Index(fields=["currency", "day"], name="dash_perf_team_only_day")]

    def __str__(self) -> str:
        return f"Performance {self.day} team {self.team_id}"


class DailyCaseFlow(models.Model):
    """Cases opened, entering a stage, and cured on one business day."""

    day = models.DateField()
    team = _dimension("accounts.Team")
    strategy = _dimension("cases.Strategy")
    stage = _dimension("cases.Stage", help_text="Blank for openings.")
    product = models.CharField(max_length=60)
    currency = models.CharField(max_length=3)

    opened = models.PositiveIntegerField(default=0)
    entered = models.PositiveIntegerField(default=0, help_text="Entries into the stage.")
    cured = models.PositiveIntegerField(default=0, help_text="Cured while at the stage.")
    cured_balance = models.DecimalField(**MONEY, default=0, help_text="Their balances when opened.")

    class Meta:
        ordering = ["day", "id"]
        indexes = [models.Index(fields=["currency", "day"], name="dash_flow_currency_day")]

    def __str__(self) -> str:
        return f"Case flow {self.day} team {self.team_id} stage {self.stage_id}"


class PortfolioSnapshot(models.Model):
    """Cases on the books at the end of a business day, by days-past-due bucket."""

    day = models.DateField()
    team = _dimension("accounts.Team")
    agency = _dimension("agencies.Agency", help_text="The agency holding the case that day.")
    strategy = _dimension("cases.Strategy")
    product = models.CharField(max_length=60)
    currency = models.CharField(max_length=3)
    bucket = models.PositiveSmallIntegerField(choices=Bucket)

    cases = models.PositiveIntegerField(default=0)
    balance = models.DecimalField(**MONEY, default=0)

    class Meta:
        ordering = ["day", "bucket", "id"]
        indexes = [models.Index(fields=["currency", "day"], name="dash_portfolio_currency_day")]

    def __str__(self) -> str:
        return f"Portfolio {self.day} bucket {self.bucket}: {self.cases}"


class RollRate(models.Model):
    """Where the cases on the books at one month end stood at the next (or on `as_of`)."""

    month = models.DateField(help_text="First day of the month the cases rolled through.")
    as_of = models.DateField(help_text="The month's last day, or the day computed if earlier.")
    team = _dimension("accounts.Team")
    strategy = _dimension("cases.Strategy")
    product = models.CharField(max_length=60)
    currency = models.CharField(max_length=3)
    from_bucket = models.PositiveSmallIntegerField(choices=Bucket)
    to_bucket = models.PositiveSmallIntegerField(choices=Bucket)

    cases = models.PositiveIntegerField(default=0)
    balance = models.DecimalField(**MONEY, default=0, help_text="Balances at the first month end.")

    class Meta:
        ordering = ["month", "from_bucket", "to_bucket", "id"]
        indexes = [models.Index(fields=["currency", "month"], name="dash_roll_currency_month")]

    def __str__(self) -> str:
        return f"Roll {self.month:%Y-%m} {self.from_bucket}→{self.to_bucket}: {self.cases}"


class QueueSnapshot(models.Model):
    """A team's call queue when the day's statistics were last computed."""

    day = models.DateField()
    team = _dimension("accounts.Team")
    taken_at = models.DateTimeField()
    queue_depth = models.PositiveIntegerField(
        default=0, help_text="Open cases in a calling stage, not paused."
    )
    untouched = models.PositiveIntegerField(
        default=0, help_text="Of those, cases without a call since entering their stage."
    )
    paused = models.PositiveIntegerField(default=0)
    oldest_untouched_case = _dimension("cases.Case")
    oldest_untouched_since = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["day", "team"]
        indexes = [models.Index(fields=["day"], name="dash_queue_day")]

    def __str__(self) -> str:
        return f"Queue {self.day} team {self.team_id}: {self.queue_depth}"


class StatsDay(models.Model):
    """A business day whose statistics exist; its row is locked while the day is recomputed."""

    day = models.DateField(unique=True)
    flows_computed_at = models.DateTimeField(null=True, blank=True)
    snapshot_computed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
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
        constraints = [models.CheckConstraint(condition=Q(id=1), name="stats_watermark_one_row")]

    def __str__(self) -> str:
        return "Statistics watermark"


class SupervisorAction(models.Model):
    """The audit trail of what supervisors did to cases and teams. Written once."""

    class Kind(models.TextChoices):
        REASSIGN = "reassign", "Cases reassigned"
        MOVE_COLLECTOR = "move_collector", "Collector moved to another team"
        PAUSE = "pause", "Case paused"
        RESUME = "resume", "Case resumed"
        APPROVE_OVERRIDE = "approve_override", "Compliance override approved"

    kind = models.CharField(max_length=20, choices=Kind)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="supervisor_actions"
    )
    occurred_at = models.DateTimeField()
    reason = models.TextField(blank=True)
    case_count = models.PositiveIntegerField(default=0)
    details = models.JSONField(
        default=dict, blank=True, help_text="What changed: ids before and after."
    )

    class Meta:
        ordering = ["-occurred_at", "-id"]
        indexes = [models.Index(fields=["occurred_at"], name="supervisor_action_time")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} by {self.actor} at {self.occurred_at:%Y-%m-%d %H:%M}"


class OverrideApproval(models.Model):
    """A supervisor's approval of a blocked contact, judged again by the compliance gate.

    The approval is itself a decision of the gate (verdict overridden, with the reason and the
    approver); the collector it names may then make that contact until `valid_until`, and the
    gate judges that contact once more with the same approver and reason.
    """

    blocked_entry = models.OneToOneField(
        "cases.ComplianceLogEntry", on_delete=models.PROTECT, related_name="override_approval"
    )
    decision_entry = models.OneToOneField(
        "cases.ComplianceLogEntry",
        on_delete=models.PROTECT,
        related_name="approval_decision",
        help_text="The gate's overridden decision written when the approval was given.",
    )
    case = models.ForeignKey(
        "cases.Case", on_delete=models.CASCADE, related_name="override_approvals"
    )
    collector = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="override_approvals"
    )
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="overrides_approved"
    )
    reason = models.TextField()
    approved_at = models.DateTimeField()
    valid_until = models.DateTimeField()
    used_activity = models.OneToOneField(
        "cases.Activity",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="override_approval",
        help_text="The contact made under the approval.",
    )

    class Meta:
        ordering = ["-approved_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=~Q(reason=""), name="override_approval_has_reason"),
            models.CheckConstraint(
                condition=Q(valid_until__gt=models.F("approved_at")),
                name="override_approval_valid_after_approval",
            ),
        ]

    def __str__(self) -> str:
        return f"Override on case {self.case_id} for {self.collector} by {self.approved_by}"
