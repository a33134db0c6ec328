"""The debtor side of the demo world, generated chunk by chunk as plain row tuples.

Everything is drawn from one `random.Random` in a fixed order, so the same seed, size
and business date give the same rows however the work is chunked. Days are date
ordinals; ids come from per-table counters. The history agrees with the daily pipeline
(`pipeline.services`): an open case's payments since its due date stay below the
minimum due (or the pipeline would cure it), a pending promise was taken in the case's
current stage, and every stage a case entered has its `StageEntry`.
"""

from __future__ import annotations

import datetime as dt
import random
from bisect import bisect_right
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from itertools import accumulate, count
from zoneinfo import ZoneInfo

from agencies.models import AllocationMethod, Placement, RecallDestination
from agencies.services.allocation import is_challenger
from agencies.services.placements import PERIOD_ENDED_REASON, PLACED_BY_JOB_REASON
from cases.identity import national_id_fields
from cases.models import (
    Activity,
    CardAccount,
    Case,
    ContactPoint,
    Debtor,
    Payment,
    PromiseInstalment,
    PromiseToPay,
    Stage,
    StageEntry,
)
from common.phones import phone_e164
from demo.profiles import WorldProfile
from demo.reference import EMAIL_DOMAINS, LOCAL_PHONE_DIGITS, UK, US, Place
from demo.staff import DemoAgency, DemoTeam
from pipeline.models import OutboundMessage
from pipeline.services import priority_score

UTC = dt.UTC
HISTORY_DAYS = 120
OVERDUE_SHARE = 0.88
# Share of overdue accounts per stage action (the ladder's own thresholds bound each bucket).
STAGE_WEIGHTS = {
    Stage.Action.SMS: 34,
    Stage.Action.CALL_QUEUE: 18,
    Stage.Action.LETTER: 22,
    Stage.Action.AGENCY: 12,
    Stage.Action.LITIGATION: 14,
}
# Where cured cases were when they were paid (by ladder position; never past the fourth).
CURE_WEIGHTS = (55, 25, 12, 8)
LAST_STAGE_SPAN = 60  # the last stage holds accounts up to this many days past its threshold
CALL_GAP = {"inhouse": 14, "agency": 20}  # most days between two calls
CALL_OUTCOMES = (
    ("no_answer", 44),
    ("voicemail", 24),
    ("rpc", 9),
    ("promise", 7),
    ("callback", 5),
    ("refused", 3),
    ("third_party", 3),
    ("wrong_number", 3),
    ("dispute", 1),
)
CALL_SECONDS = {
    "no_answer": (15, 40),
    "voicemail": (25, 75),
    "wrong_number": (5, 30),
    "rpc": (90, 600),
    "third_party": (30, 180),
    "refused": (60, 300),
    "callback": (45, 200),
    "promise": (180, 900),
    "dispute": (120, 600),
}
# The stage-entry notes the pipeline writes.
ENTRY_NOTES = {
    Stage.Action.CALL_QUEUE: "entered the phone queue",
    Stage.Action.LITIGATION: "referred to the legal queue",
}
MESSAGE_CHANNELS = {Stage.Action.SMS: "sms", Stage.Action.LETTER: "letter"}
# The default strategy's placement rule in the demo; its history follows the rule's split.
DEMO_PLACEMENT_RULE = {
    "method": AllocationMethod.CAPACITY_WEIGHTED,
    "challenger_method": AllocationMethod.PERFORMANCE_WEIGHTED,
    "challenger_percent": 20,
    "performance_days": 90,
    "recall_destination": RecallDestination.NEXT_STAGE,
}

