"""Events a dialer reports about the calls it places and receives.

Each request is signed: `X-Dialer-Signature` is the hex HMAC-SHA256, keyed with the dialer's
shared secret, of `X-Dialer-Timestamp` (Unix seconds), a dot and the request body. A request
whose timestamp is more than DIALER_EVENT_MAX_SKEW_SECONDS from now is refused, and an event
id the dialer sent before is refused as a replay: a captured request cannot be played again.

The body is one JSON event:

    {"event_id": "e-1", "type": "call.ended", "call_id": "c-9",
     "occurred_at": "2026-12-05T10:04:00+00:00", "collector": "alice" (or a user id),
     "case": 42 (or the account reference), "number": "+8613800000000",
     "direction": "outbound", "duration_seconds": 240, "recording": "https://…/r/77",
     "outcome": "rpc"}

`call.started` links the call to the activity the collector logged, if any. `call.ended`
stores the duration and the recording on that activity, found by the call's earlier event or
as the collector's call on the case within DIALER_MATCH_MINUTES; when the collector logged
none, it records the call: an outbound call through the gate at the moment it started (a call
no decision allowed is still recorded, and logged as made without approval, for the
compliance officer), an inbound one as received. Nothing reads the clock: `now` is an
argument.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from django.db.models import Q

from cases.models import Activity, Case, ContactPoint
from cases.selectors import cases_visible_to
from compliance.engine import (
    compliance_decide,
    compliance_record_contact,
    compliance_record_ungated,
)
from workspace.dialing import same_number
from workspace.models import Dialer, DialerEvent
from workspace.services import CALL_OUTCOMES, INBOUND_OUTCOMES, call_log_inbound

MAX_BODY_BYTES = 64 * 1024
Direction = Activity.Direction


class DialerRefused(Exception):
    """The request is refused; `status` is the HTTP status to answer with."""

    def __init__(self, status: int, message: str):
        super().__init__(message)
        self.status, self.message = status, message


def _unauthorised(message: str) -> DialerRefused:
    return DialerRefused(401, message)


def _bad(message: str) -> DialerRefused:
    return DialerRefused(400, message)


def dialer_signature(secret: str, timestamp: str, body: bytes) -> str:
    """The signature a dialer sends for `body` at `timestamp`."""
    message = timestamp.encode() + b"." + body
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def dialer_authenticate(
    *, dialer_name: str, timestamp: str, signature: str, body: bytes, now: dt.datetime
) -> Dialer:
    """The active dialer that signed this request at an acceptable time, or DialerRefused."""
    if not (dialer_name and timestamp and signature):
        raise _unauthorised("Missing X-Dialer-Id, X-Dialer-Timestamp or X-Dialer-Signature header.")
    dialer = Dialer.objects.filter(name=dialer_name, is_active=True).first()
    # An unknown dialer and a wrong signature answer alike: no way to probe for names.
    expected = dialer_signature(dialer.secret if dialer else "", timestamp, body)
    if dialer is None or not hmac.compare_digest(expected, signature.strip().lower()):
        raise _unauthorised("Unknown dialer or wrong signature.")
    try:
        signed_at = dt.datetime.fromtimestamp(int(timestamp), tz=dt.UTC)
    except (ValueError, OverflowError, OSError):
        raise _unauthorised("X-Dialer-Timestamp must be Unix time in seconds.") from None
    if abs((now - signed_at).total_seconds()) > settings.DIALER_EVENT_MAX_SKEW_SECONDS:
        raise _unauthorised(
            f"The timestamp is more than {settings.DIALER_EVENT_MAX_SKEW_SECONDS} seconds "
            "from the server's time: the request is stale or the dialer's clock is wrong."
        )
    return dialer


@dataclass(frozen=True)
class CallEvent:
    """A dialer's event, read and checked."""

    event_id: str
    type: str
    call_id: str
    occurred_at: dt.datetime
    collector: Any
    case: Case
    contact_point: ContactPoint
    direction: str
    duration_seconds: int
    recording_reference: str
    outcome: str

    @property
    def started_at(self) -> dt.datetime:
        if self.type == DialerEvent.Type.CALL_ENDED:
            return self.occurred_at - dt.timedelta(seconds=self.duration_seconds)
        return self.occurred_at


