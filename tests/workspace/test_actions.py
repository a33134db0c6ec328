"""Each action on the case page: what it records, what the compliance gate says, what it refuses."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.roles import Role
from cases.models import CALL_BACK_PRIORITY, Activity, Case, ContactPoint, Debtor, PromiseToPay
from compliance.models import ComplianceLogEntry
from tests.factories import ActivityFactory, UserFactory
from workspace.services import case_claim_next

pytestmark = pytest.mark.django_db
HTMX = {"HTTP_HX_REQUEST": "true"}
Kind, Verdict = ComplianceLogEntry.Kind, ComplianceLogEntry.Verdict


@pytest.fixture
def case(team, make_case):
    return make_case(team=team)


@pytest.fixture
def worker(client, collector):
    client.force_login(collector)
    return client


FORM_PREFIX = {
    "call_log": "call",
    "promise": "promise",
    "callback": "callback",
    "note": "note",
    "contact_point_mark": "mark",
    "debtor_flag": "flag",
}


def post(client, name: str, case: Case, data: dict) -> str:
    """Post the action's form; the workspace fragment it answers with, apostrophes unescaped."""
    body = {f"{FORM_PREFIX[name]}-{field}": value for field, value in data.items()}
    response = client.post(reverse(f"workspace:{name}", args=[case.pk]), body, **HTMX)
    assert response.status_code == 200
    return response.content.decode().replace("&#x27;", "'")


def log_rows(case: Case):
    return ComplianceLogEntry.objects.filter(case_id=case.pk)


def in_days(days: int) -> str:
    return (timezone.localdate() + dt.timedelta(days=days)).isoformat()


def test_the_case_page_shows_the_workspace_with_the_id_masked(worker, case):
    page = worker.get(reverse("workspace:detail", args=[case.pk])).content.decode()
    assert case.debtor.masked_national_id in page
    assert 'data-shortcut-click="1"' in page and 'id="call-form"' in page
    assert "<script>" not in page and " style=" not in page and " onclick=" not in page


THIRD_PARTY = {"owner": "third_party", "third_party_name": "Pat Neighbour"}


@pytest.mark.parametrize(
    ("fields", "statuses"),
    [
        ({"sms_consent": True}, "SMS consent"),
        ({"sms_consent": False}, ""),
        ({"sms_consent": True, "email_consent": True}, "SMS consent · email consent"),
        ({"invalid": True, "sms_consent": False}, "invalid"),
        ({"opted_out": True, "verified": True}, "opted out · SMS consent · verified"),
        (
            {**THIRD_PARTY, "third_party_relationship": "neighbour", "sms_consent": False},
            "Pat Neighbour (neighbour)",
        ),
        ({**THIRD_PARTY, "do_not_contact": True}, "Pat Neighbour · do not contact · SMS consent"),
    ],
)
def test_a_contact_points_statuses_are_joined_without_a_stray_separator(
    worker, case, fields, statuses
):
    point = case.debtor.contact_points.get()
    ContactPoint.objects.filter(pk=point.pk).update(**fields)

    page = worker.get(reverse("workspace:detail", args=[case.pk])).content.decode()

    listed = re.search(
        rf"<div>Mobile phone: <a [^>]*>{re.escape(point.value)}</a></div>\s*"
        r'(?:<small class="text-secondary">(?P<statuses>.*?)</small>)?',
        page,
        re.DOTALL,
    )
    shown = re.sub(r"<[^>]+>", "", listed["statuses"] or "")
    assert " ".join(shown.split()) == statuses


def test_logging_a_call_writes_the_activity_and_its_compliance_rows(worker, collector, case):
    point = case.debtor.contact_points.get()
    fragment = post(worker, "call_log", case, {"contact_point": point.pk, "outcome": "no_answer"})
    assert fragment.lstrip().startswith('<div id="workspace"')
    assert "Logged: No answer." in fragment
    activity = case.activities.get()
    assert (activity.channel, activity.outcome, activity.actor, activity.contact_point) == (
        "call",
        "no_answer",
        collector,
        point,
    )
    decision = log_rows(case).get(kind=Kind.DECISION)
    contact = log_rows(case).get(kind=Kind.CONTACT)
    assert decision.verdict == Verdict.ALLOWED
    assert contact.activity_id == activity.pk and contact.decision_entry_id == decision.pk


