"""What a collector does on a case: claim it, call, take a promise, schedule a call-back,
write notes and record what they learned about the debtor.

Every call goes through the compliance gate first and is recorded in the same transaction as
the gate's decision, so a blocked call leaves a blocked log row and no contact activity.
Every service takes the acting user and `now`; none reads the clock.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import weakref
from dataclasses import dataclass
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.exceptions import EmptyResultSet, ValidationError
from django.db import IntegrityError, connection, transaction
from django.db.models import DateTimeField, Exists, F, OuterRef, Q, Value
from django.db.models.functions import Cast
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext, gettext_noop
from psycopg.sql import Literal

from accounts.models import Team
from cases.models import (
    CALL_BACK_PRIORITY,
    Activity,
    Case,
    ContactPoint,
    Debtor,
    PromiseInstalment,
    PromiseToPay,
    ReportedPayment,
)
from cases.selectors import case_scope_slices, current_placements
from cases.services import reported_payments_confirm
from common.days import business_day_of
from common.formatting import your_time
from common.sensitive import find_secret
from compliance.engine import (
    Decision,
    compliance_decide,
    compliance_record_contact,
    compliance_record_received,
)
from compliance.policies import policy_parameters_for_case
from compliance.presets import CONVERSATION_OUTCOMES
from pipeline.services import BROKEN_PROMISE_PRIORITY, priority_score
from workspace.selectors import queue_policy, queue_shape, queue_tiers

# Outcomes where nobody was reached: the case comes back after WORKSPACE_RETRY_AFTER_MINUTES.
UNANSWERED_OUTCOMES = (Activity.Outcome.NO_ANSWER, Activity.Outcome.VOICEMAIL)
CALL_OUTCOMES = (
    Activity.Outcome.RIGHT_PARTY_CONTACT,
    Activity.Outcome.THIRD_PARTY,
    Activity.Outcome.NO_ANSWER,
    Activity.Outcome.VOICEMAIL,
    Activity.Outcome.WRONG_NUMBER,
    Activity.Outcome.REFUSED_TO_PAY,
    Activity.Outcome.DISPUTE,
    Activity.Outcome.PAID,
    Activity.Outcome.CALLBACK_REQUESTED,
)
# What a call the debtor made can end in (nobody dials, so nothing goes unanswered).
INBOUND_OUTCOMES = (
    Activity.Outcome.RIGHT_PARTY_CONTACT,
    Activity.Outcome.REFUSED_TO_PAY,
    Activity.Outcome.DISPUTE,
    Activity.Outcome.PAID,
    Activity.Outcome.CALLBACK_REQUESTED,
    Activity.Outcome.THIRD_PARTY,
    Activity.Outcome.WRONG_NUMBER,
)
# Outcomes that are a right-party contact: the policy's disclosure is due on them.
RIGHT_PARTY_OUTCOMES = frozenset(CONVERSATION_OUTCOMES)


def claim_lease() -> dt.timedelta:
    return dt.timedelta(minutes=settings.WORKSPACE_CLAIM_LEASE_MINUTES)


def retry_after() -> dt.timedelta:
    return dt.timedelta(minutes=settings.WORKSPACE_RETRY_AFTER_MINUTES)


def disclosure_required(*, case: Case, outcome: str) -> str:
    """What the collector must have said to log `outcome` on `case` ('' when nothing): the
    policy's right-party disclosure, on a right-party contact."""
    if outcome not in RIGHT_PARTY_OUTCOMES:
        return ""
    return policy_parameters_for_case(case=case).right_party_disclosure


class CaseHeldByAnother(Exception):
    """Someone else holds a live claim on the case."""


@dataclass(frozen=True)
class Override:
    """A supervisor's approval of a call the gate refused: the gate lifts the failures that
    yield to an override, and logs the reason and the approver."""

    reason: str
    approver: object  # the approving user


@dataclass(frozen=True)
class CallResult:
    decision: Decision
    activity: Activity | None  # None when the gate blocked the call

    @property
    def allowed(self) -> bool:
        return self.decision.allowed


# --- Claims ---------------------------------------------------------------------------------


def case_claim_next(*, user, now: dt.datetime) -> Case | None:
    """Give `user` the top case of their queue, held for the lease; None when it is empty.

    On PostgreSQL one statement takes the row with FOR UPDATE SKIP LOCKED, so collectors
    claiming at the same moment each get a different case without waiting on one another;
    SQLite runs writing transactions one at a time (IMMEDIATE), which serialises claims made
    tier by tier. A collector holds one case at a time: their other claims are released.
    """
    with transaction.atomic():
        Case.objects.filter(claimed_by=user).update(claimed_by=None, claim_expires_at=None)
        if connection.vendor == "postgresql":
            return _claim_in_one_statement(user, now)
        for tier in queue_tiers(user, now=now):
            heads = [
                part.only("pk", "priority_score", "next_action_at").first() for part in tier.slices
            ]
            heads = [case for case in heads if case is not None]
            if heads:
                # Several slices (own cases, team pool): the best head wins.
                case = min(heads, key=tier.sort_key)
                Case.objects.filter(pk=case.pk).update(
                    claimed_by=user, claim_expires_at=now + claim_lease()
                )
                return Case.objects.get(pk=case.pk)
    return None


