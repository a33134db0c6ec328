"""The rule types. Each rule reads a `RuleContext` and returns one `RuleResult`.

Rules never read the clock: `context.moment` is the instant judged. Every result carries the
inputs it was judged on (JSON-safe), because the log keeps them for the auditor.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from zoneinfo import ZoneInfo

from django.db.models import F, Q, Value

from accounts.roles import Role
from cases.models import Activity
from common.days import business_day_of
from common.phones import phone_e164_or_none, phone_region
from compliance.presets import (
    CONVERSATION_OUTCOMES,
    AttemptCap,
    ContactWindow,
    PolicyParameters,
)

CHANNEL_CONTACT_POINT_KINDS = {
    "call": ("mobile", "home", "work"),
    "sms": ("mobile",),
    "email": ("email",),
    "letter": ("postal",),
    "visit": ("postal",),
}
CHANNEL_CONSENT_FIELD = {"sms": "sms_consent", "email": "email_consent"}
ATTORNEY_RELATIONSHIPS = ("attorney", "lawyer", "solicitor")
CONSENT_OUTCOME = "callback"  # the person asked to be called: their direct prior consent
PHONE_KINDS = CHANNEL_CONTACT_POINT_KINDS["call"]


@dataclass(frozen=True)
class RuleResult:
    code: str
    passed: bool
    overridable: bool
    reason: str
    inputs: dict = field(default_factory=dict)
    next_allowed_at: dt.datetime | None = None

    def as_json(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "passed": self.passed,
            "overridable": self.overridable,
            "reason": self.reason,
            "inputs": self.inputs,
            "next_allowed_at": _iso(self.next_allowed_at),
        }


@dataclass(frozen=True)
class PastContact:
    occurred_at: dt.datetime
    channel: str
    direction: str
    outcome: str
    contact_point_id: int | None
    contact_point_kind: str | None
    contact_point_owner: str | None


def _iso(moment: dt.datetime | None) -> str | None:
    return None if moment is None else moment.astimezone(dt.UTC).isoformat()


def _same_phone(first: str, second: str) -> bool:
    """Whether two phone numbers, written as people write them, are the same number: equal in
    E.164 (common/phones.py). A number written without its country code is read in the
    deployment's region (PHONE_DEFAULT_REGION), or, when it is no number there, in the
    country the other number names (an attorney abroad written nationally). Nothing matches
    on trailing digits alone: a local number without its area code, or the same digits under
    another country or area code, is another number; a number that does not parse matches
    nothing. The one place numbers are compared.
    """
    first_number, second_number = phone_e164_or_none(first), phone_e164_or_none(second)
    if first_number is None and second_number is not None:
        first_number = phone_e164_or_none(first, region=phone_region(second_number))
    elif second_number is None and first_number is not None:
        second_number = phone_e164_or_none(second, region=phone_region(first_number))
    return first_number is not None and first_number == second_number


def _same_name(first: str, second: str) -> bool:
    """Equal names, whatever their case and spacing; an empty name matches nothing."""
    first, second = " ".join(first.split()).casefold(), " ".join(second.split()).casefold()
    return bool(first) and first == second


HISTORY_FIELDS = (
    "occurred_at",
    "channel",
    "direction",
    "outcome",
    "contact_point_id",
    "contact_point__kind",
    "contact_point__owner",
)


def past_contacts(activities, *, since: dt.datetime, until: dt.datetime) -> list[PastContact]:
    """The contacts of `activities` after `since` up to `until`, newest first (the
    activities' own order), on the channels the rules count."""
    rows = activities.filter(
        occurred_at__gt=since, occurred_at__lte=until, channel__in=CHANNEL_CONTACT_POINT_KINDS
    ).values_list(*HISTORY_FIELDS)
    return [PastContact(*row) for row in rows]


class RuleContext:
    """What the rules judge: the attempt, the parties, the policy, and the contact history."""

    def __init__(
        self,
        *,
        parameters: PolicyParameters,
        actor,
        case,
        debtor,
        contact_point,
        channel: str,
        action: str,
        moment: dt.datetime,
    ):
        self.parameters = parameters
        self.actor = actor
        self.case = case
        self.debtor = debtor
        self.contact_point = contact_point
        self.channel = channel
        self.action = action
        self.moment = moment
        self.zone = ZoneInfo(debtor.time_zone)
        self.local_moment = moment.astimezone(self.zone)
        # The bank's business day decides agency eligibility, whatever zone a request activated.
        self.business_day = business_day_of(moment)
        # What the rules read from the database, loaded on first use, or given for many
        # contexts at once by `prefetch_histories` (the batch gate): the same rows either way.
        self._debt_history: tuple[PastContact, ...] | None = None
        self._debtor_history: tuple[PastContact, ...] | None = None
        self._contact_point_history: tuple[PastContact, ...] | None = None
        self._contacts_made_with_point: int | None = None

    @property
    def targets_debtor(self) -> bool:
        return self.contact_point is None or self.contact_point.owner == "debtor"

    @property
    def history_since(self) -> dt.datetime:
        """The look-back's start (excluded); the history ends at `moment` (included)."""
        return self.moment - self.parameters.lookback

    def in_history(self, past: PastContact) -> bool:
        # A contact recorded at the very instant judged counts: it already happened.
        return (
            self.history_since < past.occurred_at <= self.moment
            and past.channel in CHANNEL_CONTACT_POINT_KINDS
        )

    def _history(self, activities) -> tuple[PastContact, ...]:
        return tuple(
            past
            for past in past_contacts(activities, since=self.history_since, until=self.moment)
            if self.in_history(past)
        )

    @property
    def debt_history(self) -> tuple[PastContact, ...]:
        """Contacts about this debt (every case of the card account) in the look-back."""
        if self._debt_history is None:
            self._debt_history = self._history(
                Activity.objects.filter(case__account_id=self.case.account_id)
            )
        return self._debt_history

    @property
    def debtor_history(self) -> tuple[PastContact, ...]:
        """Contacts about any of the debtor's debts, with anyone, in the look-back."""
        if self._debtor_history is None:
            self._debtor_history = self._history(Activity.objects.filter(debtor_id=self.debtor.pk))
        return self._debtor_history

    @property
    def contact_point_history(self) -> tuple[PastContact, ...]:
        """Contacts with this contact point, about any debt, in the look-back."""
        if self.contact_point is None:
            return ()
        if self._contact_point_history is None:
            self._contact_point_history = self._history(
                Activity.objects.filter(contact_point_id=self.contact_point.pk)
            )
        return self._contact_point_history

    @property
    def contacts_made_with_point(self) -> int:
        """Outbound contacts ever made with this contact point, up to `moment`."""
        if self._contacts_made_with_point is None:
            self._contacts_made_with_point = Activity.objects.filter(
                contact_point_id=self.contact_point.pk,
                direction="outbound",
                occurred_at__lte=self.moment,
            ).count()
        return self._contacts_made_with_point

    @property
    def counts_debtor_wide(self) -> bool:
        """Whether a rule of the policy counts the debtor's contacts about all their debts."""
        return any(cap.scope == "debtor" for cap in self.parameters.attempt_caps)

    def is_same_person(self, past: PastContact) -> bool:
        if self.targets_debtor:
            return past.contact_point_owner in (None, "debtor")
        return past.contact_point_id == self.contact_point.pk

    def consent_given_at(self, moment: dt.datetime) -> dt.datetime | None:
        """When the person last gave direct consent to be called that still covers `moment`."""
        days = self.parameters.consented_call_days
        if not days:
            return None
        consents = [
            past.occurred_at
            for past in self.debt_history
            if past.outcome == CONSENT_OUTCOME
            and self.is_same_person(past)
            and past.occurred_at < moment < past.occurred_at + dt.timedelta(days=days)
        ]
        return max(consents, default=None)

    def local_midnight(self, day: dt.date) -> dt.datetime:
        return dt.datetime.combine(day, dt.time(0), tzinfo=self.zone).astimezone(dt.UTC)

    @property
    def is_attorney_contact_point(self) -> bool:
        """Whether the contact point reaches the attorney recorded on the debtor.

        A relationship label proves nothing alone: anyone's lawyer may be on file (a relative's,
        a guarantor's), and taking every "lawyer" for the debtor's attorney would let the debt be
        discussed with a third party. The evidence is the attorney's own number or e-mail on
        file. Where the file holds none of the contact point's kind (always for a postal
        address), a point labelled attorney, lawyer or solicitor that bears the attorney's name
        is the attorney's: nothing on file contradicts it. Where the file holds one and it
        differs, the name does not outweigh it (a namesake, a colleague, a wrong entry): the
        contact is judged as a third party, and a supervisor may override with a reason.
        """
        point, debtor = self.contact_point, self.debtor
        if point is None or point.owner != "third_party" or not debtor.has_attorney:
            return False
        if point.kind in PHONE_KINDS and debtor.attorney_phone.strip():
            return _same_phone(point.value, debtor.attorney_phone)
        if point.kind == "email" and debtor.attorney_email.strip():
            return point.value.strip().casefold() == debtor.attorney_email.strip().casefold()
        return (
            point.third_party_relationship.strip().lower() in ATTORNEY_RELATIONSHIPS
            and _same_name(point.third_party_name, debtor.attorney_name)
        )

    @property
    def is_estate_representative_contact_point(self) -> bool:
        """Whether the contact point reaches the person named on file as authorised for a
        deceased debtor's estate: by that name. An "executor" or "administrator" label proves
        nothing alone (anyone may be labelled so), and the estate's affairs go to the named
        person only."""
        point = self.contact_point
        if point is None or point.owner != "third_party":
            return False
        return _same_name(point.third_party_name, self.debtor.estate_representative)


def prefetch_histories(contexts: list[RuleContext]) -> None:
    """Give every context of a batch (or the one of a single decision) the contact history it
    would load alone, in one query: it spans the batch's widest look-back, and each context
    keeps only its own rows, in the same order, by the same test (`in_history`)."""
    if not contexts:
        return
    since = min(context.history_since for context in contexts)
    until = max(context.moment for context in contexts)
    recent = Activity.objects.filter(
        occurred_at__gt=since, occurred_at__lte=until, channel__in=CHANNEL_CONTACT_POINT_KINDS
    )
    # One statement, a branch per scope (each on its own index): every row names its scope
    # and key, and the rows come in the activities' own order, which each list keeps.
    scopes = {
        "account": ("case__account_id", {context.case.account_id for context in contexts}),
        "debtor": (
            "debtor_id",
            {context.debtor.pk for context in contexts if context.counts_debtor_wide},
        ),
        "point": (
            "contact_point_id",
            {context.contact_point.pk for context in contexts if context.contact_point},
        ),
    }
    branches = [
        recent.filter(**{f"{key}__in": keys})
        .annotate(history_scope=Value(scope), history_key=F(key))
        .values_list("history_scope", "history_key", "id", *HISTORY_FIELDS)
        .order_by()
        for scope, (key, keys) in scopes.items()
        if keys
    ]
    histories: dict[tuple[str, int], list[PastContact]] = defaultdict(list)
    for scope, key, _id, *row in (
        branches[0].union(*branches[1:], all=True).order_by("-occurred_at", "-id")
    ):
        histories[scope, key].append(PastContact(*row))
    for context in contexts:
        context._debt_history = tuple(
            past
            for past in histories.get(("account", context.case.account_id), ())
            if context.in_history(past)
        )
        if context.counts_debtor_wide:
            context._debtor_history = tuple(
                past
                for past in histories.get(("debtor", context.debtor.pk), ())
                if context.in_history(past)
            )
        if context.contact_point is not None:
            context._contact_point_history = tuple(
                past
                for past in histories.get(("point", context.contact_point.pk), ())
                if context.in_history(past)
            )

    # Third parties the policy limits: every outbound contact ever made with them counts.
    limited = [
        context
        for context in contexts
        if not context.targets_debtor
        and context.parameters.third_party.max_contacts_per_person is not None
    ]
    if limited:
        made: dict[int, list[dt.datetime]] = defaultdict(list)
        for point_id, occurred_at in Activity.objects.filter(
            contact_point_id__in={context.contact_point.pk for context in limited},
            direction="outbound",
            occurred_at__lte=until,
        ).values_list("contact_point_id", "occurred_at"):
            made[point_id].append(occurred_at)
        for context in limited:
            context._contacts_made_with_point = sum(
                1 for at in made[context.contact_point.pk] if at <= context.moment
            )


def window_opening_at_or_after(
    moment: dt.datetime, window: ContactWindow, zone: ZoneInfo
) -> dt.datetime:
    """`moment` if the window is open then, else the window's next opening (UTC).

    Built from the local date and wall-clock time, so a daylight-saving change moves the
    opening's UTC instant as it should.
    """
    local = moment.astimezone(zone)
    if window.start <= local.time() < window.end:
        return moment
    day = local.date() if local.time() < window.start else local.date() + dt.timedelta(days=1)
    return dt.datetime.combine(day, window.start, tzinfo=zone).astimezone(dt.UTC)


# The channels the debtor's preferred hours govern.
PREFERRED_HOURS_CHANNELS = ("call", "sms")


def preferred_window(debtor) -> ContactWindow | None:
    """The hours of their own clock the debtor asked to be called and texted in, if any."""
    if debtor.preferred_hours_start is None or debtor.preferred_hours_end is None:
        return None
    return ContactWindow(debtor.preferred_hours_start, debtor.preferred_hours_end)


def window_for(channel: str, window: ContactWindow | None, debtor) -> ContactWindow | None:
    """The policy's window for `channel`, narrowed to the debtor's preferred hours for calls
    and SMS. Hours that miss the policy's window leave an empty window (start == end): never
    open."""
    preferred = preferred_window(debtor) if channel in PREFERRED_HOURS_CHANNELS else None
    if preferred is None:
        return window
    if window is None:
        return preferred
    start, end = max(window.start, preferred.start), min(window.end, preferred.end)
    return ContactWindow(start, max(start, end))


def _passed(code: str, overridable: bool, reason: str, **inputs: Any) -> RuleResult:
    return RuleResult(code, True, overridable, reason, inputs)


def _failed(
    code: str,
    overridable: bool,
    reason: str,
    next_allowed_at: dt.datetime | None = None,
    **inputs: Any,
) -> RuleResult:
    return RuleResult(code, False, overridable, reason, inputs, next_allowed_at)


def agency_gate(context: RuleContext) -> RuleResult:
    """Agency staff act only on cases placed with their agency now, while it is eligible."""
    code, actor, day = "agency_gate", context.actor, context.business_day
    if actor is None or actor.agency_id is None:
        return _passed(code, False, "Not agency staff.", agency=None)
    inputs = {"agency": actor.agency_id, "business_day": day.isoformat()}
    placed_now = (
        context.case.placements.filter(agency_id=actor.agency_id)
        .filter(placed_on__lte=day)
        .filter(Q(recalled_on__isnull=True) | Q(recalled_on__gt=day))
        .exists()
    )
    if not placed_now:
        return _failed(code, False, "The case is not currently placed with your agency.", **inputs)
    agency = actor.agency
    # Suspended, licence lapsed or out of contract: the agency's own definition of eligibility.
    problems = agency.problems_on(day)
    if problems:
        return _failed(
            code, False, f"Agency {agency.name} may not collect: {'; '.join(problems)}.", **inputs
        )
    return _passed(code, False, f"Placed with {agency.name}, which is eligible.", **inputs)


def legal_hold(context: RuleContext) -> RuleResult:
    """Once a lawsuit is filed, nobody but the legal team contacts the debtor about the debt:
    not collectors, not agencies, not the pipeline's messages."""
    code, since = "legal_hold", context.case.legal_hold_since
    inputs = {"legal_hold_since": _iso(since)}
    if since is None or since > context.moment:
        return _passed(code, False, "No legal hold.", **inputs)
    if context.actor is not None and context.actor.role == Role.LEGAL:
        return _passed(code, False, "Under a legal hold; the legal team's own contact.", **inputs)
    return _failed(
        code,
        False,
        "A lawsuit is filed: only the legal team contacts the debtor about this debt.",
        **inputs,
    )


def bankruptcy(context: RuleContext) -> RuleResult:
    if context.debtor.is_bankrupt:
        return _failed(
            "bankruptcy",
            False,
            "The debtor is bankrupt: the stay forbids any act to collect.",
            is_bankrupt=True,
        )
    return _passed("bankruptcy", False, "No bankruptcy on file.", is_bankrupt=False)


def _flag_with_exceptions(
    context: RuleContext, *, code: str, flagged: bool, exceptions, blocked_reason: str
) -> RuleResult:
    inputs = {
        "flagged": flagged,
        "action": context.action,
        "channel": context.channel,
        "allowed_actions": list(exceptions.actions),
        "allowed_channels": list(exceptions.channels),
    }
    if not flagged:
        return _passed(code, False, "Flag not set.", **inputs)
    if context.action in exceptions.actions and context.channel in exceptions.channels:
        return _passed(
            code, False, f"Allowed exception: {context.action} by {context.channel}.", **inputs
        )
    allowed = ", ".join(exceptions.actions) or "nothing"
    return _failed(code, False, f"{blocked_reason} Allowed only: {allowed}.", **inputs)


def cease_communication(context: RuleContext) -> RuleResult:
    return _flag_with_exceptions(
        context,
        code="cease_communication",
        flagged=context.debtor.cease_communication,
        exceptions=context.parameters.cease_exceptions,
        blocked_reason="The debtor asked in writing that communication cease.",
    )


def dispute_pending(context: RuleContext) -> RuleResult:
    return _flag_with_exceptions(
        context,
        code="dispute_pending",
        flagged=context.debtor.dispute_pending,
        exceptions=context.parameters.dispute_exceptions,
        blocked_reason="The debt is disputed: collection stops until verification is sent.",
    )


def repayment_plan(context: RuleContext) -> RuleResult:
    """While an agreed repayment plan is kept, collection stops (where the policy says so)."""
    return _flag_with_exceptions(
        context,
        code="repayment_plan",
        flagged=context.case.under_repayment_plan,
        exceptions=context.parameters.plan_exceptions,
        blocked_reason="A repayment plan agreed with the debtor is being kept.",
    )


def deceased(context: RuleContext) -> RuleResult:
    debtor, code = context.debtor, "deceased"
    representative = debtor.estate_representative.strip()
    inputs = {"is_deceased": debtor.is_deceased, "representative_named": bool(representative)}
    if not debtor.is_deceased:
        return _passed(code, False, "The debtor is not known to be deceased.", **inputs)
    if not representative:
        return _failed(
            code, False, "The debtor is deceased and no estate representative is named.", **inputs
        )
    if context.is_estate_representative_contact_point:
        return _passed(code, False, "Contacting the estate's named representative.", **inputs)
    return _failed(
        code,
        False,
        "The debtor is deceased: contact only the estate's named representative.",
        **inputs,
    )


def attorney(context: RuleContext) -> RuleResult:
    debtor, code = context.debtor, "attorney"
    inputs = {"has_attorney": debtor.has_attorney}
    if not debtor.has_attorney:
        return _passed(code, True, "No attorney on file.", **inputs)
    if context.is_attorney_contact_point:
        return _passed(code, True, "Contacting the debtor's attorney.", **inputs)
    return _failed(
        code,
        True,
        f"The debtor is represented by {debtor.attorney_name}: contact the attorney only.",
        **inputs,
    )


def third_party(context: RuleContext) -> RuleResult:
    """Third parties only as the policy allows: purpose, debtor unreachable, how often."""
    code, point, policy = "third_party", context.contact_point, context.parameters.third_party
    if context.targets_debtor:
        return _passed(code, True, "Contacting the debtor.", owner="debtor")
    relationship = point.third_party_relationship.strip().lower()
    inputs: dict[str, Any] = {"owner": point.owner, "relationship": relationship}
    if context.debtor.has_attorney and context.is_attorney_contact_point:
        return _passed(code, True, "The debtor's attorney, not a third party.", **inputs)
    if context.debtor.is_deceased and context.is_estate_representative_contact_point:
        return _passed(code, True, "The estate's representative, not a third party.", **inputs)
    if relationship in policy.trusted_relationships:
        return _passed(code, True, f"A {relationship} may be contacted like the debtor.", **inputs)
    inputs.update(
        action=context.action,
        allowed_actions=list(policy.allowed_actions),
        debtor_unreachable=context.debtor.is_unreachable,
    )
    if context.action not in policy.allowed_actions:
        allowed = ", ".join(policy.allowed_actions) or "nothing"
        return _failed(code, True, f"A third party may be contacted only for: {allowed}.", **inputs)
    if policy.requires_debtor_unreachable and not context.debtor.is_unreachable:
        return _failed(
            code,
            True,
            "Third parties may be contacted only when the debtor is unreachable.",
            **inputs,
        )
    if policy.max_contacts_per_person is not None:
        made = context.contacts_made_with_point
        inputs.update(contacts_made=made, limit=policy.max_contacts_per_person)
        if made >= policy.max_contacts_per_person:
            return _failed(
                code,
                True,
                f"This third party was already contacted {made} time(s) "
                f"(limit {policy.max_contacts_per_person}) unless they asked for more.",
                **inputs,
            )
    return _passed(code, True, f"Third-party contact for {context.action} is allowed.", **inputs)


def _contact_point_flag(
    context: RuleContext, code: str, flag: str, blocked_reason: str
) -> RuleResult:
    """A fixed rule: a flag on the contact point itself blocks it, whoever asks."""
    point = context.contact_point
    if point is None:
        return _passed(code, False, "No contact point given.")
    if getattr(point, flag):
        return _failed(code, False, blocked_reason, contact_point=point.pk, **{flag: True})
    return _passed(code, False, "Flag not set.", contact_point=point.pk, **{flag: False})


def contact_point_channel(context: RuleContext) -> RuleResult:
    code, point = "contact_point_channel", context.contact_point
    if point is None:
        return _passed(code, False, "No contact point given.")
    kinds = CHANNEL_CONTACT_POINT_KINDS[context.channel]
    inputs = {"channel": context.channel, "kind": point.kind}
    if point.kind not in kinds:
        return _failed(
            code, False, f"A {point.kind} contact point cannot take a {context.channel}.", **inputs
        )
    return _passed(code, False, "The contact point fits the channel.", **inputs)


def invalid_contact_point(context: RuleContext) -> RuleResult:
    return _contact_point_flag(
        context, "invalid_contact_point", "invalid", "The number or address is invalid."
    )


def do_not_contact(context: RuleContext) -> RuleResult:
    return _contact_point_flag(
        context, "do_not_contact", "do_not_contact", "The contact point is marked do-not-contact."
    )


def medium_opt_out(context: RuleContext) -> RuleResult:
    return _contact_point_flag(
        context,
        "medium_opt_out",
        "opted_out",
        "The person opted out of contact on this number or address.",
    )


def workplace(context: RuleContext) -> RuleResult:
    code, point = "workplace", context.contact_point
    at_work = point is not None and point.kind == "work"
    inputs = {"work_contact_point": at_work}
    if at_work and point.employer_prohibits_contact:
        return _failed(
            code,
            True,
            "The employer prohibits contact at work.",
            employer_prohibits_contact=True,
            **inputs,
        )
    return _passed(code, True, "Not a workplace the employer closed to contact.", **inputs)


def channel_consent(context: RuleContext) -> RuleResult:
    code, point = "channel_consent", context.contact_point
    if context.channel not in context.parameters.consent_required_channels:
        return _passed(code, False, f"No consent needed for {context.channel}.")
    consent_field = CHANNEL_CONSENT_FIELD[context.channel]
    if point is None:
        return _failed(code, False, f"A {context.channel} needs a consented contact point.")
    if not getattr(point, consent_field):
        return _failed(
            code,
            False,
            f"No {context.channel} consent on this contact point.",
            contact_point=point.pk,
            **{consent_field: False},
        )
    return _passed(
        code,
        False,
        f"{context.channel} consent on file.",
        contact_point=point.pk,
        **{consent_field: True},
    )


def vulnerability(context: RuleContext) -> RuleResult:
    """A vulnerable debtor needs an approver, unless the policy lets a specialist team's
    members contact them and the actor is one."""
    code = "vulnerability"
    if not context.debtor.is_vulnerable:
        return _passed(code, True, "Not flagged vulnerable.", is_vulnerable=False)
    allowed = context.parameters.specialists_contact_vulnerable_without_approval
    team = getattr(context.actor, "team", None)
    specialist = team is not None and team.is_specialist
    inputs = {"is_vulnerable": True, "specialist_team": team.pk if specialist else None}
    if allowed and specialist:
        return _passed(
            code,
            True,
            f"Vulnerable debtor, handled by the specialist team {team.name}.",
            **inputs,
        )
    return _failed(
        code,
        True,
        "Vulnerable debtor: route to specialist handling; contact needs the approval of a "
        "user who may override compliance.",
        **inputs,
    )


def contact_window(context: RuleContext) -> RuleResult:
    code, local = "contact_window", context.local_moment
    window = context.parameters.contact_windows.get(context.channel)
    inputs: dict[str, Any] = {
        "channel": context.channel,
        "debtor_local_time": local.isoformat(),
        "time_zone": context.debtor.time_zone,
    }
    if window is None:
        return _passed(code, True, f"No contact window applies to {context.channel}.", **inputs)
    inputs.update(
        window_start=window.start.isoformat("minutes"), window_end=window.end.isoformat("minutes")
    )
    span = f"{inputs['window_start']}-{inputs['window_end']}"
    if window.start <= local.time() < window.end:
        return _passed(code, True, f"{local:%H:%M} local is inside {span}.", **inputs)
    consent = (
        context.consent_given_at(context.moment)
        if context.parameters.consent_lifts_contact_window
        else None
    )
    if consent is not None:
        return _passed(
            code,
            True,
            f"{local:%H:%M} local is outside {span}, but the person agreed to be contacted.",
            consent_given_at=_iso(consent),
            **inputs,
        )
    opening = window_opening_at_or_after(context.moment, window, context.zone)
    return _failed(
        code,
        True,
        f"{local:%H:%M} in {context.debtor.time_zone} is outside {span}.",
        opening,
        **inputs,
    )


def preferred_hours(context: RuleContext) -> RuleResult:
    """Calls and SMS only inside the hours the debtor chose (US: a time the consumer said is
    inconvenient, 1006.6(b)(1); UK: the customer's stated preferences, CONC 7). No supervisor
    overrides the debtor's word; only their own later consent to be called lifts it."""
    code, local = "preferred_hours", context.local_moment
    preferred = preferred_window(context.debtor)
    inputs: dict[str, Any] = {
        "channel": context.channel,
        "debtor_local_time": local.isoformat(),
        "time_zone": context.debtor.time_zone,
    }
    if preferred is None:
        return _passed(code, False, "The debtor gave no preferred hours.", **inputs)
    inputs.update(
        preferred_start=preferred.start.isoformat("minutes"),
        preferred_end=preferred.end.isoformat("minutes"),
    )
    span = f"{inputs['preferred_start']}-{inputs['preferred_end']}"
    if preferred.start <= local.time() < preferred.end:
        return _passed(code, False, f"{local:%H:%M} local is inside {span}.", **inputs)
    consent = context.consent_given_at(context.moment)
    if consent is not None:
        return _passed(
            code,
            False,
            f"{local:%H:%M} local is outside {span}, but the person agreed to be contacted.",
            consent_given_at=_iso(consent),
            **inputs,
        )
    return _failed(
        code,
        False,
        f"{local:%H:%M} in {context.debtor.time_zone} is outside the debtor's preferred hours "
        f"{span}.",
        window_opening_at_or_after(context.moment, preferred, context.zone),
        **inputs,
    )


def _window_start(context: RuleContext, cap: AttemptCap) -> dt.datetime:
    if cap.period == "rolling":
        return context.moment - dt.timedelta(days=cap.period_days)
    first_day = context.local_moment.date() - dt.timedelta(days=cap.period_days - 1)
    return context.local_midnight(first_day)


def _cap_reopens_at(
    context: RuleContext, cap: AttemptCap, counted: list[dt.datetime]
) -> dt.datetime:
    """When fewer than max_attempts counted attempts remain in the window."""
    if cap.period == "rolling":
        return counted[len(counted) - cap.max_attempts] + dt.timedelta(days=cap.period_days)
    today = context.local_moment.date()
    # At the midnight `days_ahead` from now the window starts that many days later.
    for days_ahead in range(1, cap.period_days):
        boundary = context.local_midnight(
            today - dt.timedelta(days=cap.period_days - 1 - days_ahead)
        )
        if sum(1 for attempt in counted if attempt >= boundary) < cap.max_attempts:
            return context.local_midnight(today + dt.timedelta(days=days_ahead))
    return context.local_midnight(today + dt.timedelta(days=cap.period_days))


def attempt_cap(context: RuleContext, cap: AttemptCap) -> RuleResult:
    point = context.contact_point
    inputs: dict[str, Any] = {
        "channel": context.channel,
        "limit": cap.max_attempts,
        "period": cap.period,
        "period_days": cap.period_days,
        "scope": cap.scope,
    }
    if context.channel not in cap.channels:
        return _passed(cap.code, True, f"Counts only {', '.join(cap.channels)}.", **inputs)
    kind = point.kind if point is not None else None
    if cap.contact_point_kinds is not None and kind not in cap.contact_point_kinds:
        return _passed(
            cap.code,
            True,
            f"Counts only {', '.join(cap.contact_point_kinds)} contact points.",
            **inputs,
        )
    if cap.scope == "contact_point" and point is None:
        return _passed(cap.code, True, "Counted per contact point; none given.", **inputs)
    if cap.scope == "debtor" and not context.targets_debtor:
        return _passed(cap.code, True, "Counts contacts with the debtor only.", **inputs)
    consent = context.consent_given_at(context.moment) if cap.exclude_consented else None
    if consent is not None:
        return _passed(
            cap.code,
            True,
            "Placed with the person's direct prior consent; not counted.",
            consent_given_at=_iso(consent),
            **inputs,
        )

    if cap.scope == "contact_point":
        history = context.contact_point_history
    elif cap.scope == "debtor":
        history = [past for past in context.debtor_history if context.is_same_person(past)]
    else:
        history = [past for past in context.debt_history if context.is_same_person(past)]
    start = _window_start(context, cap)
    in_window = (lambda at: at > start) if cap.period == "rolling" else (lambda at: at >= start)
    counted = sorted(
        past.occurred_at
        for past in history
        if past.direction == "outbound"
        and past.channel in cap.channels
        and in_window(past.occurred_at)
        and (cap.counted_outcomes is None or past.outcome in cap.counted_outcomes)
        and (cap.contact_point_kinds is None or past.contact_point_kind in cap.contact_point_kinds)
        and not (cap.exclude_consented and context.consent_given_at(past.occurred_at))
    )
    inputs.update(count=len(counted), window_start=_iso(start))
    if cap.counted_outcomes and "no_answer" in cap.counted_outcomes:
        what = "unanswered attempts"
    elif cap.counted_outcomes and set(cap.counted_outcomes) <= set(CONVERSATION_OUTCOMES):
        what = "conversations"
    else:
        what = "attempts"
    period = (
        f"the last {cap.period_days} day(s)"
        if cap.period == "rolling"
        else f"{cap.period_days} local calendar day(s)"
    )
    if len(counted) < cap.max_attempts:
        return _passed(
            cap.code,
            True,
            f"{len(counted)} {what} in {period} (limit {cap.max_attempts}).",
            **inputs,
        )
    return _failed(
        cap.code,
        True,
        f"{len(counted)} {'/'.join(cap.channels)} {what} in {period} already reach the limit "
        f"of {cap.max_attempts}.",
        _cap_reopens_at(context, cap, counted),
        **inputs,
    )


def conversation_cooldown(context: RuleContext) -> RuleResult:
    """No call for N days after a conversation with the person, inbound conversations too."""
    cooldown, code = context.parameters.conversation_cooldown, "conversation_cooldown"
    inputs: dict[str, Any] = {"channel": context.channel, "days": cooldown.days}
    if context.channel not in cooldown.channels:
        return _passed(code, True, f"Applies only to {', '.join(cooldown.channels)}.", **inputs)
    consent = context.consent_given_at(context.moment) if cooldown.exclude_consented else None
    if consent is not None:
        return _passed(
            code,
            True,
            "Placed with the person's direct prior consent.",
            consent_given_at=_iso(consent),
            **inputs,
        )
    since = context.moment - dt.timedelta(days=cooldown.days)
    conversations = [
        past
        for past in context.debt_history
        if context.is_same_person(past)
        and past.channel in cooldown.conversation_channels
        and past.outcome in cooldown.conversation_outcomes
        and past.occurred_at > since
    ]
    if not conversations:
        return _passed(code, True, f"No conversation in the last {cooldown.days} days.", **inputs)
    last = max(conversations, key=lambda past: past.occurred_at)
    inputs.update(conversation_at=_iso(last.occurred_at), conversation_direction=last.direction)
    return _failed(
        code,
        True,
        f"An {last.direction} conversation on {last.occurred_at:%Y-%m-%d %H:%M} UTC starts a "
        f"{cooldown.days}-day wait.",
        last.occurred_at + dt.timedelta(days=cooldown.days),
        **inputs,
    )


FLAG_AND_ACCESS_RULES: tuple[Callable[[RuleContext], RuleResult], ...] = (
    agency_gate,
    legal_hold,
    bankruptcy,
    cease_communication,
    dispute_pending,
    deceased,
    attorney,
    third_party,
    contact_point_channel,
    invalid_contact_point,
    do_not_contact,
    medium_opt_out,
    workplace,
    channel_consent,
)


def evaluate_rules(context: RuleContext) -> tuple[RuleResult, ...]:
    """Every rule of the policy, in a fixed order; none is skipped because another failed."""
    parameters = context.parameters
    results = [rule(context) for rule in FLAG_AND_ACCESS_RULES]
    if parameters.instalment_plan_stops_contact:
        results.append(repayment_plan(context))
    if parameters.vulnerability_gate:
        results.append(vulnerability(context))
    results.append(contact_window(context))
    if context.channel in PREFERRED_HOURS_CHANNELS:
        results.append(preferred_hours(context))
    results.extend(attempt_cap(context, cap) for cap in parameters.attempt_caps)
    if parameters.conversation_cooldown is not None:
        results.append(conversation_cooldown(context))
    return tuple(results)
