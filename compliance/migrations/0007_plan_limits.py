"""Repayment plans' limits join every policy: the longest plan allowed, the grace days before an
instalment counts as missed, and what contact a kept plan still allows. Each policy built on a
shipped preset whose newest version lacks them gets a new version with the preset's values
added, its other parameters kept as they are (an admin's changes included)."""

from django.db import migrations
from django.db.models import Max

from compliance.presets import PLAN_KEYS, PRESETS


def add_plan_limits(apps, schema_editor):
    policy_model = apps.get_model("compliance", "CompliancePolicy")
    version_model = apps.get_model("compliance", "CompliancePolicyVersion")
    for policy in policy_model.objects.filter(preset__in=PRESETS):
        latest = version_model.objects.filter(policy=policy).order_by("-version").first()
        if latest is None or all(key in latest.parameters for key in PLAN_KEYS):
            continue
        preset = PRESETS[policy.preset].parameters
        parameters = {**latest.parameters}
        for key in PLAN_KEYS:
            parameters.setdefault(key, preset[key])
        if policy.preset == "CN-bank":
            parameters.setdefault("instalment_plan_stops_contact", True)
        version_model.objects.create(
            policy=policy,
            version=version_model.objects.filter(policy=policy).aggregate(n=Max("version"))["n"]
            + 1,
            parameters=parameters,
            note="Repayment plans' limits (shipped preset values).",
        )


class Migration(migrations.Migration):
    dependencies = [("compliance", "0006_cn_bank_rules_of_2026")]

    operations = [migrations.RunPython(add_plan_limits, migrations.RunPython.noop)]
