"""The engine around the rules: time zones, overrides, which policy applies, contacts made."""

from __future__ import annotations

import copy
import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from accounts.roles import Role
from compliance.engine import compliance_decide, compliance_record_contact
from compliance.models import (
    AppendOnlyError,
    ComplianceLogEntry,
    CompliancePolicy,
    PortfolioPolicy,
)
from compliance.policies import UnknownPolicy, policy_version_create
from compliance.presets import PRESETS, US_REGF_PARAMETERS, parse_parameters
from tests.compliance.factories import (
    StrategyFactory,
    case_under,
    local_moment,
    mobile,
    past_contact,
    sealed,
    utc,
)
from tests.factories import (
    ActivityFactory,
    AgencyFactory,
    CaseFactory,
    ContactPointFactory,
    PlacementFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

LA = "America/Los_Angeles"


def call(case, point, moment, actor=None, **kwargs):
    return compliance_decide(
        actor=actor, case=case, channel="call", contact_point=point, moment=moment, **kwargs
    )


@pytest.mark.parametrize(
    ("moment", "allowed", "next_allowed"),
    [
        # 2026-03-08: clocks jump from 02:00 PST to 03:00 PDT (UTC-8 -> UTC-7).
        ("2026-03-08 05:30", False, "2026-03-08 15:00"),  # 21:30 PST on the 7th; opens 08:00 PDT
        ("2026-03-08 14:30", False, "2026-03-08 15:00"),  # 07:30 PDT
        ("2026-03-08 15:00", True, None),  # 08:00 PDT
        ("2026-03-08 15:30", True, None),  # 08:30 PDT (07:30 had the offset stayed PST)
        ("2026-03-09 03:59", True, None),  # 20:59 PDT
        ("2026-03-09 04:00", False, "2026-03-09 15:00"),  # 21:00 PDT
        # 2026-11-01: clocks fall back from 02:00 PDT to 01:00 PST (UTC-7 -> UTC-8).
        ("2026-11-01 04:30", False, "2026-11-01 16:00"),  # 21:30 PDT on the 31st; opens 08:00 PST
        ("2026-11-01 15:30", False, "2026-11-01 16:00"),  # 07:30 PST (08:30 had it stayed PDT)
        ("2026-11-01 16:00", True, None),  # 08:00 PST
        ("2026-11-02 04:59", True, None),  # 20:59 PST
        ("2026-11-02 05:00", False, "2026-11-02 16:00"),  # 21:00 PST
    ],
)
def test_the_contact_window_is_judged_on_the_debtors_clock_across_daylight_saving(
    moment, allowed, next_allowed
):
    case = case_under(time_zone=LA)
    decision = call(case, mobile(case), utc(moment))
    assert decision.allowed is allowed, decision.reason
    assert decision.next_allowed_at == (utc(next_allowed) if next_allowed else None)
    window = next(result for result in decision.results if result.code == "contact_window")
    assert window.inputs["time_zone"] == LA


def test_the_log_row_keeps_the_debtors_local_time_and_zone():
    case = case_under(time_zone=LA)
    entry = call(case, mobile(case), utc("2026-03-08 15:00")).log_entry
    assert entry.debtor_local_time == "2026-03-08T08:00:00-07:00"
    assert entry.debtor_time_zone == LA
    assert entry.occurred_at == utc("2026-03-08 15:00")


def test_a_rolling_7_day_count_spans_the_daylight_saving_change():
    """Seven days are 7 x 24 hours: the call at 10:00 PST on 3/1 leaves the count at 11:00 PDT."""
    case = case_under(time_zone=LA)
    point = mobile(case)
    for day in range(1, 8):
        past_contact(case, at=local_moment(f"2026-03-0{day} 10:00", LA), contact_point=point)
    decision = call(case, point, local_moment("2026-03-08 10:30", LA))
    assert not decision.allowed
    assert decision.next_allowed_at == local_moment("2026-03-08 11:00", LA)


def test_the_cap_reports_its_count_in_the_log():
    case = case_under()
    point = mobile(case)
    for hour in range(7):
        past_contact(
            case,
            at=local_moment(f"2026-11-22 1{hour}:00", case.debtor.time_zone),
            contact_point=point,
            outcome="voicemail",
        )
    entry = call(case, point, local_moment("2026-11-23 10:00", case.debtor.time_zone)).log_entry
    [cap] = [rule for rule in entry.rules if rule["code"] == "call_frequency"]
    assert (cap["passed"], cap["inputs"]["count"], cap["inputs"]["limit"]) == (False, 7, 7)
    assert "call_frequency" in entry.reason


def test_the_engine_never_reads_the_clock(monkeypatch):
    case = case_under()
    point = mobile(case)

    def no_clock():
        raise AssertionError("the engine read the clock")

    monkeypatch.setattr("django.utils.timezone.now", no_clock)
    assert call(case, point, utc("2026-11-23 15:00")).allowed


def test_agency_eligibility_is_judged_on_the_banks_business_day(settings):
    """A request that activated another zone (here UTC+14, already the 24th) changes nothing."""
    settings.TIME_ZONE = "UTC"
    agency = AgencyFactory(licence_expires_on=dt.date(2026, 11, 23))
    case = case_under()
    PlacementFactory(case=case, agency=agency)
    agent = UserFactory(role=Role.AGENCY_COLLECTOR, agency=agency)
    with timezone.override("Pacific/Kiritimati"):
        decision = call(case, mobile(case), utc("2026-11-23 15:00"), actor=agent)
    assert decision.allowed, decision.reason
    assert call(case, mobile(case), utc("2026-11-24 15:00"), actor=agent).failed_results[
        0
    ].code == ("agency_gate")


# --- overrides -------------------------------------------------------------------------------


def test_a_supervisor_overrides_an_overridable_block_with_a_reason(supervisor, collector):
    case = case_under(time_zone=LA)
    decision = call(
        case,
        mobile(case),
        local_moment("2026-11-23 21:30", LA),
        actor=collector,
        override_reason="Debtor asked to be called after work",
        approver=supervisor,
    )
    assert (decision.allowed, decision.overridden, decision.next_allowed_at) == (True, True, None)
    entry = ComplianceLogEntry.objects.get(pk=decision.log_entry.pk)
    assert (entry.verdict, entry.approver, entry.actor) == ("overridden", supervisor, collector)
    assert entry.override_reason == "Debtor asked to be called after work"
    assert entry.failed_rule_codes == ["contact_window"]


def test_an_override_without_the_permission_is_refused_and_logged(collector):
    case = case_under(time_zone=LA)
    decision = call(
        case,
        mobile(case),
        local_moment("2026-11-23 21:30", LA),
        actor=collector,
        override_reason="I think it is fine",
        approver=collector,
    )
    assert (decision.allowed, decision.overridden) == (False, False)
    assert "Override refused" in decision.reason
    assert decision.next_allowed_at == local_moment("2026-11-24 08:00", LA)
    entry = decision.log_entry
    assert (entry.verdict, entry.approver, entry.override_reason) == (
        "blocked",
        collector,
        "I think it is fine",
    )


def test_an_override_without_an_approver_is_refused(collector):
    case = case_under(time_zone=LA)
    decision = call(
        case,
        mobile(case),
        local_moment("2026-11-23 21:30", LA),
        actor=collector,
        override_reason="urgent",
    )
    assert not decision.allowed
    assert "an override needs an approver" in decision.reason


@pytest.mark.parametrize(
    ("flag", "rule"),
    [("is_bankrupt", "bankruptcy"), ("cease_communication", "cease_communication")],
)
def test_a_non_overridable_rule_stays_blocked_whoever_asks(supervisor, admin_user, flag, rule):
    case = case_under(time_zone=LA, **{flag: True})
    for approver in (supervisor, admin_user):
        decision = call(
            case,
            mobile(case),
            local_moment("2026-11-23 21:30", LA),
            actor=approver,
            override_reason="Management approval",
            approver=approver,
        )
        assert not decision.allowed
        assert f"{rule} cannot be overridden" in decision.reason
        assert decision.next_allowed_at is None  # a flag has no foreseeable end
        assert decision.log_entry.verdict == "blocked"


def test_the_vulnerability_gate_opens_with_a_supervisors_approval(supervisor, collector):
    case = case_under("UK-FCA", time_zone="Europe/London", is_vulnerable=True)
    decision = call(
        case,
        mobile(case),
        local_moment("2026-11-23 10:00", "Europe/London"),
        actor=collector,
        override_reason="Specialist team lead approved the call",
        approver=supervisor,
    )
    assert decision.allowed and decision.overridden


# --- which policy applies ----------------------------------------------------------------------


def test_the_site_policy_applies_when_the_strategy_names_none(settings):
    settings.COLLECTIONS_POLICY = "CN-bank"
    case = CaseFactory(strategy=StrategyFactory(policy=""))
    decision = call(case, mobile(case), utc("2026-11-23 15:00"))
    assert (decision.policy_code, decision.policy_version) == ("CN-bank", 1)


def test_the_strategy_policy_overrides_the_site_policy(settings):
    settings.COLLECTIONS_POLICY = "CN-bank"
    case = case_under("UK-FCA")
    assert call(case, mobile(case), utc("2026-11-23 15:00")).policy_code == "UK-FCA"


def test_a_portfolio_policy_overrides_the_strategy_policy():
    case = case_under("UK-FCA")
    case.account.portfolio = "massachusetts-2026"
    case.account.save()
    call(case, mobile(case), utc("2026-11-23 15:00"))  # seeds the presets if needed
    PortfolioPolicy.objects.create(
        portfolio="massachusetts-2026", policy=CompliancePolicy.objects.get(code="US-MA")
    )
    assert call(case, mobile(case), utc("2026-11-23 15:00")).policy_code == "US-MA"


def test_an_unknown_policy_code_is_a_clear_error():
    case = case_under("XX-none")
    with pytest.raises(UnknownPolicy, match="XX-none"):
        call(case, mobile(case), utc("2026-11-23 15:00"))


def test_a_new_policy_version_applies_and_is_recorded_while_the_old_one_stays(admin_user):
    case = case_under("US-RegF")
    point = mobile(case)
    nine_fifteen = local_moment("2026-11-23 08:15", case.debtor.time_zone)
    assert call(case, point, nine_fifteen).policy_version == 1
    parameters = copy.deepcopy(US_REGF_PARAMETERS)
    parameters["contact_windows"]["call"] = {"start": "09:00", "end": "20:00"}
    policy = CompliancePolicy.objects.get(code="US-RegF")
    version = policy_version_create(
        policy=policy, parameters=parameters, note="Firm policy: later start", created_by=admin_user
    )

    decision = call(case, point, nine_fifteen)
    assert (decision.allowed, decision.policy_version) == (False, 2)
    assert decision.log_entry.policy_version == 2
    assert policy.versions.get(version=1).parameters == US_REGF_PARAMETERS
    version.note = "edited in place"
    with pytest.raises(AppendOnlyError):
        version.save()


@pytest.mark.parametrize("code", list(PRESETS))
def test_every_preset_satisfies_the_parameter_schema(code):
    parameters = parse_parameters(PRESETS[code].parameters)
    assert parameters.contact_windows["call"].start == dt.time(8)


def test_parameters_that_break_the_schema_are_refused_with_every_problem_named():
    parameters = copy.deepcopy(US_REGF_PARAMETERS)
    parameters["attempt_caps"][0]["max_attempts"] = 0
    parameters["attempt_caps"][0]["counted_outcomes"] = ["no_answer", "ghosted"]
    parameters["contact_windows"]["call"] = {"start": "21:00", "end": "08:00"}
    parameters["surprise"] = True
    del parameters["vulnerability_gate"]
    with pytest.raises(ValidationError) as refused:
        parse_parameters(parameters)
    messages = " | ".join(refused.value.messages)
    for expected in (
        "attempt_caps[0].max_attempts",
        "ghosted",
        "contact_windows.call: start must be before end",
        "surprise: unknown parameter",
        "vulnerability_gate: missing",
    ):
        assert expected in messages


def test_cap_codes_must_fit_in_the_log():
    parameters = copy.deepcopy(US_REGF_PARAMETERS)
    cap = parameters["attempt_caps"][0]
    parameters["attempt_caps"] = [{**cap, "code": f"cap_{n}_{'x' * 40}"} for n in range(8)]
    with pytest.raises(ValidationError, match="too long to be logged"):
        parse_parameters(parameters)


def test_a_cap_may_not_borrow_a_built_in_rules_name():
    parameters = copy.deepcopy(US_REGF_PARAMETERS)
    parameters["attempt_caps"][0]["code"] = "contact_window"
    with pytest.raises(ValidationError, match="built-in rule"):
        parse_parameters(parameters)


# --- contacts made, and what the engine refuses -----------------------------------------------


def test_a_contact_made_is_logged_under_its_decision(collector):
    case = case_under()
    point = mobile(case)
    moment = local_moment("2026-11-23 10:00", case.debtor.time_zone)
    with transaction.atomic():
        decision = call(case, point, moment, actor=collector)
        activity = ActivityFactory(
            case=case, contact_point=point, actor=collector, occurred_at=moment, outcome="rpc"
        )
        entry = compliance_record_contact(decision=decision, activity=activity)
    assert (entry.kind, entry.activity, entry.decision_entry) == (
        "contact",
        activity,
        decision.log_entry,
    )
    entry, decided = sealed(entry), sealed(decision.log_entry)
    assert entry.sequence == decided.sequence + 1
    assert entry.previous_hash == decided.entry_hash
    assert f"under the decision logged as id {decided.pk}" in entry.reason
    assert (entry.team, entry.verdict) == (collector.team, "allowed")


def test_a_blocked_decision_cannot_cover_a_contact():
    case = case_under(is_bankrupt=True)
    decision = call(case, mobile(case), utc("2026-11-23 15:00"))
    activity = ActivityFactory(case=case)
    with pytest.raises(ValueError, match="blocked"):
        compliance_record_contact(decision=decision, activity=activity)


def test_the_engine_refuses_what_it_cannot_judge():
    case = case_under()
    stranger = ContactPointFactory()
    with pytest.raises(ValueError, match="timezone-aware"):
        call(case, mobile(case), dt.datetime(2026, 11, 23, 15))
    with pytest.raises(ValueError, match="not a contact channel"):
        compliance_decide(actor=None, case=case, channel="note", moment=utc("2026-11-23 15:00"))
    with pytest.raises(ValueError, match="action must be"):
        call(case, mobile(case), utc("2026-11-23 15:00"), action="x" * 61)
    with pytest.raises(ValueError, match="another debtor"):
        call(case, stranger, utc("2026-11-23 15:00"))
    assert not ComplianceLogEntry.objects.exists()


def test_a_rolled_back_decision_gives_its_sequence_number_back():
    case = case_under()
    point = mobile(case)
    first = call(case, point, utc("2026-11-23 15:00")).log_entry
    with pytest.raises(RuntimeError), transaction.atomic():
        call(case, point, utc("2026-11-23 15:01"))
        raise RuntimeError("the caller's transaction failed")
    after = sealed(call(case, point, utc("2026-11-23 15:02")).log_entry)
    first = sealed(first)
    assert after.sequence == first.sequence + 1
    assert after.previous_hash == first.entry_hash
