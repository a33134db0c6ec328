"""Debtors, their accounts and cases, the strategy ladder, and what happens on a case."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.conf import settings
from django.core.validators import MinValueValidator, RegexValidator
from django.db import models
from django.db.models import F, Func, Q, Value
from django.db.models.functions import Replace, Upper
from django.utils import formats, timezone
from django.utils.translation import gettext, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from accounts.models import TimeStampedModel, validate_time_zone
from common.formatting import money, number
from common.money import AMOUNT, CENT
from common.phones import phone_e164_for_field

# A scheduled call-back lifts the case's score into this band (above broken promises, whose
# band starts at pipeline.services.BROKEN_PROMISE_PRIORITY) until an outcome is logged;
# the queue's call-back indexes are partial on it.
CALL_BACK_PRIORITY = 2_000_000_000
currency_code = RegexValidator(r"^[A-Z]{3}$", _("Use a three-letter ISO 4217 code, e.g. USD."))
last_four_digits = RegexValidator(r"^[0-9]{4}$", _("Exactly four digits."))
last_four_characters = RegexValidator(
    r"^[0-9A-Z]{4}$", _("Exactly four digits or capital letters.")
)


class Debtor(TimeStampedModel):
    full_name = models.CharField(_("full name"), max_length=200)
    national_id_hash = models.CharField(
        _("national ID hash"),
        max_length=64,
        editable=False,
        help_text=_(
            "Keyed hash (HMAC-SHA256) of the national ID; the number itself is never stored."
        ),
    )
    national_id_last4 = models.CharField(
        _("national ID (last four)"), max_length=4, validators=[last_four_characters]
    )
    birth_date = models.DateField(_("date of birth"), null=True, blank=True)
    time_zone = models.CharField(_("time zone"), max_length=64, validators=[validate_time_zone])
    language = models.CharField(_("language"), max_length=10, default="en")

    is_vulnerable = models.BooleanField(_("vulnerable"), default=False)
    vulnerability_note = models.TextField(_("vulnerability note"), blank=True)
    is_deceased = models.BooleanField(_("deceased"), default=False)
    estate_representative = models.CharField(
        _("estate representative"),
        max_length=200,
        blank=True,
        help_text=_("The person authorised to act for the estate."),
    )
    is_bankrupt = models.BooleanField(_("bankrupt"), default=False)
    has_attorney = models.BooleanField(_("represented by an attorney"), default=False)
    attorney_name = models.CharField(_("attorney's name"), max_length=200, blank=True)
    attorney_phone = models.CharField(_("attorney's phone"), max_length=40, blank=True)
    attorney_email = models.EmailField(_("attorney's e-mail"), blank=True)
    cease_communication = models.BooleanField(_("cease communication"), default=False)
    dispute_pending = models.BooleanField(_("dispute pending"), default=False)
    is_unreachable = models.BooleanField(_("unreachable"), default=False)
    # Calls and SMS only inside these hours of the debtor's own clock (the compliance gate's
    # preferred_hours rule and the work queue read them); on the hour, so the queue's claim
    # statement changes once an hour, not every minute.
    preferred_hours_start = models.TimeField(
        _("preferred hours from"),
        null=True,
        blank=True,
        help_text=_("The debtor's local time; blank: any time the policy allows."),
    )
    preferred_hours_end = models.TimeField(_("preferred hours until"), null=True, blank=True)

    class Meta:
        verbose_name = _("debtor")
        verbose_name_plural = _("debtors")
        ordering = ["full_name"]
        # Unique keys of the bank's are constraints rather than unique=True fields, which on
        # PostgreSQL add a second (pattern) index that every feed row would pay for and no
        # query uses.
        constraints = [
            models.UniqueConstraint(fields=["national_id_hash"], name="debtor_national_id_unique"),
            models.CheckConstraint(
                condition=Q(has_attorney=False) | ~Q(attorney_name=""),
                name="debtor_attorney_named",
                violation_error_message=_("A represented debtor needs the attorney's name."),
            ),
            # Preferred hours are a window of one day: both ends or none, the start first.
            models.CheckConstraint(
                condition=Q(preferred_hours_start__isnull=True, preferred_hours_end__isnull=True)
                | Q(
                    preferred_hours_end__isnull=False,
                    preferred_hours_start__lt=F("preferred_hours_end"),
                ),
                name="debtor_preferred_hours_window",
                violation_error_message=_("Preferred hours start before they end."),
            ),
        ]
        indexes = [
            # The work queue reads the distinct zones debtors live in by walking this index.
            models.Index(fields=["time_zone"], name="debtor_time_zone"),
            # The case search finds a debtor by the last four of their national ID.
            models.Index(fields=["national_id_last4"], name="debtor_national_id_last4"),
        ]

    def clean(self) -> None:
        """The attorney's number in E.164, as contact points hold theirs (see ContactPoint)."""
        super().clean()
        if self.attorney_phone.strip():
            self.attorney_phone = phone_e164_for_field("attorney_phone", self.attorney_phone)

    def __str__(self) -> str:
        return gettext("%(name)s (ID %(national_id)s)") % {
            "name": self.full_name,
            "national_id": self.masked_national_id,
        }

    @property
    def masked_national_id(self) -> str:
        return f"•••• {self.national_id_last4}"


