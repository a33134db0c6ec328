"""Vulnerable customers under UK-FCA: a specialist team's members call them without a per-call
approval; a standard collector, and everyone under a policy that does not say so, still needs it."""

from __future__ import annotations

import importlib

import pytest
from django.apps import apps

from accounts.roles import Role
from compliance.engine import compliance_decide
from compliance.models import CompliancePolicy, CompliancePolicyVersion
from compliance.presets import PLAN_KEYS, PRESETS, UK_FCA_PARAMETERS, parse_parameters
from tests.compliance.factories import case_under, mobile, utc
from tests.factories import TeamFactory, UserFactory

pytestmark = pytest.mark.django_db

LONDON = "Europe/London"
MIDDAY = utc("2026-11-23 12:00")  # 12:00 in London: inside every window


@pytest.fixture
def specialist():
    team = TeamFactory(name="Vulnerable customers", is_specialist=True)
    return UserFactory(username="specialist", role=Role.COLLECTOR, team=team)


@pytest.fixture
def standard(team):
    return UserFactory(username="standard", role=Role.COLLECTOR, team=team)


def call(case, actor):
    return compliance_decide(
        actor=actor, case=case, channel="call", contact_point=mobile(case), moment=MIDDAY
    )


def vulnerability(decision):
    return next(result for result in decision.results if result.code == "vulnerability")


def test_under_uk_fca_a_specialist_calls_a_vulnerable_debtor_without_approval(specialist):
    case = case_under("UK-FCA", time_zone=LONDON, is_vulnerable=True)
    decision = call(case, specialist)
    assert decision.allowed, decision.reason
    assert not decision.overridden
    assert vulnerability(decision).passed
    assert vulnerability(decision).inputs == {
        "is_vulnerable": True,
        "specialist_team": specialist.team_id,
    }


def test_under_uk_fca_a_standard_collector_still_needs_the_approval(standard):
    case = case_under("UK-FCA", time_zone=LONDON, is_vulnerable=True)
    decision = call(case, standard)
    assert not decision.allowed
    assert [result.code for result in decision.failed_results] == ["vulnerability"]
    assert vulnerability(decision).inputs == {"is_vulnerable": True, "specialist_team": None}


def test_a_standard_collector_is_allowed_with_an_approver(standard, supervisor):
    case = case_under("UK-FCA", time_zone=LONDON, is_vulnerable=True)
    decision = compliance_decide(
        actor=standard,
        case=case,
        channel="call",
        contact_point=mobile(case),
        moment=MIDDAY,
        override_reason="Reviewed the customer's circumstances",
        approver=supervisor,
    )
    assert decision.allowed and decision.overridden


@pytest.mark.parametrize("policy", ["US-RegF", "CN-bank"])
def test_a_policy_that_does_not_say_so_refuses_the_specialist_too(specialist, policy):
    case = case_under(policy, time_zone=LONDON, is_vulnerable=True)
    decision = call(case, specialist)
    assert not decision.allowed
    assert "vulnerability" in [result.code for result in decision.failed_results]


def test_the_parameter_is_read_and_defaults_to_off():
    assert parse_parameters(UK_FCA_PARAMETERS).specialists_contact_vulnerable_without_approval
    without = {
        key: value
        for key, value in UK_FCA_PARAMETERS.items()
        if key != "specialists_contact_vulnerable_without_approval"
    }
    assert not parse_parameters(without).specialists_contact_vulnerable_without_approval
    assert not parse_parameters(
        PRESETS["US-RegF"].parameters
    ).specialists_contact_vulnerable_without_approval


def test_the_migration_adds_a_version_to_a_uk_fca_policy_as_shipped():
    migration = importlib.import_module("compliance.migrations.0008_specialists_vulnerable")
    as_shipped = CompliancePolicy.objects.create(code="UK-old", name="UK", preset="UK-FCA")
    # As shipped, with the repayment plans' limits the migration before added.
    plan_limits = {key: PRESETS["UK-FCA"].parameters[key] for key in PLAN_KEYS}
    CompliancePolicyVersion.objects.create(
        policy=as_shipped,
        version=1,
        parameters={**migration.SHIPPED_BEFORE_SPECIALISTS, **plan_limits},
    )
    changed = CompliancePolicy.objects.create(code="UK-own", name="UK own", preset="UK-FCA")
    own = {**migration.SHIPPED_BEFORE_SPECIALISTS, "record_retention_years": 6}
    CompliancePolicyVersion.objects.create(policy=changed, version=1, parameters=own)

    migration.let_specialists_contact_vulnerable(apps, None)

    latest = as_shipped.versions.order_by("-version").first()
    assert latest.version == 2
    assert parse_parameters(latest.parameters).specialists_contact_vulnerable_without_approval
    assert parse_parameters(latest.parameters).plan_grace_days == 5
    assert list(changed.versions.values_list("version", flat=True)) == [1]
