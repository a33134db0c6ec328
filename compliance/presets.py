"""Jurisdiction presets and the schema of a policy's parameters.

A policy's parameters are plain JSON (editable in the admin, versioned in the database);
`parse_parameters` validates them against the schema below and returns typed values the
rules read. The presets are version 1 of each shipped policy. They are an aid to compliance,
not legal advice: see the README's "Compliance presets" section for the sources.
"""

from __future__ import annotations

import copy
import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext, gettext_lazy

from cases.models import Activity

CONTACT_CHANNELS = ("call", "sms", "email", "letter", "visit")
CONTACT_POINT_KINDS = ("mobile", "home", "work", "email", "postal")
PERIODS = ("rolling", "local_day")
SCOPES = ("person_debt", "debtor", "contact_point")
ALL = "all"  # counted_outcomes / contact_point_kinds: no filter
# Rule codes the engine always uses; an attempt cap's own code must differ from them.
FIXED_RULE_CODES = (
    "agency_gate",
    "legal_hold",
    "bankruptcy",
    "cease_communication",
    "dispute_pending",
    "deceased",
    "attorney",
    "third_party",
    "contact_point_channel",
    "invalid_contact_point",
    "do_not_contact",
    "medium_opt_out",
    "workplace",
    "channel_consent",
    "vulnerability",
    "contact_window",
    "preferred_hours",
    "conversation_cooldown",
    "repayment_plan",
)
# What people call each rule; a cap a policy names itself is shown by its code.
RULE_NAMES = {
    "agency_gate": gettext_lazy("Agency placement and eligibility"),
    "legal_hold": gettext_lazy("Legal hold"),
    "bankruptcy": gettext_lazy("Bankruptcy"),
    "cease_communication": gettext_lazy("Cease communication"),
    "dispute_pending": gettext_lazy("Dispute pending"),
    "deceased": gettext_lazy("Deceased debtor"),
    "attorney": gettext_lazy("Represented by an attorney"),
    "third_party": gettext_lazy("Third parties"),
    "contact_point_channel": gettext_lazy("Contact point fits the channel"),
    "invalid_contact_point": gettext_lazy("Invalid contact point"),
    "do_not_contact": gettext_lazy("Do not contact"),
    "medium_opt_out": gettext_lazy("Opted out of this medium"),
    "workplace": gettext_lazy("Workplace"),
    "channel_consent": gettext_lazy("Channel consent"),
    "vulnerability": gettext_lazy("Vulnerable debtor"),
    "contact_window": gettext_lazy("Contact hours"),
    "preferred_hours": gettext_lazy("The debtor's preferred hours"),
    "conversation_cooldown": gettext_lazy("Wait after a conversation"),
    "repayment_plan": gettext_lazy("Repayment plan kept"),
    "call_frequency": gettext_lazy("Call attempts in 7 days"),
    "ma_phone_communications": gettext_lazy("Phone communications in 7 days"),
    "ma_home_visits": gettext_lazy("Visits in 30 days"),
    "unanswered_attempts": gettext_lazy("Unanswered attempts a day"),
    "effective_conversations": gettext_lazy("Effective conversations a day"),
    "daily_call_attempts": gettext_lazy("Call attempts a day"),
}


def rule_name(code: str) -> str:
    return str(RULE_NAMES.get(code, code))


# The log stores the failing codes as ",a,b,"; every code of a policy must fit at once.
FAILED_RULES_MAX_LENGTH = 500

# Outcomes meaning the debtor was spoken to (a "telephone conversation", Reg F 1006.14(b)(2)).
CONVERSATION_OUTCOMES = ["rpc", "promise", "refused", "dispute", "paid", "callback"]
# Outcomes where something reached the person: a conversation, a message left, a text sent.
COMMUNICATION_OUTCOMES = [*CONVERSATION_OUTCOMES, "third_party", "voicemail", "sent", "delivered"]
UNANSWERED_OUTCOMES = ["no_answer", "voicemail"]


@dataclass(frozen=True)
class ContactWindow:
    """Contact is allowed from `start` (inclusive) to `end` (exclusive), debtor's local time."""

    start: dt.time
    end: dt.time


