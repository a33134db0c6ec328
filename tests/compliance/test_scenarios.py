"""The compliance engine, table-driven: every rule type under every preset.

Each scenario builds a case under a preset, its contact history (in the debtor's wall-clock
time), judges one attempt and checks the verdict, the failing rules, when contact next becomes
allowed, and that exactly one log row was written. COMPLIANCE.md's scenarios are marked (§n).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

import pytest

from accounts.roles import Role
from compliance.engine import compliance_decide
from compliance.models import ComplianceLogEntry
from tests.compliance.factories import case_under, local_moment, past_contact
from tests.factories import (
    AgencyFactory,
    CardAccountFactory,
    CaseFactory,
    ContactPointFactory,
    PlacementFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

NOW = "2026-11-23 10:00"  # a Monday, in the debtor's local time


@dataclass(frozen=True)
class Past:
    """A contact already made, at a local wall-clock time, to the target or another point."""

    local: str
    outcome: str = "no_answer"
    channel: str = "call"
    direction: str = "outbound"
    to: str | None = "target"
    about: str = "this_debt"  # or "another_debt": another card account of the same debtor


def unanswered_calls(*local_times: str, outcome: str = "no_answer", to: str = "target"):
    return [Past(local, outcome, to=to) for local in local_times]


SEVEN_DAYS_OF_CALLS = unanswered_calls(
    "2026-11-17 09:30",
    "2026-11-18 12:00",
    "2026-11-19 12:00",
    "2026-11-20 12:00",
    "2026-11-21 12:00",
    "2026-11-22 12:00",
    "2026-11-23 09:00",
    outcome="voicemail",
)
THIRD_PARTY = {
    "kind": "mobile",
    "owner": "third_party",
    "third_party_name": "Pat Neighbour",
    "third_party_relationship": "neighbour",
}


@dataclass(frozen=True)
class Scenario:
    name: str
    preset: str
    allowed: bool
    failed: frozenset[str] = frozenset()
    next_allowed: str | None = None  # debtor local time
    channel: str = "call"
    at: str = NOW
    time_zone: str = "America/New_York"
    action: str = "contact"
    debtor: dict[str, Any] = field(default_factory=dict)
    target: dict[str, Any] | None = field(default_factory=lambda: {"kind": "mobile"})
    history: tuple[Past, ...] = ()
    actor: str = "collector"  # collector | agency | system
    placement: str | None = None  # agency scenarios: current | recalled | elsewhere
    agency: dict[str, Any] = field(default_factory=dict)


def blocked(name: str, preset: str, failed: set[str], next_allowed: str | None = None, **kw):
    return Scenario(name, preset, False, frozenset(failed), next_allowed, **kw)


def allowed(name: str, preset: str, **kw):
    return Scenario(name, preset, True, **kw)


SCENARIOS = [
    # --- US Regulation F -------------------------------------------------------------------
    allowed("us_a_first_call_in_the_window_is_allowed", "US-RegF"),
    blocked(  # §1
        "us_the_8th_call_about_a_debt_in_7_days_is_blocked",
        "US-RegF",
        {"call_frequency"},
        next_allowed="2026-11-24 09:30",
        history=tuple(SEVEN_DAYS_OF_CALLS),
    ),
    allowed(
        "us_the_7th_call_in_7_days_is_allowed", "US-RegF", history=tuple(SEVEN_DAYS_OF_CALLS[1:])
    ),
    allowed(
        "us_inbound_calls_do_not_count_as_attempts",
        "US-RegF",
        history=(
            *SEVEN_DAYS_OF_CALLS[1:],
            Past("2026-11-22 13:00", "no_answer", direction="inbound"),
        ),
    ),
    allowed(
        "us_calls_to_a_third_party_are_counted_for_that_person_not_the_debtor",
        "US-RegF",
        history=(*SEVEN_DAYS_OF_CALLS[1:], Past("2026-11-22 15:00", "third_party", to="third")),
    ),
    blocked(  # §2
        "us_a_call_3_days_after_a_conversation_is_blocked",
        "US-RegF",
        {"conversation_cooldown"},
        next_allowed="2026-11-27 10:00",
        history=(Past("2026-11-20 10:00", "rpc"),),
    ),
    allowed(  # §2
        "us_a_call_8_days_after_a_conversation_is_allowed",
        "US-RegF",
        history=(Past("2026-11-15 10:00", "promise"),),
    ),
    blocked(
        "us_a_conversation_on_an_inbound_call_starts_the_7_day_wait",
        "US-RegF",
        {"conversation_cooldown"},
        next_allowed="2026-11-29 18:00",
        history=(Past("2026-11-22 18:00", "rpc", direction="inbound"),),
    ),
    allowed(
        "us_calls_the_person_asked_for_are_excluded_from_the_count_and_the_wait",
        "US-RegF",
        history=(
            Past("2026-11-22 09:00", "callback"),
            *unanswered_calls(
                *(f"2026-11-22 1{hour}:00" for hour in range(7)), outcome="voicemail"
            ),
        ),
    ),
    blocked(  # §3
        "us_0730_in_los_angeles_is_blocked",
        "US-RegF",
        {"contact_window"},
        next_allowed="2026-11-23 08:00",
        at="2026-11-23 07:30",
        time_zone="America/Los_Angeles",
    ),
    allowed(
        "us_0800_in_los_angeles_is_allowed",
        "US-RegF",
        at="2026-11-23 08:00",
        time_zone="America/Los_Angeles",
    ),
    allowed(
        "us_2059_in_los_angeles_is_allowed",
        "US-RegF",
        at="2026-11-23 20:59",
        time_zone="America/Los_Angeles",
    ),
    blocked(  # §3
        "us_2100_in_los_angeles_is_blocked",
        "US-RegF",
        {"contact_window"},
        next_allowed="2026-11-24 08:00",
        at="2026-11-23 21:00",
        time_zone="America/Los_Angeles",
    ),
    allowed(
        "us_a_letter_has_no_contact_window",
        "US-RegF",
        channel="letter",
        at="2026-11-23 23:30",
        target={"kind": "postal"},
    ),
    blocked(
        "us_a_cease_request_blocks_calls",
        "US-RegF",
        {"cease_communication"},  # §4
        debtor={"cease_communication": True},
    ),
    blocked(
        "us_a_cease_request_blocks_sms",
        "US-RegF",
        {"cease_communication"},  # §4
        channel="sms",
        action="sms_reminder",
        debtor={"cease_communication": True},
    ),
    allowed(
        "us_a_letter_confirming_collection_stops_is_allowed_after_cease",
        "US-RegF",  # §4
        channel="letter",
        action="confirm_cease",
        target={"kind": "postal"},
        debtor={"cease_communication": True},
    ),
    blocked(
        "us_a_represented_debtor_is_not_called",
        "US-RegF",
        {"attorney"},
        debtor={
            "has_attorney": True,
            "attorney_name": "Kim Wexler",
            "attorney_phone": "+1 505 555 0100",
        },
    ),
    allowed(
        "us_the_attorney_of_a_represented_debtor_is_called",
        "US-RegF",
        debtor={
            "has_attorney": True,
            "attorney_name": "Kim Wexler",
            "attorney_phone": "+1 505 555 0100",
        },
        target={
            "kind": "work",
            "owner": "third_party",
            "third_party_name": "Kim Wexler",
            "value": "5055550100",
        },
    ),
    blocked(
        "us_a_work_number_whose_employer_prohibits_contact_is_blocked",
        "US-RegF",
        {"workplace"},
        target={"kind": "work", "employer_prohibits_contact": True},
    ),
    allowed(
        "us_a_work_number_is_called_when_the_employer_allows_it", "US-RegF", target={"kind": "work"}
    ),
    blocked(
        "us_a_number_the_debtor_opted_out_of_is_blocked",
        "US-RegF",
        {"medium_opt_out"},
        target={"kind": "mobile", "opted_out": True},
    ),
    blocked(
        "us_a_do_not_contact_number_is_blocked",
        "US-RegF",
        {"do_not_contact"},
        target={"kind": "home", "do_not_contact": True},
    ),
    blocked(
        "us_an_invalid_number_is_blocked",
        "US-RegF",
        {"invalid_contact_point"},
        target={"kind": "mobile", "invalid": True},
    ),
    blocked(
        "us_an_sms_without_consent_is_blocked",
        "US-RegF",
        {"channel_consent"},
        channel="sms",
        target={"kind": "mobile", "sms_consent": False},
    ),
    allowed(
        "us_an_email_with_consent_is_allowed",
        "US-RegF",
        channel="email",
        target={"kind": "email", "value": "debtor@example.test", "email_consent": True},
    ),
    blocked(
        "us_an_sms_to_a_postal_address_is_refused",
        "US-RegF",
        {"contact_point_channel"},
        channel="sms",
        target={"kind": "postal"},
    ),
    blocked(
        "us_a_bankrupt_debtor_is_not_contacted",
        "US-RegF",
        {"bankruptcy"},
        debtor={"is_bankrupt": True},
    ),
    blocked(
        "us_a_disputed_debt_stops_calls",
        "US-RegF",
        {"dispute_pending"},
        debtor={"dispute_pending": True},
    ),
    allowed(
        "us_the_verification_of_a_disputed_debt_is_sent",
        "US-RegF",
        channel="letter",
        action="send_verification",
        target={"kind": "postal"},
        debtor={"dispute_pending": True},
    ),
    blocked(
        "us_a_deceased_debtor_without_a_representative_is_not_contacted",
        "US-RegF",
        {"deceased"},
        debtor={"is_deceased": True},
    ),
    blocked(
        "us_an_executor_who_is_not_the_named_representative_is_not_called",
        "US-RegF",
        {"deceased"},
        debtor={"is_deceased": True, "estate_representative": "Jo Executor"},
        target={
            "kind": "mobile",
            "owner": "third_party",
            "third_party_name": "Sam Cousin",
            "third_party_relationship": "executor",
        },
    ),
    allowed(
        "us_the_named_representative_of_a_deceased_debtor_is_called",
        "US-RegF",
        debtor={"is_deceased": True, "estate_representative": "Jo Executor"},
        target={"kind": "mobile", "owner": "third_party", "third_party_name": "Jo Executor"},
    ),
    allowed(
        "us_a_third_party_is_asked_once_for_location",
        "US-RegF",
        action="location_inquiry",
        target=THIRD_PARTY,
    ),
    blocked(
        "us_a_third_party_is_not_asked_twice",
        "US-RegF",
        {"third_party"},
        action="location_inquiry",
        target=THIRD_PARTY,
        history=(Past("2026-10-01 12:00", "third_party"),),
    ),
    blocked(
        "us_a_third_party_is_not_told_about_the_debt",
        "US-RegF",
        {"third_party"},
        target=THIRD_PARTY,
    ),
    blocked(
        "us_a_vulnerable_debtor_needs_approval",
        "US-RegF",
        {"vulnerability"},
        debtor={"is_vulnerable": True},
    ),
    allowed(
        "us_the_system_sends_a_consented_sms_reminder",
        "US-RegF",
        channel="sms",
        action="sms_reminder",
        actor="system",
    ),
    # --- US Massachusetts overlay ----------------------------------------------------------
    blocked(
        "ma_a_third_phone_communication_in_7_days_is_blocked",
        "US-MA",
        {"ma_phone_communications"},
        next_allowed="2026-11-27 10:00",
        history=(Past("2026-11-20 10:00", "voicemail"), Past("2026-11-21 10:00", "voicemail")),
    ),
    blocked(
        "ma_texts_count_as_phone_communications",
        "US-MA",
        {"ma_phone_communications"},
        next_allowed="2026-11-28 11:00",
        channel="sms",
        action="sms_reminder",
        history=(
            Past("2026-11-21 11:00", "sent", channel="sms"),
            Past("2026-11-22 11:00", "voicemail"),
        ),
    ),
    allowed(
        "ma_unanswered_dials_without_a_message_do_not_count",
        "US-MA",
        history=tuple(unanswered_calls("2026-11-20 10:00", "2026-11-21 10:00", "2026-11-22 10:00")),
    ),
    allowed(
        "ma_a_work_number_is_not_a_personal_number",
        "US-MA",
        target={"kind": "work"},
        history=(
            Past("2026-11-20 10:00", "voicemail", to="other"),
            Past("2026-11-21 10:00", "voicemail", to="other"),
        ),
    ),
    blocked(
        "ma_a_second_visit_in_30_days_is_blocked",
        "US-MA",
        {"ma_home_visits"},
        next_allowed="2026-12-05 10:00",
        channel="visit",
        target={"kind": "postal"},
        history=(Past("2026-11-05 10:00", "refused", channel="visit"),),
    ),
    # --- China, bank credit cards ----------------------------------------------------------
    blocked(
        "cn_a_call_at_2205_shanghai_time_is_blocked",
        "CN-bank",
        {"contact_window"},  # §5
        next_allowed="2026-11-24 08:00",
        at="2026-11-23 22:05",
        time_zone="Asia/Shanghai",
    ),
    allowed(
        "cn_a_call_at_2155_shanghai_time_is_allowed",
        "CN-bank",
        at="2026-11-23 21:55",
        time_zone="Asia/Shanghai",
    ),
    blocked(  # §5
        "cn_the_7th_unanswered_dial_to_one_number_in_a_day_is_blocked",
        "CN-bank",
        {"unanswered_attempts"},
        next_allowed="2026-11-24 08:00",
        time_zone="Asia/Shanghai",
        history=tuple(unanswered_calls(*(f"2026-11-23 08:{minute}0" for minute in range(6)))),
    ),
    allowed(
        "cn_answered_calls_do_not_count_as_unanswered",
        "CN-bank",
        time_zone="Asia/Shanghai",
        history=(
            *(Past(f"2026-11-23 08:{minute}0", "rpc") for minute in range(2)),
            *(Past(f"2026-11-23 09:{minute}0", "wrong_number") for minute in range(4)),
        ),
    ),
    allowed(
        "cn_unanswered_dials_to_another_number_do_not_count",
        "CN-bank",
        time_zone="Asia/Shanghai",
        history=tuple(unanswered_calls(*(f"2026-11-23 08:{m}0" for m in range(6)), to="other")),
    ),
    allowed(
        "cn_yesterdays_unanswered_dials_do_not_count",
        "CN-bank",
        time_zone="Asia/Shanghai",
        history=tuple(unanswered_calls(*(f"2026-11-22 20:{m}0" for m in range(6)))),
    ),
    blocked(
        "cn_a_third_party_is_not_contacted_while_the_debtor_is_reachable",
        "CN-bank",
        {"third_party"},
        time_zone="Asia/Shanghai",
        action="location_inquiry",
        target=THIRD_PARTY,
    ),
    allowed(
        "cn_a_third_party_is_asked_for_contact_details_when_the_debtor_is_unreachable",
        "CN-bank",
        time_zone="Asia/Shanghai",
        action="location_inquiry",
        target=THIRD_PARTY,
        debtor={"is_unreachable": True},
    ),
    allowed(
        "cn_a_guarantor_is_contacted_like_the_debtor",
        "CN-bank",
        time_zone="Asia/Shanghai",
        target={
            **THIRD_PARTY,
            "third_party_name": "Li Guarantor",
            "third_party_relationship": "Guarantor",
        },
    ),
    # The Chinese rules of 2026: quiet hours in the debtor's time, unless the debtor agreed.
    blocked(
        "cn_a_call_at_0759_shanghai_time_waits_for_eight",
        "CN-bank",
        {"contact_window"},
        next_allowed="2026-11-23 08:00",
        at="2026-11-23 07:59",
        time_zone="Asia/Shanghai",
    ),
    allowed(
        "cn_a_call_at_0800_shanghai_time_is_allowed",
        "CN-bank",
        at="2026-11-23 08:00",
        time_zone="Asia/Shanghai",
    ),
    blocked(
        "cn_a_call_at_2200_in_urumqi_is_judged_on_the_debtors_clock",
        "CN-bank",
        {"contact_window"},
        next_allowed="2026-11-24 08:00",
        at="2026-11-23 22:00",
        time_zone="Asia/Urumqi",
    ),
    blocked(
        "cn_an_sms_at_2230_is_blocked_too",
        "CN-bank",
        {"contact_window"},
        next_allowed="2026-11-24 08:00",
        channel="sms",
        at="2026-11-23 22:30",
        time_zone="Asia/Shanghai",
        action="sms_reminder",
        target={"kind": "mobile", "sms_consent": True},
    ),
    blocked(
        "cn_a_field_visit_at_0700_is_blocked",
        "CN-bank",
        {"contact_window"},
        next_allowed="2026-11-23 08:00",
        channel="visit",
        at="2026-11-23 07:00",
        time_zone="Asia/Shanghai",
        target={"kind": "postal"},
    ),
    allowed(
        "cn_a_letter_is_not_collection_at_night",
        "CN-bank",
        channel="letter",
        at="2026-11-23 23:00",
        time_zone="Asia/Shanghai",
        action="demand_letter",
        target={"kind": "postal"},
    ),
    allowed(
        "cn_a_call_back_the_debtor_asked_for_lifts_the_quiet_hours",
        "CN-bank",
        at="2026-11-23 22:30",
        time_zone="Asia/Shanghai",
        history=(Past("2026-11-23 19:00", "callback"),),
    ),
    blocked(
        "cn_a_call_back_asked_for_two_days_ago_no_longer_lifts_them",
        "CN-bank",
        {"contact_window"},
        next_allowed="2026-11-24 08:00",
        at="2026-11-23 22:30",
        time_zone="Asia/Shanghai",
        history=(Past("2026-11-21 19:00", "callback"),),
    ),
    blocked(
        "cn_a_call_back_a_third_party_asked_for_does_not_lift_them_for_the_debtor",
        "CN-bank",
        {"contact_window"},
        next_allowed="2026-11-24 08:00",
        at="2026-11-23 22:30",
        time_zone="Asia/Shanghai",
        history=(Past("2026-11-23 19:00", "callback", to="third"),),
    ),
    # At most 6 unanswered attempts a day to one number.
    allowed(
        "cn_the_6th_unanswered_dial_to_one_number_is_allowed",
        "CN-bank",
        time_zone="Asia/Shanghai",
        history=tuple(unanswered_calls(*(f"2026-11-23 08:{minute}0" for minute in range(5)))),
    ),
    blocked(
        "cn_voicemails_count_as_unanswered",
        "CN-bank",
        {"unanswered_attempts"},
        next_allowed="2026-11-24 08:00",
        time_zone="Asia/Shanghai",
        history=tuple(
            unanswered_calls(*(f"2026-11-23 08:{m}0" for m in range(6)), outcome="voicemail")
        ),
    ),
    # At most 3 effective conversations a day per debtor, whatever the debt.
    blocked(
        "cn_a_4th_conversation_with_the_debtor_in_a_day_is_blocked",
        "CN-bank",
        {"effective_conversations"},
        next_allowed="2026-11-24 08:00",
        time_zone="Asia/Shanghai",
        history=(
            Past("2026-11-23 08:10", "rpc"),
            Past("2026-11-23 08:40", "promise"),
            Past("2026-11-23 09:10", "refused", to="other"),
        ),
    ),
    allowed(
        "cn_a_3rd_conversation_in_a_day_is_allowed",
        "CN-bank",
        time_zone="Asia/Shanghai",
        history=(Past("2026-11-23 08:10", "rpc"), Past("2026-11-23 08:40", "callback")),
    ),
    blocked(
        "cn_conversations_about_the_debtors_other_cards_count",
        "CN-bank",
        {"effective_conversations"},
        next_allowed="2026-11-24 08:00",
        time_zone="Asia/Shanghai",
        history=(
            Past("2026-11-23 08:10", "rpc", about="another_debt"),
            Past("2026-11-23 08:40", "rpc", about="another_debt"),
            Past("2026-11-23 09:10", "rpc"),
        ),
    ),
    blocked(
        "cn_an_automated_voice_call_counts_like_a_collectors",
        "CN-bank",
        {"effective_conversations"},
        next_allowed="2026-11-24 08:00",
        time_zone="Asia/Shanghai",
        actor="system",
        history=tuple(Past(f"2026-11-23 08:{m}0", "rpc") for m in range(3)),
    ),
    allowed(
        "cn_yesterdays_conversations_do_not_count",
        "CN-bank",
        time_zone="Asia/Shanghai",
        history=tuple(Past(f"2026-11-22 20:{m}0", "rpc") for m in range(3)),
    ),
    allowed(
        "cn_calls_the_debtor_made_do_not_count_as_conversations",
        "CN-bank",
        time_zone="Asia/Shanghai",
        history=tuple(Past(f"2026-11-23 08:{m}0", "rpc", direction="inbound") for m in range(3)),
    ),
    allowed(
        "cn_conversations_with_a_third_party_do_not_count_for_the_debtor",
        "CN-bank",
        time_zone="Asia/Shanghai",
        history=tuple(Past(f"2026-11-23 08:{m}0", "third_party", to="third") for m in range(3)),
    ),
    # Third parties: only when the debtor is unreachable, only to locate or pass a message.
    allowed(
        "cn_a_third_party_may_pass_a_message_when_the_debtor_is_unreachable",
        "CN-bank",
        time_zone="Asia/Shanghai",
        action="pass_message",
        target=THIRD_PARTY,
        debtor={"is_unreachable": True},
    ),
    blocked(
        "cn_a_third_party_is_never_asked_about_the_debt",
        "CN-bank",
        {"third_party"},
        time_zone="Asia/Shanghai",
        action="contact",
        target=THIRD_PARTY,
        debtor={"is_unreachable": True},
    ),
    blocked(
        "cn_a_third_party_who_asked_us_to_stop_is_not_contacted_again",
        "CN-bank",
        {"do_not_contact"},
        time_zone="Asia/Shanghai",
        action="location_inquiry",
        target={**THIRD_PARTY, "do_not_contact": True},
        debtor={"is_unreachable": True},
    ),
    # --- United Kingdom, FCA ---------------------------------------------------------------
    blocked(
        "uk_a_4th_call_attempt_in_a_day_is_blocked",
        "UK-FCA",
        {"daily_call_attempts"},
        next_allowed="2026-11-24 08:00",
        time_zone="Europe/London",
        history=tuple(unanswered_calls("2026-11-23 08:05", "2026-11-23 08:40", "2026-11-23 09:15")),
    ),
    allowed(
        "uk_yesterdays_attempts_do_not_count_today",
        "UK-FCA",
        time_zone="Europe/London",
        history=tuple(unanswered_calls("2026-11-22 08:05", "2026-11-22 12:00", "2026-11-22 18:00")),
    ),
    blocked(
        "uk_a_vulnerable_customer_is_routed_to_specialist_handling",
        "UK-FCA",
        {"vulnerability"},
        time_zone="Europe/London",
        debtor={"is_vulnerable": True},
    ),
    blocked(
        "uk_a_third_party_is_never_contacted_about_the_debt",
        "UK-FCA",
        {"third_party"},
        time_zone="Europe/London",
        target=THIRD_PARTY,
    ),
    blocked(
        "uk_a_call_at_2130_london_time_is_blocked",
        "UK-FCA",
        {"contact_window"},
        next_allowed="2026-11-24 08:00",
        at="2026-11-23 21:30",
        time_zone="Europe/London",
    ),
    # --- Agency gate (§6) -------------------------------------------------------------------
    allowed(
        "agency_staff_work_a_case_placed_with_their_agency",
        "US-RegF",
        actor="agency",
        placement="current",
    ),
    blocked(
        "agency_staff_cannot_act_on_a_recalled_case",
        "US-RegF",
        {"agency_gate"},
        actor="agency",
        placement="recalled",
    ),
    blocked(
        "agency_staff_cannot_act_on_another_agencys_case",
        "US-RegF",
        {"agency_gate"},
        actor="agency",
        placement="elsewhere",
    ),
    blocked(
        "agency_staff_cannot_act_once_the_licence_expired",
        "US-RegF",
        {"agency_gate"},
        actor="agency",
        placement="current",
        agency={"licence_expires_on": dt.date(2026, 11, 22)},
    ),
    blocked(
        "agency_staff_cannot_act_after_the_contract_ended",
        "CN-bank",
        {"agency_gate"},
        time_zone="Asia/Shanghai",
        actor="agency",
        placement="current",
        agency={"contract_end": dt.date(2026, 11, 1)},
    ),
]


def _actor(scenario: Scenario, case, collector):
    if scenario.actor == "system":
        return None
    if scenario.actor == "collector":
        return collector
    agency = AgencyFactory(**scenario.agency)
    if scenario.placement in ("current", "recalled"):
        recalled_on = dt.date(2026, 11, 20) if scenario.placement == "recalled" else None
        PlacementFactory(case=case, agency=agency, recalled_on=recalled_on)
    elif scenario.placement == "elsewhere":
        PlacementFactory(case=case)
    return UserFactory(role=Role.AGENCY_COLLECTOR, agency=agency)


def test_there_are_enough_scenarios_for_every_preset():
    assert len(SCENARIOS) >= 25
    assert {scenario.preset for scenario in SCENARIOS} == {"US-RegF", "US-MA", "CN-bank", "UK-FCA"}
    assert len({scenario.name for scenario in SCENARIOS}) == len(SCENARIOS)


@pytest.mark.parametrize("scenario", SCENARIOS, ids=lambda scenario: scenario.name)
def test_scenario(scenario: Scenario, collector):
    case = case_under(scenario.preset, time_zone=scenario.time_zone, **scenario.debtor)
    points = {
        "target": ContactPointFactory(debtor=case.debtor, **scenario.target)
        if scenario.target is not None
        else None,
        "other": ContactPointFactory(debtor=case.debtor, kind="home"),
        "third": ContactPointFactory(debtor=case.debtor, **{**THIRD_PARTY, "kind": "home"}),
        None: None,
    }
    cases = {"this_debt": case}
    if any(past.about == "another_debt" for past in scenario.history):
        cases["another_debt"] = CaseFactory(
            account=CardAccountFactory(debtor=case.debtor), strategy=case.strategy
        )
    for past in scenario.history:
        past_contact(
            cases[past.about],
            at=local_moment(past.local, scenario.time_zone),
            outcome=past.outcome,
            channel=past.channel,
            direction=past.direction,
            contact_point=points[past.to],
        )
    actor = _actor(scenario, case, collector)
    rows_before = ComplianceLogEntry.objects.count()

    decision = compliance_decide(
        actor=actor,
        case=case,
        channel=scenario.channel,
        contact_point=points["target"],
        moment=local_moment(scenario.at, scenario.time_zone),
        action=scenario.action,
    )

    failed = {result.code for result in decision.failed_results}
    assert (decision.allowed, failed) == (scenario.allowed, scenario.failed), decision.reason
    expected_next = (
        local_moment(scenario.next_allowed, scenario.time_zone) if scenario.next_allowed else None
    )
    assert decision.next_allowed_at == expected_next
    assert decision.policy_code == scenario.preset
    assert ComplianceLogEntry.objects.count() == rows_before + 1
    entry = ComplianceLogEntry.objects.get(pk=decision.log_entry.pk)
    assert entry.verdict == ("allowed" if scenario.allowed else "blocked")
    assert entry.failed_rule_codes == [r.code for r in decision.results if not r.passed]
    for code in failed:
        assert code in decision.reason
