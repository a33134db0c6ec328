"""The repayment plans' limits as policy data, and the migration that adds them to stored
policies."""

from __future__ import annotations

import importlib

import pytest
from django.apps import apps

from compliance.models import CompliancePolicy, CompliancePolicyVersion
from compliance.policies import policy_version_current
from compliance.presets import PRESETS, parse_parameters

pytestmark = pytest.mark.django_db

upgrade = importlib.import_module("compliance.migrations.0007_plan_limits")
earlier = importlib.import_module("compliance.migrations.0006_cn_bank_rules_of_2026")
letters = importlib.import_module("compliance.migrations.0012_agreement_letters_pass_plans")


def test_the_presets_carry_the_plan_limits():
    cn = parse_parameters(PRESETS["CN-bank"].parameters)
    us = parse_parameters(PRESETS["US-RegF"].parameters)

    assert (cn.plan_max_months, cn.plan_grace_days) == (60, 3)
    assert cn.instalment_plan_stops_contact
    assert cn.plan_exceptions.actions == (
        "instalment_reminder",
        "plan_confirmation",
        "settlement_letter",
    )
    assert (us.plan_max_months, us.plan_grace_days) == (None, 5)
    assert not us.instalment_plan_stops_contact


def test_a_version_without_the_limits_reads_as_no_limit_and_no_grace():
    parameters = parse_parameters(earlier.SHIPPED_BEFORE_2026)

    assert (parameters.plan_max_months, parameters.plan_grace_days) == (None, 0)


def test_the_migration_adds_the_limits_keeping_an_admins_changes():
    policy = CompliancePolicy.objects.create(code="CN-custom", preset="CN-bank", name="Custom")
    changed = {**earlier.SHIPPED_BEFORE_2026, "record_retention_years": 5}
    CompliancePolicyVersion.objects.create(policy=policy, version=1, parameters=changed)

    upgrade.add_plan_limits(apps, None)
    upgrade.add_plan_limits(apps, None)

    latest = policy_version_current(code="CN-custom")
    assert latest.version == 2
    assert latest.parameters["record_retention_years"] == 5
    assert latest.parameters["plan_max_months"] == 60
    assert parse_parameters(latest.parameters).instalment_plan_stops_contact


def test_the_agreement_letters_join_the_exceptions_of_policies_that_stop_contact_under_a_plan():
    stops = CompliancePolicy.objects.create(code="CN-old", preset="CN-bank", name="Old CN")
    before = {
        **PRESETS["CN-bank"].parameters,
        "plan_exceptions": {"actions": ["instalment_reminder"], "channels": ["call", "letter"]},
        "record_retention_years": 5,
    }
    CompliancePolicyVersion.objects.create(policy=stops, version=1, parameters=before)
    goes_on = CompliancePolicy.objects.create(code="US-old", preset="US-RegF", name="Old US")
    CompliancePolicyVersion.objects.create(
        policy=goes_on, version=1, parameters=PRESETS["US-RegF"].parameters
    )

    letters.let_agreement_letters_pass(apps, None)
    letters.let_agreement_letters_pass(apps, None)

    latest = policy_version_current(code="CN-old")
    assert latest.version == 2
    assert latest.parameters["plan_exceptions"] == {
        "actions": ["instalment_reminder", "plan_confirmation", "settlement_letter"],
        "channels": ["call", "letter"],
    }
    assert latest.parameters["record_retention_years"] == 5
    assert parse_parameters(latest.parameters).plan_exceptions.channels == ("call", "letter")
    assert policy_version_current(code="US-old").version == 1
