"""Debtors, their accounts and cases, the strategy ladder, and what happens on a case."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.conf import settings
from django.core.validators import MinValueValidator, RegexValidator
from django.db import models
from django.db.models import F, Q

from accounts.models import TimeStampedModel, validate_time_zone
from common.money import AMOUNT, CENT

# A scheduled call-back lifts the case's score into this band (above broken promises, whose
# band starts at pipeline.services.BROKEN_PROMISE_PRIORITY) until an outcome is logged;
# the queue's call-back indexes are partial on it.
CALL_BACK_PRIORITY = 2_000_000_000
currency_code = RegexValidator(r"^[A-Z]{3}$", "Use a three-letter ISO 4217 code, e.g. USD.")
last_four_digits = RegexValidator(r"^[0-9]{4}$", "Exactly four digits.")
last_four_characters = RegexValidator(r"^[0-9A-Z]{4}$", "Exactly four digits or capital letters.")


class Debtor(TimeStampedModel):
    full_name = models.CharField(max_length=200)
    national_id_hash = models.CharField(
        max_length=64,
        editable=False,
        help_text="Keyed hash (HMAC-SHA256) of the national ID; the number itself is never stored.",
    )
    national_id_last4 = models.CharField(max_length=4, validators=[last_four_characters])
    birth_date = models.DateField(null=True, blank=True)
    time_zone = models.CharField(max_length=64, validators=[validate_time_zone])
    language = models.CharField(max_length=10, default="en")

    is_vulnerable = models.BooleanField(default=False)
    vulnerability_note = models.TextField(blank=True)
    is_deceased = models.BooleanField(default=False)
    estate_representative = models.CharField(
        max_length=200, blank=True, help_text="The person authorised to act for the estate."
    )
    is_bankrupt = models.BooleanField(default=False)
    has_attorney = models.BooleanField(default=False)
    attorney_name = models.CharField(max_length=200, blank=True)
    attorney_phone = models.CharField(max_length=40, blank=True)
    attorney_email = models.EmailField(blank=True)
    cease_communication = models.BooleanField(default=False)
    dispute_pending = models.BooleanField(default=False)
    is_unreachable = models.BooleanField(default=False)

    class Meta:
        ordering = ["full_name"]
        # Unique keys of the bank's are constraints rather than unique=True fields, which on
        # PostgreSQL add a second (pattern) index that every feed row would pay for and no
        # query uses.
        constraints = [
            models.UniqueConstraint(fields=["national_id_hash"], name="debtor_national_id_unique"),
            models.CheckConstraint(
                condition=Q(has_attorney=False) | ~Q(attorney_name=""),
                name="debtor_attorney_named",
                violation_error_message="A represented debtor needs the attorney's name.",
            ),
        ]
        # The work queue reads the distinct zones debtors live in by walking this index.
        indexes = [models.Index(fields=["time_zone"], name="debtor_time_zone")]

    def __str__(self) -> str:
        return f"{self.full_name} (ID {self.masked_national_id})"

    @property
    def masked_national_id(self) -> str:
        return f"•••• {self.national_id_last4}"


class ContactPoint(TimeStampedModel):
    class Kind(models.TextChoices):
        MOBILE = "mobile", "Mobile phone"
        HOME = "home", "Home phone"
        WORK = "work", "Work phone"
        EMAIL = "email", "Email"
        POSTAL = "postal", "Postal address"

    class Owner(models.TextChoices):
        DEBTOR = "debtor", "Debtor"
        THIRD_PARTY = "third_party", "Third party"

    PHONE_KINDS = (Kind.MOBILE, Kind.HOME, Kind.WORK)

    # Found by the unique constraint below, which leads with the debtor: no index of its own.
    debtor = models.ForeignKey(
        Debtor, on_delete=models.CASCADE, related_name="contact_points", db_index=False
    )
    kind = models.CharField(max_length=10, choices=Kind)
    value = models.CharField(max_length=300)
    owner = models.CharField(max_length=12, choices=Owner, default=Owner.DEBTOR)
    third_party_name = models.CharField(max_length=200, blank=True)
    third_party_relationship = models.CharField(
        max_length=100, blank=True, help_text="e.g. emergency contact, guarantor, employer."
    )
    sms_consent = models.BooleanField(default=False)
    email_consent = models.BooleanField(default=False)
    opted_out = models.BooleanField(
        default=False, help_text="The person asked not to be contacted on this medium."
    )
    do_not_contact = models.BooleanField(default=False)
    employer_prohibits_contact = models.BooleanField(default=False)
    verified = models.BooleanField(default=False)
    invalid = models.BooleanField(
        default=False, help_text="Wrong or disconnected number or address."
    )

    class Meta:
        ordering = ["debtor", "kind", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["debtor", "kind", "value"], name="contact_point_unique_per_debtor"
            ),
            models.CheckConstraint(
                condition=Q(owner="debtor") | ~Q(third_party_name=""),
                name="contact_point_third_party_named",
                violation_error_message="A third party's contact point needs the person's name.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.value}"


class CardAccount(TimeStampedModel):
    debtor = models.ForeignKey(Debtor, on_delete=models.PROTECT, related_name="accounts")
    account_reference = models.CharField(max_length=40, help_text="The bank's reference.")
    card_last4 = models.CharField(max_length=4, validators=[last_four_digits])
    product = models.CharField(max_length=60)
    portfolio = models.CharField(max_length=60, blank=True)
    currency = models.CharField(max_length=3, default="USD", validators=[currency_code])
    credit_limit = models.DecimalField(**AMOUNT, validators=[MinValueValidator(Decimal(0))])
    balance = models.DecimalField(**AMOUNT, validators=[MinValueValidator(Decimal(0))])
    minimum_due = models.DecimalField(**AMOUNT, validators=[MinValueValidator(Decimal(0))])
    oldest_unpaid_due_date = models.DateField(null=True, blank=True, db_index=True)

    class Meta:
        ordering = ["account_reference"]
        constraints = [
            models.UniqueConstraint(fields=["account_reference"], name="account_reference_unique"),
            models.CheckConstraint(
                condition=Q(credit_limit__gte=0), name="account_credit_limit_not_negative"
            ),
            models.CheckConstraint(
                condition=Q(balance__gte=0), name="account_balance_not_negative"
            ),
            models.CheckConstraint(
                condition=Q(minimum_due__gte=0), name="account_minimum_due_not_negative"
            ),
            models.CheckConstraint(
                condition=Q(card_last4__regex=r"^[0-9]{4}$"), name="account_card_last4_digits"
            ),
            models.CheckConstraint(
                condition=Q(currency__regex=r"^[A-Z]{3}$"), name="account_currency_iso"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.account_reference} (card {self.masked_card})"

    @property
    def masked_card(self) -> str:
        return f"•••• {self.card_last4}"

    def days_past_due(self, business_date: dt.date) -> int:
        """Days since the oldest unpaid due date; 0 when nothing is overdue."""
        if self.oldest_unpaid_due_date is None:
            return 0
        return max(0, (business_date - self.oldest_unpaid_due_date).days)


class Strategy(TimeStampedModel):
    """A collection ladder: the stages an overdue account climbs as days pass."""

    name = models.CharField(max_length=100, unique=True)
    description = models.TextField(blank=True)
    is_active = models.BooleanField(default=True)
    is_default = models.BooleanField(
        default=False, help_text="Applies when no other strategy matches."
    )
    product = models.CharField(
        max_length=60, blank=True, help_text="Applies to this product only; blank for any."
    )
    policy = models.CharField(
        max_length=20,
        blank=True,
        help_text="Compliance preset for cases on this strategy; blank uses the site's policy.",
    )

    class Meta:
        ordering = ["name"]
        verbose_name_plural = "strategies"
        constraints = [
            models.UniqueConstraint(
                fields=["is_default"], condition=Q(is_default=True), name="one_default_strategy"
            ),
        ]

    def __str__(self) -> str:
        return self.name


class Stage(models.Model):
    class Action(models.TextChoices):
        SMS = "sms", "SMS reminder"
        CALL_QUEUE = "call_queue", "Phone collection queue"
        LETTER = "letter", "Demand letter"
        AGENCY = "agency", "Agency placement"
        LITIGATION = "litigation", "Litigation referral"

    strategy = models.ForeignKey(Strategy, on_delete=models.CASCADE, related_name="stages")
    position = models.PositiveSmallIntegerField()
    name = models.CharField(max_length=100)
    min_days_past_due = models.PositiveIntegerField()
    action = models.CharField(max_length=12, choices=Action)
    message_template = models.TextField(
        blank=True, help_text="Django template text for the SMS or letter this stage sends."
    )
    replay_if_skipped = models.BooleanField(
        default=False, help_text="Run this stage's action even when a case jumps past it."
    )

    class Meta:
        ordering = ["strategy", "position"]
        constraints = [
            models.UniqueConstraint(fields=["strategy", "position"], name="stage_position_unique"),
            models.UniqueConstraint(
                fields=["strategy", "min_days_past_due"], name="stage_threshold_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.strategy}: {self.name} (day {self.min_days_past_due})"


class StageMessageTranslation(models.Model):
    """The stage's message in another language; debtors get theirs when one exists."""

    stage = models.ForeignKey(Stage, on_delete=models.CASCADE, related_name="translations")
    language = models.CharField(max_length=10)
    message_template = models.TextField()

    class Meta:
        ordering = ["stage", "language"]
        constraints = [
            models.UniqueConstraint(fields=["stage", "language"], name="stage_translation_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.stage.name} ({self.language})"


class Case(TimeStampedModel):
    class Status(models.TextChoices):
        OPEN = "open", "Open"
        PROMISED = "promised", "Promise to pay"
        PLACED = "placed", "Placed with agency"
        LITIGATION = "litigation", "In litigation"
        CURED = "cured", "Cured / paid"
        CLOSED = "closed", "Closed"

    CLOSED_STATUSES = (Status.CURED, Status.CLOSED)

    account = models.ForeignKey(CardAccount, on_delete=models.PROTECT, related_name="cases")
    debtor = models.ForeignKey(Debtor, on_delete=models.PROTECT, related_name="cases")
    strategy = models.ForeignKey(Strategy, on_delete=models.PROTECT, related_name="cases")
    stage = models.ForeignKey(
        Stage, null=True, blank=True, on_delete=models.PROTECT, related_name="cases"
    )
    stage_entered_at = models.DateTimeField(null=True, blank=True)
    status = models.CharField(max_length=12, choices=Status, default=Status.OPEN)
    assigned_to = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="assigned_cases",
        help_text="Blank: the team's pool.",
    )
    team = models.ForeignKey(
        "accounts.Team", null=True, blank=True, on_delete=models.SET_NULL, related_name="cases"
    )
    priority_score = models.IntegerField(default=0, help_text="Higher is called first.")
    next_action_at = models.DateTimeField(null=True, blank=True)
    claimed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="claimed_cases",
    )
    claim_expires_at = models.DateTimeField(null=True, blank=True)
    opened_at = models.DateTimeField()
    closed_at = models.DateTimeField(null=True, blank=True)
    balance_at_open = models.DecimalField(**AMOUNT)
    paused_at = models.DateTimeField(
        null=True, blank=True, help_text="Paused by a supervisor: out of the queue, no escalation."
    )
    pause_reason = models.CharField(max_length=300, blank=True, default="", db_default="")

    class Meta:
        ordering = ["-priority_score", "id"]
        permissions = [("work_case", "Can work cases: call, log outcomes, take promises")]
        constraints = [
            models.UniqueConstraint(
                fields=["account"],
                condition=~Q(status__in=["cured", "closed"]),
                name="one_open_case_per_account",
                violation_error_message="This account already has an open case.",
            ),
            models.CheckConstraint(
                condition=Q(status__in=["cured", "closed"], closed_at__isnull=False)
                | (~Q(status__in=["cured", "closed"]) & Q(closed_at__isnull=True)),
                name="case_closed_at_matches_status",
            ),
            models.CheckConstraint(
                condition=Q(claimed_by__isnull=True, claim_expires_at__isnull=True)
                | Q(claimed_by__isnull=False, claim_expires_at__isnull=False),
                name="case_claim_has_lease",
            ),
            models.CheckConstraint(
                condition=Q(balance_at_open__gte=0), name="case_balance_at_open_not_negative"
            ),
            models.CheckConstraint(
                condition=Q(closed_at__isnull=True) | Q(closed_at__gte=F("opened_at")),
                name="case_closes_after_opening",
            ),
            models.CheckConstraint(
                condition=Q(paused_at__isnull=True) | ~Q(pause_reason=""),
                name="case_pause_has_reason",
            ),
        ]
        indexes = [
            # The work queue: open cases of a team, best first.
            models.Index(
                F("team"),
                F("priority_score").desc(),
                F("id"),
                condition=~Q(status__in=["cured", "closed"]),
                name="case_team_queue",
            ),
            models.Index(
                F("assigned_to"),
                F("priority_score").desc(),
                F("id"),
                condition=~Q(status__in=["cured", "closed"]),
                name="case_collector_queue",
            ),
            # The queue's tiers served by time (call-backs due, new phone-stage entries): each
            # slice walks its own small index in serving order and stops at the first row.
            *[
                models.Index(
                    F(owner),
                    F("next_action_at"),
                    F("id"),
                    condition=~Q(status__in=["cured", "closed"]) & tier,
                    name=f"case_{label}_{slice_name}",
                )
                for owner, slice_name in (("team", "pool"), ("assigned_to", "own"))
                for label, tier in (
                    ("call_backs", Q(priority_score__gte=CALL_BACK_PRIORITY)),
                    ("entries", Q(next_action_at=F("stage_entered_at"))),
                )
            ],
            # The nightly escalation walks open cases by strategy and stage.
            models.Index(
                fields=["strategy", "stage"],
                condition=~Q(status__in=["cured", "closed"]),
                name="case_open_by_stage",
            ),
            models.Index(
                fields=["next_action_at"],
                condition=Q(next_action_at__isnull=False),
                name="case_next_action",
            ),
        ]

    def __str__(self) -> str:
        return f"Case {self.pk} · {self.account.account_reference}"

    @property
    def is_open(self) -> bool:
        return self.status not in self.CLOSED_STATUSES