class ContactPoint(TimeStampedModel):
    class Kind(models.TextChoices):
        MOBILE = "mobile", _("Mobile phone")
        HOME = "home", _("Home phone")
        WORK = "work", _("Work phone")
        EMAIL = "email", _("Email")
        POSTAL = "postal", _("Postal address")

    class Owner(models.TextChoices):
        DEBTOR = "debtor", _("Debtor")
        THIRD_PARTY = "third_party", _("Third party")

    PHONE_KINDS = (Kind.MOBILE, Kind.HOME, Kind.WORK)

    # Found by the unique constraint below, which leads with the debtor: no index of its own.
    debtor = models.ForeignKey(
        Debtor,
        on_delete=models.CASCADE,
        related_name="contact_points",
        db_index=False,
        verbose_name=_("debtor"),
    )
    kind = models.CharField(_("kind"), max_length=10, choices=Kind)
    value = models.CharField(_("number or address"), max_length=300)
    owner = models.CharField(_("owner"), max_length=12, choices=Owner, default=Owner.DEBTOR)
    third_party_name = models.CharField(_("third party's name"), max_length=200, blank=True)
    third_party_relationship = models.CharField(
        _("third party's relationship"),
        max_length=100,
        blank=True,
        help_text=_("e.g. emergency contact, guarantor, employer."),
    )
    sms_consent = models.BooleanField(_("SMS consent"), default=False)
    email_consent = models.BooleanField(_("e-mail consent"), default=False)
    opted_out = models.BooleanField(
        _("opted out"),
        default=False,
        help_text=_("The person asked not to be contacted on this medium."),
    )
    do_not_contact = models.BooleanField(_("do not contact"), default=False)
    employer_prohibits_contact = models.BooleanField(_("employer prohibits contact"), default=False)
    verified = models.BooleanField(_("verified"), default=False)
    invalid = models.BooleanField(
        _("invalid"), default=False, help_text=_("Wrong or disconnected number or address.")
    )

    class Meta:
        verbose_name = _("contact point")
        verbose_name_plural = _("contact points")
        ordering = ["debtor", "kind", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["debtor", "kind", "value"], name="contact_point_unique_per_debtor"
            ),
            models.CheckConstraint(
                condition=Q(owner="debtor") | ~Q(third_party_name=""),
                name="contact_point_third_party_named",
                violation_error_message=_("A third party's contact point needs the person's name."),
            ),
        ]
        # A caller's number (E.164) finds whoever has it on file, across all debtors: the
        # incoming-call screen and the case search. Phones only: addresses are never looked up.
        indexes = [
            models.Index(
                fields=["value"],
                condition=Q(kind__in=["mobile", "home", "work"]),
                name="contact_point_phone",
            )
        ]

    def clean(self) -> None:
        """A phone number is stored in E.164 (common/phones.py), however it was typed, so that
        it is compared and found as one number (and one per debtor and kind)."""
        super().clean()
        if self.kind in self.PHONE_KINDS and self.value:
            self.value = phone_e164_for_field("value", self.value)

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.value}"


