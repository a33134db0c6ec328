"""The dialer's signed events: authentication, replays, matching the collector's call, and
recording calls the collector did not log (through the gate)."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.contrib.admin.sites import site
from django.urls import reverse
from django.utils import timezone

from cases.models import Activity, Debtor
from compliance.models import ComplianceLogEntry
from workspace.admin import DialerForm
from workspace.dialer import dialer_signature
from workspace.models import Dialer, DialerEvent
from workspace.services import call_log

pytestmark = pytest.mark.django_db
URL = "/cases/dialer/events/"
SECRET = "s3cret-shared-with-the-dialer"
Kind = ComplianceLogEntry.Kind


@pytest.fixture
def dialer(db):
    return Dialer.objects.create(name="acme", secret=SECRET)


@pytest.fixture
def case(team, make_case):
    return make_case(team=team)


@pytest.fixture
def now():
    return timezone.now()


def event(case, collector, now, /, **fields) -> dict:
    return {
        "event_id": "evt-1",
        "type": "call.ended",
        "call_id": "call-1",
        "occurred_at": now.isoformat(),
        "collector": collector.username,
        "case": case.pk,
        "number": case.debtor.contact_points.get().value,
        "duration_seconds": 95,
        "recording": "https://recordings.example/r/77",
        **fields,
    }


def send(client, payload, *, now, name="acme", secret=SECRET, timestamp=None, body=None):
    body = body if body is not None else json.dumps(payload).encode()
    stamp = str(int((timestamp or now).timestamp()))
    return client.post(
        URL,
        data=body,
        content_type="application/json",
        HTTP_X_DIALER_ID=name,
        HTTP_X_DIALER_TIMESTAMP=stamp,
        HTTP_X_DIALER_SIGNATURE=dialer_signature(secret, stamp, body),
    )


def nothing_changed(case):
    assert not DialerEvent.objects.exists()
    assert not case.activities.exists()
    assert not ComplianceLogEntry.objects.filter(case_id=case.pk).exists()


def test_a_call_the_collector_logged_gets_the_recording_and_duration(
    client, dialer, case, collector, now
):
    point = case.debtor.contact_points.get()
    logged = call_log(
        case=case,
        user=collector,
        contact_point=point,
        outcome="voicemail",
        now=now - dt.timedelta(minutes=3),
    ).activity

    response = send(client, event(case, collector, now), now=now)

    assert response.status_code == 200, response.content
    assert response.json() == {"event_id": "evt-1", "activity": logged.pk}
    logged.refresh_from_db()
    assert (logged.recording_reference, logged.duration_seconds) == (
        "https://recordings.example/r/77",
        95,
    )
    assert case.activities.count() == 1
    assert DialerEvent.objects.get().activity == logged


def test_a_call_the_collector_did_not_log_is_recorded_through_the_gate(
    client, dialer, case, collector, now
):
    response = send(
        client, event(case, collector, now, case=case.account.account_reference), now=now
    )

    assert response.status_code == 200, response.content
    activity = case.activities.get()
    assert activity.pk == response.json()["activity"]
    assert (activity.outcome, activity.actor, activity.direction) == ("rpc", collector, "outbound")
    assert activity.occurred_at == now - dt.timedelta(seconds=95)  # when the call started
    assert activity.recording_reference == "https://recordings.example/r/77"
    rows = ComplianceLogEntry.objects.filter(case_id=case.pk).order_by("pk")
    assert [(row.kind, row.verdict) for row in rows] == [
        (Kind.DECISION, "allowed"),
        (Kind.CONTACT, "allowed"),
    ]


def test_a_call_no_decision_allowed_is_recorded_and_flagged_not_hidden(
    client, dialer, case, collector, now
):
    Debtor.objects.filter(pk=case.debtor_id).update(cease_communication=True)

    response = send(client, event(case, collector, now, outcome="refused"), now=now)

    assert response.status_code == 200, response.content
    activity = case.activities.get()
    assert activity.outcome == "refused"
    assert "no compliance decision allowed" in activity.notes
    flagged = ComplianceLogEntry.objects.get(activity=activity)
    assert (flagged.kind, flagged.verdict) == (Kind.UNGATED, "blocked")
    assert "cease_communication" in flagged.failed_rule_codes
    assert flagged.decision_entry.verdict == "blocked"


def test_the_started_and_ended_events_of_one_call_share_its_activity(
    client, dialer, case, collector, now
):
    point = case.debtor.contact_points.get()
    logged = call_log(
        case=case, user=collector, contact_point=point, outcome="rpc", now=now
    ).activity
    started = event(case, collector, now, event_id="evt-a", type="call.started")
    ended = event(case, collector, now + dt.timedelta(minutes=2), event_id="evt-b")

    assert send(client, started, now=now).json()["activity"] == logged.pk
    assert send(client, ended, now=now).json()["activity"] == logged.pk
    assert case.activities.count() == 1


def test_an_inbound_call_reported_by_the_dialer_is_recorded_as_received(
    client, dialer, case, collector, now
):
    response = send(client, event(case, collector, now, direction="inbound"), now=now)

    assert response.status_code == 200, response.content
    activity = case.activities.get()
    assert activity.direction == "inbound"
    assert ComplianceLogEntry.objects.get(activity=activity).kind == Kind.RECEIVED


def test_a_forged_signature_is_refused(client, dialer, case, collector, now):
    response = send(client, event(case, collector, now), now=now, secret="guessed")

    assert response.status_code == 401
    assert response.json() == {"error": "Unknown dialer or wrong signature."}
    nothing_changed(case)


def test_a_dialer_that_is_not_on_file_or_inactive_is_refused(client, dialer, case, collector, now):
    assert send(client, event(case, collector, now), now=now, name="other").status_code == 401
    Dialer.objects.filter(pk=dialer.pk).update(is_active=False)
    assert send(client, event(case, collector, now), now=now).status_code == 401
    nothing_changed(case)


def test_a_request_without_the_headers_is_refused(client, dialer, case, collector, now):
    response = client.post(
        URL, data=json.dumps(event(case, collector, now)), content_type="application/json"
    )

    assert response.status_code == 401
    assert "X-Dialer-Signature" in response.json()["error"]
    nothing_changed(case)


@pytest.mark.parametrize("minutes", [-6, 6])
def test_a_stale_or_future_timestamp_is_refused(client, dialer, case, collector, now, minutes):
    signed_at = now + dt.timedelta(minutes=minutes)

    response = send(client, event(case, collector, now), now=now, timestamp=signed_at)

    assert response.status_code == 401
    assert "300 seconds" in response.json()["error"]
    nothing_changed(case)


def test_a_replayed_event_is_refused_and_changes_nothing(client, dialer, case, collector, now):
    first = send(client, event(case, collector, now), now=now)
    assert first.status_code == 200
    activity = case.activities.get()
    rows = ComplianceLogEntry.objects.count()

    again = send(
        client, event(case, collector, now, recording="https://elsewhere.example/x"), now=now
    )

    assert again.status_code == 409
    assert "evt-1 was received before" in again.json()["error"]
    assert case.activities.get() == activity
    activity.refresh_from_db()
    assert activity.recording_reference == "https://recordings.example/r/77"
    assert (DialerEvent.objects.count(), ComplianceLogEntry.objects.count()) == (1, rows)


@pytest.mark.parametrize(
    ("body", "error"),
    [
        (b"{not json", "The body is not JSON."),
        (b"[1, 2]", "The body must be a JSON object."),
        (None, "type: must be one of"),
    ],
)
def test_a_malformed_body_is_refused(client, dialer, case, collector, now, body, error):
    payload = event(case, collector, now, type="call.paused")

    response = send(client, payload, now=now, body=body)

    assert response.status_code == 400
    assert response.json()["error"].startswith(error)
    nothing_changed(case)


@pytest.mark.parametrize(
    ("fields", "error"),
    [
        ({"collector": "nobody"}, "collector:"),
        ({"case": 999999}, "case:"),
        ({"number": "+44 20 7946 0000"}, "number:"),
        ({"occurred_at": "2026-11-23 10:00"}, "occurred_at:"),
        ({"duration_seconds": -1}, "duration_seconds:"),
        ({"outcome": "promise"}, "outcome:"),
        ({"event_id": ""}, "event_id:"),
        ({"call_id": None}, "call_id:"),
    ],
)
def test_an_event_with_a_wrong_field_is_refused_with_the_field_named(
    client, dialer, case, collector, now, fields, error
):
    response = send(client, event(case, collector, now, **fields), now=now)

    assert response.status_code == 400
    assert response.json()["error"].startswith(error)
    nothing_changed(case)


def test_a_case_the_collector_does_not_work_is_refused(client, dialer, case, outsider, now):
    response = send(client, event(case, outsider, now), now=now)

    assert response.status_code == 400
    nothing_changed(case)


def test_the_endpoint_takes_only_post(client, dialer):
    assert client.get(URL).status_code == 405


def test_the_admin_never_shows_the_secret_back(admin_client, dialer):
    page = admin_client.get(reverse("admin:workspace_dialer_change", args=[dialer.pk]))
    listing = admin_client.get(reverse("admin:workspace_dialer_changelist"))

    for response in (page, listing):
        assert response.status_code == 200
        assert SECRET not in response.content.decode()
    assert "••••••••" + SECRET[-4:] in listing.content.decode()
    assert site.is_registered(Dialer)


def test_an_empty_secret_keeps_the_current_one_and_a_new_dialer_needs_one(dialer):
    kept = DialerForm({"name": "acme", "secret": "", "is_active": "on"}, instance=dialer)
    assert kept.is_valid(), kept.errors
    assert kept.save().secret == SECRET

    new = DialerForm({"name": "other", "secret": "", "is_active": "on"})
    assert not new.is_valid()
    assert "needs a shared secret" in str(new.errors)


def test_a_new_event_for_a_matched_activity_is_not_matched_twice(
    client, dialer, case, collector, now
):
    point = case.debtor.contact_points.get()
    logged = call_log(
        case=case, user=collector, contact_point=point, outcome="no_answer", now=now
    ).activity
    first = event(case, collector, now, event_id="evt-1", call_id="call-1")
    second = event(case, collector, now, event_id="evt-2", call_id="call-2", duration_seconds=0)

    assert send(client, first, now=now).json()["activity"] == logged.pk
    created = send(client, second, now=now).json()["activity"]

    assert created != logged.pk
    assert Activity.objects.get(pk=created).outcome == "no_answer"


def test_the_admin_adds_a_dialer_and_keeps_its_secret_when_left_empty(admin_client):
    add = reverse("admin:workspace_dialer_add")
    admin_client.post(add, {"name": "pbx", "secret": "first-secret", "is_active": "on"})
    dialer = Dialer.objects.get(name="pbx")

    change = reverse("admin:workspace_dialer_change", args=[dialer.pk])
    admin_client.post(change, {"name": "pbx", "secret": "", "is_active": "on"})

    dialer.refresh_from_db()
    assert dialer.secret == "first-secret"
    assert "first-secret" not in admin_client.get(change).content.decode()


def test_the_collectors_outcome_completes_the_call_the_dialer_recorded_first(
    client, dialer, case, collector, now
):
    point = case.debtor.contact_points.get()
    ended = event(case, collector, now - dt.timedelta(minutes=2), duration_seconds=0)
    recorded = send(client, ended, now=now).json()["activity"]
    assert Activity.objects.get(pk=recorded).outcome == "no_answer"

    result = call_log(
        case=case,
        user=collector,
        contact_point=point,
        outcome="voicemail",
        notes="Left a message",
        now=now,
    )

    assert result.activity.pk == recorded
    activity = case.activities.get()  # the call counts once
    assert (activity.outcome, activity.notes) == (
        "voicemail",
        "Reported by the dialer. Left a message",
    )
    assert result.decision.log_entry.kind == Kind.DECISION
    assert ComplianceLogEntry.objects.filter(case_id=case.pk, kind=Kind.DECISION).count() == 1
    assert not DialerEvent.objects.get().awaiting_outcome
    # A second call logged afterwards is a new call, judged by the gate.
    again = call_log(case=case, user=collector, contact_point=point, outcome="no_answer", now=now)
    assert again.activity.pk != recorded
    assert case.activities.count() == 2


def test_a_call_the_dialer_recorded_with_its_outcome_awaits_nothing(
    client, dialer, case, collector, now
):
    send(client, event(case, collector, now, outcome="voicemail"), now=now)

    assert not DialerEvent.objects.get().awaiting_outcome