def _text(data: dict, key: str, *, max_length: int, required: bool = True) -> str:
    value = data.get(key, "")
    if not isinstance(value, str) or len(value) > max_length or (required and not value.strip()):
        need = "a non-empty string" if required else "a string"
        raise _bad(f"{key}: must be {need} of at most {max_length} characters.")
    return value.strip()


def _collector(value) -> Any:
    users = get_user_model().objects.filter(is_active=True)
    if isinstance(value, int) and not isinstance(value, bool):
        user = users.filter(pk=value).first()
    elif isinstance(value, str) and value.strip():
        user = users.filter(username=value.strip()).first()
    else:
        raise _bad("collector: give the collector's username or user id.")
    if user is None or not user.has_perm("cases.work_case"):
        raise _bad("collector: no active user who works cases has this username or id.")
    return user


def _case(value, collector) -> Case:
    visible = cases_visible_to(collector).select_related("debtor")
    if isinstance(value, int) and not isinstance(value, bool):
        case = visible.filter(pk=value).first()
    elif isinstance(value, str) and value.strip():
        case = (
            visible.filter(account__account_reference=value.strip())
            .order_by("-opened_at", "-pk")
            .first()
        )
    else:
        raise _bad("case: give the case's id or the account reference.")
    if case is None:
        raise _bad("case: no case with this id or account reference that the collector works.")
    return case


def _contact_point(value, case: Case) -> ContactPoint:
    if not isinstance(value, str) or not value.strip():
        raise _bad("number: give the number called or calling.")
    for point in case.debtor.contact_points.filter(kind__in=ContactPoint.PHONE_KINDS):
        if same_number(point.value, value):
            return point
    raise _bad("number: not one of the numbers on file for the case's debtor.")


def _moment(value) -> dt.datetime:
    try:
        moment = dt.datetime.fromisoformat(value)
    except (TypeError, ValueError):
        moment = None
    if moment is None or moment.tzinfo is None:
        raise _bad("occurred_at: must be an ISO 8601 time with its UTC offset.")
    return moment.astimezone(dt.UTC)


def dialer_event_read(body: bytes) -> CallEvent:
    """The event in `body`, checked; DialerRefused (400) says what is wrong."""
    if len(body) > MAX_BODY_BYTES:
        raise _bad(f"The body is larger than {MAX_BODY_BYTES} bytes.")
    try:
        data = json.loads(body)
    except (UnicodeDecodeError, json.JSONDecodeError):
        raise _bad("The body is not JSON.") from None
    if not isinstance(data, dict):
        raise _bad("The body must be a JSON object.")
    event_type = data.get("type")
    if event_type not in DialerEvent.Type.values:
        raise _bad(f"type: must be one of {', '.join(DialerEvent.Type.values)}.")
    direction = data.get("direction", Direction.OUTBOUND)
    if direction not in (Direction.OUTBOUND, Direction.INBOUND):
        raise _bad("direction: must be outbound or inbound.")
    duration = data.get("duration_seconds", 0)
    if isinstance(duration, bool) or not isinstance(duration, int) or not 0 <= duration < 86400:
        raise _bad("duration_seconds: must be a whole number of seconds, under a day.")
    outcome = data.get("outcome", "")
    allowed = CALL_OUTCOMES if direction == Direction.OUTBOUND else INBOUND_OUTCOMES
    if outcome and outcome not in allowed:
        raise _bad(f"outcome: must be one of {', '.join(allowed)}.")
    collector = _collector(data.get("collector"))
    case = _case(data.get("case"), collector)
    return CallEvent(
        event_id=_text(data, "event_id", max_length=200),
        type=event_type,
        # Required: the call's events find one another by it (else an ended call could be
        # taken for another one and recorded twice).
        call_id=_text(data, "call_id", max_length=200),
        occurred_at=_moment(data.get("occurred_at")),
        collector=collector,
        case=case,
        contact_point=_contact_point(data.get("number"), case),
        direction=direction,
        duration_seconds=duration,
        recording_reference=_text(data, "recording", max_length=500, required=False),
        outcome=outcome,
    )