class CardAccount(TimeStampedModel):
    debtor = models.ForeignKey(
        Debtor, on_delete=models.PROTECT, related_name="accounts", verbose_name=_("debtor")
    )
    account_reference = models.CharField(
        _("account reference"), max_length=40, help_text=_("The bank's reference.")
    )
    card_last4 = models.CharField(
        _("card (last four)"), max_length=4, validators=[last_four_digits]
    )
    product = models.CharField(_("product"), max_length=60)
    portfolio = models.CharField(_("portfolio"), max_length=60, blank=True)
    currency = models.CharField(
        _("currency"), max_length=3, default="USD", validators=[currency_code]
    )
    credit_limit = models.DecimalField(
        _("credit limit"), **AMOUNT, validators=[MinValueValidator(Decimal(0))]
    )
    balance = models.DecimalField(
        _("balance"), **AMOUNT, validators=[MinValueValidator(Decimal(0))]
    )
    minimum_due = models.DecimalField(
        _("minimum due"), **AMOUNT, validators=[MinValueValidator(Decimal(0))]
    )
    oldest_unpaid_due_date = models.DateField(
        _("oldest unpaid due date"), null=True, blank=True, db_index=True
    )

    class Meta:
        verbose_name = _("card account")
        verbose_name_plural = _("card accounts")
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
        # The case search finds an account by its card's last four.
        indexes = [models.Index(fields=["card_last4"], name="account_card_last4")]

    def __str__(self) -> str:
        return gettext("%(reference)s (card %(card)s)") % {
            "reference": self.account_reference,
            "card": self.masked_card,
        }

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

    name = models.CharField(_("name"), max_length=100, unique=True)
    description = models.TextField(_("description"), blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    is_default = models.BooleanField(
        _("default"), default=False, help_text=_("Applies when no other strategy matches.")
    )
    product = models.CharField(
        _("product"),
        max_length=60,
        blank=True,
        help_text=_("Applies to this product only; blank for any."),
    )
    policy = models.CharField(
        _("policy"),
        max_length=20,
        blank=True,
        help_text=_("Compliance preset for cases on this strategy; blank uses the site's policy."),
    )
    charge_off_days = models.PositiveIntegerField(
        _("write off after days past due"),
        null=True,
        blank=True,
        help_text=_(
            "Open cases this many days past due are proposed for write-off each night, for a "
            "manager to approve (180 for cards is usual); blank: never."
        ),
    )
    unconfirmed_payment_days = models.PositiveSmallIntegerField(
        _("days to confirm a reported payment"),
        default=7,
        help_text=_(
            "A payment a collector reported that the bank's payments feed has not confirmed "
            "after this many days is flagged to the supervisors, and escalation resumes."
        ),
    )

    class Meta:
        verbose_name = _("strategy")
        verbose_name_plural = _("strategies")
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(
                fields=["is_default"], condition=Q(is_default=True), name="one_default_strategy"
            ),
        ]

    def __str__(self) -> str:
        return self.name


class Stage(models.Model):
    class Action(models.TextChoices):
        SMS = "sms", _("SMS reminder")
        CALL_QUEUE = "call_queue", _("Phone collection queue")
        LETTER = "letter", _("Demand letter")
        AGENCY = "agency", _("Agency placement")
        LITIGATION = "litigation", _("Litigation referral")

    strategy = models.ForeignKey(
        Strategy, on_delete=models.CASCADE, related_name="stages", verbose_name=_("strategy")
    )
    position = models.PositiveSmallIntegerField(_("position"))
    name = models.CharField(_("name"), max_length=100)
    min_days_past_due = models.PositiveIntegerField(_("from days past due"))
    action = models.CharField(_("action"), max_length=12, choices=Action)
    message_template = models.TextField(
        _("message template"),
        blank=True,
        help_text=_("Django template text for the SMS or letter this stage sends."),
    )
    replay_if_skipped = models.BooleanField(
        _("replay if skipped"),
        default=False,
        help_text=_("Run this stage's action even when a case jumps past it."),
    )

    class Meta:
        verbose_name = _("stage")
        verbose_name_plural = _("stages")
        ordering = ["strategy", "position"]
        constraints = [
            models.UniqueConstraint(fields=["strategy", "position"], name="stage_position_unique"),
            models.UniqueConstraint(
                fields=["strategy", "min_days_past_due"], name="stage_threshold_unique"
            ),
        ]

    def __str__(self) -> str:
        return gettext("%(strategy)s: %(stage)s (day %(day)s)") % {
            "strategy": self.strategy,
            "stage": self.name,
            "day": self.min_days_past_due,
        }


