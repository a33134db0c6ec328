"""Installs each preset's policy at version 1, unless present (the database migrated before the
split of `cases` has them already)."""

from django.db import migrations

from compliance.policies import seed_preset_policies


def seed_presets(apps, schema_editor):
    seed_preset_policies(
        apps.get_model("compliance", "CompliancePolicy"),
        apps.get_model("compliance", "CompliancePolicyVersion"),
    )


class Migration(migrations.Migration):
    dependencies = [("compliance", "0001_initial")]

    operations = [migrations.RunPython(seed_presets, migrations.RunPython.noop)]