@dataclass(frozen=True)
class AttemptCap:
    code: str
    channels: tuple[str, ...]
    max_attempts: int
    period: str  # "rolling": the last period_days x 24 h; "local_day": local calendar days
    period_days: int
    # "person_debt": this person about this debt; "debtor": the debtor about any of their
    # debts (contacts with third parties neither count nor are counted); "contact_point":
    # this number, whoever answers.
    scope: str
    counted_outcomes: tuple[str, ...] | None  # None counts every outbound attempt
    contact_point_kinds: tuple[str, ...] | None  # None: any (and attempts with no point)
    exclude_consented: bool  # calls placed with the person's prior consent do not count


@dataclass(frozen=True)
class ConversationCooldown:
    channels: tuple[str, ...]  # what the cooldown blocks
    days: int
    conversation_channels: tuple[str, ...]  # either direction: inbound conversations count
    conversation_outcomes: tuple[str, ...]
    exclude_consented: bool


@dataclass(frozen=True)
class ActionExceptions:
    """Actions still allowed, on these channels, while a flag blocks everything else."""

    actions: tuple[str, ...]
    channels: tuple[str, ...]


@dataclass(frozen=True)
class ThirdPartyPolicy:
    allowed_actions: tuple[str, ...]  # empty: third parties are never contacted
    requires_debtor_unreachable: bool
    max_contacts_per_person: int | None  # None: no cap
    trusted_relationships: tuple[str, ...]  # contacted like the debtor (e.g. guarantor)


@dataclass(frozen=True)
class FieldVisitPolicy:
    """How staff visit a debtor (applies once field visits are recorded, issue 15)."""

    min_staff: int
    identification_shown: bool


@dataclass(frozen=True)
class PolicyParameters:
    contact_windows: dict[str, ContactWindow]
    attempt_caps: tuple[AttemptCap, ...]
    conversation_cooldown: ConversationCooldown | None
    consented_call_days: int
    consent_required_channels: tuple[str, ...]
    cease_exceptions: ActionExceptions
    dispute_exceptions: ActionExceptions
    third_party: ThirdPartyPolicy
    vulnerability_gate: bool
    record_retention_years: int | None
    # A consent on file (a call-back the person asked for, within consented_call_days) lets
    # contact happen outside the contact window.
    consent_lifts_contact_window: bool = False
    # Parameters of rules whose records do not exist yet; the gate applies each once its
    # feature lands: a recording reference on calls (issue 16), field visits (issue 15).
    call_recording_required: bool = False
    field_visit: FieldVisitPolicy | None = None
    # Repayment plans: while one is kept, collection contact stops (except `plan_exceptions`,
    # e.g. reminders of the next instalment); the longest plan allowed, in months (None: no
    # limit); the days an instalment may be late before the plan counts as broken.
    instalment_plan_stops_contact: bool = False
    plan_exceptions: ActionExceptions = ActionExceptions(actions=(), channels=())
    plan_max_months: int | None = None
    plan_grace_days: int = 0
    # Under the vulnerability gate, members of a specialist team (accounts.Team.is_specialist)
    # may contact a vulnerable debtor without a per-call approval; everyone else still needs it.
    specialists_contact_vulnerable_without_approval: bool = False
    # What the collector must say on a right-party contact (empty: nothing is required); the
    # call forms show it and refuse such an outcome until the collector confirms saying it.
    right_party_disclosure: str = ""
    # Disputes and complaints: the days from receipt within which each must be answered (None:
    # no deadline), and whether a dispute stops collection until verification is sent (the
    # debtor's `dispute_pending` flag, set at receipt and cleared once verification is sent).
    dispute_response_days: int | None = None
    complaint_response_days: int | None = None
    dispute_holds_until_verification: bool = False

    @property
    def lookback(self) -> dt.timedelta:
        """How far back the rules read contact history (plus the consent that excuses it)."""
        days = [cap.period_days for cap in self.attempt_caps]
        if self.conversation_cooldown:
            days.append(self.conversation_cooldown.days)
        return dt.timedelta(days=max(days, default=0) + self.consented_call_days + 1)