class StageMessageTranslation(models.Model):
    """The stage's message in another language; debtors get theirs when one exists."""

    stage = models.ForeignKey(
        Stage, on_delete=models.CASCADE, related_name="translations", verbose_name=_("stage")
    )
    language = models.CharField(_("language"), max_length=10)
    message_template = models.TextField(_("message template"))

    class Meta:
        verbose_name = _("stage message translation")
        verbose_name_plural = _("stage message translations")
        ordering = ["stage", "language"]
        constraints = [
            models.UniqueConstraint(fields=["stage", "language"], name="stage_translation_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.stage.name} ({self.language})"


class Case(TimeStampedModel):
    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        PROMISED = "promised", _("Promise to pay")
        PLACED = "placed", _("Placed with agency")
        LITIGATION = "litigation", _("In litigation")
        CURED = "cured", _("Cured / paid")
        CLOSED = "closed", _("Closed")
        SETTLED = "settled", _("Settled")
        WRITTEN_OFF = "written_off", _("Written off")

    # Settled: closed by an agreement (a repayment plan paid in full, a settlement paid).
    # Written off: the bank gave the balance up; the account's later payments are recoveries.
    CLOSED_STATUSES = (Status.CURED, Status.CLOSED, Status.SETTLED, Status.WRITTEN_OFF)

    account = models.ForeignKey(
        CardAccount, on_delete=models.PROTECT, related_name="cases", verbose_name=_("account")
    )
    debtor = models.ForeignKey(
        Debtor, on_delete=models.PROTECT, related_name="cases", verbose_name=_("debtor")
    )
    strategy = models.ForeignKey(
        Strategy, on_delete=models.PROTECT, related_name="cases", verbose_name=_("strategy")
    )
    stage = models.ForeignKey(
        Stage,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="cases",
        verbose_name=_("stage"),
    )
    stage_entered_at = models.DateTimeField(_("entered the stage at"), null=True, blank=True)
    status = models.CharField(_("status"), max_length=12, choices=Status, default=Status.OPEN)
    assigned_to = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="assigned_cases",
        help_text=_("Blank: the team's pool."),
        verbose_name=_("assigned to"),
    )
    team = models.ForeignKey(
        "accounts.Team",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="cases",
        verbose_name=_("team"),
    )
    priority_score = models.IntegerField(
        _("priority score"), default=0, help_text=_("Higher is called first.")
    )
    next_action_at = models.DateTimeField(_("next action at"), null=True, blank=True)
    claimed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="claimed_cases",
        verbose_name=_("claimed by"),
    )
    claim_expires_at = models.DateTimeField(_("claim expires at"), null=True, blank=True)
    opened_at = models.DateTimeField(_("opened at"))
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    balance_at_open = models.DecimalField(_("balance at opening"), **AMOUNT)
    paused_at = models.DateTimeField(
        _("paused at"),
        null=True,
        blank=True,
        help_text=_("Paused by a supervisor: out of the queue, no escalation."),
    )
    pause_reason = models.CharField(
        _("reason for the pause"), max_length=300, blank=True, default="", db_default=""
    )
    written_off_on = models.DateField(
        _("written off on"),
        null=True,
        blank=True,
        help_text=_("The business date the write-off was approved; later payments are recoveries."),
    )
    written_off_amount = models.DecimalField(
        _("amount written off"),
        **AMOUNT,
        null=True,
        blank=True,
        help_text=_("The balance the bank gave up, in the account's currency."),
    )
    under_repayment_plan = models.BooleanField(
        _("under a repayment plan"),
        default=False,
        db_default=False,
        help_text=_(
            "A repayment plan agreed with the debtor is being kept; where the policy says so, "
            "collection contact stops."
        ),
    )
    legal_hold_since = models.DateTimeField(
        _("legal hold since"),
        null=True,
        blank=True,
        help_text=_(
            "Set when a lawsuit is filed: from then on only the legal team contacts the debtor "
            "about the debt."
        ),
    )

    class Meta:
        verbose_name = _("case")
        verbose_name_plural = _("cases")
        ordering = ["-priority_score", "id"]
        permissions = [("work_case", "Can work cases: call, log outcomes, take promises")]
        constraints = [
            models.UniqueConstraint(
                fields=["account"],
                condition=~Q(status__in=["cured", "closed", "settled", "written_off"]),
                name="one_open_case_per_account",
                violation_error_message=_("This account already has an open case."),
            ),
            models.CheckConstraint(
                condition=Q(
                    status__in=["cured", "closed", "settled", "written_off"],
                    closed_at__isnull=False,
                )
                | (
                    ~Q(status__in=["cured", "closed", "settled", "written_off"])
                    & Q(closed_at__isnull=True)
                ),
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
            # Recoveries are counted from the write-off's date and amount: never one without them.
            models.CheckConstraint(
                condition=~Q(status="written_off")
                | Q(written_off_on__isnull=False, written_off_amount__isnull=False),
                name="case_written_off_has_date_and_amount",
            ),
        ]
        indexes = [
            # The work queue: open cases of a team, best first.
            models.Index(
                F("team"),
                F("priority_score").desc(),
                F("id"),
                condition=~Q(status__in=["cured", "closed", "settled", "written_off"]),
                name="case_team_queue",
            ),
            models.Index(
                F("assigned_to"),
                F("priority_score").desc(),
                F("id"),
                condition=~Q(status__in=["cured", "closed", "settled", "written_off"]),
                name="case_collector_queue",
            ),
            # The queue's tiers served by time (call-backs due, new phone-stage entries): each
            # slice walks its own small index in serving order and stops at the first row.
            *[
                models.Index(
                    F(owner),
                    F("next_action_at"),
                    F("id"),
                    condition=~Q(status__in=["cured", "closed", "settled", "written_off"]) & tier,
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
                condition=~Q(status__in=["cured", "closed", "settled", "written_off"]),
                name="case_open_by_stage",
            ),
            models.Index(
                fields=["next_action_at"],
                condition=Q(next_action_at__isnull=False),
                name="case_next_action",
            ),
        ]

    def __str__(self) -> str:
        return gettext("Case %(id)s · %(reference)s") % {
            "id": self.pk,
            "reference": self.account.account_reference,
        }

    @property
    def is_open(self) -> bool:
        return self.status not in self.CLOSED_STATUSES


class Activity(models.Model):
    """One contact attempt, message or note on a case."""

    class Channel(models.TextChoices):
        CALL = "call", _("Call")
        SMS = "sms", _("SMS")
        EMAIL = "email", _("Email")
        LETTER = "letter", _("Letter")
        VISIT = "visit", _("Visit")
        NOTE = "note", _("Note")
        SYSTEM = "system", _("System")
        # What the debtor did themselves on the self-service portal (always inbound).
        PORTAL = "portal", _("Portal")

    class Direction(models.TextChoices):
        OUTBOUND = "outbound", _("Outbound")
        INBOUND = "inbound", _("Inbound")
        INTERNAL = "internal", _("Internal")

    class Outcome(models.TextChoices):
        RIGHT_PARTY_CONTACT = "rpc", _("Right-party contact")
        THIRD_PARTY = "third_party", _("Third party")
        NO_ANSWER = "no_answer", _("No answer")
        VOICEMAIL = "voicemail", _("Voicemail")
        WRONG_NUMBER = "wrong_number", _("Wrong number")
        REFUSED_TO_PAY = "refused", _("Refused to pay")
        DISPUTE = "dispute", _("Dispute")
        PROMISE = "promise", _("Promise to pay")
        PAID = "paid", _("Paid")
        CALLBACK_REQUESTED = "callback", _("Call-back requested")
        SENT = "sent", _("Sent")
        DELIVERED = "delivered", _("Delivered")
        FAILED = "failed", _("Failed")
        NOTE = "note", _("Note")
        STAGE_CHANGE = "stage_change", _("Stage change")

    case = models.ForeignKey(
        Case, on_delete=models.CASCADE, related_name="activities", verbose_name=_("case")
    )
    debtor = models.ForeignKey(
        Debtor, on_delete=models.CASCADE, related_name="activities", verbose_name=_("debtor")
    )
    contact_point = models.ForeignKey(
        ContactPoint,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="activities",
        verbose_name=_("contact point"),
    )
    channel = models.CharField(_("channel"), max_length=10, choices=Channel)
    direction = models.CharField(
        _("direction"), max_length=10, choices=Direction, default=Direction.OUTBOUND
    )
    outcome = models.CharField(_("outcome"), max_length=14, choices=Outcome)
    notes = models.TextField(_("notes"), blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="activities",
        help_text=_("Blank for the system."),
        verbose_name=_("actor"),
    )
    agency = models.ForeignKey(
        "agencies.Agency",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="activities",
        verbose_name=_("agency"),
    )
    occurred_at = models.DateTimeField(_("occurred at"))
    duration_seconds = models.PositiveIntegerField(_("duration (seconds)"), default=0)
    recording_reference = models.CharField(
        _("recording"),
        max_length=500,
        blank=True,
        help_text=_("The call's recording: the dialer's URL or id for it."),
    )
    disclosure_given = models.BooleanField(
        _("disclosure given"),
        default=False,
        help_text=_("The collector confirmed giving the disclosure the policy requires."),
    )

    class Meta:
        verbose_name = _("activity")
        verbose_name_plural = _("activities")
        ordering = ["-occurred_at", "-id"]
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
        when = formats.date_format(timezone.localtime(self.occurred_at), "DATETIME_FORMAT")
        return f"{self.get_channel_display()} · {self.get_outcome_display()} · {when}"

    @classmethod
    def internal_note(
        cls, *, case_id: int, debtor_id: int, actor, occurred_at: dt.datetime, text: str
    ) -> Activity:
        """A note on the case's history, unsaved (save it, or bulk-create many): the actor's,
        or the system's when there is none."""
        return cls(
            case_id=case_id,
            debtor_id=debtor_id,
            channel=cls.Channel.NOTE if actor else cls.Channel.SYSTEM,
            direction=cls.Direction.INTERNAL,
            outcome=cls.Outcome.NOTE,
            notes=text,
            actor=actor,
            agency_id=actor.agency_id if actor else None,
            occurred_at=occurred_at,
        )


class PromiseToPay(TimeStampedModel):
    class Status(models.TextChoices):
        PENDING = "pending", pgettext_lazy("promise status", "Pending")
        KEPT = "kept", _("Kept")
        BROKEN = "broken", _("Broken")
        CANCELLED = "cancelled", _("Cancelled")

    case = models.ForeignKey(
        Case, on_delete=models.CASCADE, related_name="promises", verbose_name=_("case")
    )
    amount = models.DecimalField(_("amount"), **AMOUNT, validators=[MinValueValidator(CENT)])
    currency = models.CharField(_("currency"), max_length=3, validators=[currency_code])
    promised_on = models.DateField(
        _("promised on"), help_text=_("The business date the promise was taken.")
    )
    due_date = models.DateField(_("due date"))
    status = models.CharField(_("status"), max_length=10, choices=Status, default=Status.PENDING)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="promises",
        verbose_name=_("taken by"),
    )
    resolved_on = models.DateField(_("resolved on"), null=True, blank=True)

    class Meta:
        verbose_name = _("promise to pay")
        verbose_name_plural = _("promises to pay")
        ordering = ["-due_date", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="promise_amount_positive"),
            models.CheckConstraint(
                condition=Q(due_date__gte=F("promised_on")), name="promise_due_after_promised"
            ),
            models.UniqueConstraint(
                fields=["case"],
                condition=Q(status="pending"),
                name="one_pending_promise_per_case",
                violation_error_message=_("This case already has a pending promise."),
            ),
        ]
        indexes = [
            models.Index(
                fields=["due_date"], condition=Q(status="pending"), name="promise_pending_due"
            ),
        ]

    def __str__(self) -> str:
        return gettext("%(amount)s by %(date)s (%(status)s)") % {
            "amount": money(self.amount, self.currency),
            "date": formats.date_format(self.due_date),
            "status": self.get_status_display(),
        }