class Activity(models.Model):
    """One contact attempt, message or note on a case."""

    class Channel(models.TextChoices):
        CALL = "call", "Call"
        SMS = "sms", "SMS"
        EMAIL = "email", "Email"
        LETTER = "letter", "Letter"
        VISIT = "visit", "Visit"
        NOTE = "note", "Note"
        SYSTEM = "system", "System"

    class Direction(models.TextChoices):
        OUTBOUND = "outbound", "Outbound"
        INBOUND = "inbound", "Inbound"
        INTERNAL = "internal", "Internal"

    class Outcome(models.TextChoices):
        RIGHT_PARTY_CONTACT = "rpc", "Right-party contact"
        THIRD_PARTY = "third_party", "Third party"
        NO_ANSWER = "no_answer", "No answer"
        VOICEMAIL = "voicemail", "Voicemail"
        WRONG_NUMBER = "wrong_number", "Wrong number"
        REFUSED_TO_PAY = "refused", "Refused to pay"
        DISPUTE = "dispute", "Dispute"
        PROMISE = "promise", "Promise to pay"
        PAID = "paid", "Paid"
        CALLBACK_REQUESTED = "callback", "Call-back requested"
        SENT = "sent", "Sent"
        DELIVERED = "delivered", "Delivered"
        FAILED = "failed", "Failed"
        NOTE = "note", "Note"
        STAGE_CHANGE = "stage_change", "Stage change"

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="activities")
    debtor = models.ForeignKey(Debtor, on_delete=models.CASCADE, related_name="activities")
    contact_point = models.ForeignKey(
        ContactPoint, null=True, blank=True, on_delete=models.SET_NULL, related_name="activities"
    )
    channel = models.CharField(max_length=10, choices=Channel)
    direction = models.CharField(max_length=10, choices=Direction, default=Direction.OUTBOUND)
    outcome = models.CharField(max_length=14, choices=Outcome)
    notes = models.TextField(blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="activities",
        help_text="Blank for the system.",
    )
    agency = models.ForeignKey(
        "agencies.Agency",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="activities",
    )
    occurred_at = models.DateTimeField()
    duration_seconds = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["-occurred_at", "-id"]
        verbose_name_plural = "activities"
        constraints = [
            models.CheckConstraint(
                condition=Q(duration_seconds__gte=0), name="activity_duration_not_negative"
            ),
        ]
        indexes = [
            models.Index(fields=["case", "-occurred_at"], name="activity_case_time"),
            models.Index(
                fields=["debtor", "channel", "occurred_at"], name="activity_debtor_channel"
            ),
            models.Index(
                fields=["contact_point", "occurred_at"], name="activity_contact_point_time"
            ),
            models.Index(fields=["actor", "occurred_at"], name="activity_actor_time"),
            models.Index(fields=["occurred_at"], name="activity_time"),
        ]

    def __str__(self) -> str:
        when = f"{self.occurred_at:%Y-%m-%d %H:%M}"
        return f"{self.get_channel_display()} · {self.get_outcome_display()} · {when}"