COLUMNS: dict[type, tuple[str, ...]] = {
    Debtor: (
        "id",
        "created_at",
        "updated_at",
        "full_name",
        "national_id_hash",
        "national_id_last4",
        "birth_date",
        "time_zone",
        "language",
        "is_vulnerable",
        "vulnerability_note",
        "is_deceased",
        "estate_representative",
        "is_bankrupt",
        "has_attorney",
        "attorney_name",
        "attorney_phone",
        "attorney_email",
        "cease_communication",
        "dispute_pending",
        "is_unreachable",
    ),
    ContactPoint: (
        "id",
        "created_at",
        "updated_at",
        "debtor_id",
        "kind",
        "value",
        "owner",
        "third_party_name",
        "third_party_relationship",
        "sms_consent",
        "email_consent",
        "opted_out",
        "do_not_contact",
        "employer_prohibits_contact",
        "verified",
        "invalid",
    ),
    CardAccount: (
        "id",
        "created_at",
        "updated_at",
        "debtor_id",
        "account_reference",
        "card_last4",
        "product",
        "portfolio",
        "currency",
        "credit_limit",
        "balance",
        "minimum_due",
        "oldest_unpaid_due_date",
    ),
    Case: (
        "id",
        "created_at",
        "updated_at",
        "account_id",
        "debtor_id",
        "strategy_id",
        "stage_id",
        "stage_entered_at",
        "status",
        "assigned_to_id",
        "team_id",
        "priority_score",
        "next_action_at",
        "claimed_by_id",
        "claim_expires_at",
        "opened_at",
        "closed_at",
        "balance_at_open",
    ),
    StageEntry: (
        "id",
        "case_id",
        "stage_id",
        "entered_on",
        "entered_at",
        "days_past_due",
        "action_status",
        "action_note",
    ),
    OutboundMessage: (
        "id",
        "created_at",
        "updated_at",
        "case_id",
        "stage_entry_id",
        "channel",
        "contact_point_id",
        "status",
    ),
    Placement: (
        "id",
        "created_at",
        "updated_at",
        "case_id",
        "agency_id",
        "placed_on",
        "recall_due_on",
        "recalled_on",
        "reason",
        "recall_reason",
        "placed_by_id",
        "allocation",
        "arm",
        "placed_balance",
        "placed_days_past_due",
        "commission_rate",
        "recall_destination",
        "recalled_by_id",
    ),
    PromiseToPay: (
        "id",
        "created_at",
        "updated_at",
        "case_id",
        "amount",
        "currency",
        "promised_on",
        "due_date",
        "status",
        "created_by_id",
        "resolved_on",
    ),
    PromiseInstalment: ("id", "promise_id", "due_date", "amount"),
    Activity: (
        "id",
        "case_id",
        "debtor_id",
        "contact_point_id",
        "channel",
        "direction",
        "outcome",
        "notes",
        "actor_id",
        "agency_id",
        "occurred_at",
        "duration_seconds",
    ),
    Payment: (
        "id",
        "created_at",
        "updated_at",
        "account_id",
        "case_id",
        "agency_id",
        "amount",
        "currency",
        "received_on",
        "source",
        "external_reference",
    ),
}
# Insertion order: every table after the ones it points to.
TABLES = tuple(COLUMNS)
Rows = dict[type, list[tuple]]


