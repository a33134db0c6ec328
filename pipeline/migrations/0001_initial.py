"""Takes over the tables these models had in `cases`, under the same names: the state
is created here, the database is left as it is. The content types (and so the permissions and
the admin's history) follow the models; the permissions that lived on the case move to them.
"""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

from common.app_split import content_types_follow


MODELS = ["pipelinerun", "outboundmessage"]
# Permissions once declared on cases.Case: (codename, the model that declares it now).
MOVED_PERMISSIONS = [("run_pipeline", "pipelinerun")]


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
                    name="OutboundMessage",
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
                            "channel",
                            models.CharField(
                                choices=[
                                    ("call", "Call"),
                                    ("sms", "SMS"),
                                    ("email", "Email"),
                                    ("letter", "Letter"),
                                    ("visit", "Visit"),
                                    ("note", "Note"),
                                    ("system", "System"),
                                ],
                                max_length=10,
                            ),
                        ),
                        (
                            "status",
                            models.CharField(
                                choices=[
                                    ("pending", "Pending"),
                                    ("queued", "Queued for sending"),
                                    ("sending", "Sending"),
                                    ("sent", "Sent"),
                                    ("blocked", "Blocked by compliance"),
                                    ("failed", "Failed"),
                                    ("cancelled", "Cancelled"),
                                ],
                                default="pending",
                                max_length=10,
                            ),
                        ),
                        (
                            "send_after",
                            models.DateTimeField(
                                blank=True,
                                help_text="Held back until then, e.g. outside contact hours.",
                                null=True,
                            ),
                        ),
                        ("subject", models.CharField(blank=True, max_length=200)),
                        (
                            "body",
                            models.TextField(
                                blank=True, help_text="Rendered when the message is sent."
                            ),
                        ),
                        ("document_html", models.TextField(blank=True)),
                        ("document_pdf", models.FileField(blank=True, upload_to="letters/%Y/%m/")),
                        ("attempts", models.PositiveSmallIntegerField(default=0)),
                        ("last_error", models.TextField(blank=True)),
                        ("provider_reference", models.CharField(blank=True, max_length=100)),
                        ("delivery_status", models.CharField(blank=True, max_length=40)),
                        ("sent_at", models.DateTimeField(blank=True, null=True)),
                        (
                            "activity",
                            models.OneToOneField(
                                blank=True,
                                null=True,
                                on_delete=django.db.models.deletion.SET_NULL,
                                related_name="message",
                                to="cases.activity",
                            ),
                        ),
                        (
                            "case",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="messages",
                                to="cases.case",
                            ),
                        ),
                        (
                            "contact_point",
                            models.ForeignKey(
                                blank=True,
                                null=True,
                                on_delete=django.db.models.deletion.SET_NULL,
                                related_name="messages",
                                to="cases.contactpoint",
                            ),
                        ),
                        (
                            "stage_entry",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="messages",
                                to="cases.stageentry",
                            ),
                        ),
                    ],
                    options={
                        "db_table": "cases_outboundmessage",
                        "ordering": ["-created_at", "-id"],
                        "indexes": [
                            models.Index(
                                condition=models.Q(("status__in", ["pending", "queued"])),
                                fields=["status"],
                                name="message_open",
                            )
                        ],
                        "constraints": [
                            models.UniqueConstraint(
                                fields=("case", "stage_entry", "channel"),
                                name="one_message_per_stage_entry_channel",
                            )
                        ],
                    },
                ),
                migrations.CreateModel(
                    name="PipelineRun",
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
                        ("business_date", models.DateField()),
                        ("dry_run", models.BooleanField(default=False)),
                        (
                            "status",
                            models.CharField(
                                choices=[
                                    ("running", "Running"),
                                    ("succeeded", "Succeeded"),
                                    ("failed", "Failed"),
                                    ("previewed", "Previewed (dry run)"),
                                ],
                                default="running",
                                max_length=10,
                            ),
                        ),
                        ("started_at", models.DateTimeField()),
                        ("finished_at", models.DateTimeField(blank=True, null=True)),
                        (
                            "counts",
                            models.JSONField(
                                blank=True,
                                default=dict,
                                help_text="Cases or messages per transition.",
                            ),
                        ),
                        ("error", models.TextField(blank=True)),
                        (
                            "started_from",
                            models.CharField(
                                choices=[
                                    ("schedule", "Schedule"),
                                    ("page", "Pipeline page"),
                                    ("command", "Command line"),
                                ],
                                default="schedule",
                                max_length=10,
                            ),
                        ),
                        (
                            "triggered_by",
                            models.ForeignKey(
                                blank=True,
                                help_text="The person who started it from the pipeline page.",
                                null=True,
                                on_delete=django.db.models.deletion.SET_NULL,
                                related_name="pipeline_runs",
                                to=settings.AUTH_USER_MODEL,
                            ),
                        ),
                    ],
                    options={
                        "db_table": "cases_pipelinerun",
                        "ordering": ["-started_at", "-id"],
                        "permissions": [("run_pipeline", "Can run or preview the daily pipeline")],
                        "constraints": [
                            models.UniqueConstraint(
                                condition=models.Q(("dry_run", False), ("status", "running")),
                                fields=("business_date",),
                                name="one_running_pipeline_per_date",
                            )
                        ],
                    },
                ),
            ],
        ),
        content_types_follow("pipeline", MODELS, MOVED_PERMISSIONS),
    ]
