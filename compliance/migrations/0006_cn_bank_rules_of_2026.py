"""The CN-bank policy takes the Chinese rules of 2026 as a new version, where it still holds the
parameters it was shipped with. A policy an admin has changed since is left as they made it
(they add a version with the new parameters in the admin)."""

from django.db import migrations
from django.db.models import Max

from compliance.presets import PRESETS

SHIPPED_BEFORE_2026 = {
    "contact_windows": {
        channel: {"start": "08:00", "end": "22:00"} for channel in ("call", "sms", "email", "visit")
    },
    "attempt_caps": [
        {
            "code": "unanswered_attempts",
            "channels": ["call"],
            "max_attempts": 6,
            "period": "local_day",
            "period_days": 1,
            "scope": "contact_point",
            "counted_outcomes": ["no_answer", "voicemail"],
            "contact_point_kinds": "all",
            "exclude_consented": False,
        }
    ],
    "conversation_cooldown": None,
    "consented_call_days": 0,
    "consent_required_channels": ["sms", "email"],
    "cease_exceptions": {"actions": ["confirm_cease"], "channels": ["letter", "email"]},
    "dispute_exceptions": {"actions": ["send_verification"], "channels": ["letter", "email"]},
    "third_party": {
        "allowed_actions": ["location_inquiry", "pass_message"],
        "requires_debtor_unreachable": True,
        "max_contacts_per_person": None,
        "trusted_relationships": ["guarantor"],
    },
    "vulnerability_gate": True,
    "record_retention_years": 2,
}


def adopt_rules_of_2026(apps, schema_editor):
    policy_model = apps.get_model("compliance", "CompliancePolicy")
    version_model = apps.get_model("compliance", "CompliancePolicyVersion")
    preset = PRESETS["CN-bank"]
    for policy in policy_model.objects.filter(preset="CN-bank"):
        latest = version_model.objects.filter(policy=policy).order_by("-version").first()
        if latest is None or latest.parameters != SHIPPED_BEFORE_2026:
            continue
        version_model.objects.create(
            policy=policy,
            version=version_model.objects.filter(policy=policy).aggregate(n=Max("version"))["n"]
            + 1,
            parameters=preset.parameters,
            note="The Chinese rules of 2026 (shipped preset).",
        )
        policy.description = preset.description
        policy.save(update_fields=["description"])


class Migration(migrations.Migration):
    dependencies = [("compliance", "0005_verbose_names")]

    operations = [migrations.RunPython(adopt_rules_of_2026, migrations.RunPython.noop)]