class PromiseToPay(TimeStampedModel):
    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        KEPT = "kept", "Kept"
        BROKEN = "broken", "Broken"
        CANCELLED = "cancelled", "Cancelled"

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="promises")
    amount = models.DecimalField(**AMOUNT, validators=[MinValueValidator(CENT)])
    currency = models.CharField(max_length=3, validators=[currency_code])
    promised_on = models.DateField(help_text="The business date the promise was taken.")
    due_date = models.DateField()
    status = models.CharField(max_length=10, choices=Status, default=Status.PENDING)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="promises",
    )
    resolved_on = models.DateField(null=True, blank=True)

    class Meta:
        ordering = ["-due_date", "-id"]
        verbose_name = "promise to pay"
        verbose_name_plural = "promises to pay"
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="promise_amount_positive"),
            models.CheckConstraint(
                condition=Q(due_date__gte=F("promised_on")), name="promise_due_after_promised"
            ),
            models.UniqueConstraint(
                fields=["case"],
                condition=Q(status="pending"),
                name="one_pending_promise_per_case",
                violation_error_message="This case already has a pending promise.",
            ),
        ]
        indexes = [
            models.Index(
                fields=["due_date"], condition=Q(status="pending"), name="promise_pending_due"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.amount} {self.currency} by {self.due_date} ({self.get_status_display()})"


class PromiseInstalment(models.Model):
    promise = models.ForeignKey(PromiseToPay, on_delete=models.CASCADE, related_name="instalments")
    due_date = models.DateField()
    amount = models.DecimalField(**AMOUNT, validators=[MinValueValidator(CENT)])

    class Meta:
        ordering = ["promise", "due_date"]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="instalment_amount_positive"),
            models.UniqueConstraint(fields=["promise", "due_date"], name="instalment_date_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.amount} by {self.due_date}"


class Payment(TimeStampedModel):
    class Source(models.TextChoices):
        BANK_FEED = "bank_feed", "Bank feed"
        CARD = "card", "Card payment"
        TRANSFER = "transfer", "Bank transfer"
        AGENCY = "agency", "Collected by agency"

    account = models.ForeignKey(CardAccount, on_delete=models.PROTECT, related_name="payments")
    case = models.ForeignKey(
        Case, null=True, blank=True, on_delete=models.SET_NULL, related_name="payments"
    )
    agency = models.ForeignKey(
        "agencies.Agency",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="payments",
        help_text="The agency the payment is attributed to, when the case was placed.",
    )
    amount = models.DecimalField(**AMOUNT, validators=[MinValueValidator(CENT)])
    currency = models.CharField(max_length=3, validators=[currency_code])
    received_on = models.DateField()
    source = models.CharField(max_length=10, choices=Source, default=Source.BANK_FEED)
    external_reference = models.CharField(max_length=64, unique=True)

    class Meta:
        ordering = ["-received_on", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="payment_amount_positive"),
        ]
        indexes = [
            models.Index(fields=["account", "received_on"], name="payment_account_date"),
            models.Index(fields=["received_on"], name="payment_date"),
        ]

    def __str__(self) -> str:
        return f"{self.amount} {self.currency} on {self.received_on} ({self.external_reference})"


class StageEntry(models.Model):
    """A case entering a stage of its strategy: the timeline, and the stage's one-off action."""

    class ActionStatus(models.TextChoices):
        PENDING = "pending", "Pending"
        DONE = "done", "Done"
        SKIPPED = "skipped", "Skipped"

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="stage_entries")
    stage = models.ForeignKey(Stage, on_delete=models.PROTECT, related_name="entries")
    entered_on = models.DateField(help_text="The business date of the run that moved the case.")
    entered_at = models.DateTimeField()
    days_past_due = models.PositiveIntegerField()
    action_status = models.CharField(
        max_length=10, choices=ActionStatus, default=ActionStatus.PENDING
    )
    action_note = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["case", "entered_at", "id"]
        verbose_name_plural = "stage entries"
        constraints = [
            models.UniqueConstraint(fields=["case", "stage"], name="stage_entered_once_per_case"),
        ]
        indexes = [
            models.Index(fields=["stage", "action_status"], name="stage_entry_action_queue"),
            models.Index(fields=["entered_on"], name="stage_entry_date"),
        ]

    def __str__(self) -> str:
        return f"{self.case} entered {self.stage.name} on {self.entered_on}"