class _Reader:
    """Reads one JSON object, collecting every error with its path instead of stopping."""

    def __init__(
        self,
        errors: list[str],
        data: Any,
        path: str,
        keys: tuple[str, ...],
        optional: tuple[str, ...] = (),
    ):
        self.errors, self.path = errors, path
        self.data = data if isinstance(data, dict) else {}
        if not isinstance(data, dict):
            errors.append((path or "parameters") + ": " + gettext("must be an object"))
            return
        for key in sorted(set(data) - set(keys) - set(optional)):
            errors.append(self._at(key) + ": " + gettext("unknown parameter"))
        for key in keys:
            if key not in data:
                errors.append(self._at(key) + ": " + gettext("missing"))

    def _at(self, key: str) -> str:
        return f"{self.path}.{key}" if self.path else key

    def fail(self, key: str, message: str) -> None:
        self.errors.append(f"{self._at(key)}: {message}")

    def integer(self, key: str, *, minimum: int, nullable: bool = False) -> int | None:
        value = self.data.get(key)
        if value is None and nullable:
            return None
        if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
            self.fail(
                key,
                gettext("must be a whole number of at least %(minimum)d") % {"minimum": minimum},
            )
            return minimum
        return value

    def boolean(self, key: str) -> bool:
        value = self.data.get(key)
        if not isinstance(value, bool):
            self.fail(key, gettext("must be true or false"))
            return False
        return value

    def optional_boolean(self, key: str) -> bool:
        """False when absent (a parameter added since the first policies were stored)."""
        return self.boolean(key) if key in self.data else False

    def optional_text(self, key: str) -> str:
        """'' when absent; when present, any string (empty: nothing required)."""
        value = self.data.get(key, "")
        if not isinstance(value, str):
            self.fail(key, gettext("must be a string"))
            return ""
        return value.strip()

    def text(self, key: str) -> str:
        value = self.data.get(key)
        if not isinstance(value, str) or not value.strip():
            self.fail(key, gettext("must be a non-empty string"))
            return ""
        return value

    def choice(self, key: str, choices: tuple[str, ...]) -> str:
        value = self.data.get(key)
        if value not in choices:
            self.fail(key, gettext("must be one of %(choices)s") % {"choices": ", ".join(choices)})
            return choices[0]
        return value

    def strings(self, key: str, *, choices: tuple[str, ...] | None = None) -> tuple[str, ...]:
        value = self.data.get(key)
        if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
            self.fail(key, gettext("must be a list of strings"))
            return ()
        if choices is not None and (unknown := sorted(set(value) - set(choices))):
            self.fail(
                key,
                gettext("unknown values %(unknown)s; allowed: %(choices)s")
                % {"unknown": unknown, "choices": ", ".join(choices)},
            )
        return tuple(value)

    def strings_or_all(self, key: str, *, choices: tuple[str, ...]) -> tuple[str, ...] | None:
        return None if self.data.get(key) == ALL else self.strings(key, choices=choices)

    def time(self, key: str) -> dt.time:
        value = self.data.get(key)
        try:
            return dt.time.fromisoformat(value)
        except (TypeError, ValueError):
            self.fail(key, gettext('must be a time of day like "08:00"'))
            return dt.time(0)

    def child(self, key: str, keys: tuple[str, ...]) -> _Reader:
        return _Reader(self.errors, self.data.get(key), self._at(key), keys)


def _outcome_codes() -> tuple[str, ...]:
    return tuple(Activity.Outcome.values)


def _read_exceptions(reader: _Reader) -> ActionExceptions:
    return ActionExceptions(
        actions=reader.strings("actions"),
        channels=reader.strings("channels", choices=CONTACT_CHANNELS),
    )


