"""Disputes' and complaints' deadlines join every policy: the days within which each must be
answered, and whether a dispute stops collection until verification is sent. Each policy built
on a shipped preset whose newest version lacks them gets a new version with the preset's values
added, its other parameters kept as they are (an admin's changes included)."""

from django.db import migrations
from django.db.models import Max

# The shipped presets' values (compliance/presets.py), as they were when this migration was
# written.
DEADLINES = {
    "US-RegF": {
        "dispute_response_days": None,
        "complaint_response_days": 15,
        "dispute_holds_until_verification": True,
    },
    "US-MA": {
        "dispute_response_days": None,
        "complaint_response_days": 15,
        "dispute_holds_until_verification": True,
    },
    "CN-bank": {
        "dispute_response_days": 15,
        "complaint_response_days": 15,
        "dispute_holds_until_verification": False,
    },
    "UK-FCA": {
        "dispute_response_days": 56,
        "complaint_response_days": 56,
        "dispute_holds_until_verification": False,
    },
}


def add_dispute_deadlines(apps, schema_editor):
    policy_model = apps.get_model("compliance", "CompliancePolicy")
    version_model = apps.get_model("compliance", "CompliancePolicyVersion")
    for policy in policy_model.objects.filter(preset__in=DEADLINES):
        versions = version_model.objects.filter(policy=policy)
        latest = versions.order_by("-version").first()
        values = DEADLINES[policy.preset]
        if latest is None or all(key in latest.parameters for key in values):
            continue
        parameters = {**latest.parameters}
        for key, value in values.items():
            parameters.setdefault(key, value)
        version_model.objects.create(
            policy=policy,
            version=versions.aggregate(n=Max("version"))["n"] + 1,
            parameters=parameters,
            note="Disputes' and complaints' deadlines (shipped preset values).",
        )


class Migration(migrations.Migration):
    dependencies = [("compliance", "0010_visit_evidence")]

    operations = [migrations.RunPython(add_dispute_deadlines, migrations.RunPython.noop)]