class DemoRandom(random.Random):
    """`random.Random` with cheap float-based integer draws (a third of the cost)."""

    def randint(self, a: int, b: int) -> int:
        return a + int(self.random() * (b - a + 1))

    def randrange(self, start: int, stop: int | None = None, step: int = 1) -> int:
        if stop is None:
            start, stop = 0, start
        return start + step * int(self.random() * ((stop - start + step - 1) // step))

    def choice[T](self, seq: Sequence[T]) -> T:
        return seq[int(self.random() * len(seq))]


def money(cents: int) -> Decimal:
    return Decimal(cents).scaleb(-2)


def stage_index(thresholds: list[int], days_past_due: int) -> int:
    """Position of the highest stage whose threshold is <= days_past_due (-1: none)."""
    return bisect_right(thresholds, days_past_due) - 1


def pick(rng: random.Random, cumulative: list[int]) -> int:
    """Index drawn with the weights whose running totals are `cumulative`."""
    return bisect_right(cumulative, rng.random() * cumulative[-1])


@dataclass
class StageInfo:
    id: int
    name: str
    min_days: int
    action: str
    calls: str | None  # "inhouse", "agency" or None: who phones while a case is here


@dataclass
class _Party:
    """What the history of a case needs to know about its debtor."""

    id: int
    zone: int
    phones: list[int] = field(default_factory=list)  # callable contact points
    sms: int | None = None  # the consented mobile, as the pipeline would choose it
    sms_invalid: bool = False
    email: int | None = None
    postal: int | None = None
    unreachable: bool = False
    suppressed: str | None = None  # why nobody may contact them, if so
    vulnerable: bool = False


@dataclass
class _Placement:
    agency: DemoAgency
    start: int
    end: int  # first day no longer placed (recall day, or the end of the history)


class PortfolioBuilder:
    """Debtors with their contact points, accounts, cases and 120 days of history."""

    def __init__(
        self,
        rng: random.Random,
        business_date: dt.date,
        strategy_id: int,
        stages: list[Stage],
        teams: list[DemoTeam],
        agencies: list[DemoAgency],
        first_ids: dict[type, int],
        business_zone: dt.tzinfo,
        profile: WorldProfile,
    ) -> None:
        self.rng = rng
        self.profile = profile
        self.today = business_date.toordinal()
        self.strategy_id = strategy_id
        self.teams = sorted(teams, key=lambda team: team.id)
        self.agencies = agencies
        self.agency_cum = list(accumulate(a.weight for a in agencies))
        self.ids = {model: count(first) for model, first in first_ids.items()}
        self.business_zone = business_zone
        self.placed_per_agency: Counter[int] = Counter()
        self.overdue_seen = 0

        calls = {
            Stage.Action.CALL_QUEUE: "inhouse",
            Stage.Action.LETTER: "inhouse",
            Stage.Action.AGENCY: "agency",
        }
        self.stages = [
            StageInfo(s.id, s.name, s.min_days_past_due, s.action, calls.get(s.action))
            for s in sorted(stages, key=lambda stage: stage.min_days_past_due)
        ]
        self.thresholds = [s.min_days for s in self.stages]
        self.agency_stage = next(
            (i for i, s in enumerate(self.stages) if s.action == Stage.Action.AGENCY), None
        )
        # Days-past-due buckets, one per stage (and one for the days before the first stage).
        self.buckets: list[tuple[int, int]] = []
        bucket_weights, cure_weights = [], []
        if not self.thresholds or self.thresholds[0] > 1:
            self.buckets.append((1, self.thresholds[0] - 1 if self.thresholds else 30))
            bucket_weights.append(10)
            cure_weights.append(10)
        for i, stage in enumerate(self.stages):
            last = i + 1 == len(self.stages)
            high = stage.min_days + LAST_STAGE_SPAN if last else self.thresholds[i + 1] - 1
            self.buckets.append((max(1, stage.min_days), high))
            bucket_weights.append(STAGE_WEIGHTS.get(stage.action, 15))
            cure_weights.append(CURE_WEIGHTS[i] if i < len(CURE_WEIGHTS) and not last else 0)
        self.bucket_cum = list(accumulate(bucket_weights))
        self.cure_cum = list(accumulate(cure_weights))

        self.language_cum = list(accumulate(profile.language_weights))
        self.place_cum = {
            lang: list(accumulate(profile.place_weights[lang])) for lang in profile.languages
        }
        zones = sorted({p.zone for p in profile.places})
        self.zone_index = {z: i for i, z in enumerate(zones)}
        self.zone_info = [ZoneInfo(z) for z in zones]
        self.product_cum = list(accumulate(p[1] for p in profile.products))
        self.outcomes = [o for o, _ in CALL_OUTCOMES]
        self.outcome_cum = list(accumulate(w for _, w in CALL_OUTCOMES))
        self.ascii = profile.romanised
        self.id_offset = rng.randrange(10**8)
        self.ref_offset = rng.randrange(10**10)
        self._noon: dict[tuple[int, int], dt.datetime] = {}
        self._business: dict[int, dt.datetime] = {}
        self._runs: dict[int, dt.datetime] = {}
        # Debtors, contact points and accounts came with the bank's initial load.
        self.loaded_at = self.run_at(self.today - 200)

    # -- ids and times -------------------------------------------------------------------

    def take_id(self, model: type) -> int:
        return next(self.ids[model])

    def at_local(self, day: int, zone: int, seconds: int) -> dt.datetime:
        """UTC moment `seconds` after local midnight of `day` in the debtor's zone."""
        noon = self._noon.get((day, zone))
        if noon is None:
            local = dt.datetime.combine(dt.date.fromordinal(day), dt.time(12), self.zone_info[zone])
            noon = self._noon[(day, zone)] = local.astimezone(UTC)
        return noon + dt.timedelta(seconds=seconds - 43200)

    def run_at(self, day: int) -> dt.datetime:
        """When the nightly pipeline ran for business date `day` (02:00, bank time)."""
        moment = self._runs.get(day)
        if moment is None:
            moment = self._runs[day] = self.at_business(day, 2 * 3600)
        return moment

    def at_business(self, day: int, seconds: int) -> dt.datetime:
        """UTC moment `seconds` after midnight of `day` in the bank's time zone."""
        midnight = self._business.get(day)
        if midnight is None:
            local = dt.datetime.combine(dt.date.fromordinal(day), dt.time(0), self.business_zone)
            midnight = self._business[day] = local.astimezone(UTC)
        return midnight + dt.timedelta(seconds=seconds)

    # -- debtors -------------------------------------------------------------------------

    def build(self, first_index: int, size: int) -> Rows:
        """The rows of debtors first_index .. first_index + size - 1, per model."""
        rows: Rows = {model: [] for model in TABLES}
        for index in range(first_index, first_index + size):
            self._debtor(index, rows)
        return rows

    def _debtor(self, index: int, out: Rows) -> None:
        r = self.rng
        rnd = r.random
        profile = self.profile
        lang = profile.languages[pick(r, self.language_cum)]
        place = profile.places[pick(r, self.place_cum[lang])]
        first, last = r.choice(profile.first_names[lang]), r.choice(profile.last_names[lang])
        full_name = profile.full_name(first, last, lang, place)
        birth = dt.date.fromordinal(self.today - r.randint(21 * 365, 80 * 365))

        # A made-up national ID, unique per index: US-style 9xx (never issued), UK NI-style
        # or a Chinese resident ID shape. Only its keyed hash and last four are stored.
        n = (index * 48271 + self.id_offset) % 10**8
        if place.portfolio == US:
            raw_id = f"9{n // 1_000_000:02d}-{n // 10_000 % 100:02d}-{n % 10_000:04d}"
        elif place.portfolio == UK:
            k = n // 1_000_000
            raw_id = f"{chr(65 + k // 10)}{chr(65 + k % 10)} {n % 1_000_000:06d} C"
        else:
            raw_id = f"31{n // 10_000:04d}{birth:%Y%m%d}{n % 10_000:04d}"
        identity = national_id_fields(raw_id)

        vulnerable = rnd() < 0.03
        deceased = rnd() < 0.005
        bankrupt = rnd() < 0.01
        attorney = rnd() < 0.02
        cease = rnd() < 0.01
        dispute = rnd() < 0.02
        unreachable = rnd() < 0.04
        attorney_name = attorney_letters = ""
        if attorney:
            attorney_name, attorney_letters = profile.law_firm(r)
        debtor_id = self.take_id(Debtor)
        loaded = self.loaded_at
        out[Debtor].append(
            (
                debtor_id,
                loaded,
                loaded,
                full_name,
                identity["national_id_hash"],
                identity["national_id_last4"],
                birth,
                place.zone,
                lang,
                vulnerable,
                r.choice(profile.vulnerability_notes) if vulnerable else "",
                deceased,
                profile.executor(r, last) if deceased else "",
                bankrupt,
                attorney,
                attorney_name,
                phone_e164(f"{profile.counsel_phone_prefix}{r.randrange(100):02d}")
                if attorney
                else "",
                f"counsel@{attorney_letters}-law.example" if attorney else "",
                cease,
                dispute,
                unreachable,
            )
        )

        party = _Party(
            debtor_id, self.zone_index[place.zone], unreachable=unreachable, vulnerable=vulnerable
        )
        party.suppressed = (
            "attorney"
            if attorney
            else "bankrupt"
            if bankrupt
            else "deceased"
            if deceased
            else "cease"
            if cease
            else "dispute"
            if dispute
            else None
        )
        self._contact_points(party, place, first, last, out[ContactPoint])
        for _ in range(2 if rnd() < 0.12 else 1):
            self._account(party, place.portfolio, out)

    def _contact_points(
        self,
        party: _Party,
        place: Place,
        first: str,
        last: str,
        rows: list[tuple],
    ) -> None:
        r = self.rng
        rnd = r.random
        loaded = self.loaded_at
        prefix = place.dialling
        digits = LOCAL_PHONE_DIGITS[prefix.split()[0]]
        span = 10**digits
        unreachable = party.unreachable
        mobile = ""

        def add(
            kind: str,
            value: str,
            owner: str = "debtor",
            name: str = "",
            relation: str = "",
            sms: bool = False,
            email: bool = False,
            opted: bool = False,
            dnc: bool = False,
            employer: bool = False,
            invalid: bool = False,
        ) -> int:
            cp_id = self.take_id(ContactPoint)
            rows.append(
                (
                    cp_id,
                    loaded,
                    loaded,
                    party.id,
                    kind,
                    value,
                    owner,
                    name,
                    relation,
                    sms,
                    email,
                    opted,
                    dnc,
                    employer,
                    not invalid and rnd() < 0.6,
                    invalid,
                )
            )
            return cp_id

        for kind, share in (("mobile", 0.95), ("home", 0.35), ("work", 0.3)):
            if rnd() >= share:
                continue
            value = phone_e164(f"{prefix}{r.randrange(span):0{digits}d}")
            invalid = unreachable or rnd() < 0.04
            opted, dnc = rnd() < 0.03, rnd() < 0.01
            employer = kind == "work" and rnd() < 0.15
            sms = kind == "mobile" and rnd() < 0.85
            cp_id = add(
                kind, value, sms=sms, opted=opted, dnc=dnc, employer=employer, invalid=invalid
            )
            if kind == "mobile":
                mobile = value
                if sms and not (opted or dnc or invalid):
                    party.sms = cp_id
            if not (opted or dnc or employer) and (unreachable or not invalid):
                party.phones.append(cp_id)
        if rnd() < 0.7:
            local = f"{self.ascii[first]}.{self.ascii[last]}{r.randrange(100)}"
            consent, invalid, opted = rnd() < 0.8, rnd() < 0.03, rnd() < 0.02
            cp_id = add(
                "email",
                f"{local}@{r.choice(EMAIL_DOMAINS)}",
                email=consent,
                opted=opted,
                invalid=invalid,
            )
            if consent and not (invalid or opted):
                party.email = cp_id
        if rnd() < 0.85:
            invalid = rnd() < 0.02
            cp_id = add(
                "postal",
                self.profile.address(r, place),
                invalid=invalid,
            )
            if not invalid:
                party.postal = cp_id
        if rnd() < 0.1:
            value = mobile
            while value == mobile:
                value = phone_e164(f"{prefix}{r.randrange(span):0{digits}d}")
            name = self.profile.third_party_name(r)
            add(
                "mobile",
                value,
                owner="third_party",
                name=name,
                relation=r.choice(self.profile.third_party_relationships),
                sms=rnd() < 0.5,
            )

    # -- accounts and cases --------------------------------------------------------------

    def _account(self, party: _Party, portfolio: str, out: Rows) -> None:
        r = self.rng
        rnd = r.random
        account_id = self.take_id(CardAccount)
        product, _, low, high = self.profile.products[pick(r, self.product_cum)]
        limit = r.randrange(low, high + 1, 500) * 100
        currency = self.profile.currency(r, portfolio)
        reference = f"CC{(account_id * 7919 + self.ref_offset) % 10**10:010d}"
        head = (
            account_id,
            self.loaded_at,
            self.loaded_at,
            party.id,
            reference,
            f"{r.randrange(10000):04d}",
            product,
            portfolio,
            currency,
            money(limit),
        )

        forced = self.overdue_seen < len(self.buckets)  # the first ones cover every stage
        if forced or rnd() < OVERDUE_SHARE:
            bucket = self.overdue_seen if forced else pick(r, self.bucket_cum)
            self.overdue_seen += 1
            days = r.randint(*self.buckets[bucket])
            balance = limit * r.randint(55, 108) // 100 + r.randrange(10_000)
            minimum = min(balance, max(2500, balance * 3 // 100) * (1 + days // 30))
            due = self.today - days
            out[CardAccount].append(
                (*head, money(balance), money(minimum), dt.date.fromordinal(due))
            )
            self._case(party, account_id, currency, balance, minimum, due, self.today, out)
            return
        balance = 0 if rnd() < 0.05 else limit * r.randint(5, 85) // 100 + r.randrange(10_000)
        out[CardAccount].append(
            (*head, money(balance), money(min(balance, max(2500, balance * 3 // 100))), None)
        )
        if rnd() < 0.45:  # a past delinquency, cured by paying the arrears
            cured_on = self.today - r.randint(1, HISTORY_DAYS - 5)
            days = r.randint(*self.buckets[pick(r, self.cure_cum)])
            balance_then = limit * r.randint(40, 100) // 100 + r.randrange(10_000)
            arrears = min(balance_then, max(2500, balance_then * 3 // 100) * (1 + days // 30))
            self._case(
                party,
                account_id,
                currency,
                balance_then,
                arrears,
                cured_on - days,
                cured_on,
                out,
                cured=True,
            )

    def _case(
        self,
        party: _Party,
        account_id: int,
        currency: str,
        balance: int,
        arrears: int,
        due: int,
        end: int,
        out: Rows,
        cured: bool = False,
    ) -> None:
        """A case from its opening (day 1 past due) to `end`: today, or the day it was cured."""
        r = self.rng
        rnd = r.random
        stages = self.stages
        case_id = self.take_id(Case)
        days = end - due
        position = stage_index(self.thresholds, days)
        stage = stages[position] if position >= 0 else None
        opened = due + 1
        window = max(self.today - HISTORY_DAYS, opened)
        team = self.teams[account_id % len(self.teams)]  # as the pipeline assigns new cases

        placement = None
        ag = self.agency_stage
        if (
            ag is not None
            and position >= ag
            and party.suppressed is None
            and not party.vulnerable
            and rnd() < 0.92
        ):
            placed = due + stages[ag].min_days
            recalled = reason = None
            destination = ""
            agency = self.agencies[pick(r, self.agency_cum)]
            if position > ag:  # the period ended as the case reached the next stage
                recalled = placed + agency.placement_days
                reason, destination = PERIOD_ENDED_REASON, RecallDestination.NEXT_STAGE
            elif cured:
                recalled, reason = end, "case cured"
            placement = _Placement(agency, placed, end if recalled is None else recalled)
            self._placement(
                case_id,
                agency,
                placed,
                recalled,
                reason,
                destination,
                balance,
                stages[ag].min_days,
                out[Placement],
            )

        assignee = None
        worked_inhouse = stage is not None and (
            stage.calls == "inhouse" or (stage.calls == "agency" and placement is None)
        )
        if worked_inhouse and rnd() < 0.65:
            assignee = r.choice(team.collector_ids)
        history = _History(
            self, case_id, account_id, party, team, currency, arrears, window, end, cured, out
        )

        for i in range(position + 1):
            self._stage_entry(
                history,
                stages[i],
                max(opened, due + stages[i].min_days),
                due,
                i == ag,
                placement,
                position > i,
            )
        if party.suppressed is not None:
            history.note(
                window + r.randint(0, 5), self.profile.suppression_notes[party.suppressed], assignee
            )
        else:
            if party.vulnerable:
                history.note(
                    window + r.randint(0, 3),
                    self.profile.vulnerability_review_note,
                    assignee,
                )
            for i in range(position + 1):
                calls = stages[i].calls
                if calls is None:
                    continue
                start = max(due + stages[i].min_days, window)
                stop = min(due + stages[i + 1].min_days, end) if i < position else end
                agency = placement.agency if calls == "agency" and placement else None
                if start < stop and history.calls(start, stop, assignee, agency, i == position):
                    break  # a promise is pending: the calls wait for its date
        if not cured and rnd() < 0.06 and window < end:
            day = r.randrange(window, end)
            # The recall day is still the agency's (payments are attributed inclusively).
            placed_then = placement is not None and placement.start <= day <= placement.end
            history.payment(
                day, arrears * r.randint(10, 50) // 100, placement.agency if placed_then else None
            )

        closed_at = next_action_at = None
        if cured:
            status = Case.Status.CURED
            closed_at = self.at_business(end, 18 * 3600)
            history.cure(end, closed_at, placement.agency if placement and position == ag else None)
        elif stage is not None and stage.action == Stage.Action.LITIGATION:
            status = Case.Status.LITIGATION
        elif placement is not None and position == ag:
            status = Case.Status.PLACED
        elif history.pending_until is not None:
            status = Case.Status.PROMISED
        else:
            status = Case.Status.OPEN
        if history.pending_until is not None:
            next_action_at = self.run_at(history.pending_until + 1)
        elif status == Case.Status.OPEN and worked_inhouse and rnd() < 0.25:
            next_action_at = self.at_local(
                self.today + r.randint(0, 3), party.zone, r.randint(10, 17) * 3600
            )
        opened_at = self.run_at(opened)
        entered_at = None
        if stage is not None:
            entered_at = self.run_at(max(opened, due + stage.min_days))
        out[Case].append(
            (
                case_id,
                opened_at,
                closed_at or entered_at or opened_at,
                account_id,
                party.id,
                self.strategy_id,
                stage.id if stage else None,
                entered_at,
                status,
                assignee,
                team.id,
                priority_score(money(balance), days),
                next_action_at,
                None,
                None,
                opened_at,
                closed_at,
                money(balance * r.randint(93, 100) // 100),
            )
        )

    def _stage_entry(
        self,
        history: _History,
        stage: StageInfo,
        day: int,
        due: int,
        agency_stage: bool,
        placement: _Placement | None,
        passed: bool,
    ) -> None:
        """The case entering `stage` on `day`, with what its one-off action did."""
        status, note = "done", ENTRY_NOTES.get(stage.action, "")
        if agency_stage:
            if placement is not None:
                note = f"placed with {placement.agency.name}"
            elif history.cured or passed:
                status, note = "skipped", "case cured" if history.cured else "not placed"
            else:
                status, note = "pending", "awaiting agency placement"
        entry_id = self.take_id(StageEntry)
        history.out[StageEntry].append(
            (
                entry_id,
                history.case_id,
                stage.id,
                dt.date.fromordinal(day),
                self.run_at(day),
                day - due,
                status,
                note,
            )
        )
        channel = MESSAGE_CHANNELS.get(stage.action)
        if channel is None:
            return
        if day == self.today:  # queued by today's run; the dispatch job sends it
            history.queue_message(entry_id, channel)
        elif history.window <= day < history.end and history.party.suppressed is None:
            history.stage_message(stage, channel, day)

    def _placement(
        self,
        case_id: int,
        agency: DemoAgency,
        placed: int,
        recalled: int | None,
        reason: str | None,
        destination: str,
        balance: int,
        days_past_due: int,
        rows: list[tuple],
    ) -> None:
        """As the placement job made it: its rule's arm, the rate snapshotted when placed."""
        placed_at = self.run_at(placed)
        if recalled is None:
            self.placed_per_agency[agency.id] += 1
        challenger = is_challenger(
            case_id=case_id,
            strategy_id=self.strategy_id,
            percent=DEMO_PLACEMENT_RULE["challenger_percent"],
        )
        arm = Placement.Arm.CHALLENGER if challenger else Placement.Arm.CHAMPION
        rule = "challenger_method" if challenger else "method"
        balance_then = money(balance)
        rows.append(
            (
                self.take_id(Placement),
                placed_at,
                placed_at if recalled is None else self.run_at(recalled),
                case_id,
                agency.id,
                dt.date.fromordinal(placed),
                dt.date.fromordinal(placed + agency.placement_days),
                None if recalled is None else dt.date.fromordinal(recalled),
                PLACED_BY_JOB_REASON,
                reason or "",
                None,
                DEMO_PLACEMENT_RULE[rule],
                arm,
                balance_then,
                days_past_due,
                agency.commission_rate_for(days_past_due=days_past_due, balance=balance_then),
                destination,
                None,
            )
        )


class _History:
    """Activities, promises and payments of one case inside the history window.

    `room` is what may still be paid without covering the arrears: only the cure payment
    of a cured case reaches them.
    """

    def __init__(
        self,
        world: PortfolioBuilder,
        case_id: int,
        account_id: int,
        party: _Party,
        team: DemoTeam,
        currency: str,
        arrears: int,
        window: int,
        end: int,
        cured: bool,
        out: Rows,
    ) -> None:
        self.world = world
        self.case_id = case_id
        self.account_id = account_id
        self.party = party
        self.team = team
        self.currency = currency
        self.arrears = arrears
        self.room = arrears - 100
        self.window = window
        self.end = end
        self.cured = cured
        self.out = out
        self.activities = out[Activity]
        self.pending_until: int | None = None

    def _activity(
        self,
        contact_point: int | None,
        channel: str,
        direction: str,
        outcome: str,
        notes: str,
        actor: int | None,
        agency: int | None,
        at: dt.datetime,
        seconds: int = 0,
    ) -> None:
        self.activities.append(
            (
                next(self.world.ids[Activity]),
                self.case_id,
                self.party.id,
                contact_point,
                channel,
                direction,
                outcome,
                notes,
                actor,
                agency,
                at,
                seconds,
            )
        )

    def note(self, day: int, text: str, actor: int | None) -> None:
        if day < self.end:
            world = self.world
            at = world.at_business(day, 15 * 3600 + world.rng.randrange(7200))
            actor = actor or world.rng.choice(self.team.collector_ids)
            self._activity(None, "note", "internal", "note", text, actor, None, at)

    def _message_target(self, channel: str) -> tuple[str, int | None]:
        """Where the pipeline sends a stage message: SMS falls back to a consented e-mail."""
        party = self.party
        if channel == "letter":
            return channel, party.postal
        if party.sms is None and party.email is not None:
            return "email", party.email
        return channel, party.sms

    def queue_message(self, entry_id: int, channel: str) -> None:
        world = self.world
        channel, point = self._message_target(channel)
        at = world.run_at(world.today)
        self.out[OutboundMessage].append(
            (
                world.take_id(OutboundMessage),
                at,
                at,
                self.case_id,
                entry_id,
                channel,
                point,
                "pending",
            )
        )

    def stage_message(self, stage: StageInfo, channel: str, day: int) -> None:
        """The stage's SMS, e-mail or letter as the dispatch job recorded it."""
        world = self.world
        channel, point = self._message_target(channel)
        at = world.at_local(day, self.party.zone, 10 * 3600 + world.rng.randrange(3600))
        if point is None:
            self._activity(
                None,
                channel,
                "outbound",
                "failed",
                "no usable contact point on file",
                None,
                None,
                at,
            )
        else:
            self._activity(point, channel, "outbound", "sent", stage.name, None, None, at)

    def calls(
        self, start: int, stop: int, assignee: int | None, agency: DemoAgency | None, last: bool
    ) -> bool:
        """Phone the debtor now and then on days start..stop-1; True once a promise is pending."""
        phones = self.party.phones
        if not phones:
            return False
        world = self.world
        r = world.rng
        rnd = r.random
        outcomes, outcome_cum = world.outcomes, world.outcome_cum
        top = outcome_cum[-1]
        unreachable = self.party.unreachable
        zone = self.party.zone
        collectors = self.team.collector_ids
        gap = CALL_GAP["agency" if agency else "inhouse"]
        may_stay_pending = last and not self.cured
        activities = self.activities
        activity_ids = world.ids[Activity]
        case_id, debtor_id = self.case_id, self.party.id
        day = start + int(rnd() * 6)
        while day < stop:
            if unreachable:
                outcome = "wrong_number" if rnd() < 0.3 else "no_answer"
            else:
                outcome = outcomes[bisect_right(outcome_cum, rnd() * top)]
            if agency is not None:
                actor, agency_id = r.choice(agency.agent_ids), agency.id
            else:
                actor, agency_id = assignee or r.choice(collectors), None
            point = phones[0] if len(phones) == 1 or rnd() < 0.6 else r.choice(phones)
            at = world.at_local(day, zone, 32400 + int(rnd() * 39600))  # 09:00-19:59 local
            next_day = day + 2 + int(rnd() * (gap - 1))
            if outcome == "promise":
                next_day = self._promise(day, at, actor, agency, stop, may_stay_pending)
                if next_day is None:
                    outcome, next_day = "callback", day + 2 + int(rnd() * (gap - 1))
            direction = "inbound" if outcome in ("rpc", "promise") and rnd() < 0.1 else "outbound"
            low, high = CALL_SECONDS[outcome]
            call_notes = world.profile.call_notes
            notes = r.choice(call_notes[outcome]) if outcome in call_notes else ""
            activities.append(
                (
                    next(activity_ids),
                    case_id,
                    debtor_id,
                    point,
                    "call",
                    direction,
                    outcome,
                    notes,
                    actor,
                    agency_id,
                    at,
                    low + int(rnd() * (high - low + 1)),
                )
            )
            if self.pending_until is not None:
                return True
            day = next_day
        return False

    def _promise(
        self,
        day: int,
        at: dt.datetime,
        actor: int,
        agency: DemoAgency | None,
        stop: int,
        may_stay_pending: bool,
    ) -> int | None:
        """A promise taken on `day`; returns the next call's day, or None if none was taken.

        Its dates must pass before `stop` (then it was kept or broken), unless it may stay
        pending (the case's current stage, still open), which pauses the calls.
        """
        r = self.world.rng
        count = r.randint(2, 3) if r.random() < 0.25 else 1
        first = day + r.randint(3, 10)
        dates = [first + 14 * i for i in range(count)]
        amount = min(self.room, self.arrears * r.randint(30, 100) // 100) // 100 * 100
        pending = dates[-1] >= stop
        if amount < 1000 * count or (pending and not may_stay_pending):
            return None
        parts = [amount // count // 100 * 100] * (count - 1)
        parts.append(amount - sum(parts))
        if pending:
            status, paid, resolved, next_day = "pending", sum(d < stop for d in dates), None, 0
            self.pending_until = dates[-1]
        elif r.random() < 0.55:
            status, paid, resolved = "kept", count, dates[-1]
            next_day = dates[-1] + r.randint(5, 14)
        else:
            paid = r.randrange(count)
            status, resolved = "broken", dates[paid] + 1
            next_day = resolved + r.randint(0, 4)
        world = self.world
        promise_id = world.take_id(PromiseToPay)
        self.out[PromiseToPay].append(
            (
                promise_id,
                at,
                at if resolved is None else world.run_at(resolved),
                self.case_id,
                money(amount),
                self.currency,
                dt.date.fromordinal(day),
                dt.date.fromordinal(dates[-1]),
                status,
                actor,
                None if resolved is None else dt.date.fromordinal(resolved),
            )
        )
        if count > 1:
            self.out[PromiseInstalment].extend(
                (world.take_id(PromiseInstalment), promise_id, dt.date.fromordinal(d), money(part))
                for d, part in zip(dates, parts, strict=True)
            )
        for i in range(paid):
            self.payment(dates[i], parts[i], agency)
        return next_day

    def payment(self, day: int, cents: int, agency: DemoAgency | None) -> None:
        """A payment received on `day`, if it leaves the arrears uncovered."""
        cents = min(cents, self.room)
        if cents < 500:
            return
        self.room -= cents
        self._pay(day, cents, agency)

    def cure(self, day: int, closed_at: dt.datetime, agency: DemoAgency | None) -> None:
        """The payment that covered the arrears, and the pipeline's cure of the case."""
        self._pay(day, self.room + 100, agency)
        self._activity(
            None,
            "system",
            "internal",
            "paid",
            "Arrears paid; case cured.",
            None,
            agency.id if agency else None,
            closed_at,
        )

    def _pay(self, day: int, cents: int, agency: DemoAgency | None) -> None:
        world = self.world
        r = world.rng
        source = "agency" if agency else r.choice(("card", "transfer", "bank_feed", "bank_feed"))
        payment_id = world.take_id(Payment)
        at = world.at_business(day, 17 * 3600 + r.randrange(3600))
        self.out[Payment].append(
            (
                payment_id,
                at,
                at,
                self.account_id,
                self.case_id,
                agency.id if agency else None,
                money(cents),
                self.currency,
                dt.date.fromordinal(day),
                source,
                f"PMT{payment_id:010d}",
            )
        )