@dataclass(frozen=True)
class _ClaimStatement:
    """The claim as SQL whose only parameters are `now` and the lease's expiry; everything
    else (user, team, zones, stages) is written into the text as literals."""

    name: str  # of the prepared statement
    prepared_sql: str  # parameters $1 (now) and $2 (expiry), for PREPARE
    direct_sql: str  # parameters %(now)s and %(expires)s, for a plain execute


_claim_statements: dict[tuple, _ClaimStatement] = {}
_CLAIM_STATEMENTS_KEPT = 2000
# Statements prepared on each database session (dropped with the session).
_prepared_claims: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
_PREPARED_CLAIMS_KEPT = 200
_PLACEHOLDER_OR_ESCAPE = re.compile(r"%%|%s")


def _claim_in_one_statement(user, now: dt.datetime) -> Case | None:
    """Lock the head of every slice of every tier (FOR UPDATE SKIP LOCKED), claim the best
    of them and return it: one statement, one round trip.

    Building the statement from the queue's querysets costs more than running it, so it is
    built once per user and queue shape (queue_shape). PostgreSQL keeps it prepared on the
    session with one generic plan: planning the eight arms afresh on every claim took three
    times as long as running them. A generic plan is safe here because only `now` is a
    parameter; what the plan depends on (user, team, zones, stages) is literal in the text.
    """
    if not case_scope_slices(user):
        return None
    key = queue_shape(user, now=now)
    if key not in _claim_statements:
        if len(_claim_statements) >= _CLAIM_STATEMENTS_KEPT:
            _claim_statements.clear()
        _claim_statements[key] = _build_claim_statement(user, now)
    statement = _claim_statements[key]
    if statement is None:
        return None
    expires = now + claim_lease()
    with connection.cursor() as cursor:
        if settings.WORKSPACE_PREPARED_CLAIMS:
            _prepare_on_this_session(cursor, statement)
            cursor.execute("SET LOCAL plan_cache_mode = force_generic_plan")
            cursor.execute(f"EXECUTE {statement.name}(%s, %s)", [now, expires])
        else:
            cursor.execute(statement.direct_sql, {"now": now, "expires": expires})
        row = cursor.fetchone()
    if row is None:
        return None
    return Case.from_db(connection.alias, [f.attname for f in Case._meta.concrete_fields], row)


def _prepare_on_this_session(cursor, statement: _ClaimStatement) -> None:
    prepared = _prepared_claims.setdefault(connection.connection, set())
    if statement.name in prepared:
        return
    if len(prepared) >= _PREPARED_CLAIMS_KEPT:
        cursor.execute("DEALLOCATE ALL")
        prepared.clear()
    cursor.execute(
        f"PREPARE {statement.name}(timestamptz, timestamptz) AS {statement.prepared_sql}"
    )
    prepared.add(statement.name)


def _build_claim_statement(user, now: dt.datetime) -> _ClaimStatement | None:
    quote = connection.ops.quote_name
    arms, params = [], []
    for tier in queue_tiers(user, now=now):
        for part in tier.slices:
            head = (
                part.annotate(
                    sort_time=(
                        Cast(Value(None), DateTimeField()) if tier.by_score else F("next_action_at")
                    ),
                    sort_score=F("priority_score") if tier.by_score else Value(0),
                )
                .values_list("pk", "queue_rank", "sort_time", "sort_score")
                .select_for_update(skip_locked=True, of=("self",))[:1]
            )
            try:
                sql, head_params = head.query.sql_with_params()
            except EmptyResultSet:
                continue  # nothing can match (no debtor's zone is in the call window now)
            arms.append(f"arm{len(arms)} AS ({sql})")
            params.extend(head_params)
    if not arms:
        return None
    heads = " UNION ALL ".join(f"SELECT * FROM arm{n}" for n in range(len(arms)))
    table = quote(Case._meta.db_table)
    returning = ", ".join(quote(field.column) for field in Case._meta.concrete_fields)
    sql = (
        f"WITH {', '.join(arms)} "
        f"UPDATE {table} SET {quote('claimed_by_id')} = %s, {quote('claim_expires_at')} = %s "
        f"WHERE {quote('id')} = (SELECT head.id FROM ({heads}) "
        "AS head(id, queue_rank, sort_time, sort_score) "
        "ORDER BY queue_rank, sort_time, sort_score DESC, id LIMIT 1) "
        f"RETURNING {returning}"
    )
    params.extend([user.pk, _EXPIRES])
    prepared_sql = _with_literals(sql, params, now, ("$1", "$2"), escape=False)
    return _ClaimStatement(
        name="claim_" + hashlib.sha1(prepared_sql.encode()).hexdigest()[:20],
        prepared_sql=prepared_sql,
        direct_sql=_with_literals(sql, params, now, ("%(now)s", "%(expires)s"), escape=True),
    )


