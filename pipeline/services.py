"""The daily collection pipeline: one business date moves every overdue account along its ladder.

Steps, in order, for business date D:
1. open a case for every account that became overdue (one open case per account);
2. cure the cases whose arrears are paid, cancelling what they still had coming;
3. settle promises whose date has passed (kept or broken);
4. escalate each open case to the highest stage it has reached, and queue that stage's
   one-off action (message, phone queue, placement, litigation).

Every step is set-based: it selects case ids in keyset batches and changes each batch with a
few bulk statements inside one transaction, so a run killed half-way leaves whole batches
behind and a rerun finishes the rest. Running a date twice changes nothing the second time:
the selections exclude what is already done and the database refuses duplicates
(`stage_entered_once_per_case`, `one_message_per_stage_entry_channel`).
"""

from __future__ import annotations

import datetime as dt
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from decimal import Decimal

from django.db import connection, transaction
from django.db.models import Case as SqlCase
from django.db.models import (
    Exists,
    F,
    OuterRef,
    Q,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Coalesce
from django.db.models.lookups import IsNull
from django.utils.translation import gettext, gettext_lazy

from accounts.models import Team
from cases.models import (
    Activity,
    CardAccount,
    Case,
    ContactPoint,
    Payment,
    PromiseInstalment,
    PromiseToPay,
    ReportedPayment,
    Stage,
    StageEntry,
    Strategy,
)
from common.batches import in_batch, keyset_batches
from common.dry_run import dry_run_transaction
from common.holders import holding, is_held
from common.money import AMOUNT_OUTPUT
from common.sql import DaysBetween, insert_from_select
from pipeline.hand_offs import entry_criteria_for, hand_offs
from pipeline.models import OutboundMessage, PipelineRun

BATCH_SIZE = 5000
# A run that moves at least this many cases leaves the planner's statistics of the tables it
# rewrote out of date: it refreshes them (see `planner_statistics_refresh`).
REFRESH_STATISTICS_AFTER = 10_000
PIPELINE_TABLES = (Case._meta.db_table, StageEntry._meta.db_table, OutboundMessage._meta.db_table)
# A broken promise sends its case to the top of the collector's queue.
BROKEN_PROMISE_PRIORITY = 1_000_000_000
# The holder lock of a date's run (common.holders): held by the process running it.
RUN_HOLDER = "pipeline-run"

OPEN = ~Q(status__in=Case.CLOSED_STATUSES)


class PipelineAlreadyRunning(Exception):
    """Another worker is running the pipeline for this date right now."""


def pipeline_last_run(*, business_date: dt.date) -> PipelineRun | None:
    """The latest real run (not a preview) of `business_date`, whatever its status."""
    return (
        PipelineRun.objects.filter(business_date=business_date, dry_run=False)
        .select_related("triggered_by")
        .order_by("-started_at", "-pk")
        .first()
    )


def pipeline_is_running(*, business_date: dt.date) -> bool:
    """Whether a living process is running `business_date` now (a "running" row whose
    process died says nothing: the next run takes it over)."""
    return is_held(RUN_HOLDER, business_date.toordinal())


def pipeline_abandoned_dates() -> list[dt.date]:
    """The dates whose run is marked running but whose process is gone (killed, machine
    lost): running each again finishes its work."""
    running = (
        PipelineRun.objects.filter(status=PipelineRun.Status.RUNNING, dry_run=False)
        .values_list("business_date", flat=True)
        .distinct()
        .order_by("business_date")
    )
    return [day for day in running if not pipeline_is_running(business_date=day)]


@dataclass
class PipelineResult:
    business_date: dt.date
    counts: Counter = field(default_factory=Counter)
    dry_run: bool = False
    run: PipelineRun | None = None
    # Seconds spent in each step, and in the parts of escalation (see Pipeline.timings).
    timings: Counter = field(default_factory=Counter)


def priority_score(balance: Decimal, days_past_due: int) -> int:
    """Default queue score: larger and older debts first (a dollar counts as much as a day)."""
    return int(balance) + 10 * days_past_due


def paid_since(account_ref: str, start_ref: str, business_date: dt.date) -> Coalesce:
    """Sum of the account's payments received from `start_ref` up to the business date."""
    payments = (
        Payment.objects.filter(
            account_id=OuterRef(account_ref),
            received_on__gte=OuterRef(start_ref),
            received_on__lte=business_date,
        )
        .order_by()
        .values("account_id")
        .annotate(total=Sum("amount"))
        .values("total")
    )
    return Coalesce(Subquery(payments, output_field=AMOUNT_OUTPUT), Value(Decimal(0)))


def arrears_covered(business_date: dt.date, prefix: str = "") -> Q:
    """Accounts (or, with prefix 'account__', cases) whose arrears are paid or gone."""
    return (
        Q(**{f"{prefix}balance": 0})
        | Q(**{f"{prefix}oldest_unpaid_due_date__isnull": True})
        | Q(**{f"{prefix}oldest_unpaid_due_date__gte": business_date})
        | Q(paid_since_due__gte=F(f"{prefix}minimum_due"))
    )


class Pipeline:
    """One run of the pipeline for a business date; `now` stamps what it writes."""

    def __init__(
        self,
        *,
        business_date: dt.date,
        now: dt.datetime,
        batch_size: int = BATCH_SIZE,
        after_batch: Callable[[str, int], None] | None = None,
    ):
        self.business_date = business_date
        self.now = now
        self.batch_size = batch_size
        self.counts: Counter = Counter()
        # Called after each committed batch; tests use it to simulate a crash mid-run.
        self.after_batch = after_batch or (lambda step, batch_number: None)
        self._batches = 0
        # Seconds per step ("open new cases", ..., "escalate") and per part of escalation
        # ("escalate: selecting", ...): where a run's time goes, for the benchmark and for
        # anyone wondering why a night was slow.
        self.timings: Counter = Counter()

    def run(self) -> Counter:
        for name, step in (
            ("open new cases", self.open_new_cases),
            ("cure paid cases", self.cure_paid_cases),
            ("settle due promises", self.settle_due_promises),
            ("escalate", self.escalate),
        ):
            with self._timed(name):
                step()
        return self.counts

    @contextmanager
    def _timed(self, part: str) -> Iterator[None]:
        started = time.perf_counter()
        try:
            yield
        finally:
            self.timings[part] += time.perf_counter() - started

    def _timed_batches(self, batches: Iterator[list], part: str) -> Iterator[list]:
        """`batches`, the time spent selecting each one counted as `part`."""
        while True:
            with self._timed(part):
                rows = next(batches, None)
            if rows is None:
                return
            yield rows

    def _batch_done(self, step: str) -> None:
        self._batches += 1
        self.after_batch(step, self._batches)

    # 1. New delinquencies -------------------------------------------------------------

    def open_new_cases(self) -> None:
        overdue = (
            CardAccount.objects.filter(oldest_unpaid_due_date__lt=self.business_date, balance__gt=0)
            .annotate(paid_since_due=paid_since("pk", "oldest_unpaid_due_date", self.business_date))
            .exclude(arrears_covered(self.business_date))
            # A written-off account gets no new case: its later payments are recoveries.
            .exclude(
                Exists(
                    Case.objects.filter(
                        OPEN | Q(status=Case.Status.WRITTEN_OFF), account_id=OuterRef("pk")
                    )
                )
            )
        )
        strategies = strategies_by_product()
        team_ids = list(Team.objects.order_by("pk").values_list("pk", flat=True))
        fields = ("debtor_id", "product", "balance", "oldest_unpaid_due_date")
        for rows in keyset_batches(overdue, fields, self.batch_size):
            new_cases = []
            for account_id, debtor_id, product, balance, due_date in rows:
                days = (self.business_date - due_date).days
                new_cases.append(
                    Case(
                        account_id=account_id,
                        debtor_id=debtor_id,
                        strategy_id=strategies.get(product, strategies[""]),
                        team_id=team_ids[account_id % len(team_ids)] if team_ids else None,
                        opened_at=self.now,
                        balance_at_open=balance,
                        priority_score=priority_score(balance, days),
                    )
                )
            with transaction.atomic():
                created = Case.objects.bulk_create(new_cases, ignore_conflicts=True)
            self.counts["cases_opened"] += len(created)
            self._batch_done("open")

    # 2. Cure --------------------------------------------------------------------------

    def cure_paid_cases(self) -> None:
        paid = (
            Case.objects.filter(OPEN)
            .annotate(
                paid_since_due=paid_since(
                    "account_id", "account__oldest_unpaid_due_date", self.business_date
                )
            )
            .filter(arrears_covered(self.business_date, prefix="account__"))
        )
        for rows in keyset_batches(paid, (), self.batch_size):
            ids = [row[0] for row in rows]
            with transaction.atomic():
                cured = Case.objects.filter(OPEN, in_batch(ids)).update(
                    status=Case.Status.CURED,
                    closed_at=self.now,
                    claimed_by=None,
                    claim_expires_at=None,
                    next_action_at=None,
                )
                self.counts["cases_cured"] += cured
                self.counts["messages_cancelled"] += (
                    ladder_messages_pending()
                    .filter(in_batch(ids, "case_id"))
                    .update(status=OutboundMessage.Status.CANCELLED, last_error="case cured")
                )
                self.counts["promises_kept"] += PromiseToPay.objects.filter(
                    in_batch(ids, "case_id"), status=PromiseToPay.Status.PENDING
                ).update(status=PromiseToPay.Status.KEPT, resolved_on=self.business_date)
                StageEntry.objects.filter(
                    in_batch(ids, "case_id"), action_status=StageEntry.ActionStatus.PENDING
                ).update(action_status=StageEntry.ActionStatus.SKIPPED, action_note="case cured")
            self._batch_done("cure")

    # 3. Promises ----------------------------------------------------------------------

    def settle_due_promises(self) -> None:
        """Promises whose date (or an instalment's) has passed: kept if paid, broken if not."""
        overdue_instalments = (
            PromiseInstalment.objects.filter(
                promise_id=OuterRef("pk"), due_date__lt=self.business_date
            )
            .order_by()
            .values("promise_id")
            .annotate(total=Sum("amount"))
            .values("total")
        )
        due = (
            PromiseToPay.objects.filter(status=PromiseToPay.Status.PENDING)
            .filter(
                Q(due_date__lt=self.business_date)
                | Exists(
                    PromiseInstalment.objects.filter(
                        promise_id=OuterRef("pk"), due_date__lt=self.business_date
                    )
                )
            )
            .annotate(
                paid=paid_since("case__account_id", "promised_on", self.business_date),
                required=SqlCase(
                    When(due_date__lt=self.business_date, then=F("amount")),
                    default=Coalesce(
                        Subquery(overdue_instalments, output_field=AMOUNT_OUTPUT), Value(Decimal(0))
                    ),
                    output_field=AMOUNT_OUTPUT,
                ),
            )
        )
        for rows in keyset_batches(
            due, ("case_id", "paid", "required", "due_date"), self.batch_size
        ):
            kept, broken, broken_cases, kept_cases = [], [], [], []
            for promise_id, case_id, paid, required, due_date in rows:
                if paid < required:
                    broken.append(promise_id)
                    broken_cases.append(case_id)
                elif due_date < self.business_date:
                    kept.append(promise_id)
                    kept_cases.append(case_id)
                # else: the instalments so far are paid and the promise runs on.
            with transaction.atomic():
                self.counts["promises_kept"] += PromiseToPay.objects.filter(
                    in_batch(kept), status=PromiseToPay.Status.PENDING
                ).update(status=PromiseToPay.Status.KEPT, resolved_on=self.business_date)
                self.counts["promises_broken"] += PromiseToPay.objects.filter(
                    in_batch(broken), status=PromiseToPay.Status.PENDING
                ).update(status=PromiseToPay.Status.BROKEN, resolved_on=self.business_date)
                Case.objects.filter(in_batch(kept_cases), status=Case.Status.PROMISED).update(
                    status=status_after_promise()
                )
                Case.objects.filter(OPEN, in_batch(broken_cases)).update(
                    status=SqlCase(
                        When(status=Case.Status.PROMISED, then=status_after_promise()),
                        default=F("status"),
                    ),
                    priority_score=BROKEN_PROMISE_PRIORITY,
                    next_action_at=self.now,
                )
            self._batch_done("promises")

    # 4. Escalation and stage entry actions -------------------------------------------

    def escalate(self) -> None:
        for strategy in Strategy.objects.filter(is_active=True).prefetch_related("stages"):
            stages = sorted(strategy.stages.all(), key=lambda stage: stage.min_days_past_due)
            # Highest stage first: a case that skipped days goes straight to the top it reached.
            for stage in reversed(stages):
                self._escalate_to(strategy, stage, stages)

    def _escalate_to(self, strategy: Strategy, stage: Stage, stages: list[Stage]) -> None:
        threshold = self.business_date - dt.timedelta(days=stage.min_days_past_due)
        reached = (
            Case.objects.filter(OPEN, strategy=strategy, paused_at__isnull=True)
            .filter(account__oldest_unpaid_due_date__lte=threshold)
            .filter(Q(stage__isnull=True) | Q(stage__position__lt=stage.position))
            .exclude(paused_by_promise(self.business_date))
            .exclude(paused_by_reported_payment())
        )
        for hand_off in hand_offs():
            if any(
                s.action == hand_off.stage_action and s.position < stage.position for s in stages
            ):
                # Past a hand-off (the agency stage): a case the party holds waits for it to
                # decide where it goes (an agency's recall); one it kept off the ladder stays.
                reached = reached.exclude(hand_off.kept_off_ladder())
        if (criteria := entry_criteria_for(stage, self.business_date)) is not None:
            # Cases that do not meet the stage's criteria stay where they are (and may still
            # enter a lower stage below).
            reached = reached.filter(criteria)
        batches = keyset_batches(reached, STAGE_ENTRY_FIELDS, self.batch_size)
        for rows in self._timed_batches(batches, "escalate: selecting"):
            with transaction.atomic():
                self._enter_stage(stage, stages, rows)
                written = time.perf_counter()
            self.timings["escalate: committing"] += time.perf_counter() - written
            self._batch_done(f"escalate:{stage.action}")

    def _enter_stage(self, stage: Stage, stages: list[Stage], rows: list[tuple]) -> None:
        """Move one batch of cases to `stage` and do the stage's one-off action.

        Each row is written once, set-based: one update of the cases carries the action's
        effect on them, their stage entries are inserted with their final action status by one
        INSERT ... SELECT per stage entered, their messages (pending, to the best contact
        point) by another; no row goes through Python. The unique constraints make a
        duplicate fail the batch instead of sending twice.
        """
        ids = [case_id for case_id, _old_position in rows]
        with self._timed("escalate: updating cases"):
            Case.objects.filter(in_batch(ids)).update(
                stage=stage, stage_entered_at=self.now, **self._case_effects(stage)
            )
        # Cases that jump past stages whose action must still run enter those too; cases
        # coming from the same place enter the same stages, so they go together.
        entering: dict[tuple[Stage, ...], list[int]] = {}
        for case_id, old_position in rows:
            replayed = tuple(
                skipped
                for skipped in stages
                if skipped.replay_if_skipped
                and (old_position or 0) < skipped.position < stage.position
            )
            entering.setdefault(replayed, []).append(case_id)
        for replayed, case_ids in entering.items():
            for entered in [*replayed, stage]:
                if entered is not stage and (effects := self._case_effects(entered)):
                    with self._timed("escalate: updating cases"):
                        Case.objects.filter(in_batch(case_ids)).update(**effects)
                with self._timed("escalate: inserting stage entries"):
                    entries = self._insert_stage_entries(entered, case_ids)
                self.counts[f"entered:{entered.action}"] += entries
                if counter := STAGE_ENTRY_COUNTER.get(entered.action):
                    self.counts[counter] += entries
                if entered.action in MESSAGE_CHANNEL:
                    with self._timed("escalate: queuing messages"):
                        self._queue_messages(entered, case_ids)

    def _insert_stage_entries(self, entered: Stage, case_ids: list[int]) -> int:
        status, note = STAGE_ENTRY_OUTCOME[entered.action]
        return insert_from_select(
            StageEntry,
            Case.objects.filter(in_batch(case_ids)),
            {
                "case": F("pk"),
                "stage": Value(entered.pk),
                "entered_on": Value(self.business_date),
                "entered_at": Value(self.now),
                "days_past_due": DaysBetween(
                    Value(self.business_date), F("account__oldest_unpaid_due_date")
                ),
                "action_status": Value(status),
                "action_note": Value(note),
            },
        )

    def _case_effects(self, stage: Stage) -> dict:
        if stage.action == Stage.Action.CALL_QUEUE:
            return {"next_action_at": self.now}
        if stage.action == Stage.Action.LITIGATION:
            return {"status": Case.Status.LITIGATION}
        return {}

    def _queue_messages(self, entered: Stage, case_ids: list[int]) -> None:
        """A pending message for each of these cases' entries of `entered`, to the debtor's
        best contact point for the stage's channel. No consented mobile: an SMS reminder goes
        by email where the debtor agreed to it (else it stays an SMS with no point, which the
        sending job reports)."""
        channel = MESSAGE_CHANNEL[entered.action]
        point = best_contact_point(channel, debtor="case__debtor_id")
        if channel == "sms":
            email = best_contact_point("email", debtor="case__debtor_id")
            chosen = {
                "channel": SqlCase(
                    When(Q(IsNull(point, True)) & Q(IsNull(email, False)), then=Value("email")),
                    default=Value("sms"),
                ),
                "contact_point": Coalesce(point, email),
            }
        else:
            chosen = {"channel": Value(channel), "contact_point": point}
        channels = insert_from_select(
            OutboundMessage,
            StageEntry.objects.filter(in_batch(case_ids, "case_id"), stage=entered),
            {
                "created_at": Value(self.now),
                "updated_at": Value(self.now),
                "case": F("case_id"),
                "stage_entry": F("pk"),
                **chosen,
            },
            returning="channel",
        )
        self.counts.update(f"messages:{channel}" for channel in channels)


STAGE_ENTRY_FIELDS = ("stage__position",)
MESSAGE_CHANNEL = {Stage.Action.SMS: "sms", Stage.Action.LETTER: "letter"}
# What entering a stage leaves behind on its entry: (action status, note).
STAGE_ENTRY_OUTCOME = {
    Stage.Action.SMS: (StageEntry.ActionStatus.DONE, "reminder queued"),
    Stage.Action.LETTER: (StageEntry.ActionStatus.DONE, "demand letter queued"),
    Stage.Action.CALL_QUEUE: (StageEntry.ActionStatus.DONE, "entered the phone queue"),
    Stage.Action.AGENCY: (StageEntry.ActionStatus.PENDING, "awaiting agency placement"),
    Stage.Action.LITIGATION: (StageEntry.ActionStatus.DONE, "referred to the legal queue"),
}
STAGE_ENTRY_COUNTER = {
    Stage.Action.CALL_QUEUE: "phone_queue_entries",
    Stage.Action.AGENCY: "awaiting_placement",
    Stage.Action.LITIGATION: "litigation_referrals",
}


def paused_by_promise(business_date: dt.date) -> Exists:
    """Cases a pending promise pauses: its date has not passed yet."""
    return Exists(
        PromiseToPay.objects.filter(
            case_id=OuterRef("pk"),
            status=PromiseToPay.Status.PENDING,
            due_date__gte=business_date,
        )
    )


def paused_by_reported_payment() -> Exists:
    """Cases a reported payment pauses while it awaits the bank's confirmation: until the
    feed confirms it (the case then cures if the arrears are paid) or the nightly step flags
    it unconfirmed."""
    return Exists(
        ReportedPayment.objects.filter(
            case_id=OuterRef("pk"), status=ReportedPayment.Status.REPORTED
        )
    )


def status_after_promise() -> SqlCase | Value:
    """A settled promise hands the case back: to the party holding it (placed while an agency
    holds it), else open."""
    holders = [When(hand_off.held(), then=Value(hand_off.status)) for hand_off in hand_offs()]
    if not holders:
        return Value(Case.Status.OPEN)
    return SqlCase(*holders, default=Value(Case.Status.OPEN))


def cases_enter_stage(
    *, case_ids: list[int], stage: Stage, business_date: dt.date, now: dt.datetime
) -> Counter:
    """Move these open cases up to `stage` at once and do its one-off action, as escalation
    would: for hand-offs that do not wait for a threshold (an agency recall to the next stage).

    Cases of another strategy, already at or past the stage, paused (by a supervisor, a
    pending promise or a reported payment awaiting the bank), not meeting the stage's entry
    criteria or no longer overdue (the cure step closes those) are left as they are.
    """
    stages = sorted(stage.strategy.stages.all(), key=lambda entered: entered.min_days_past_due)
    pipeline = Pipeline(business_date=business_date, now=now)
    movable = (
        Case.objects.filter(OPEN, pk__in=case_ids, strategy_id=stage.strategy_id)
        .filter(paused_at__isnull=True)
        .filter(Q(stage__isnull=True) | Q(stage__position__lt=stage.position))
        .filter(account__oldest_unpaid_due_date__isnull=False)
        .exclude(paused_by_promise(business_date))
        .exclude(paused_by_reported_payment())
    )
    if (criteria := entry_criteria_for(stage, business_date)) is not None:
        movable = movable.filter(criteria)
    for rows in keyset_batches(movable, STAGE_ENTRY_FIELDS, pipeline.batch_size):
        with transaction.atomic():
            pipeline._enter_stage(stage, stages, rows)
    return pipeline.counts


def strategies_by_product() -> dict[str, int]:
    """Product -> strategy id for product-specific strategies; "" -> the default strategy."""
    mapping = dict(
        Strategy.objects.filter(is_active=True)
        .exclude(product="")
        .order_by("-pk")
        .values_list("product", "pk")
    )
    mapping[""] = Strategy.objects.get(is_default=True).pk
    return mapping


def best_contact_point(channel: str, *, debtor: str) -> Subquery:
    """Over a row whose `debtor` field holds a debtor's id: the contact point a message of
    `channel` should go to, or NULL.

    SMS: the debtor's own consented mobile; email: their own consented address; letter:
    their postal address. Points that are invalid, opted out or do-not-contact never qualify.
    Verified points win, then the oldest.
    """
    reaches = {
        "sms": Q(kind=ContactPoint.Kind.MOBILE, sms_consent=True),
        "email": Q(kind=ContactPoint.Kind.EMAIL, email_consent=True),
        "letter": Q(kind=ContactPoint.Kind.POSTAL),
    }
    usable = ContactPoint.objects.filter(
        reaches[channel],
        debtor_id=OuterRef(debtor),
        owner=ContactPoint.Owner.DEBTOR,
        invalid=False,
        opted_out=False,
        do_not_contact=False,
    )
    return Subquery(usable.order_by("-verified", "pk").values("pk")[:1])


def ladder_messages_pending():
    """The ladder's messages not sent yet: what a case closing cancels. An agreement's letter
    is not among them; it confirms what was agreed and goes out all the same."""
    return OutboundMessage.objects.filter(
        purpose=OutboundMessage.Purpose.STAGE, status__in=OutboundMessage.OPEN_STATUSES
    )


def agreement_letter_queue(
    *, case: Case, purpose: str, subject: str, body: str, now: dt.datetime
) -> OutboundMessage:
    """Queue the letter an agreement sends (`purpose`: not a stage's), by post to the debtor's
    address on file (`best_contact_point`), its text as written now. Dispatch judges it at the
    compliance gate, records it and hands it to print, as it does the ladder's letters."""
    point = (
        Case.objects.filter(pk=case.pk)
        .annotate(point=best_contact_point("letter", debtor="debtor_id"))
        .values_list("point", flat=True)
        .get()
    )
    message = OutboundMessage.objects.create(
        case=case,
        purpose=purpose,
        channel=Activity.Channel.LETTER,
        contact_point_id=point,
        subject=subject[:200],
        body=body,
    )
    # Dated by the moment given, not the clock (the timestamps' auto_now set the clock's).
    OutboundMessage.objects.filter(pk=message.pk).update(created_at=now, updated_at=now)
    message.created_at = message.updated_at = now
    return message


def pipeline_run_day(
    *,
    business_date: dt.date,
    now: dt.datetime,
    triggered_by=None,
    started_from: str = PipelineRun.StartedFrom.SCHEDULE,
    batch_size: int = BATCH_SIZE,
    after_batch: Callable[[str, int], None] | None = None,
) -> PipelineResult:
    """Run the pipeline for `business_date`, recorded as a PipelineRun with who started it
    and from where.

    Only one run per date at a time: the process running it holds the date's holder lock,
    and a second caller while it lives gets PipelineAlreadyRunning. A run whose process died
    (killed, machine lost) holds nothing: the next run marks it abandoned and finishes the
    work. A run that raises is recorded as failed with its error. `finished_at` is `now` plus
    the time the run took.
    """
    started = time.monotonic()
    with holding(RUN_HOLDER, business_date.toordinal()) as held:
        if not held:
            raise PipelineAlreadyRunning(f"The pipeline for {business_date} is already running.")
        with transaction.atomic():
            PipelineRun.objects.filter(
                business_date=business_date, dry_run=False, status=PipelineRun.Status.RUNNING
            ).update(
                status=PipelineRun.Status.FAILED,
                finished_at=now,
                error="abandoned: the process running it stopped before the end",
            )
            run = PipelineRun.objects.create(
                business_date=business_date,
                started_at=now,
                triggered_by=triggered_by,
                started_from=started_from,
            )

        pipeline = Pipeline(
            business_date=business_date, now=now, batch_size=batch_size, after_batch=after_batch
        )
        try:
            counts = pipeline.run()
            moved = sum(n for key, n in counts.items() if key.startswith("entered:"))
            if moved >= REFRESH_STATISTICS_AFTER:
                refreshing = time.perf_counter()
                planner_statistics_refresh(PIPELINE_TABLES)
                pipeline.timings["planner statistics"] += time.perf_counter() - refreshing
        except BaseException as error:
            PipelineRun.objects.filter(pk=run.pk).update(
                status=PipelineRun.Status.FAILED,
                finished_at=_later(now, started),
                error=repr(error),
                counts=dict(pipeline.counts),
            )
            raise
        PipelineRun.objects.filter(pk=run.pk).update(
            status=PipelineRun.Status.SUCCEEDED,
            finished_at=_later(now, started),
            counts=dict(counts),
        )
    run.refresh_from_db()
    return PipelineResult(
        business_date=business_date, counts=counts, run=run, timings=pipeline.timings
    )


def planner_statistics_refresh(tables: tuple[str, ...]) -> None:
    """ANALYZE `tables` on PostgreSQL. After a night that moves a large share of the cases,
    the planner would otherwise plan the agencies' step and dispatch on the statistics of the
    day before (an empty stage looks empty) and choose nested loops that grow with the square
    of the cases moved. Autovacuum gets there too, but minutes later. Needs the owner's right
    or, from PostgreSQL 17, MAINTAIN (compliance/grants.py gives it); without either
    PostgreSQL skips the tables with a warning and the night goes on."""
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE " + ", ".join(connection.ops.quote_name(t) for t in tables))


def _later(now: dt.datetime, started: float) -> dt.datetime:
    """`now` moved on by the time elapsed since the monotonic moment `started`."""
    return now + dt.timedelta(seconds=time.monotonic() - started)


def pipeline_preview_day(
    *,
    business_date: dt.date,
    now: dt.datetime,
    triggered_by=None,
    started_from: str = PipelineRun.StartedFrom.PAGE,
) -> PipelineResult:
    """What the pipeline would do for `business_date`, without keeping any of it.

    The real pipeline runs inside a transaction that is then rolled back, so the preview
    counts exactly what a run started now would do. Only the preview's record is kept.
    """
    pipeline = Pipeline(business_date=business_date, now=now)
    with dry_run_transaction():
        pipeline.run()
    run = PipelineRun.objects.create(
        business_date=business_date,
        dry_run=True,
        status=PipelineRun.Status.PREVIEWED,
        started_at=now,
        finished_at=now,
        counts=dict(pipeline.counts),
        triggered_by=triggered_by,
        started_from=started_from,
    )
    return PipelineResult(
        business_date=business_date, counts=pipeline.counts, dry_run=True, run=run
    )


COUNT_LABELS = {
    "cases_opened": gettext_lazy("Cases opened (newly overdue)"),
    "cases_cured": gettext_lazy("Cases cured"),
    "messages_cancelled": gettext_lazy("Messages cancelled by cure"),
    "promises_kept": gettext_lazy("Promises kept"),
    "promises_broken": gettext_lazy("Promises broken"),
    "phone_queue_entries": gettext_lazy("Phone queue entries"),
    "awaiting_placement": gettext_lazy("Cases awaiting agency placement"),
    "litigation_referrals": gettext_lazy("Litigation referrals"),
}


def describe_counts(counts: Counter | dict) -> list[tuple[str, int]]:
    """(label, count) pairs in a stable order, for the command line and the preview page."""
    actions = dict(Stage.Action.choices)
    channels = dict(Activity.Channel.choices)
    rows = []
    for key, count in sorted(counts.items()):
        kind, _, detail = key.partition(":")
        if kind == "entered":
            label = gettext("Entered stage: %(action)s") % {"action": actions.get(detail, detail)}
        elif kind == "messages":
            label = gettext("Messages queued: %(channel)s") % {
                "channel": channels.get(detail, detail)
            }
        else:
            label = str(COUNT_LABELS.get(key, key))
        rows.append((label, count))
    return rows