def test_a_blocked_call_is_logged_as_blocked_and_records_no_contact(worker, case):
    point = case.debtor.contact_points.get()
    ActivityFactory(
        case=case,
        contact_point=point,
        outcome=Activity.Outcome.RIGHT_PARTY_CONTACT,
        occurred_at=timezone.now() - dt.timedelta(days=1),
    )
    fragment = post(
        worker,
        "call_log",
        case,
        {"contact_point": point.pk, "outcome": "rpc", "disclosure_given": "on"},
    )
    assert "Blocked by the compliance gate" in fragment
    assert "conversation_cooldown" in fragment
    assert "Next allowed:" in fragment
    assert "debtor's time" in fragment and "your time" in fragment
    assert case.activities.count() == 1  # only the earlier conversation
    assert log_rows(case).get().verdict == Verdict.BLOCKED
    assert not log_rows(case).filter(kind=Kind.CONTACT).exists()
    case.refresh_from_db()
    assert case.next_action_at > timezone.now()  # the queue waits for the next allowed time


def test_a_promise_is_a_gated_call_that_sets_the_case_promised(worker, collector, case):
    point = case.debtor.contact_points.get()
    page = post(
        worker,
        "promise",
        case,
        {
            "contact_point": point.pk,
            "amount": "300.00",
            "due_date": in_days(20),
            "instalments": f"{in_days(10)} 100.00\n{in_days(20)} 200.00",
            "disclosure_given": "on",
        },
    )
    assert "Promise taken" in page
    promise = case.promises.get()
    assert (promise.amount, promise.status, promise.created_by) == (
        Decimal("300.00"),
        PromiseToPay.Status.PENDING,
        collector,
    )
    assert [i.amount for i in promise.instalments.all()] == [Decimal("100.00"), Decimal("200.00")]
    case.refresh_from_db()
    assert case.status == Case.Status.PROMISED
    assert case.activities.get().outcome == Activity.Outcome.PROMISE
    assert case.activities.get().disclosure_given
    assert set(log_rows(case).values_list("kind", flat=True)) == {Kind.DECISION, Kind.CONTACT}


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"amount": "0", "due_date": 5}, "The amount must be more than zero."),
        ({"amount": "-5", "due_date": 5}, "The amount must not be negative."),
        ({"amount": "1e3", "due_date": 5}, "Write the amount with digits and a point, like"),
        ({"amount": "NaN", "due_date": 5}, "Write the amount with digits and a point, like"),
        ({"amount": "١٢٣", "due_date": 5}, "Write the amount with digits and a point, like"),
        ({"amount": "12,50", "due_date": 5}, "Write the amount with digits and a point, like"),
        ({"amount": "12.505", "due_date": 5}, "at most two decimals (cents)"),
        ({"amount": "1" * 40, "due_date": 5}, "The amount is too large"),
        ({"amount": "50", "due_date": 0}, "The pay-by date must be after today"),
        ({"amount": "50", "due_date": -3}, "The pay-by date must be after today"),
        ({"amount": "50", "due_date": 45}, "The pay-by date must be within 30 days"),
        (
            {"amount": "50", "due_date": 9, "instalments": "{d5} 20\n{d9} 20"},
            "The instalments add up to 40, not 50",
        ),
        (
            {"amount": "50", "due_date": 9, "instalments": "{d5} -10\n{d9} 60"},
            "Line 1: The amount must not be negative.",
        ),
        (
            {"amount": "50", "due_date": 9, "instalments": "{d5} 0\n{d9} 50"},
            "Line 1: the amount must be more than zero.",
        ),
        (
            {"amount": "1000", "due_date": 9, "instalments": "{d9} 1e3"},
            "Line 1: Write the amount with digits and a point, like 1234.50.",
        ),
        (
            {"amount": "50", "due_date": 9, "instalments": "tomorrow 50"},
            "write a date and an amount",
        ),
        (
            {"amount": "50", "due_date": 5, "instalments": "{d9} 50"},
            "An instalment falls after the pay-by date.",
        ),
    ],
)
def test_a_promise_is_refused_with_a_clear_message(worker, case, data, message):
    body = {
        "contact_point": case.debtor.contact_points.get().pk,
        "amount": data["amount"],
        "due_date": in_days(data["due_date"]),
        "instalments": data.get("instalments", "").format(d5=in_days(5), d9=in_days(9)),
    }
    assert message in post(worker, "promise", case, body)
    assert not case.promises.exists()
    assert not case.activities.exists()
    assert not log_rows(case).exists()