_EXPIRES = object()  # stands for the lease's expiry among a claim statement's parameters


def _with_literals(
    sql: str, params: list, now: dt.datetime, placeholders: tuple[str, str], *, escape: bool
) -> str:
    """`sql` (Django's %s placeholders) with every parameter written in as a literal but
    `now` and the expiry, which take `placeholders`; `escape` keeps a % as %% for a driver
    that still interpolates parameters."""
    values = iter(params)
    connection.ensure_connection()

    def replace(match: re.Match) -> str:
        if match.group() == "%%":
            return "%%" if escape else "%"
        value = next(values)
        if value is _EXPIRES:
            return placeholders[1]
        if isinstance(value, dt.datetime) and value == now:
            return placeholders[0]
        literal = Literal(value).as_string(connection.connection)
        return literal.replace("%", "%%") if escape else literal

    text = _PLACEHOLDER_OR_ESCAPE.sub(replace, sql)
    assert next(values, None) is None, "more parameters than placeholders"
    return text


def case_release_expired_claims(*, now: dt.datetime) -> int:
    """Free every claim whose lease ran out before `now`, so the case can be served again."""
    return Case.objects.filter(claim_expires_at__lt=now).update(
        claimed_by=None, claim_expires_at=None
    )


def case_renew_claim(*, case: Case, user, now: dt.datetime) -> bool:
    """Extend `user`'s claim on `case` (the open case page asks every few minutes).

    An expired claim nobody took over is renewed too; False if another holds it now.
    """
    renewed = (
        Case.objects.filter(pk=case.pk)
        .filter(_claim_free_or_held_by(user, now))
        .update(claimed_by=user, claim_expires_at=now + claim_lease())
    )
    return renewed == 1


def case_release_claim(*, case: Case, user) -> None:
    Case.objects.filter(pk=case.pk, claimed_by=user).update(claimed_by=None, claim_expires_at=None)


def _claim_free_or_held_by(user, now: dt.datetime) -> Q:
    return Q(claimed_by__isnull=True) | Q(claimed_by=user) | Q(claim_expires_at__lte=now)


def _lock_case_for(case: Case, user, now: dt.datetime) -> Case:
    """Lock the case row; refuse if another collector's live claim holds it."""
    locked = Case.objects.select_for_update().get(pk=case.pk)
    if (
        locked.claimed_by_id not in (None, user.pk)
        and locked.claim_expires_at is not None
        and locked.claim_expires_at > now
    ):
        raise CaseHeldByAnother(
            gettext("Case %(case)s is being worked by someone else until %(until)s.")
            % {"case": case.pk, "until": your_time(locked.claim_expires_at, user)}
        )
    return locked


def _finish_outcome(
    case: Case, *, now: dt.datetime, next_action_at: dt.datetime | None, **changes
) -> None:
    """After an outcome: set when the case comes back, drop a broken promise's or a
    call-back's band back to the usual score.

    The collector keeps the claim while they finish on the case (a note, a promise after the
    call, a call-back): Next case releases it, or the lease runs out once the page is closed.
    """
    if "priority_score" not in changes and case.priority_score >= BROKEN_PROMISE_PRIORITY:
        account = case.account
        changes["priority_score"] = priority_score(
            account.balance, account.days_past_due(timezone.localdate(now))
        )
    Case.objects.filter(pk=case.pk).update(next_action_at=next_action_at, **changes)


def _activity(case: Case, user, now: dt.datetime, **fields) -> Activity:
    return Activity.objects.create(
        case=case,
        debtor_id=case.debtor_id,
        actor=user,
        agency_id=user.agency_id if user else None,
        occurred_at=now,
        **fields,
    )


def _note(case: Case, user, now: dt.datetime, text: str) -> Activity:
    note = Activity.internal_note(
        case_id=case.pk, debtor_id=case.debtor_id, actor=user, occurred_at=now, text=text
    )
    note.save()
    return note


# --- Contact --------------------------------------------------------------------------------


def _gated_call(
    *, case: Case, user, contact_point: ContactPoint, now: dt.datetime, override: Override | None
) -> Decision:
    """Judge a call; a block pushes the case's next action to when it may be called again."""
    decision = compliance_decide(
        actor=user,
        case=case,
        channel="call",
        contact_point=contact_point,
        moment=now,
        override_reason=override.reason if override else "",
        approver=override.approver if override else None,
    )
    if not decision.allowed and decision.next_allowed_at is not None:
        Case.objects.filter(pk=case.pk).update(next_action_at=decision.next_allowed_at)
    return decision