def dialer_event_receive(*, dialer: Dialer, body: bytes, now: dt.datetime) -> DialerEvent:
    """Apply one event of an authenticated dialer; the stored event, linked to its activity.

    DialerRefused: 400 for a malformed event, 409 for an event id the dialer sent before.
    Either way nothing changes; the same event twice changes nothing the second time.
    """
    event = dialer_event_read(body)
    with transaction.atomic():
        try:
            with transaction.atomic():
                stored = DialerEvent.objects.create(
                    dialer=dialer,
                    event_id=event.event_id,
                    type=event.type,
                    call_id=event.call_id,
                    received_at=now,
                    payload=json.loads(body),
                )
        except IntegrityError:
            raise DialerRefused(
                409, f"Event {event.event_id} was received before; it is not applied twice."
            ) from None
        stored.activity, stored.awaiting_outcome = _apply(dialer, event)
        stored.save(update_fields=["activity", "awaiting_outcome"])
    return stored


def _apply(dialer: Dialer, event: CallEvent) -> tuple[Activity | None, bool]:
    """The event's activity, and whether it awaits the collector's outcome (an outbound call
    recorded here without one)."""
    activity = _call_activity(dialer, event)
    if event.type == DialerEvent.Type.CALL_STARTED:
        return activity, False
    if activity is None:
        awaiting = event.direction == Direction.OUTBOUND and not event.outcome
        return _record_call(event), awaiting
    changes: dict[str, Any] = {"duration_seconds": event.duration_seconds}
    if event.recording_reference:
        changes["recording_reference"] = event.recording_reference
    Activity.objects.filter(pk=activity.pk).update(**changes)
    return activity, False


def _call_activity(dialer: Dialer, event: CallEvent) -> Activity | None:
    """The activity of this call: an earlier event's of the same call, else the call the
    collector logged on the case nearest the call's start, within the matching window, that
    no other dialer event has claimed."""
    earlier = (
        DialerEvent.objects.filter(dialer=dialer, call_id=event.call_id, activity__isnull=False)
        .select_related("activity")
        .first()
    )
    if earlier is not None:
        return earlier.activity
    window = dt.timedelta(minutes=settings.DIALER_MATCH_MINUTES)
    candidates = (
        Activity.objects.filter(
            case=event.case,
            actor=event.collector,
            channel=Activity.Channel.CALL,
            direction=event.direction,
            occurred_at__gte=event.started_at - window,
            occurred_at__lte=event.occurred_at + window,
        )
        .filter(Q(contact_point=event.contact_point) | Q(contact_point__isnull=True))
        .filter(dialer_events__isnull=True)
    )
    return min(
        candidates, key=lambda activity: abs(activity.occurred_at - event.started_at), default=None
    )


def _record_call(event: CallEvent) -> Activity:
    """A call the collector did not log: recorded as the dialer reports it."""
    connected = event.duration_seconds > 0
    if event.direction == Direction.INBOUND:
        return call_log_inbound(
            case=event.case,
            user=event.collector,
            outcome=event.outcome or Activity.Outcome.RIGHT_PARTY_CONTACT,
            contact_point=event.contact_point,
            notes="Reported by the dialer.",
            duration_seconds=event.duration_seconds,
            recording_reference=event.recording_reference,
            now=event.started_at,
        )
    # A connected call without an outcome is taken as a conversation: the reading that
    # protects the debtor most (it counts toward conversation caps and starts cooldowns).
    outcome = event.outcome or (
        Activity.Outcome.RIGHT_PARTY_CONTACT if connected else Activity.Outcome.NO_ANSWER
    )
    decision = compliance_decide(
        actor=event.collector,
        case=event.case,
        channel="call",
        contact_point=event.contact_point,
        moment=event.started_at,
    )
    activity = Activity.objects.create(
        case=event.case,
        debtor_id=event.case.debtor_id,
        actor=event.collector,
        agency_id=event.collector.agency_id,
        occurred_at=event.started_at,
        channel=Activity.Channel.CALL,
        contact_point=event.contact_point,
        outcome=outcome,
        notes="Reported by the dialer."
        if decision.allowed
        else "Reported by the dialer; no compliance decision allowed this call.",
        duration_seconds=event.duration_seconds,
        recording_reference=event.recording_reference,
    )
    if decision.allowed:
        compliance_record_contact(decision=decision, activity=activity)
    else:
        compliance_record_ungated(decision=decision, activity=activity)
    return activity