def test_a_call_back_is_typed_on_the_debtors_clock_and_shown_on_both(worker, collector, case):
    collector.time_zone = "Europe/Paris"
    collector.save()
    debtor_zone = case.debtor.time_zone
    tomorrow_noon = dt.datetime.combine(
        timezone.localdate() + dt.timedelta(days=1), dt.time(12), tzinfo=ZoneInfo(debtor_zone)
    )
    form = worker.get(reverse("workspace:detail", args=[case.pk])).content.decode()
    assert f"Call back at (debtor's time, {debtor_zone})" in form.replace("&#x27;", "'")

    page = post(worker, "callback", case, {"when": tomorrow_noon.strftime("%Y-%m-%dT%H:%M")})

    assert "Call-back scheduled" in page
    assert "12:00 debtor's time" in page
    in_paris = tomorrow_noon.astimezone(ZoneInfo("Europe/Paris"))
    assert f"{in_paris:%H:%M} your time" in page
    case.refresh_from_db()
    assert case.next_action_at == tomorrow_noon
    assert case.priority_score == CALL_BACK_PRIORITY
    note = case.activities.get()
    assert note.channel == Activity.Channel.NOTE
    day = tomorrow_noon.date()
    assert note.notes == (
        f"Call-back scheduled for {day.day} {day:%b %Y}, 12:00 debtor's time ({debtor_zone})."
    )
    assert "UTC." not in page


def test_a_call_back_at_a_time_the_clocks_skip_is_refused(worker, case):
    Debtor.objects.filter(pk=case.debtor_id).update(time_zone="Europe/London")
    now = timezone.now()
    # The next spring change in London: 01:00-02:00 on the last Sunday of March does not exist.
    year = now.year + 1 if now.month > 3 else now.year
    march_end = dt.date(year, 3, 31)
    sunday = march_end - dt.timedelta(days=(march_end.weekday() + 1) % 7)
    page = post(worker, "callback", case, {"when": f"{sunday.isoformat()}T01:30"})
    assert "That time does not exist in Europe/London" in page
    assert not case.activities.exists()


def test_a_call_back_outside_the_debtors_window_is_refused(worker, collector, case):
    night = dt.datetime.combine(
        timezone.localdate() + dt.timedelta(days=1),
        dt.time(23),
        tzinfo=ZoneInfo(case.debtor.time_zone),
    )
    page = post(worker, "callback", case, {"when": night.strftime("%Y-%m-%dT%H:%M")})
    assert "23:00 is outside the call window 08:00-21:00 (debtor's time" in page
    assert not case.activities.exists()


def test_a_note_is_recorded_as_an_internal_activity(worker, collector, case):
    post(worker, "note", case, {"text": "Asked for statements."})
    note = case.activities.get()
    assert (note.channel, note.direction, note.actor, note.notes) == (
        "note",
        "internal",
        collector,
        "Asked for statements.",
    )


def test_marking_a_number_invalid_records_who_and_why_and_the_gate_then_blocks_it(worker, case):
    point = case.debtor.contact_points.get()
    post(
        worker,
        "contact_point_mark",
        case,
        {
            "contact_point": point.pk,
            "mark": "invalid",
            "reason": "Disconnected tone",
        },
    )
    point.refresh_from_db()
    assert point.invalid
    assert "Disconnected tone" in case.activities.get().notes
    page = post(worker, "call_log", case, {"contact_point": point.pk, "outcome": "no_answer"})
    assert "invalid_contact_point" in page
    assert case.activities.count() == 1


@pytest.mark.parametrize(
    ("flag", "rule"),
    [
        ("dispute_pending", "dispute_pending"),
        ("cease_communication", "cease_communication"),
        ("is_vulnerable", "vulnerability"),
    ],
)
def test_recording_a_debtor_flag_writes_a_note_and_the_gate_blocks_calls(worker, case, flag, rule):
    post(worker, "debtor_flag", case, {"flag": flag, "reason": "Said so on the phone"})
    case.debtor.refresh_from_db()
    assert getattr(case.debtor, flag)
    note = case.activities.get()
    assert note.channel == "note" and "Said so on the phone" in note.notes
    point = case.debtor.contact_points.get()
    page = post(
        worker,
        "call_log",
        case,
        {"contact_point": point.pk, "outcome": "rpc", "disclosure_given": "on"},
    )
    assert rule in page
    assert log_rows(case).get().verdict == Verdict.BLOCKED


