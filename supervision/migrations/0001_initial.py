"""Takes over the tables these models had in `cases`, under the same names: the state
is created here, the database is left as it is. The content types (and so the permissions and
the admin's history) follow the models; the permissions that lived on the case move to them.
"""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

from common.app_split import content_types_follow


MODELS = ["supervisoraction", "overrideapproval"]
# Permissions once declared on cases.Case: (codename, the model that declares it now).
MOVED_PERMISSIONS = [("reassign_case", "supervisoraction")]


class Migration(migrations.Migration):
    initial = True

    dependencies = [
        ("cases", "0011_models_move_to_their_apps"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("compliance", "0001_initial"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="OverrideApproval",
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
                        ("reason", models.TextField()),
                        ("approved_at", models.DateTimeField()),
                        ("valid_until", models.DateTimeField()),
                        (
                            "approved_by",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.PROTECT,
                                related_name="overrides_approved",
                                to=settings.AUTH_USER_MODEL,
                            ),
                        ),
                        (
                            "blocked_entry",
                            models.OneToOneField(
                                on_delete=django.db.models.deletion.PROTECT,
                                related_name="override_approval",
                                to="compliance.compliancelogentry",
                            ),
                        ),
                        (
                            "case",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="override_approvals",
                                to="cases.case",
                            ),
                        ),
                        (
                            "collector",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.PROTECT,
                                related_name="override_approvals",
                                to=settings.AUTH_USER_MODEL,
                            ),
                        ),
                        (
                            "decision_entry",
                            models.OneToOneField(
                                help_text="The gate's overridden decision written when the approval was given.",
                                on_delete=django.db.models.deletion.PROTECT,
                                related_name="approval_decision",
                                to="compliance.compliancelogentry",
                            ),
                        ),
                        (
                            "used_activity",
                            models.OneToOneField(
                                blank=True,
                                help_text="The contact made under the approval.",
                                null=True,
                                on_delete=django.db.models.deletion.SET_NULL,
                                related_name="override_approval",
                                to="cases.activity",
                            ),
                        ),
                    ],
                    options={
                        "db_table": "cases_overrideapproval",
                        "ordering": ["-approved_at", "-id"],
                        "constraints": [
                            models.CheckConstraint(
                                condition=models.Q(("reason", ""), _negated=True),
                                name="override_approval_has_reason",
                            ),
                            models.CheckConstraint(
                                condition=models.Q(("valid_until__gt", models.F("approved_at"))),
                                name="override_approval_valid_after_approval",
                            ),
                        ],
                    },
                ),
                migrations.CreateModel(
                    name="SupervisorAction",
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
                        (
                            "kind",
                            models.CharField(
                                choices=[
                                    ("reassign", "Cases reassigned"),
                                    ("move_collector", "Collector moved to another team"),
                                    ("pause", "Case paused"),
                                    ("resume", "Case resumed"),
                                    ("approve_override", "Compliance override approved"),
                                ],
                                max_length=20,
                            ),
                        ),
                        ("occurred_at", models.DateTimeField()),
                        ("reason", models.TextField(blank=True)),
                        ("case_count", models.PositiveIntegerField(default=0)),
                        (
                            "details",
                            models.JSONField(
                                blank=True,
                                default=dict,
                                help_text="What changed: ids before and after.",
                            ),
                        ),
                        (
                            "actor",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.PROTECT,
                                related_name="supervisor_actions",
                                to=settings.AUTH_USER_MODEL,
                            ),
                        ),
                    ],
                    options={
                        "db_table": "cases_supervisoraction",
                        "ordering": ["-occurred_at", "-id"],
                        "permissions": [
                            ("reassign_case", "Can reassign cases between collectors and teams")
                        ],
                        "indexes": [
                            models.Index(fields=["occurred_at"], name="supervisor_action_time")
                        ],
                    },
                ),
            ],
        ),
        content_types_follow("supervision", MODELS, MOVED_PERMISSIONS),
    ]