def call_log(
    *,
    case: Case,
    user,
    contact_point: ContactPoint,
    outcome: str,
    notes: str = "",
    duration_seconds: int = 0,
    now: dt.datetime,
    override: Override | None = None,
    disclosure_given: bool = False,
) -> CallResult:
    """Record a call and its outcome, if the compliance gate allows the call.

    Allowed: the call activity and the gate's contact row are written together, and an
    unanswered case comes back after the retry delay. Blocked: only the
    gate's blocked row is written. Every call is recorded here, a call a supervisor approved
    (`override`) too. `disclosure_given`: the collector confirmed giving the policy's
    disclosure (the forms require it where `disclosure_required` says so).
    """
    if outcome not in CALL_OUTCOMES:
        raise ValueError(f"{outcome!r} is not a call outcome.")
    with transaction.atomic():
        locked = _lock_case_for(case, user, now)
        reported = _call_awaiting_outcome(locked, user, contact_point, now)
        if reported is not None:
            return _call_complete(
                reported, locked, outcome=outcome, notes=notes, now=now, disclosure=disclosure_given
            )
        decision = _gated_call(
            case=locked, user=user, contact_point=contact_point, now=now, override=override
        )
        if not decision.allowed:
            return CallResult(decision, None)
        activity = _activity(
            locked,
            user,
            now,
            channel=Activity.Channel.CALL,
            contact_point=contact_point,
            outcome=outcome,
            notes=notes,
            duration_seconds=duration_seconds,
            disclosure_given=disclosure_given,
        )
        compliance_record_contact(decision=decision, activity=activity)
        _finish_outcome(
            locked,
            now=now,
            next_action_at=now + retry_after() if outcome in UNANSWERED_OUTCOMES else None,
        )
    return CallResult(decision, activity)


def _call_awaiting_outcome(
    case: Case, user, contact_point: ContactPoint, now: dt.datetime
) -> Activity | None:
    """The call a dialer reported and recorded before the collector logged it (same case,
    collector and number, within DIALER_MATCH_MINUTES), still waiting for their outcome."""
    window = dt.timedelta(minutes=settings.DIALER_MATCH_MINUTES)
    return (
        Activity.objects.filter(
            case=case,
            actor=user,
            contact_point=contact_point,
            channel=Activity.Channel.CALL,
            direction=Activity.Direction.OUTBOUND,
            occurred_at__gte=now - window,
            occurred_at__lte=now,
            dialer_events__awaiting_outcome=True,
        )
        .order_by("-occurred_at", "-pk")
        .first()
    )


def _call_complete(
    activity: Activity, case: Case, *, outcome: str, notes: str, now: dt.datetime, disclosure: bool
) -> CallResult:
    """Give the collector's outcome to the call the dialer recorded: the call was made (and
    judged, and logged) once; logging it again would count it twice. The result carries the
    decision it was made under."""
    activity.outcome, activity.disclosure_given = outcome, disclosure
    activity.notes = f"{activity.notes} {notes}".strip()
    activity.save(update_fields=["outcome", "disclosure_given", "notes"])
    activity.dialer_events.update(awaiting_outcome=False)
    made = activity.compliance_log.select_related("decision_entry").get()
    decided = made.decision_entry
    decision = Decision(
        allowed=decided.verdict != decided.Verdict.BLOCKED,
        overridden=decided.verdict == decided.Verdict.OVERRIDDEN,
        reason=decided.reason,
        next_allowed_at=decided.next_allowed_at,
        results=(),
        policy_code=decided.policy_code,
        policy_version=decided.policy_version,
        log_entry=decided,
    )
    _finish_outcome(
        case,
        now=now,
        next_action_at=now + retry_after() if outcome in UNANSWERED_OUTCOMES else None,
    )
    return CallResult(decision, activity)


def call_log_inbound(
    *,
    case: Case,
    user,
    outcome: str,
    contact_point: ContactPoint | None = None,
    notes: str = "",
    callback_at: dt.datetime | None = None,
    disclosure_given: bool = False,
    duration_seconds: int = 0,
    recording_reference: str = "",
    now: dt.datetime,
) -> Activity:
    """Record a call the debtor (or someone on their number) made to us.

    It is not a contact attempt: the gate does not judge it, so no cap, cooldown or window
    refuses it, and no claim is needed (whoever answers records it). It counts where the
    policy counts it: the rules read it from the history (a conversation starts a cooldown
    after a conversation), and a call-back the person asks for (`callback_at`) is their direct
    consent, so the activity's outcome is "call-back requested" and the case comes first at
    that time. The log gets a row of a contact received.
    """
    if outcome not in INBOUND_OUTCOMES:
        raise ValueError(f"{outcome!r} is not an inbound call outcome.")
    if contact_point is not None and contact_point.debtor_id != case.debtor_id:
        raise ValueError("The contact point belongs to another debtor.")
    if callback_at is not None:
        if outcome not in RIGHT_PARTY_OUTCOMES:
            raise ValueError("Only the debtor's own request is a call-back request.")
        outcome = Activity.Outcome.CALLBACK_REQUESTED
    with transaction.atomic():
        # As the gate does: contacts with one debtor are recorded one after the other.
        Debtor.objects.select_for_update().filter(pk=case.debtor_id).first()
        if callback_at is not None:
            text = f"Call-back requested for {callback_at.astimezone(dt.UTC):%Y-%m-%d %H:%M} UTC."
            notes = f"{text} {notes}".strip()
        activity = _activity(
            case,
            user,
            now,
            channel=Activity.Channel.CALL,
            direction=Activity.Direction.INBOUND,
            contact_point=contact_point,
            outcome=outcome,
            notes=notes,
            duration_seconds=duration_seconds,
            recording_reference=recording_reference,
            disclosure_given=disclosure_given,
        )
        compliance_record_received(activity=activity)
        if callback_at is not None:
            case_call_back_at(case=case, when=callback_at)
    return activity


