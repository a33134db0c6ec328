"""The UK-FCA policy lets a specialist team's members contact vulnerable customers without a
per-call approval, as a new version, where it still holds the parameters it was shipped with. A
policy an admin has changed since is left as they made it (they add a version in the admin)."""

from django.db import migrations
from django.db.models import Max

KEY = "specialists_contact_vulnerable_without_approval"
# Added to every shipped policy by the migration before this one, whatever its other values.
PLAN_KEYS = ("plan_exceptions", "plan_max_months", "plan_grace_days")

SHIPPED_BEFORE_SPECIALISTS = {
    "contact_windows": {
        channel: {"start": "08:00", "end": "21:00"} for channel in ("call", "sms", "email", "visit")
    },
    "attempt_caps": [
        {
            "code": "daily_call_attempts",
            "channels": ["call"],
            "max_attempts": 3,
            "period": "local_day",
            "period_days": 1,
            "scope": "person_debt",
            "counted_outcomes": "all",
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
        "allowed_actions": ["location_inquiry"],
        "requires_debtor_unreachable": False,
        "max_contacts_per_person": None,
        "trusted_relationships": [],
    },
    "vulnerability_gate": True,
    "record_retention_years": None,
}


def let_specialists_contact_vulnerable(apps, schema_editor):
    policy_model = apps.get_model("compliance", "CompliancePolicy")
    version_model = apps.get_model("compliance", "CompliancePolicyVersion")
    for policy in policy_model.objects.filter(preset="UK-FCA"):
        versions = version_model.objects.filter(policy=policy)
        latest = versions.order_by("-version").first()
        if latest is None:
            continue
        shipped = {key: value for key, value in latest.parameters.items() if key not in PLAN_KEYS}
        if shipped != SHIPPED_BEFORE_SPECIALISTS:
            continue
        version_model.objects.create(
            policy=policy,
            version=versions.aggregate(n=Max("version"))["n"] + 1,
            parameters={**latest.parameters, KEY: True},
            note="Specialist teams contact vulnerable customers without a per-call approval.",
        )


class Migration(migrations.Migration):
    dependencies = [("compliance", "0007_plan_limits")]

    operations = [
        migrations.RunPython(let_specialists_contact_vulnerable, migrations.RunPython.noop)
    ]