class PromiseInstalment(models.Model):
    promise = models.ForeignKey(
        PromiseToPay,
        on_delete=models.CASCADE,
        related_name="instalments",
        verbose_name=_("promise to pay"),
    )
    due_date = models.DateField(_("due date"))
    amount = models.DecimalField(_("amount"), **AMOUNT, validators=[MinValueValidator(CENT)])

    class Meta:
        verbose_name = _("instalment")
        verbose_name_plural = _("instalments")
        ordering = ["promise", "due_date"]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="instalment_amount_positive"),
            models.UniqueConstraint(fields=["promise", "due_date"], name="instalment_date_unique"),
        ]

    def __str__(self) -> str:
        return gettext("%(amount)s by %(date)s") % {
            "amount": number(self.amount, 2),
            "date": formats.date_format(self.due_date),
        }


class Payment(TimeStampedModel):
    class Source(models.TextChoices):
        BANK_FEED = "bank_feed", _("Bank feed")
        CARD = "card", _("Card payment")
        TRANSFER = "transfer", _("Bank transfer")
        AGENCY = "agency", _("Collected by agency")

    account = models.ForeignKey(
        CardAccount, on_delete=models.PROTECT, related_name="payments", verbose_name=_("account")
    )
    case = models.ForeignKey(
        Case,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="payments",
        verbose_name=_("case"),
    )
    agency = models.ForeignKey(
        "agencies.Agency",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="payments",
        help_text=_("The agency the payment is attributed to, when the case was placed."),
        verbose_name=_("agency"),
    )
    amount = models.DecimalField(_("amount"), **AMOUNT, validators=[MinValueValidator(CENT)])
    currency = models.CharField(_("currency"), max_length=3, validators=[currency_code])
    received_on = models.DateField(_("received on"))
    source = models.CharField(_("source"), max_length=10, choices=Source, default=Source.BANK_FEED)
    external_reference = models.CharField(_("external reference"), max_length=64, unique=True)

    class Meta:
        verbose_name = _("payment")
        verbose_name_plural = _("payments")
        ordering = ["-received_on", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="payment_amount_positive"),
        ]
        indexes = [
            models.Index(fields=["account", "received_on"], name="payment_account_date"),
            models.Index(fields=["received_on"], name="payment_date"),
        ]

    def __str__(self) -> str:
        return gettext("%(amount)s on %(date)s (%(reference)s)") % {
            "amount": money(self.amount, self.currency),
            "date": formats.date_format(self.received_on),
            "reference": self.external_reference,
        }


