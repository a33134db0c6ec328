"""The role groups with the product's permissions, once every app's models exist (after the
split of `cases`; a database migrated before has them, and gets them again as defined now)."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

from accounts.roles import sync_role_groups


def install_role_groups(apps, schema_editor):
    # Permissions are normally created after all migrations; the groups need them now.
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, verbosity=0)
        app_config.models_module = None
    sync_role_groups(
        apps.get_model("auth", "Group"), apps.get_model("auth", "Permission"), created_only=True
    )


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0002_initial"),
        ("agencies", "0003_placement_rules_and_statements"),
        ("cases", "0011_models_move_to_their_apps"),
        ("compliance", "0001_initial"),
        ("feeds", "0001_initial"),
        ("pipeline", "0001_initial"),
        ("reporting", "0001_initial"),
        ("supervision", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(install_role_groups, migrations.RunPython.noop)]