def _read_cap(reader: _Reader, outcomes: tuple[str, ...]) -> AttemptCap:
    cap = AttemptCap(
        code=reader.text("code"),
        channels=reader.strings("channels", choices=CONTACT_CHANNELS),
        max_attempts=reader.integer("max_attempts", minimum=1),
        period=reader.choice("period", PERIODS),
        period_days=reader.integer("period_days", minimum=1),
        scope=reader.choice("scope", SCOPES),
        counted_outcomes=reader.strings_or_all("counted_outcomes", choices=outcomes),
        contact_point_kinds=reader.strings_or_all(
            "contact_point_kinds", choices=CONTACT_POINT_KINDS
        ),
        exclude_consented=reader.boolean("exclude_consented"),
    )
    if cap.code and not cap.code.isidentifier():
        reader.fail("code", gettext("must be a lower_case_name (letters, digits, underscores)"))
    if cap.code in FIXED_RULE_CODES:
        reader.fail(
            "code", gettext("'%(code)s' is the name of a built-in rule") % {"code": cap.code}
        )
    return cap


CAP_KEYS = (
    "code",
    "channels",
    "max_attempts",
    "period",
    "period_days",
    "scope",
    "counted_outcomes",
    "contact_point_kinds",
    "exclude_consented",
)
COOLDOWN_KEYS = (
    "channels",
    "days",
    "conversation_channels",
    "conversation_outcomes",
    "exclude_consented",
)
THIRD_PARTY_KEYS = (
    "allowed_actions",
    "requires_debtor_unreachable",
    "max_contacts_per_person",
    "trusted_relationships",
)
TOP_KEYS = (
    "contact_windows",
    "attempt_caps",
    "conversation_cooldown",
    "consented_call_days",
    "consent_required_channels",
    "cease_exceptions",
    "dispute_exceptions",
    "third_party",
    "vulnerability_gate",
    "record_retention_years",
)
# Parameters added since the first policies were stored: a version without them keeps the
# behaviour it was written for (the rule off).
OPTIONAL_TOP_KEYS = (
    "consent_lifts_contact_window",
    "call_recording_required",
    "field_visit",
    "instalment_plan_stops_contact",
    "plan_exceptions",
    "plan_max_months",
    "plan_grace_days",
    "specialists_contact_vulnerable_without_approval",
    "right_party_disclosure",
    "dispute_response_days",
    "complaint_response_days",
    "dispute_holds_until_verification",
)
# The repayment plans' limits, which every shipped preset sets (compliance migration 0007).
PLAN_KEYS = ("plan_exceptions", "plan_max_months", "plan_grace_days")
# The disputes' and complaints' deadlines, which every shipped preset sets (compliance migration
# 0011).
DISPUTE_KEYS = (
    "dispute_response_days",
    "complaint_response_days",
    "dispute_holds_until_verification",
)
FIELD_VISIT_KEYS = ("min_staff", "identification_shown")