def case_call_back_at(*, case: Case, when: dt.datetime) -> None:
    """Serve the case first at `when`, in the call-back band: the person asked to be called."""
    Case.objects.filter(pk=case.pk).update(next_action_at=when, priority_score=CALL_BACK_PRIORITY)


def promise_max_days() -> int:
    return settings.PROMISE_MAX_DAYS


def promise_latest_date(business_date: dt.date) -> dt.date:
    """The furthest date a promise taken on `business_date` may fall on."""
    return business_date + dt.timedelta(days=promise_max_days())


def promise_date_problem(day: dt.date, *, business_date: dt.date) -> str:
    """'early' or 'late' when a promise's date (or an instalment's) falls outside the range a
    promise taken on `business_date` may have: after today, within PROMISE_MAX_DAYS. '' when
    it is inside."""
    if day <= business_date:
        return "early"
    if day > promise_latest_date(business_date):
        return "late"
    return ""


@dataclass(frozen=True)
class PromiseResult:
    call: CallResult
    promise: PromiseToPay | None


def promise_record(
    *,
    case: Case,
    user,
    contact_point: ContactPoint,
    amount: Decimal,
    due_date: dt.date,
    instalments: list[tuple[dt.date, Decimal]],
    notes: str = "",
    business_date: dt.date,
    now: dt.datetime,
    disclosure_given: bool = False,
) -> PromiseResult:
    """A call whose outcome is a promise to pay: gated like any call, then the promise.

    The form has validated the amounts and dates; the database refuses a second pending
    promise on the case. The case's status becomes "promised".
    """
    with transaction.atomic():
        locked = _lock_case_for(case, user, now)
        decision = _gated_call(
            case=locked, user=user, contact_point=contact_point, now=now, override=None
        )
        if not decision.allowed:
            return PromiseResult(CallResult(decision, None), None)
        currency = locked.account.currency
        summary = f"Promise: {amount} {currency} by {_day(due_date)}"
        if instalments:
            parts = ", ".join(f"{value} on {_day(day)}" for day, value in instalments)
            summary += f" in {parts}"
        activity = _activity(
            locked,
            user,
            now,
            channel=Activity.Channel.CALL,
            contact_point=contact_point,
            outcome=Activity.Outcome.PROMISE,
            notes=f"{summary}. {notes}".strip(),
            disclosure_given=disclosure_given,
        )
        compliance_record_contact(decision=decision, activity=activity)
        promise = PromiseToPay.objects.create(
            case=locked,
            amount=amount,
            currency=currency,
            promised_on=business_date,
            due_date=due_date,
            created_by=user,
        )
        PromiseInstalment.objects.bulk_create(
            PromiseInstalment(promise=promise, due_date=day, amount=value)
            for day, value in instalments
        )
        _finish_outcome(locked, now=now, next_action_at=None, status=Case.Status.PROMISED)
    return PromiseResult(CallResult(decision, activity), promise)


class PromiseRefused(Exception):
    """The debtor's promise cannot be taken as asked; the message says why."""


def promise_record_by_debtor(
    *, case: Case, amount: Decimal, due_date: dt.date, business_date: dt.date, now: dt.datetime
) -> PromiseToPay:
    """A promise the debtor made themselves (on the portal): no call, so nothing for the gate
    to judge, but the same rules as a collector's: a date within the promise range, more than
    zero, one pending promise at a time, an open case. The caller records the debtor's action.
    """
    problem = promise_date_problem(due_date, business_date=business_date)
    if problem == "early":
        raise PromiseRefused(
            gettext("The pay-by date must be after today (%(today)s).")
            % {"today": date_format(business_date)}
        )
    if problem == "late":
        raise PromiseRefused(
            gettext("The pay-by date must be within %(days)s days, by %(latest)s.")
            % {
                "days": promise_max_days(),
                "latest": date_format(promise_latest_date(business_date)),
            }
        )
    if amount <= 0:
        raise PromiseRefused(gettext("The amount must be more than zero."))
    with transaction.atomic():
        locked = Case.objects.select_for_update().select_related("account").get(pk=case.pk)
        if not locked.is_open:
            raise PromiseRefused(gettext("This case is closed: there is nothing to promise."))
        if PromiseToPay.objects.filter(case=locked, status=PromiseToPay.Status.PENDING).exists():
            raise PromiseRefused(gettext("A promise to pay is already waiting on this account."))
        promise = PromiseToPay.objects.create(
            case=locked,
            amount=amount,
            currency=locked.account.currency,
            promised_on=business_date,
            due_date=due_date,
        )
        _finish_outcome(locked, now=now, next_action_at=None, status=Case.Status.PROMISED)
    return promise


