"""The right-party disclosure as policy data, and the upgrade of shipped policies to carry it."""

from __future__ import annotations

import copy
import importlib

import pytest
from django.apps import apps
from django.core.exceptions import ValidationError

from compliance.models import CompliancePolicy, CompliancePolicyVersion
from compliance.presets import PRESETS, US_REGF_PARAMETERS, parse_parameters

pytestmark = pytest.mark.django_db

upgrade = importlib.import_module("compliance.migrations.0009_call_recording_and_disclosure")


def test_every_preset_names_what_is_said_on_a_right_party_contact():
    said = {
        code: parse_parameters(p.parameters).right_party_disclosure for code, p in PRESETS.items()
    }

    assert "attempt to collect a debt" in said["US-RegF"]
    assert said["US-MA"] == said["US-RegF"]
    assert "受【银行名称】委托" in said["CN-bank"]
    assert "on behalf of" in said["UK-FCA"]
    assert parse_parameters(PRESETS["CN-bank"].parameters).call_recording_required


def test_a_version_stored_before_the_disclosure_requires_none():
    parameters = copy.deepcopy(US_REGF_PARAMETERS)
    del parameters["right_party_disclosure"]

    assert parse_parameters(parameters).right_party_disclosure == ""


def test_a_disclosure_that_is_no_text_is_refused():
    parameters = {**copy.deepcopy(US_REGF_PARAMETERS), "right_party_disclosure": 7}

    with pytest.raises(ValidationError, match="right_party_disclosure: must be a string"):
        parse_parameters(parameters)


def _policy(code: str, preset: str, parameters: dict) -> CompliancePolicy:
    policy = CompliancePolicy.objects.create(code=code, preset=preset, name=code)
    CompliancePolicyVersion.objects.create(policy=policy, version=1, parameters=parameters)
    return policy


def test_a_policy_on_its_shipped_parameters_takes_the_disclosure_as_a_new_version():
    shipped_parameters = upgrade.shipped_without_disclosure(PRESETS["CN-bank"].parameters)
    shipped = _policy("CN-branch", "CN-bank", shipped_parameters)
    customised_parameters = {**shipped_parameters, "record_retention_years": 5}
    customised = _policy("CN-custom", "CN-bank", customised_parameters)

    upgrade.adopt_disclosures(apps, None)
    upgrade.adopt_disclosures(apps, None)  # a second run changes nothing

    assert list(shipped.versions.values_list("version", "parameters")) == [
        (2, PRESETS["CN-bank"].parameters),
        (1, shipped_parameters),
    ]
    assert list(customised.versions.values_list("version", "parameters")) == [
        (1, customised_parameters)
    ]