def parse_parameters(data: Any) -> PolicyParameters:
    """Validate a policy's JSON parameters; raises ValidationError listing every problem."""
    errors: list[str] = []
    outcomes = _outcome_codes()
    top = _Reader(errors, data, "", TOP_KEYS, OPTIONAL_TOP_KEYS)

    windows: dict[str, ContactWindow] = {}
    raw_windows = top.data.get("contact_windows")
    if not isinstance(raw_windows, dict):
        errors.append("contact_windows: " + gettext("must be an object of channel -> {start, end}"))
    else:
        for channel, raw_window in raw_windows.items():
            if channel not in CONTACT_CHANNELS:
                errors.append(f"contact_windows.{channel}: " + gettext("unknown channel"))
                continue
            window_reader = _Reader(
                errors, raw_window, f"contact_windows.{channel}", ("start", "end")
            )
            window = ContactWindow(window_reader.time("start"), window_reader.time("end"))
            if window.start >= window.end:
                errors.append(f"contact_windows.{channel}: " + gettext("start must be before end"))
            windows[channel] = window

    caps: list[AttemptCap] = []
    raw_caps = top.data.get("attempt_caps")
    if not isinstance(raw_caps, list):
        errors.append("attempt_caps: " + gettext("must be a list"))
    else:
        for index, raw_cap in enumerate(raw_caps):
            caps.append(
                _read_cap(_Reader(errors, raw_cap, f"attempt_caps[{index}]", CAP_KEYS), outcomes)
            )
        codes = [cap.code for cap in caps]
        if len(codes) != len(set(codes)):
            errors.append("attempt_caps: " + gettext("every cap needs its own code"))
        if len(",".join(("", *FIXED_RULE_CODES, *codes, ""))) > FAILED_RULES_MAX_LENGTH:
            errors.append(
                "attempt_caps: " + gettext("the cap codes are too long to be logged; shorten them")
            )

    cooldown = None
    if top.data.get("conversation_cooldown") is not None:
        reader = top.child("conversation_cooldown", COOLDOWN_KEYS)
        cooldown = ConversationCooldown(
            channels=reader.strings("channels", choices=CONTACT_CHANNELS),
            days=reader.integer("days", minimum=1),
            conversation_channels=reader.strings("conversation_channels", choices=CONTACT_CHANNELS),
            conversation_outcomes=reader.strings("conversation_outcomes", choices=outcomes),
            exclude_consented=reader.boolean("exclude_consented"),
        )

    field_visit = None
    if top.data.get("field_visit") is not None:
        reader = top.child("field_visit", FIELD_VISIT_KEYS)
        field_visit = FieldVisitPolicy(
            min_staff=reader.integer("min_staff", minimum=1),
            identification_shown=reader.boolean("identification_shown"),
        )

    third_party_reader = top.child("third_party", THIRD_PARTY_KEYS)
    parameters = PolicyParameters(
        contact_windows=windows,
        attempt_caps=tuple(caps),
        conversation_cooldown=cooldown,
        consented_call_days=top.integer("consented_call_days", minimum=0),
        consent_required_channels=top.strings(
            "consent_required_channels", choices=("sms", "email")
        ),
        cease_exceptions=_read_exceptions(top.child("cease_exceptions", ("actions", "channels"))),
        dispute_exceptions=_read_exceptions(
            top.child("dispute_exceptions", ("actions", "channels"))
        ),
        third_party=ThirdPartyPolicy(
            allowed_actions=third_party_reader.strings("allowed_actions"),
            requires_debtor_unreachable=third_party_reader.boolean("requires_debtor_unreachable"),
            max_contacts_per_person=third_party_reader.integer(
                "max_contacts_per_person", minimum=1, nullable=True
            ),
            trusted_relationships=tuple(
                name.lower() for name in third_party_reader.strings("trusted_relationships")
            ),
        ),
        vulnerability_gate=top.boolean("vulnerability_gate"),
        record_retention_years=top.integer("record_retention_years", minimum=1, nullable=True),
        consent_lifts_contact_window=top.optional_boolean("consent_lifts_contact_window"),
        call_recording_required=top.optional_boolean("call_recording_required"),
        field_visit=field_visit,
        instalment_plan_stops_contact=top.optional_boolean("instalment_plan_stops_contact"),
        plan_exceptions=(
            _read_exceptions(top.child("plan_exceptions", ("actions", "channels")))
            if "plan_exceptions" in top.data
            else ActionExceptions(actions=(), channels=())
        ),
        plan_max_months=(
            top.integer("plan_max_months", minimum=1, nullable=True)
            if "plan_max_months" in top.data
            else None
        ),
        plan_grace_days=(
            top.integer("plan_grace_days", minimum=0) if "plan_grace_days" in top.data else 0
        ),
        specialists_contact_vulnerable_without_approval=top.optional_boolean(
            "specialists_contact_vulnerable_without_approval"
        ),
        right_party_disclosure=top.optional_text("right_party_disclosure"),
        dispute_response_days=top.integer("dispute_response_days", minimum=1, nullable=True)
        if "dispute_response_days" in top.data
        else None,
        complaint_response_days=top.integer("complaint_response_days", minimum=1, nullable=True)
        if "complaint_response_days" in top.data
        else None,
        dispute_holds_until_verification=top.optional_boolean("dispute_holds_until_verification"),
    )
    excusable = [cap.code for cap in caps if cap.exclude_consented]
    if cooldown and cooldown.exclude_consented:
        excusable.append("conversation_cooldown")
    if parameters.consent_lifts_contact_window:
        excusable.append("consent_lifts_contact_window")
    if excusable and parameters.consented_call_days == 0:
        errors.append(
            "consented_call_days: "
            + gettext("must be at least 1 when %(rules)s rely on the person's consent")
            % {"rules": ", ".join(excusable)}
        )
    if errors:
        raise ValidationError(errors)
    return parameters


