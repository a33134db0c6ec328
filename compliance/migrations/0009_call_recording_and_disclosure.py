"""Contact log rows of two new kinds (a contact received, a contact made without approval),
and each shipped policy takes its preset's right-party disclosure as a new version, where it
still holds the parameters it was shipped with. A policy an admin has changed since is left
as they made it (they add the disclosure in the admin). The CN-bank preset's
`call_recording_required` came with migration 0006 and now applies."""

from django.db import migrations, models
from django.db.models import Max

from compliance.presets import PRESETS

NEW_PARAMETER = "right_party_disclosure"


def shipped_without_disclosure(parameters: dict) -> dict:
    return {key: value for key, value in parameters.items() if key != NEW_PARAMETER}


def adopt_disclosures(apps, schema_editor):
    policy_model = apps.get_model("compliance", "CompliancePolicy")
    version_model = apps.get_model("compliance", "CompliancePolicyVersion")
    for policy in policy_model.objects.filter(preset__in=PRESETS):
        preset = PRESETS[policy.preset]
        if NEW_PARAMETER not in preset.parameters:
            continue
        latest = version_model.objects.filter(policy=policy).order_by("-version").first()
        if latest is None or latest.parameters != shipped_without_disclosure(preset.parameters):
            continue
        version_model.objects.create(
            policy=policy,
            version=version_model.objects.filter(policy=policy).aggregate(n=Max("version"))["n"]
            + 1,
            parameters=preset.parameters,
            note="The disclosure a collector gives on a right-party contact (shipped preset).",
        )


class Migration(migrations.Migration):
    dependencies = [("compliance", "0008_specialists_vulnerable")]

    operations = [
        migrations.AlterField(
            model_name="compliancelogentry",
            name="kind",
            field=models.CharField(
                choices=[
                    ("decision", "Decision"),
                    ("contact", "Contact made"),
                    ("received", "Contact received"),
                    ("ungated", "Contact made without approval"),
                ],
                default="decision",
                max_length=10,
                verbose_name="kind",
            ),
        ),
        migrations.RunPython(adopt_disclosures, migrations.RunPython.noop),
    ]