def _payment_problems(
    *,
    case: Case,
    amount: Decimal,
    currency: str,
    method: str,
    reference_key: str,
    payer_reference: str,
    paid_on: dt.date,
    business_date: dt.date,
) -> dict[str, str]:
    """What is wrong with a payment report, by field ("__all__" for the report as a whole)."""
    problems: dict[str, str] = {}
    if not case.is_open:
        problems["__all__"] = gettext("This case is closed: there is nothing to report on it.")
    if amount <= 0:
        problems["amount"] = gettext("The amount must be more than zero.")
    account_currency = case.account.currency
    if currency != account_currency:
        problems["currency"] = gettext(
            "This account takes payments in %(currency)s only; the bank's feed refuses any "
            "other currency."
        ) % {"currency": account_currency}
    if method not in ReportedPayment.Method.values:
        problems["method"] = gettext("Choose how the debtor paid.")
    oldest = business_date - dt.timedelta(days=settings.REPORTED_PAYMENT_MAX_AGE_DAYS)
    if paid_on > business_date:
        problems["paid_on"] = gettext(
            "The payment date cannot be after today (%(today)s): report a payment once it is "
            "made, or take a promise to pay."
        ) % {"today": date_format(business_date)}
    elif paid_on < oldest:
        problems["paid_on"] = gettext(
            "The payment date is more than %(days)s days ago (before %(oldest)s): check the "
            "date, or ask the supervisor to look into the account's payments."
        ) % {"days": settings.REPORTED_PAYMENT_MAX_AGE_DAYS, "oldest": date_format(oldest)}
    secret = find_secret(payer_reference)
    if secret:
        problems["payer_reference"] = gettext(
            "The reference holds %(secret)s, which is never stored: enter the payment's "
            "reference, not the card's number."
        ) % {"secret": secret}
    elif not reference_key and method in ReportedPayment.REFERENCE_REQUIRED:
        problems["payer_reference"] = gettext(
            "A card payment or a bank transfer needs the payer's reference, as the bank will "
            "show it: it is how the bank's payment is recognised."
        )
    elif reference_key:
        earlier = (
            ReportedPayment.objects.filter(account_id=case.account_id, reference_key=reference_key)
            .exclude(status=ReportedPayment.Status.WITHDRAWN)
            .order_by("reported_at")
            .first()
        )
        if earlier is not None:
            problems["payer_reference"] = gettext(
                "This reference was already reported for this account on %(date)s."
            ) % {"date": date_format(earlier.reported_on)}
    return problems


def payment_report(
    *,
    case: Case,
    user,
    amount: Decimal,
    currency: str,
    method: str,
    payer_reference: str,
    paid_on: dt.date,
    notes: str = "",
    now: dt.datetime,
) -> ReportedPayment:
    """Record a payment the debtor made (or the collector took): reported, not collected,
    until the bank's payments feed confirms it.

    Raises ValidationError, by field, for a bad report: an amount not above zero, a currency
    other than the account's, a date after today or older than REPORTED_PAYMENT_MAX_AGE_DAYS,
    no reference for a card payment or transfer, a reference already reported for the account.
    Writes an internal "Paid" activity (not a contact: the call it was told on is logged by
    itself, so the compliance gate has nothing to judge), and confirms the report at once if
    the bank's payment is already in. The case's escalation waits while the report does.
    """
    with transaction.atomic():
        locked = _lock_case_for(case, user, now)
        return _payment_record(
            locked,
            reporter=user,
            amount=amount,
            currency=currency,
            method=method,
            payer_reference=payer_reference,
            paid_on=paid_on,
            notes=notes,
            now=now,
        )


def payment_report_online(
    *, case: Case, amount: Decimal, currency: str, provider_reference: str, now: dt.datetime
) -> ReportedPayment:
    """Record a payment the debtor made online (the payment provider confirmed it to us): the
    same report as a collector's, by nobody, paid today, under the provider's reference; the
    bank's feed confirms it. Raises ValidationError as `payment_report` does (a reference
    already reported among them: the caller makes a repeated confirmation harmless)."""
    with transaction.atomic():
        locked = Case.objects.select_for_update().get(pk=case.pk)
        return _payment_record(
            locked,
            reporter=None,
            amount=amount,
            currency=currency,
            method=ReportedPayment.Method.ONLINE,
            payer_reference=provider_reference,
            paid_on=business_day_of(now),
            notes="",
            now=now,
        )