def test_a_reason_is_required_for_a_debtor_flag(worker, case):
    page = post(worker, "debtor_flag", case, {"flag": "dispute_pending", "reason": ""})
    assert "This field is required." in page
    case.debtor.refresh_from_db()
    assert not case.debtor.dispute_pending


def test_a_case_held_by_another_collector_cannot_be_worked(worker, team, case):
    teammate = UserFactory(role=Role.COLLECTOR, team=team)
    case_claim_next(user=teammate, now=timezone.now())
    point = case.debtor.contact_points.get()
    page = post(worker, "call_log", case, {"contact_point": point.pk, "outcome": "no_answer"})
    assert "being worked by someone else" in page
    assert not case.activities.exists()


def test_without_htmx_an_action_renders_the_whole_page(worker, case):
    point = case.debtor.contact_points.get()
    response = worker.post(
        reverse("workspace:call_log", args=[case.pk]),
        {"call-contact_point": point.pk, "call-outcome": "voicemail"},
    )
    assert "<html" in response.content.decode()
    assert case.activities.get().outcome == "voicemail"


CARD_WITH_NO_BREAK_SPACES = "\u00a0".join(["4111", "1111", "1111", "1111"])


@pytest.mark.parametrize(
    ("action", "data"),
    [
        ("note", {"text": f"Card {CARD_WITH_NO_BREAK_SPACES} read out"}),
        ("call_log", {"outcome": "no_answer", "notes": "SSN 123-45-6789"}),
        ("promise", {"amount": "50", "notes": "card 5500000000000004"}),
        ("callback", {"notes": "NI AB123456C"}),
        ("contact_point_mark", {"mark": "invalid", "reason": "4111111111111111"}),
        ("debtor_flag", {"flag": "dispute_pending", "reason": "ID 440304199003070050"}),
    ],
)
def test_a_note_holding_a_card_or_national_id_number_is_refused_and_nothing_is_recorded(
    worker, case, action, data
):
    """Every other field is valid: the note alone is refused."""
    point = case.debtor.contact_points.get()
    tomorrow_noon = dt.datetime.combine(timezone.localdate() + dt.timedelta(days=1), dt.time(12))
    valid = {
        "contact_point": point.pk,
        "due_date": in_days(5),
        "when": tomorrow_noon.replace(tzinfo=ZoneInfo(case.debtor.time_zone))
        .astimezone(dt.UTC)
        .strftime("%Y-%m-%dT%H:%M"),
    }

    page = post(worker, action, case, {**valid, **data})

    assert "Card numbers and national ID numbers must not be written here" in page
    assert not case.activities.exists()
    assert not case.promises.exists()
    assert not log_rows(case).exists()
    case.debtor.refresh_from_db()
    assert not case.debtor.dispute_pending
    point.refresh_from_db()
    assert not point.invalid


def test_card_and_national_id_numbers_stored_before_the_checks_are_masked_on_the_case_page(
    worker, case
):
    """Rows written before notes and feeds were checked still hold the numbers."""
    card = "\u00a0".join(["4111", "1111", "1111", "1111"])
    Debtor.objects.filter(pk=case.debtor.pk).update(
        full_name="Ann 440304199003070050",
        is_vulnerable=True,
        vulnerability_note="SSN 123-45-6789",
    )
    point = case.debtor.contact_points.get()
    ContactPoint.objects.filter(pk=point.pk).update(value="4111111111111111")
    ActivityFactory(case=case, debtor=case.debtor, notes=f"Card {card} read out")

    page = worker.get(reverse("workspace:detail", args=[case.pk])).content.decode()

    digits = "".join(ch for ch in page if ch.isdigit() or ch == "<")
    for number in ("4111111111111111", "440304199003070050", "123456789"):
        assert number not in digits
    assert "[card number ••••1111]" in page
    assert "Ann [national ID ••••0050]" in page
    assert "SSN [national ID ••••6789]" in page