class ReportedPayment(TimeStampedModel):
    """A payment a collector was told of (or took): it counts for nothing until the bank's
    payments feed confirms it with a `Payment`.

    While it waits (REPORTED) it pauses the case's escalation, as a pending promise does; left
    unconfirmed past its strategy's `unconfirmed_payment_days` it is FLAGGED to the supervisors
    and escalation resumes. A flagged one can still be confirmed by a later feed, until a
    supervisor WITHDRAWS it (a mistaken or invented report).
    """

    class Method(models.TextChoices):
        CARD_BY_PHONE = "card_phone", _("Card by phone")
        BANK_TRANSFER = "transfer", _("Bank transfer")
        CASH_AT_AGENCY = "cash_agency", _("Cash at the agency")
        ONLINE = "online", _("Online, through the debtor portal")
        OTHER = "other", _("Other")

    # The methods whose payments the bank knows by a reference the payer can quote.
    REFERENCE_REQUIRED = (Method.CARD_BY_PHONE, Method.BANK_TRANSFER, Method.ONLINE)

    class Status(models.TextChoices):
        REPORTED = "reported", _("Reported, awaiting the bank")
        CONFIRMED = "confirmed", _("Confirmed by the bank")
        FLAGGED = "flagged", _("Not confirmed by the bank")
        WITHDRAWN = "withdrawn", _("Withdrawn")

    # Reported payments the feed may still confirm.
    OPEN_STATUSES = (Status.REPORTED, Status.FLAGGED)

    case = models.ForeignKey(
        Case, on_delete=models.CASCADE, related_name="reported_payments", verbose_name=_("case")
    )
    account = models.ForeignKey(
        CardAccount,
        on_delete=models.PROTECT,
        related_name="reported_payments",
        verbose_name=_("account"),
    )
    amount = models.DecimalField(_("amount"), **AMOUNT, validators=[MinValueValidator(CENT)])
    currency = models.CharField(_("currency"), max_length=3, validators=[currency_code])
    method = models.CharField(_("method"), max_length=12, choices=Method)
    payer_reference = models.CharField(
        _("payer's reference"),
        max_length=64,
        blank=True,
        help_text=_("The reference of the card payment or transfer, as the bank will show it."),
    )
    reference_key = models.CharField(
        _("reference key"),
        max_length=64,
        blank=True,
        editable=False,
        help_text=_("The payer's reference in capitals, without spaces or punctuation."),
    )
    paid_on = models.DateField(_("paid on"))
    notes = models.TextField(_("notes"), blank=True)
    reported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        on_delete=models.SET_NULL,
        related_name="reported_payments",
        verbose_name=_("reported by"),
    )
    agency = models.ForeignKey(
        "agencies.Agency",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="reported_payments",
        help_text=_("The reporter's agency, when agency staff reported it."),
        verbose_name=_("agency"),
    )
    reported_at = models.DateTimeField(_("reported at"))
    reported_on = models.DateField(
        _("reported on"), help_text=_("The business date the payment was reported.")
    )
    status = models.CharField(_("status"), max_length=10, choices=Status, default=Status.REPORTED)
    confirmed_by = models.OneToOneField(
        Payment,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="reported_payment",
        help_text=_("The bank's payment that confirmed it."),
        verbose_name=_("confirming payment"),
    )
    confirmed_at = models.DateTimeField(_("confirmed at"), null=True, blank=True)
    flagged_on = models.DateField(_("flagged on"), null=True, blank=True)
    withdrawn_at = models.DateTimeField(_("withdrawn at"), null=True, blank=True)
    withdrawal_reason = models.CharField(_("reason for the withdrawal"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("reported payment")
        verbose_name_plural = _("reported payments")
        ordering = ["-reported_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(amount__gt=0), name="reported_payment_amount_positive"
            ),
            # A reference the bank knows stands for one payment: quoting it twice for the
            # account would let one bank payment stand for two reports (a withdrawn report
            # gives its reference back).
            models.UniqueConstraint(
                fields=["account", "reference_key"],
                condition=~Q(reference_key="") & ~Q(status="withdrawn"),
                name="reported_payment_reference_once",
                violation_error_message=_("This reference was already reported for the account."),
            ),
            # Confirmed exactly when a bank payment is attached (one payment confirms at most
            # one report: the one-to-one field's unique index).
            models.CheckConstraint(
                condition=Q(
                    status="confirmed", confirmed_by__isnull=False, confirmed_at__isnull=False
                )
                | (
                    ~Q(status="confirmed") & Q(confirmed_by__isnull=True, confirmed_at__isnull=True)
                ),
                name="reported_payment_confirmed_by_payment",
            ),
            models.CheckConstraint(
                condition=Q(status="withdrawn", withdrawn_at__isnull=False)
                | (~Q(status="withdrawn") & Q(withdrawn_at__isnull=True)),
                name="reported_payment_withdrawn_at_matches_status",
            ),
        ]
        indexes = [
            # The feed's matching and the nightly flagging read only the open ones.
            models.Index(
                fields=["account", "paid_on"],
                condition=Q(status__in=["reported", "flagged"]),
                name="reported_payment_open",
            ),
            # Escalation asks whether a case has one awaiting the bank.
            models.Index(
                fields=["case"], condition=Q(status="reported"), name="reported_payment_waiting"
            ),
        ]

    def __str__(self) -> str:
        return gettext("%(amount)s paid on %(date)s (%(status)s)") % {
            "amount": money(self.amount, self.currency),
            "date": formats.date_format(self.paid_on),
            "status": self.get_status_display(),
        }

    # Left out when references are compared: people quote "AB-12 34" for the bank's "AB1234".
    REFERENCE_SEPARATORS = " -/._"

    @classmethod
    def key_of(cls, reference: str) -> str:
        """The form references are compared in: capitals, without separators (the same as
        `reference_key_sql` does in the database)."""
        key = reference.strip().upper()
        for separator in cls.REFERENCE_SEPARATORS:
            key = key.replace(separator, "")
        return key

    @classmethod
    def reference_key_sql(cls, field: str) -> Func:
        """`key_of` of a column, in SQL: how the feed's matching reads the bank's reference."""
        expression = Upper(field)
        for separator in cls.REFERENCE_SEPARATORS:
            expression = Replace(expression, Value(separator), Value(""))
        return expression


class StageEntry(models.Model):
    """A case entering a stage of its strategy: the timeline, and the stage's one-off action."""

    class ActionStatus(models.TextChoices):
        PENDING = "pending", pgettext_lazy("stage action", "Pending")
        DONE = "done", _("Done")
        SKIPPED = "skipped", _("Skipped")

    case = models.ForeignKey(
        Case, on_delete=models.CASCADE, related_name="stage_entries", verbose_name=_("case")
    )
    stage = models.ForeignKey(
        Stage, on_delete=models.PROTECT, related_name="entries", verbose_name=_("stage")
    )
    entered_on = models.DateField(
        _("entered on"), help_text=_("The business date of the run that moved the case.")
    )
    entered_at = models.DateTimeField(_("entered at"))
    days_past_due = models.PositiveIntegerField(_("days past due"))
    action_status = models.CharField(
        _("action status"), max_length=10, choices=ActionStatus, default=ActionStatus.PENDING
    )
    action_note = models.CharField(_("action note"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("stage entry")
        verbose_name_plural = _("stage entries")
        ordering = ["case", "entered_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["case", "stage"], name="stage_entered_once_per_case"),
        ]
        indexes = [
            models.Index(fields=["stage", "action_status"], name="stage_entry_action_queue"),
            models.Index(fields=["entered_on"], name="stage_entry_date"),
        ]

    def __str__(self) -> str:
        return gettext("%(case)s entered %(stage)s on %(date)s") % {
            "case": self.case,
            "stage": self.stage.name,
            "date": formats.date_format(self.entered_on),
        }