@dataclass(frozen=True)
class Preset:
    code: str
    name: str
    description: str
    parameters: dict[str, Any]


def _window(start: str, end: str, channels: tuple[str, ...]) -> dict[str, dict[str, str]]:
    return {channel: {"start": start, "end": end} for channel in channels}


REMOTE_AND_VISITS = ("call", "sms", "email", "visit")

US_REGF_PARAMETERS: dict[str, Any] = {
    "contact_windows": _window("08:00", "21:00", REMOTE_AND_VISITS),
    "attempt_caps": [
        {
            "code": "call_frequency",
            "channels": ["call"],
            "max_attempts": 7,
            "period": "rolling",
            "period_days": 7,
            "scope": "person_debt",
            "counted_outcomes": ALL,
            "contact_point_kinds": ALL,
            "exclude_consented": True,
        }
    ],
    "conversation_cooldown": {
        "channels": ["call"],
        "days": 7,
        "conversation_channels": ["call"],
        "conversation_outcomes": CONVERSATION_OUTCOMES,
        "exclude_consented": True,
    },
    "consented_call_days": 7,
    "consent_required_channels": ["sms", "email"],
    "cease_exceptions": {
        "actions": ["confirm_cease", "notify_remedy"],
        "channels": ["letter", "email"],
    },
    "dispute_exceptions": {"actions": ["send_verification"], "channels": ["letter", "email"]},
    "third_party": {
        "allowed_actions": ["location_inquiry"],
        "requires_debtor_unreachable": False,
        "max_contacts_per_person": 1,
        # 15 USC 1692c(d): for communication purposes these persons count as the consumer.
        "trusted_relationships": ["spouse", "guardian", "executor", "administrator"],
    },
    "vulnerability_gate": True,
    "record_retention_years": 3,
    # No legal limit on a plan's length; a firm sets its own. Five days' grace: firm policy.
    "plan_exceptions": {"actions": [], "channels": []},
    "plan_max_months": None,
    "plan_grace_days": 5,
    # 1006.38: a dispute stops collection until verification is sent, with no deadline of its
    # own. Complaints answered within 15 days: firm policy, after the CFPB's complaint process.
    "dispute_response_days": None,
    "complaint_response_days": 15,
    "dispute_holds_until_verification": True,
    # 15 USC 1692e(11): the initial communication says so; later ones say they are from a
    # debt collector (this text covers both).
    "right_party_disclosure": (
        "This is a communication from a debt collector. This is an attempt to collect a debt "
        "and any information obtained will be used for that purpose."
    ),
}


def _us_ma_parameters() -> dict[str, Any]:
    parameters = copy.deepcopy(US_REGF_PARAMETERS)
    parameters["attempt_caps"] += [
        {
            "code": "ma_phone_communications",
            "channels": ["call", "sms"],
            "max_attempts": 2,
            "period": "rolling",
            "period_days": 7,
            "scope": "person_debt",
            "counted_outcomes": COMMUNICATION_OUTCOMES,
            "contact_point_kinds": ["mobile", "home"],
            "exclude_consented": False,
        },
        {
            "code": "ma_home_visits",
            "channels": ["visit"],
            "max_attempts": 1,
            "period": "rolling",
            "period_days": 30,
            "scope": "person_debt",
            "counted_outcomes": ALL,
            "contact_point_kinds": ALL,
            "exclude_consented": False,
        },
    ]
    return parameters


