"""Takes over the tables these models had in `cases`, under the same names: the state
is created here, the database is left as it is. The content types (and so the permissions and
the admin's history) follow the models; the permissions that lived on the case move to them.
"""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

from common.app_split import content_types_follow


MODELS = [
    "dailyperformance",
    "dailycollectorperformance",
    "dailyteamperformance",
    "dailycaseflow",
    "portfoliosnapshot",
    "rollrate",
    "queuesnapshot",
    "statsday",
    "statswatermark",
]
# Permissions once declared on cases.Case: (codename, the model that declares it now).
MOVED_PERMISSIONS = [("view_dashboard", "dailyperformance")]


class Migration(migrations.Migration):
    initial = True

    dependencies = [
        ("cases", "0011_models_move_to_their_apps"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("accounts", "0002_initial"),
        ("agencies", "0003_placement_rules_and_statements"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="StatsDay",
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
                        ("day", models.DateField(unique=True)),
                        ("flows_computed_at", models.DateTimeField(blank=True, null=True)),
                        ("snapshot_computed_at", models.DateTimeField(blank=True, null=True)),
                    ],
                    options={
                        "db_table": "cases_statsday",
                        "ordering": ["-day"],
                    },
                ),
                migrations.CreateModel(
                    name="StatsWatermark",
                    fields=[
                        (
                            "id",
                            models.PositiveSmallIntegerField(
                                default=1, primary_key=True, serialize=False
                            ),
                        ),
                        ("activity_id", models.BigIntegerField(default=0)),
                        ("payment_id", models.BigIntegerField(default=0)),
                        ("promise_id", models.BigIntegerField(default=0)),
                        ("stage_entry_id", models.BigIntegerField(default=0)),
                        ("compliance_sequence", models.BigIntegerField(default=0)),
                        ("pipeline_run_id", models.BigIntegerField(default=0)),
                        ("case_id", models.BigIntegerField(default=0)),
                    ],
                    options={
                        "db_table": "cases_statswatermark",
                        "constraints": [
                            models.CheckConstraint(
                                condition=models.Q(("id", 1)), name="stats_watermark_one_row"
                            )
                        ],
                    },
                ),
                migrations.CreateModel(
                    name="DailyCaseFlow",
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
                        ("day", models.DateField()),
                        ("product", models.CharField(max_length=60)),
                        ("currency", models.CharField(max_length=3)),
                        ("opened", models.PositiveIntegerField(default=0)),
                        (
                            "entered",
                            models.PositiveIntegerField(
                                default=0, help_text="Entries into the stage."
                            ),
                        ),
                        (
                            "cured",
                            models.PositiveIntegerField(
                                default=0, help_text="Cured while at the stage."
                            ),
                        ),
                        (
                            "cured_balance",
                            models.DecimalField(
                                decimal_places=2,
                                default=0,
                                help_text="Their balances when opened.",
                                max_digits=16,
                            ),
                        ),
                        (
                            "stage",
                            models.ForeignKey(
                                blank=True,
                                db_constraint=False,
                                db_index=False,
                                help_text="Blank for openings.",
                                null=True,
                                on_delete=django.db.models.deletion.DO_NOTHING,
                                related_name="+",
                                to="cases.stage",
                            ),
                        ),
                        (
                            "strategy",
                            models.ForeignKey(
                                blank=True,
                                db_constraint=False,
                                db_index=False,
                                null=True,
                                on_delete=django.db.models.deletion.DO_NOTHING,
                                related_name="+",
                                to="cases.strategy",
                            ),
                        ),
                        (
                            "team",
                            models.ForeignKey(
                                blank=True,
                                db_constraint=False,
                                db_index=False,
                                null=True,
                                on_delete=django.db.models.deletion.DO_NOTHING,
                                related_name="+",
                                to="accounts.team",
                            ),
                        ),
                    ],
                    options={
                        "db_table": "cases_dailycaseflow",
                        "ordering": ["day", "id"],
                        "indexes": [
                            models.Index(fields=["currency", "day"], name="dash_flow_currency_day")
                        ],
                    },
                ),
                migrations.CreateModel(
                    name="DailyCollectorPerformance",
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
                            "attempts",
                            models.PositiveIntegerField(default=0, help_text="Outbound calls."),
                        ),
                        (
                            "right_party_contacts",
                            models.PositiveIntegerField(
                                default=0, help_text="Outbound calls that reached the debtor."
                            ),
                        ),
                        (
                            "calls_handled",
                            models.PositiveIntegerField(
                                default=0, help_text="Calls, either direction."
                            ),
                        ),
                        (
                            "call_seconds",
                            models.BigIntegerField(default=0, help_text="Their summed durations."),
                        ),
                        (
                            "promises",
                            models.PositiveIntegerField(
                                default=0, help_text="Promises taken that day."
                            ),
                        ),
                        (
                            "promised_amount",
                            models.DecimalField(decimal_places=2, default=0, max_digits=16),
                        ),
                        (
                            "promises_kept",
                            models.PositiveIntegerField(
                                default=0, help_text="Resolved as kept that day."
                            ),
                        ),
                        (
                            "promises_broken",
                            models.PositiveIntegerField(
                                default=0, help_text="Resolved as broken that day."
                            ),
                        ),
                        ("payments", models.PositiveIntegerField(default=0)),
                        (
                            "collected",
                            models.DecimalField(decimal_places=2, default=0, max_digits=16),
                        ),
                        ("compliance_blocks", models.PositiveIntegerField(default=0)),
                        ("compliance_overrides", models.PositiveIntegerField(default=0)),
                        ("day", models.DateField()),
                        ("currency", models.CharField(max_length=3)),
                        (
                            "agency",
                            models.ForeignKey(
                                blank=True,
                                db_constraint=False,
                                db_index=False,
                                null=True,
                                on_delete=django.db.models.deletion.DO_NOTHING,
                                related_name="+",
                                to="agencies.agency",
                            ),
                        ),
                        (
                            "collector",
                            models.ForeignKey(
                                blank=True,
                                db_constraint=False,
                                db_index=False,
                                null=True,
                                on_delete=django.db.models.deletion.DO_NOTHING,
                                related_name="+",
                                to=settings.AUTH_USER_MODEL,
                            ),
                        ),
                        (
                            "team",
                            models.ForeignKey(
                                blank=True,
                                db_constraint=False,
                                db_index=False,
                                null=True,
                                on_delete=django.db.models.deletion.DO_NOTHING,
                                related_name="+",
                                to="accounts.team",
                            ),
                        ),
                    ],
                    options={
                        "verbose_name_plural": "daily collector performance",
                        "db_table": "cases_dailycollectorperformance",
                        "ordering": ["day", "id"],
                        "indexes": [
                            models.Index(
                                fields=["currency", "agency", "day"], name="dash_perf_person_day"
                            ),
                            models.Index(
                                fields=["collector", "team"], name="dash_perf_person_team"
                            ),
                        ],
                    },
                ),
                migrations.CreateModel(
                    name="DailyPerformance",
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
                            "attempts",
                            models.PositiveIntegerField(default=0, help_text="Outbound calls."),
                        ),
                        (
                            "right_party_contacts",
                            models.PositiveIntegerField(
                                default=0, help_text="Outbound calls that reached the debtor."
                            ),
                        ),
                        (
                            "calls_handled",
                            models.PositiveIntegerField(
                                default=0, help_text="Calls, either direction."
                            ),
                        ),
                        (
                            "call_seconds",
                            models.BigIntegerField(default=0, help_text="Their summed durations."),
                        ),
                        (
                            "promises",
                            models.PositiveIntegerField(
                                default=0, help_text="Promises taken that day."
                            ),
                        ),
                        (
                            "promised_amount",
                            models.DecimalField(decimal_places=2, default=0, max_digits=16),
                        ),
                        (
                            "promises_kept",
                            models.PositiveIntegerField(
                                default=0, help_text="Resolved as kept that day."
                            ),
                        ),
                        (
                            "promises_broken",
                            models.PositiveIntegerField(
                                default=0, help_text="Resolved as broken that day."
                            ),
                        ),
                        ("payments", models.PositiveIntegerField(default=0)),
                        (
                            "collected",
                            models.DecimalField(decimal_places=2, default=0, max_digits=16),
                        ),
                        ("compliance_blocks", models.PositiveIntegerField(default=0)),
                        ("compliance_overrides", models.PositiveIntegerField(default=0)),
                        ("day", models.DateField()),
                        ("product", models.CharField(max_length=60)),
                        ("currency", models.CharField(max_length=3)),
                        (
                            "agency",
                            models.ForeignKey(
                                blank=True,
                                db_constraint=False,
                                db_index=False,
                                null=True,
                                on_delete=django.db.models.deletion.DO_NOTHING,
                                related_name="+",
                                to="agencies.agency",
                            ),
                        ),
                        (
                            "collector",
                            models.ForeignKey(
                                blank=True,
                                db_constraint=False,
                                db_index=False,
                                null=True,
                                on_delete=django.db.models.deletion.DO_NOTHING,
                                related_name="+",
                                to=settings.AUTH_USER_MODEL,
                            ),
                        ),
                        (
                            "strategy",
                            models.ForeignKey(
                                blank=True,
                                db_constraint=False,
                                db_index=False,
                                null=True,
                                on_delete=django.db.models.deletion.DO_NOTHING,
                                related_name="+",
                                to="cases.strategy",
                            ),
                        ),
                        (
                            "team",
                            models.ForeignKey(
                                blank=True,
                                db_constraint=False,
                                db_index=False,
                                null=True,
                                on_delete=django.db.models.deletion.DO_NOTHING,
                                related_name="+",
                                to="accounts.team",
                            ),
                        ),
                    ],
                    options={
                        "verbose_name_plural": "daily performance",
                        "db_table": "cases_dailyperformance",
                        "ordering": ["day", "id"],
                        "permissions": [("view_dashboard", "Can view performance dashboards")],
                        "indexes": [
                            models.Index(fields=["currency", "day"], name="dash_perf_currency_day"),
                            models.Index(
                                fields=["team", "currency", "day"], name="dash_perf_team_day"
                            ),
                            models.Index(
                                fields=["collector", "day"], name="dash_perf_collector_day"
                            ),
                        ],
                    },
                ),
                migrations.CreateModel(
                    name="DailyTeamPerformance",
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
                            "attempts",
                            models.PositiveIntegerField(default=0, help_text="Outbound calls."),
                        ),
                        (
                            "right_party_contacts",
                            models.PositiveIntegerField(
                                default=0, help_text="Outbound calls that reached the debtor."
                            ),
                        ),
                        (
                            "calls_handled",
                            models.PositiveIntegerField(
                                default=0, help_text="Calls, either direction."
                            ),
                        ),
                        (
                            "call_seconds",
                            models.BigIntegerField(default=0, help_text="Their summed durations."),
                        ),
                        (
                            "promises",
                            models.PositiveIntegerField(
                                default=0, help_text="Promises taken that day."
                            ),
                        ),
                        (
                            "promised_amount",
                            models.DecimalField(decimal_places=2, default=0, max_digits=16),
                        ),
                        (
                            "promises_kept",
                            models.PositiveIntegerField(
                                default=0, help_text="Resolved as kept that day."
                            ),
                        ),
                        (
                            "promises_broken",
                            models.PositiveIntegerField(
                                default=0, help_text="Resolved as broken that day."
                            ),
                        ),
                        ("payments", models.PositiveIntegerField(default=0)),
                        (
                            "collected",
                            models.DecimalField(decimal_places=2, default=0, max_digits=16),
                        ),
                        ("compliance_blocks", models.PositiveIntegerField(default=0)),
                        ("compliance_overrides", models.PositiveIntegerField(default=0)),
                        ("day", models.DateField()),
                        ("product", models.CharField(max_length=60)),
                        ("currency", models.CharField(max_length=3)),
                        (
                            "agency",
                            models.ForeignKey(
                                blank=True,
                                db_constraint=False,
                                db_index=False,
                                null=True,
                                on_delete=django.db.models.deletion.DO_NOTHING,
                                related_name="+",
                                to="agencies.agency",
                            ),
                        ),
                        (
                            "strategy",
                            models.ForeignKey(
                                blank=True,
                                db_constraint=False,
                                db_index=False,
                                null=True,
                                on_delete=django.db.models.deletion.DO_NOTHING,
                                related_name="+",
                                to="cases.strategy",
                            ),
                        ),
                        (
                            "team",
                            models.ForeignKey(
                                blank=True,
                                db_constraint=False,
                                db_index=False,
                                null=True,
                                on_delete=django.db.models.deletion.DO_NOTHING,
                                related_name="+",
                                to="accounts.team",
                            ),
                        ),
                    ],
                    options={
                        "verbose_name_plural": "daily team performance",
                        "db_table": "cases_dailyteamperformance",
                        "ordering": ["day", "id"],
                        "indexes": [
                            models.Index(fields=["currency", "day"], name="dash_perf_team_only_day")
                        ],
                    },
                ),
                migrations.CreateModel(
                    name="PortfolioSnapshot",
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
                        ("day", models.DateField()),
                        ("product", models.CharField(max_length=60)),
                        ("currency", models.CharField(max_length=3)),
                        (
                            "bucket",
                            models.PositiveSmallIntegerField(
                                choices=[
                                    (0, "Current (0)"),
                                    (1, "1-29"),
                                    (2, "30-59"),
                                    (3, "60-89"),
                                    (4, "90-119"),
                                    (5, "120+"),
                                    (6, "Cured"),
                                    (7, "Closed otherwise"),
                                ]
                            ),
                        ),
                        ("cases", models.PositiveIntegerField(default=0)),
                        (
                            "balance",
                            models.DecimalField(decimal_places=2, default=0, max_digits=16),
                        ),
                        (
                            "agency",
                            models.ForeignKey(
                                blank=True,
                                db_constraint=False,
                                db_index=False,
                                help_text="The agency holding the case that day.",
                                null=True,
                                on_delete=django.db.models.deletion.DO_NOTHING,
                                related_name="+",
                                to="agencies.agency",
                            ),
                        ),
                        (
                            "strategy",
                            models.ForeignKey(
                                blank=True,
                                db_constraint=False,
                                db_index=False,
                                null=True,
                                on_delete=django.db.models.deletion.DO_NOTHING,
                                related_name="+",
                                to="cases.strategy",
                            ),
                        ),
                        (
                            "team",
                            models.ForeignKey(
                                blank=True,
                                db_constraint=False,
                                db_index=False,
                                null=True,
                                on_delete=django.db.models.deletion.DO_NOTHING,
                                related_name="+",
                                to="accounts.team",
                            ),
                        ),
                    ],
                    options={
                        "db_table": "cases_portfoliosnapshot",
                        "ordering": ["day", "bucket", "id"],
                        "indexes": [
                            models.Index(
                                fields=["currency", "day"], name="dash_portfolio_currency_day"
                            )
                        ],
                    },
                ),
                migrations.CreateModel(
                    name="QueueSnapshot",
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
                        ("day", models.DateField()),
                        ("taken_at", models.DateTimeField()),
                        (
                            "queue_depth",
                            models.PositiveIntegerField(
                                default=0, help_text="Open cases in a calling stage, not paused."
                            ),
                        ),
                        (
                            "untouched",
                            models.PositiveIntegerField(
                                default=0,
                                help_text="Of those, cases without a call since entering their stage.",
                            ),
                        ),
                        ("paused", models.PositiveIntegerField(default=0)),
                        ("oldest_untouched_since", models.DateTimeField(blank=True, null=True)),
                        (
                            "oldest_untouched_case",
                            models.ForeignKey(
                                blank=True,
                                db_constraint=False,
                                db_index=False,
                                null=True,
                                on_delete=django.db.models.deletion.DO_NOTHING,
                                related_name="+",
                                to="cases.case",
                            ),
                        ),
                        (
                            "team",
                            models.ForeignKey(
                                blank=True,
                                db_constraint=False,
                                db_index=False,
                                null=True,
                                on_delete=django.db.models.deletion.DO_NOTHING,
                                related_name="+",
                                to="accounts.team",
                            ),
                        ),
                    ],
                    options={
                        "db_table": "cases_queuesnapshot",
                        "ordering": ["day", "team"],
                        "indexes": [models.Index(fields=["day"], name="dash_queue_day")],
                    },
                ),
                migrations.CreateModel(
                    name="RollRate",
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
                            "month",
                            models.DateField(
                                help_text="First day of the month the cases rolled through."
                            ),
                        ),
                        (
                            "as_of",
                            models.DateField(
                                help_text="The month's last day, or the day computed if earlier."
                            ),
                        ),
                        ("product", models.CharField(max_length=60)),
                        ("currency", models.CharField(max_length=3)),
                        (
                            "from_bucket",
                            models.PositiveSmallIntegerField(
                                choices=[
                                    (0, "Current (0)"),
                                    (1, "1-29"),
                                    (2, "30-59"),
                                    (3, "60-89"),
                                    (4, "90-119"),
                                    (5, "120+"),
                                    (6, "Cured"),
                                    (7, "Closed otherwise"),
                                ]
                            ),
                        ),
                        (
                            "to_bucket",
                            models.PositiveSmallIntegerField(
                                choices=[
                                    (0, "Current (0)"),
                                    (1, "1-29"),
                                    (2, "30-59"),
                                    (3, "60-89"),
                                    (4, "90-119"),
                                    (5, "120+"),
                                    (6, "Cured"),
                                    (7, "Closed otherwise"),
                                ]
                            ),
                        ),
                        ("cases", models.PositiveIntegerField(default=0)),
                        (
                            "balance",
                            models.DecimalField(
                                decimal_places=2,
                                default=0,
                                help_text="Balances at the first month end.",
                                max_digits=16,
                            ),
                        ),
                        (
                            "strategy",
                            models.ForeignKey(
                                blank=True,
                                db_constraint=False,
                                db_index=False,
                                null=True,
                                on_delete=django.db.models.deletion.DO_NOTHING,
                                related_name="+",
                                to="cases.strategy",
                            ),
                        ),
                        (
                            "team",
                            models.ForeignKey(
                                blank=True,
                                db_constraint=False,
                                db_index=False,
                                null=True,
                                on_delete=django.db.models.deletion.DO_NOTHING,
                                related_name="+",
                                to="accounts.team",
                            ),
                        ),
                    ],
                    options={
                        "db_table": "cases_rollrate",
                        "ordering": ["month", "from_bucket", "to_bucket", "id"],
                        "indexes": [
                            models.Index(
                                fields=["currency", "month"], name="dash_roll_currency_month"
                            )
                        ],
                    },
                ),
            ],
        ),
        content_types_follow("reporting", MODELS, MOVED_PERMISSIONS),
    ]
