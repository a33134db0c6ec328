"""Takes over the tables these models had in `cases`, under the same names: the state
is created here, the database is left as it is. The content types (and so the permissions and
the admin's history) follow the models; the permissions that lived on the case move to them.
"""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

from common.app_split import content_types_follow


MODELS = ["importrun", "importrejectedrow"]
# Permissions once declared on cases.Case: (codename, the model that declares it now).
MOVED_PERMISSIONS = []


class Migration(migrations.Migration):
    initial = True

    dependencies = [
        ("cases", "0011_models_move_to_their_apps"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("auth", "0012_alter_user_first_name_max_length"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="ImportRun",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True,
                                primary_key=True,
                                serialize=False,
                                verbose_name="ID",
                            ),
                        ),
                        ("created_at", models.DateTimeField(auto_now_add=True)),
                        ("updated_at", models.DateTimeField(auto_now=True)),
                        (
                            "kind",
                            models.CharField(
                                choices=[("accounts", "Accounts"), ("payments", "Payments")],
                                max_length=10,
                            ),
                        ),
                        ("file_name", models.CharField(max_length=255)),
                        ("upload", models.FileField(blank=True, upload_to="feeds/%Y/%m/")),
                        (
                            "checksum",
                            models.CharField(
                                blank=True, help_text="SHA-256 of the file.", max_length=64
                            ),
                        ),
                        ("business_date", models.DateField()),
                        ("dry_run", models.BooleanField(default=False)),
                        (
                            "status",
                            models.CharField(
                                choices=[
                                    ("queued", "Queued"),
                                    ("running", "Running"),
                                    ("succeeded", "Succeeded"),
                                    ("previewed", "Previewed (dry run)"),
                                    ("refused", "Refused: file unreadable"),
                                    ("failed", "Failed"),
                                ],
                                default="queued",
                                max_length=10,
                            ),
                        ),
                        (
                            "message",
                            models.TextField(
                                blank=True, help_text="Why the file was refused, or the error."
                            ),
                        ),
                        ("rows_read", models.PositiveIntegerField(default=0)),
                        ("inserted", models.PositiveIntegerField(default=0)),
                        ("updated", models.PositiveIntegerField(default=0)),
                        ("unchanged", models.PositiveIntegerField(default=0)),
                        ("rejected", models.PositiveIntegerField(default=0)),
                        ("progress_percent", models.PositiveSmallIntegerField(default=0)),
                        ("started_at", models.DateTimeField(blank=True, null=True)),
                        ("finished_at", models.DateTimeField(blank=True, null=True)),
                        ("duration_seconds", models.FloatField(blank=True, null=True)),
                        (
                            "user",
                            models.ForeignKey(
                                blank=True,
                                help_text="Blank when run from the command line.",
                                null=True,
                                on_delete=django.db.models.deletion.SET_NULL,
                                related_name="import_runs",
                                to=settings.AUTH_USER_MODEL,
                            ),
                        ),
                    ],
                    options={
                        "db_table": "cases_importrun",
                        "ordering": ["-created_at", "-id"],
                    },
                ),
                migrations.CreateModel(
                    name="ImportRejectedRow",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True,
                                primary_key=True,
                                serialize=False,
                                verbose_name="ID",
                            ),
                        ),
                        ("line_number", models.PositiveIntegerField()),
                        (
                            "raw_row",
                            models.TextField(
                                help_text="The row as read, card numbers and national IDs masked."
                            ),
                        ),
                        ("reason", models.CharField(max_length=500)),
                        (
                            "run",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="rejected_rows",
                                to="feeds.importrun",
                            ),
                        ),
                    ],
                    options={
                        "db_table": "cases_importrejectedrow",
                        "ordering": ["run", "line_number", "id"],
                    },
                ),
                migrations.AddIndex(
                    model_name="importrun",
                    index=models.Index(fields=["checksum"], name="import_run_checksum"),
                ),
            ],
        ),
        content_types_follow("feeds", MODELS, MOVED_PERMISSIONS),
    ]