CN_BANK_PARAMETERS: dict[str, Any] = {
    "contact_windows": _window("08:00", "22:00", REMOTE_AND_VISITS),
    "attempt_caps": [
        {
            "code": "unanswered_attempts",
            "channels": ["call"],
            "max_attempts": 6,
            "period": "local_day",
            "period_days": 1,
            "scope": "contact_point",
            "counted_outcomes": UNANSWERED_OUTCOMES,
            "contact_point_kinds": ALL,
            "exclude_consented": False,
        },
        {
            # Automated voice calls are calls too: the system's count like a collector's.
            "code": "effective_conversations",
            "channels": ["call"],
            "max_attempts": 3,
            "period": "local_day",
            "period_days": 1,
            "scope": "debtor",
            "counted_outcomes": CONVERSATION_OUTCOMES,
            "contact_point_kinds": ALL,
            "exclude_consented": False,
        },
    ],
    "conversation_cooldown": None,
    # A call-back the debtor asked for lifts the quiet hours for a day.
    "consented_call_days": 1,
    "consent_lifts_contact_window": True,
    "consent_required_channels": ["sms", "email"],
    "cease_exceptions": {"actions": ["confirm_cease"], "channels": ["letter", "email"]},
    "dispute_exceptions": {"actions": ["send_verification"], "channels": ["letter", "email"]},
    "third_party": {
        "allowed_actions": ["location_inquiry", "pass_message"],
        "requires_debtor_unreachable": True,
        "max_contacts_per_person": None,
        "trusted_relationships": ["guarantor"],
    },
    "vulnerability_gate": True,
    "record_retention_years": 2,
    "call_recording_required": True,
    "field_visit": {"min_staff": 2, "identification_shown": True},
    # Art. 70: a personalised plan of at most 5 years; once agreed, collection stops unless the
    # cardholder defaults. Reminders of the next instalment still go out, and so do the letters
    # confirming what the debtor agreed (the plan, a settlement), which collect nothing. Three
    # days' grace before an instalment counts as missed is firm policy (approx.).
    "instalment_plan_stops_contact": True,
    "plan_exceptions": {
        "actions": ["instalment_reminder", "plan_confirmation", "settlement_letter"],
        "channels": ["call", "sms", "email", "letter"],
    },
    "plan_max_months": 60,
    "plan_grace_days": 3,
    # Art. 69: objections are verified and answered. The text sets no number of days: 15 is
    # this preset's value (approx.), for the bank to set in its policy.
    "dispute_response_days": 15,
    "complaint_response_days": 15,
    "dispute_holds_until_verification": False,
    # Said to the debtor in Chinese: who is calling, for whom, and that the call is recorded.
    "right_party_disclosure": (
        "您好，我是【机构名称】的催收员【姓名】，工号【工号】，受【银行名称】委托，"  # noqa: RUF001 (Chinese punctuation)
        "就您名下信用卡的逾期欠款与您联系。本次通话全程录音。"
    ),
}

UK_FCA_PARAMETERS: dict[str, Any] = {
    "contact_windows": _window("08:00", "21:00", REMOTE_AND_VISITS),
    "attempt_caps": [
        {
            "code": "daily_call_attempts",
            "channels": ["call"],
            "max_attempts": 3,
            "period": "local_day",
            "period_days": 1,
            "scope": "person_debt",
            "counted_outcomes": ALL,
            "contact_point_kinds": ALL,
            "exclude_consented": False,
        }
    ],
    "conversation_cooldown": None,
    "consented_call_days": 0,
    "consent_required_channels": ["sms", "email"],
    "cease_exceptions": {"actions": ["confirm_cease"], "channels": ["letter", "email"]},
    "dispute_exceptions": {"actions": ["send_verification"], "channels": ["letter", "email"]},
    "third_party": {
        "allowed_actions": ["location_inquiry"],
        "requires_debtor_unreachable": False,
        "max_contacts_per_person": None,
        "trusted_relationships": [],
    },
    "vulnerability_gate": True,
    # FG21/1: vulnerable customers are served by the specialist team, whose members need no
    # approval for each call; a standard collector still does.
    "specialists_contact_vulnerable_without_approval": True,
    "record_retention_years": None,
    "plan_exceptions": {"actions": [], "channels": []},
    "plan_max_months": None,
    "plan_grace_days": 5,
    # DISP 1.6.2R: a final response to a complaint within 8 weeks; a disputed debt is a
    # complaint too.
    "dispute_response_days": 56,
    "complaint_response_days": 56,
    "dispute_holds_until_verification": False,
    # CONC 7.9: say who is calling and for whom, and verify identity before discussing the debt.
    "right_party_disclosure": (
        "My name is [name], calling from [firm] on behalf of [creditor] about your credit card "
        "account. Calls are recorded. Before we discuss the account, I need to confirm that I "
        "am speaking to the account holder."
    ),
}