def _payment_record(
    locked: Case,
    *,
    reporter,
    amount: Decimal,
    currency: str,
    method: str,
    payer_reference: str,
    paid_on: dt.date,
    notes: str,
    now: dt.datetime,
) -> ReportedPayment:
    business_date = business_day_of(now)
    payer_reference = payer_reference.strip()
    reference_key = ReportedPayment.key_of(payer_reference)
    problems = _payment_problems(
        case=locked,
        amount=amount,
        currency=currency,
        method=method,
        reference_key=reference_key,
        payer_reference=payer_reference,
        paid_on=paid_on,
        business_date=business_date,
    )
    if problems:
        raise ValidationError(problems)
    try:
        with transaction.atomic():
            report = ReportedPayment.objects.create(
                case=locked,
                account_id=locked.account_id,
                amount=amount,
                currency=currency,
                method=method,
                payer_reference=payer_reference,
                reference_key=reference_key,
                paid_on=paid_on,
                notes=notes,
                reported_by=reporter,
                agency_id=reporter.agency_id if reporter else None,
                reported_at=now,
                reported_on=business_date,
            )
    except IntegrityError:
        # Reported by someone else in the same instant: the constraint kept it once.
        raise ValidationError(
            {"payer_reference": gettext("This reference was already reported for this account.")}
        ) from None
    summary = (
        f"Payment reported: {amount} {currency} paid on {paid_on.isoformat()} "
        f"({ReportedPayment.Method(method).name.lower().replace('_', ' ')}"
        + (f", reference {payer_reference}" if payer_reference else "")
        + ")."
    )
    _activity(
        locked,
        reporter,
        now,
        channel=Activity.Channel.NOTE,
        direction=Activity.Direction.INTERNAL,
        outcome=Activity.Outcome.PAID,
        notes=f"{summary} {notes}".strip(),
    )
    reported_payments_confirm(now=now, account_ids=[locked.account_id])
    report.refresh_from_db()
    return report


# --- Internal records -----------------------------------------------------------------------

# The history's notes are records, written once in English: their dates read as the page's
# ("5 Dec 2026"), and a moment names the clock it is told on.


def _day(day: dt.date) -> str:
    return f"{day.day} {day:%b %Y}"


def _on_the_debtors_clock(moment: dt.datetime, debtor: Debtor) -> str:
    local = moment.astimezone(ZoneInfo(debtor.time_zone))
    return f"{_day(local)}, {local:%H:%M} debtor's time ({debtor.time_zone})"


def callback_schedule(
    *, case: Case, user, when: dt.datetime, notes: str = "", now: dt.datetime
) -> Activity:
    """Serve the case first at `when`, in the call-back band (the form checked the window)."""
    with transaction.atomic():
        locked = _lock_case_for(case, user, now)
        text = f"Call-back scheduled for {_on_the_debtors_clock(when, locked.debtor)}."
        activity = _note(locked, user, now, f"{text} {notes}".strip())
        _finish_outcome(locked, now=now, next_action_at=when, priority_score=CALL_BACK_PRIORITY)
    return activity


def note_add(*, case: Case, user, text: str, now: dt.datetime) -> Activity:
    with transaction.atomic():
        return _note(_lock_case_for(case, user, now), user, now, text)


CONTACT_POINT_MARKS = {
    "invalid": gettext_noop("invalid (wrong or disconnected)"),
    "do_not_contact": gettext_noop("do not contact"),
}


def contact_point_mark(
    *, case: Case, user, contact_point: ContactPoint, mark: str, reason: str, now: dt.datetime
) -> Activity:
    """Mark one of the debtor's contact points invalid or do-not-contact, with the reason."""
    if mark not in CONTACT_POINT_MARKS:
        raise ValueError(f"{mark!r} is not a contact point mark.")
    if contact_point.debtor_id != case.debtor_id:
        raise ValueError("The contact point belongs to another debtor.")
    with transaction.atomic():
        locked = _lock_case_for(case, user, now)
        ContactPoint.objects.filter(pk=contact_point.pk).update(**{mark: True})
        return _note(
            locked,
            user,
            now,
            f"Marked {contact_point} {CONTACT_POINT_MARKS[mark]}: {reason}",
        )


DEBTOR_FLAGS = {
    "dispute_pending": gettext_noop("Dispute recorded"),
    "cease_communication": gettext_noop("Cease-communication request recorded"),
    "is_vulnerable": gettext_noop("Vulnerability recorded"),
}


def debtor_flag_record(
    *, case: Case, user, flag: str, reason: str, now: dt.datetime
) -> FlagRecorded:
    """Record a dispute, a cease-communication request or a vulnerability, with the reason.

    The compliance gate reads these flags, so from now on calls are blocked (or, for a
    vulnerable debtor, need an approver unless a specialist makes them), and the queue stops
    serving the case. A vulnerable debtor's in-house cases move to the specialist team's pool
    (specialist_team_for), whose members' queue serves them.
    """
    if flag not in DEBTOR_FLAGS:
        raise ValueError(f"{flag!r} is not a debtor flag the workspace records.")
    with transaction.atomic():
        locked = _lock_case_for(case, user, now)
        changes: dict[str, object] = {flag: True}
        if flag == "is_vulnerable":
            changes["vulnerability_note"] = reason
        Debtor.objects.filter(pk=case.debtor_id).update(**changes)
        text = f"{DEBTOR_FLAGS[flag]}: {reason}"
        team = specialist_team_for(locked) if flag == "is_vulnerable" else None
        if team is not None:
            text += f" Moved to the specialist team {team.name}."
            _debtor_cases_in_house(locked).update(
                team=team, assigned_to=None, claimed_by=None, claim_expires_at=None
            )
        return FlagRecorded(_note(locked, user, now, text), team)


