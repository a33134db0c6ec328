"""The letters confirming an agreement (a repayment plan's confirmation, a settlement's letter)
join the contact a kept plan still allows, where a policy stops collection while a plan is kept:
each such policy whose newest version lacks them gets a new version with them added to its
`plan_exceptions` actions, every other parameter kept as it is (an admin's changes included).
They collect nothing: they confirm, in writing, what the debtor agreed."""

from django.db import migrations
from django.db.models import Max

LETTERS = ("plan_confirmation", "settlement_letter")


def let_agreement_letters_pass(apps, schema_editor):
    policy_model = apps.get_model("compliance", "CompliancePolicy")
    version_model = apps.get_model("compliance", "CompliancePolicyVersion")
    for policy in policy_model.objects.all():
        versions = version_model.objects.filter(policy=policy)
        latest = versions.order_by("-version").first()
        if latest is None or not latest.parameters.get("instalment_plan_stops_contact"):
            continue
        exceptions = latest.parameters.get("plan_exceptions") or {"actions": [], "channels": []}
        missing = [action for action in LETTERS if action not in exceptions.get("actions", [])]
        if not missing:
            continue
        version_model.objects.create(
            policy=policy,
            version=versions.aggregate(n=Max("version"))["n"] + 1,
            parameters={
                **latest.parameters,
                "plan_exceptions": {
                    **exceptions,
                    "actions": [*exceptions.get("actions", []), *missing],
                },
            },
            note="Letters confirming an agreement pass while a plan is kept.",
        )


class Migration(migrations.Migration):
    dependencies = [("compliance", "0011_dispute_deadlines")]

    operations = [migrations.RunPython(let_agreement_letters_pass, migrations.RunPython.noop)]