PRESETS: dict[str, Preset] = {
    preset.code: preset
    for preset in (
        Preset(
            code="US-RegF",
            name="United States: FDCPA and Regulation F (12 CFR 1006)",
            description=(
                "Calls 08:00-21:00 debtor's local time (1006.6(b)(1)); at most 7 call attempts "
                "per person per debt in a rolling 7 days, voicemails included, inbound calls "
                "not, and no call within 7 days after a conversation, inbound ones too "
                "(1006.14(b)(2)); calls within 7 days of the person's direct consent excluded "
                "(1006.14(b)(3)). Attorney (1692c(a)(2)), workplace (1692c(a)(3)), cease "
                "(1692c(c)), medium opt-out (1006.14(h)), third parties for location only, once "
                "(1006.10, 1692b), disputes (1006.38), bankruptcy stay (11 USC 362), deceased "
                "(1006.6(a)). A dispute stops collection until verification is sent (1006.38); "
                "complaints answered within 15 days (firm policy, configurable). "
                "Vulnerability gate: firm policy, not a legal requirement. "
                "Records kept 3 years (1006.100)."
            ),
            parameters=US_REGF_PARAMETERS,
        ),
        Preset(
            code="US-MA",
            name="United States, Massachusetts overlay on Regulation F",
            description=(
                "Regulation F plus 940 CMR 7.04 / 209 CMR 18.16: at most 2 phone communications "
                "(calls, texts, recorded messages) per 7 days per debt to the debtor's personal "
                "numbers, and 1 visit per 30 days. Counting answered calls, messages left and "
                "texts sent but not unanswered dials with no message is an interpretation "
                "(approx.; Armata v. Target, 480 Mass. 14 (2018))."
            ),
            parameters=_us_ma_parameters(),
        ),
        Preset(
            code="CN-bank",
            name="China: bank credit cards",
            description=(
                "The rules of 2026: the China Banking Association's guideline on collecting "
                "personal consumer loans (2026) and GB/T 45251-2025 (approx. where marked). "
                "Only the debtor and guarantors; third parties only when the debtor is "
                "unreachable, only to obtain contact details or pass a message, never told of "
                "the debt, and not again once they ask to stop (Art. 68 of the 2011 credit card "
                "measures; CBA guideline, approx.). No collection 22:00-08:00 in the debtor's "
                "time unless the debtor agreed: a call-back they asked for lifts it for a day "
                "(approx.). At most 6 unanswered call attempts per number per local day "
                "(approx.) and 3 effective conversations per debtor per local day, automated "
                "voice included (GB/T 45251-2025, approx.). Calls recorded, field visits by at "
                "least two staff showing identification, and contact stopped while an agreed "
                "instalment plan is kept (Art. 70, approx.): parameters applied once those "
                "records exist. Objections verified and answered within 15 days (Art. 69, approx.: "
                "the text sets no number; the days are configurable in the policy). Records kept "
                "2 years (approx.)."
            ),
            parameters=CN_BANK_PARAMETERS,
        ),
        Preset(
            code="UK-FCA",
            name="United Kingdom: FCA CONC 7",
            description=(
                "CONC 7 sets no numeric caps: 08:00-21:00 and 3 call attempts per local day are "
                "this preset's defaults for the firm's own policy (approx.). Third parties only "
                "to locate the customer, never told of the debt (CONC 7.9); vulnerable customers "
                "routed to specialist handling (FG21/1): a specialist team's members contact them "
                "without a per-call approval, other collectors need one; customers' stated "
                "preferences (opt-outs) honoured. Complaints, disputes included, get a final "
                "response within 8 weeks (DISP 1.6.2R)."
            ),
            parameters=UK_FCA_PARAMETERS,
        ),
    )
}