def preferred_hours_problem(start: dt.time | None, end: dt.time | None) -> str:
    """Why these cannot be a debtor's preferred hours ('' when they can): both or neither,
    whole hours, the start first."""
    if (start is None) != (end is None):
        return gettext("Give both ends of the preferred hours, or neither.")
    if start is None:
        return ""
    if any(hour.minute or hour.second or hour.microsecond for hour in (start, end)):
        return gettext("Preferred hours start and end on the hour.")
    if start >= end:
        return gettext("Preferred hours start before they end.")
    return ""


def debtor_preferred_hours_update(
    *, debtor_id: int, start: dt.time | None, end: dt.time | None
) -> str:
    """Keep the hours (of their own clock) the debtor may be called and texted in, which the
    compliance gate and the queue honour from now on; None and None: any time the policy
    allows. Returns how the note says the change ('' when nothing changed)."""
    if problem := preferred_hours_problem(start, end):
        raise ValueError(problem)
    debtor = Debtor.objects.select_for_update().get(pk=debtor_id)
    if (debtor.preferred_hours_start, debtor.preferred_hours_end) == (start, end):
        return ""
    Debtor.objects.filter(pk=debtor_id).update(preferred_hours_start=start, preferred_hours_end=end)
    if start is None:
        return "preferred hours cleared"
    return f"preferred hours {start:%H:%M}-{end:%H:%M} (debtor's time)"


def debtor_preferred_hours_record(
    *, case: Case, user, start: dt.time | None, end: dt.time | None, now: dt.datetime
) -> Activity | None:
    """A collector records the hours the debtor asked to be contacted in; an internal note
    says so. None when nothing changed."""
    with transaction.atomic():
        locked = _lock_case_for(case, user, now)
        change = debtor_preferred_hours_update(debtor_id=locked.debtor_id, start=start, end=end)
        if not change:
            return None
        return _note(locked, user, now, f"Debtor's {change}.")


@dataclass(frozen=True)
class FlagRecorded:
    note: Activity
    moved_to: Team | None  # the specialist team the debtor's cases moved to


def specialist_team_for(case: Case) -> Team | None:
    """Where a vulnerable debtor's case goes: the first specialist team by name, unless the
    case is in a specialist team already or the queue's policy has no vulnerability gate."""
    if case.team_id is not None and Team.objects.filter(pk=case.team_id, is_specialist=True):
        return None
    return _specialist_team()


def _specialist_team() -> Team | None:
    if not queue_policy().vulnerability_gate:
        return None
    return Team.objects.filter(is_specialist=True).order_by("name").first()


def _cases_in_house():
    """Cases still worked in-house: open or promised, not placed with an agency."""
    return Case.objects.filter(status__in=(Case.Status.OPEN, Case.Status.PROMISED)).exclude(
        Exists(current_placements().filter(case_id=OuterRef("pk")))
    )


def _debtor_cases_in_house(case: Case):
    return _cases_in_house().filter(debtor_id=case.debtor_id)


ROUTE_BATCH = 1000


def vulnerable_cases_route(*, now: dt.datetime) -> int:
    """Move vulnerable debtors' in-house cases that no specialist team holds to a specialist
    team's pool (specialist_team_for), each with a note: what recording the vulnerability on
    the case page does, for a flag set in the admin or by a bank file. A case a collector holds
    by a live claim waits for the next run. Returns how many cases moved."""
    team = _specialist_team()
    if team is None:
        return 0
    waiting = (
        _cases_in_house()
        .filter(debtor__is_vulnerable=True)
        .exclude(team__is_specialist=True)
        .filter(Q(claimed_by__isnull=True) | Q(claim_expires_at__lte=now))
        .order_by("pk")
    )
    moved = 0
    while True:
        with transaction.atomic():
            batch = list(waiting.values_list("pk", "debtor_id")[:ROUTE_BATCH])
            if not batch:
                return moved
            Case.objects.filter(pk__in=[pk for pk, _ in batch]).update(
                team=team, assigned_to=None, claimed_by=None, claim_expires_at=None
            )
            Activity.objects.bulk_create(
                Activity.internal_note(
                    case_id=pk,
                    debtor_id=debtor_id,
                    actor=None,
                    occurred_at=now,
                    text=f"Vulnerable debtor: moved to the specialist team {team.name}.",
                )
                for pk, debtor_id in batch
            )
        moved += len(batch)
