"""The Chinese rules of 2026 as policy data: new parameters, old versions, and the upgrade of a
CN-bank policy still on the parameters it was shipped with."""

from __future__ import annotations

import copy
import importlib

import pytest
from django.apps import apps
from django.core.exceptions import ValidationError
from django.utils import translation

from compliance.models import CompliancePolicy, CompliancePolicyVersion
from compliance.presets import CN_BANK_PARAMETERS, PRESETS, FieldVisitPolicy, parse_parameters

pytestmark = pytest.mark.django_db

upgrade = importlib.import_module("compliance.migrations.0006_cn_bank_rules_of_2026")


def test_the_cn_preset_carries_the_rules_of_2026():
    parameters = parse_parameters(CN_BANK_PARAMETERS)

    assert parameters.consent_lifts_contact_window
    assert parameters.consented_call_days == 1
    caps = {cap.code: cap for cap in parameters.attempt_caps}
    assert (caps["unanswered_attempts"].max_attempts, caps["unanswered_attempts"].scope) == (
        6,
        "contact_point",
    )
    assert (
        caps["effective_conversations"].max_attempts,
        caps["effective_conversations"].scope,
    ) == (
        3,
        "debtor",
    )
    assert parameters.call_recording_required
    assert parameters.field_visit == FieldVisitPolicy(min_staff=2, identification_shown=True)
    assert parameters.instalment_plan_stops_contact
    assert "(approx.)" in PRESETS["CN-bank"].description


def test_a_version_stored_before_the_new_parameters_keeps_its_behaviour():
    parameters = parse_parameters(upgrade.SHIPPED_BEFORE_2026)

    assert not parameters.consent_lifts_contact_window
    assert not parameters.call_recording_required
    assert parameters.field_visit is None
    assert not parameters.instalment_plan_stops_contact


def test_consent_lifting_the_window_needs_a_consent_that_lasts():
    parameters = copy.deepcopy(CN_BANK_PARAMETERS)
    parameters["consented_call_days"] = 0
    with pytest.raises(ValidationError, match="consent_lifts_contact_window"):
        parse_parameters(parameters)


def test_field_visits_are_checked_against_the_schema():
    parameters = copy.deepcopy(CN_BANK_PARAMETERS)
    parameters["field_visit"] = {"min_staff": 0}
    with pytest.raises(ValidationError) as refused:
        parse_parameters(parameters)
    messages = " | ".join(refused.value.messages)
    assert "field_visit.min_staff" in messages
    assert "field_visit.identification_shown: missing" in messages


def _policy(code: str, parameters: dict) -> CompliancePolicy:
    policy = CompliancePolicy.objects.create(code=code, preset="CN-bank", name=code)
    CompliancePolicyVersion.objects.create(policy=policy, version=1, parameters=parameters)
    return policy


def test_a_cn_policy_on_its_shipped_parameters_takes_the_rules_of_2026_as_a_new_version():
    shipped = _policy("CN-branch", upgrade.SHIPPED_BEFORE_2026)
    customised_parameters = {**upgrade.SHIPPED_BEFORE_2026, "record_retention_years": 5}
    customised = _policy("CN-custom", customised_parameters)

    upgrade.adopt_rules_of_2026(apps, None)

    assert list(shipped.versions.values_list("version", "parameters")) == [
        (2, CN_BANK_PARAMETERS),
        (1, upgrade.SHIPPED_BEFORE_2026),
    ]
    assert list(customised.versions.values_list("version", "parameters")) == [
        (1, customised_parameters)
    ]


def test_an_admin_reading_chinese_is_told_what_is_wrong_in_chinese():
    parameters = copy.deepcopy(CN_BANK_PARAMETERS)
    del parameters["vulnerability_gate"]
    parameters["attempt_caps"][0]["max_attempts"] = 0

    with translation.override("zh-hans"), pytest.raises(ValidationError) as refused:
        parse_parameters(parameters)

    messages = " | ".join(refused.value.messages)
    assert "vulnerability_gate: 缺少此项" in messages
    assert "attempt_caps[0].max_attempts: 必须是不小于 1 的整数" in messages
