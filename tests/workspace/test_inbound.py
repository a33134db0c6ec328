"""Calls the debtor makes: recorded without the outbound gate, counted where the policy counts
them, logged as contacts received; the form on the case page."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse
from django.utils import timezone

from cases.models import CALL_BACK_PRIORITY, Activity, CardAccount
from compliance.engine import compliance_decide
from compliance.log import compliance_log_seal, compliance_log_verify
from compliance.models import ComplianceLogEntry, CompliancePolicy, PortfolioPolicy
from tests.compliance.factories import case_under, local_moment, mobile, past_contact, utc
from workspace.services import call_log_inbound

pytestmark = pytest.mark.django_db
HTMX = {"HTTP_HX_REQUEST": "true"}
Kind = ComplianceLogEntry.Kind
NY, SHANGHAI = "America/New_York", "Asia/Shanghai"


def outbound(case, point, moment):
    return compliance_decide(
        actor=None, case=case, channel="call", contact_point=point, moment=moment
    )


def test_an_inbound_call_is_recorded_while_cap_and_cooldown_refuse_outbound_calls(collector):
    case = case_under("US-RegF", time_zone=NY)
    point = mobile(case)
    now = local_moment("2026-11-23 11:00", NY)
    for days in range(1, 8):  # seven attempts in seven days: the cap is reached
        past_contact(case, at=now - dt.timedelta(days=days, hours=1), contact_point=point)
    past_contact(case, at=now - dt.timedelta(hours=3), outcome="rpc", contact_point=point)
    blocked = outbound(case, point, now)
    assert {result.code for result in blocked.failed_results} == {
        "call_frequency",
        "conversation_cooldown",
    }

    activity = call_log_inbound(
        case=case, user=collector, outcome="rpc", contact_point=point, notes="Asked", now=now
    )

    assert (activity.direction, activity.channel, activity.outcome) == ("inbound", "call", "rpc")
    row = ComplianceLogEntry.objects.get(activity=activity)
    assert (row.kind, row.verdict, row.action, row.rules) == (
        Kind.RECEIVED,
        "allowed",
        "inbound_call",
        [],
    )
    assert (row.policy_code, row.debtor_time_zone, row.actor) == ("US-RegF", NY, collector)
    assert "Contact received" in row.reason
    # Not an attempt: the gate wrote no decision for it.
    assert ComplianceLogEntry.objects.filter(kind=Kind.DECISION).count() == 1
    assert compliance_log_seal() == 2
    verification = compliance_log_verify()
    assert verification.ok, verification


def test_an_inbound_conversation_starts_the_wait_after_a_conversation(collector):
    case = case_under("US-RegF", time_zone=NY)
    point = mobile(case)
    called_in = local_moment("2026-11-23 11:00", NY)
    call_log_inbound(case=case, user=collector, outcome="refused", now=called_in)

    three_days_later = outbound(case, point, called_in + dt.timedelta(days=3))
    eight_days_later = outbound(case, point, called_in + dt.timedelta(days=8))

    [cooldown] = three_days_later.failed_results
    assert cooldown.code == "conversation_cooldown"
    assert cooldown.inputs["conversation_direction"] == "inbound"
    assert eight_days_later.allowed


def test_inbound_calls_do_not_count_as_attempts(collector):
    case = case_under("US-RegF", time_zone=NY)
    point = mobile(case)
    now = local_moment("2026-11-23 11:00", NY)
    for hours in range(1, 9):
        call_log_inbound(
            case=case,
            user=collector,
            outcome="wrong_number",
            contact_point=point,
            now=now - dt.timedelta(hours=hours),
        )

    assert outbound(case, point, now).allowed


def test_a_call_back_the_debtor_asks_for_on_an_inbound_call_lifts_the_quiet_hours(collector):
    case = case_under("CN-bank", time_zone=SHANGHAI)
    point = mobile(case)
    called_in = local_moment("2026-11-23 20:00", SHANGHAI)
    late = local_moment("2026-11-23 22:30", SHANGHAI)
    assert not outbound(case, point, late).allowed

    activity = call_log_inbound(
        case=case,
        user=collector,
        outcome="rpc",
        contact_point=point,
        callback_at=late,
        now=called_in,
    )

    assert activity.outcome == Activity.Outcome.CALLBACK_REQUESTED
    decision = outbound(case, point, late)
    assert decision.allowed, decision.reason
    window = next(result for result in decision.results if result.code == "contact_window")
    assert window.inputs["consent_given_at"] == called_in.isoformat()
    case.refresh_from_db()
    assert (case.next_action_at, case.priority_score) == (late, CALL_BACK_PRIORITY)


def test_a_call_back_request_excuses_the_wait_after_the_conversation(collector):
    case = case_under("US-RegF", time_zone=NY)
    point = mobile(case)
    called_in = local_moment("2026-11-23 11:00", NY)
    call_log_inbound(
        case=case,
        user=collector,
        outcome="rpc",
        callback_at=called_in + dt.timedelta(days=1),
        now=called_in,
    )

    assert outbound(case, point, called_in + dt.timedelta(days=1)).allowed


def test_only_the_debtors_own_outcome_can_carry_a_call_back_request(collector):
    case = case_under("US-RegF", time_zone=NY)
    now = utc("2026-11-23 16:00")
    with pytest.raises(ValueError, match="call-back"):
        call_log_inbound(
            case=case,
            user=collector,
            outcome="third_party",
            callback_at=now + dt.timedelta(days=1),
            now=now,
        )
    with pytest.raises(ValueError, match="not an inbound call outcome"):
        call_log_inbound(case=case, user=collector, outcome="no_answer", now=now)
    assert not Activity.objects.exists()


# --- The case page --------------------------------------------------------------------------


@pytest.fixture
def case(team, make_case):
    return make_case(team=team)


@pytest.fixture
def worker(client, collector):
    client.force_login(collector)
    return client


def post_inbound(client, case, data: dict) -> str:
    body = {f"inbound-{field}": value for field, value in data.items()}
    response = client.post(reverse("workspace:inbound_call", args=[case.pk]), body, **HTMX)
    assert response.status_code == 200
    return response.content.decode().replace("&#x27;", "'")


def test_the_case_page_opens_the_inbound_form_for_a_call_coming_in(worker, case):
    url = reverse("workspace:detail", args=[case.pk])

    usual = worker.get(url).content.decode()
    incoming = worker.get(url, {"call": "inbound"}).content.decode()

    assert '<details class="card">' in usual
    assert '<details class="card" open>' in incoming
    assert 'name="inbound-outcome"' in incoming
    assert "autofocus" in incoming.split('id="inbound-form"')[1].split("</form>")[0]


def test_the_inbound_form_records_the_call_without_a_claim(worker, case):
    point = case.debtor.contact_points.get()

    page = post_inbound(
        worker,
        case,
        {
            "contact_point": point.pk,
            "outcome": "refused",
            "notes": "Called about the letter",
            "disclosure_given": "on",
        },
    )

    assert "Inbound call logged: Refused to pay." in page
    activity = case.activities.get()
    assert (activity.direction, activity.contact_point, activity.disclosure_given) == (
        "inbound",
        point,
        True,
    )
    assert ComplianceLogEntry.objects.get(activity=activity).kind == Kind.RECEIVED


def test_the_inbound_form_takes_a_number_not_on_file_and_a_call_back(worker, case):
    debtor_noon = dt.datetime.combine(
        timezone.localdate() + dt.timedelta(days=2), dt.time(12), ZoneInfo(case.debtor.time_zone)
    )
    typed = debtor_noon.strftime("%Y-%m-%dT%H:%M")  # on the debtor's clock, as the form says

    page = post_inbound(
        worker,
        case,
        {"contact_point": "", "outcome": "rpc", "callback_at": typed, "disclosure_given": "on"},
    )

    assert "Inbound call logged: Call-back requested." in page
    activity = case.activities.get()
    assert activity.contact_point is None
    case.refresh_from_db()
    assert (case.next_action_at, case.priority_score) == (debtor_noon, CALL_BACK_PRIORITY)


def test_the_inbound_form_needs_the_disclosure_on_a_right_party_contact(worker, case):
    page = post_inbound(worker, case, {"contact_point": "", "outcome": "rpc"})

    assert "A right-party contact needs the disclosure" in page
    assert '<details class="card" open>' in page  # the form stays open, as it was typed
    assert not case.activities.exists()


def test_a_third_party_cannot_ask_for_the_debtors_call_back(worker, case):
    debtor_noon = dt.datetime.combine(timezone.localdate() + dt.timedelta(days=2), dt.time(12))
    page = post_inbound(
        worker,
        case,
        {"outcome": "third_party", "callback_at": debtor_noon.strftime("%Y-%m-%dT%H:%M")},
    )

    assert "Only the debtor can ask for a call-back" in page
    assert not case.activities.exists()


def test_an_outsider_cannot_log_an_inbound_call_on_a_case_they_do_not_see(client, outsider, case):
    client.force_login(outsider)
    response = client.post(
        reverse("workspace:inbound_call", args=[case.pk]), {"inbound-outcome": "rpc"}
    )
    assert response.status_code == 404
    assert not case.activities.exists()


def test_cn_policy_case_page_shows_the_chinese_disclosure(worker, case):
    CardAccount.objects.filter(pk=case.account_id).update(portfolio="cn-cards")
    PortfolioPolicy.objects.create(
        portfolio="cn-cards", policy=CompliancePolicy.objects.get(code="CN-bank")
    )

    page = worker.get(reverse("workspace:detail", args=[case.pk])).content.decode()

    assert "受【银行名称】委托" in page
