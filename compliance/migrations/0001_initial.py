"""Takes over the tables these models had in `cases`, under the same names: the state
is created here, the database is left as it is. The content types (and so the permissions and
the admin's history) follow the models; the permissions that lived on the case move to them.
"""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

from common.app_split import content_types_follow


MODELS = [
    "compliancepolicy",
    "compliancepolicyversion",
    "portfoliopolicy",
    "compliancechainhead",
    "compliancelogentry",
]
# Permissions once declared on cases.Case: (codename, the model that declares it now).
MOVED_PERMISSIONS = [
    ("view_compliance_log", "compliancelogentry"),
    ("override_compliance", "compliancelogentry"),
]


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
                    name="CompliancePolicy",
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
                            "code",
                            models.CharField(
                                help_text="What Strategy.policy and portfolios name.",
                                max_length=20,
                                unique=True,
                            ),
                        ),
                        (
                            "preset",
                            models.CharField(
                                choices=[
                                    (
                                        "US-RegF",
                                        "United States: FDCPA and Regulation F (12 CFR 1006)",
                                    ),
                                    (
                                        "US-MA",
                                        "United States, Massachusetts overlay on Regulation F",
                                    ),
                                    ("CN-bank", "China: bank credit cards"),
                                    ("UK-FCA", "United Kingdom: FCA CONC 7"),
                                ],
                                max_length=20,
                            ),
                        ),
                        ("name", models.CharField(max_length=200)),
                        ("description", models.TextField(blank=True)),
                    ],
                    options={
                        "verbose_name_plural": "compliance policies",
                        "db_table": "cases_compliancepolicy",
                        "ordering": ["code"],
                    },
                ),
                migrations.CreateModel(
                    name="ComplianceChainHead",
                    fields=[
                        (
                            "id",
                            models.PositiveSmallIntegerField(
                                default=1, primary_key=True, serialize=False
                            ),
                        ),
                        ("last_sequence", models.BigIntegerField(default=0)),
                        (
                            "last_hash",
                            models.CharField(
                                default="0000000000000000000000000000000000000000000000000000000000000000",
                                max_length=64,
                            ),
                        ),
                    ],
                    options={
                        "db_table": "cases_compliancechainhead",
                        "constraints": [
                            models.CheckConstraint(
                                condition=models.Q(("id", 1)), name="compliance_chain_one_head"
                            )
                        ],
                    },
                ),
                migrations.CreateModel(
                    name="PortfolioPolicy",
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
                        ("portfolio", models.CharField(max_length=60, unique=True)),
                        (
                            "policy",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.PROTECT,
                                related_name="portfolios",
                                to="compliance.compliancepolicy",
                            ),
                        ),
                    ],
                    options={
                        "verbose_name_plural": "portfolio policies",
                        "db_table": "cases_portfoliopolicy",
                        "ordering": ["portfolio"],
                    },
                ),
                migrations.CreateModel(
                    name="ComplianceLogEntry",
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
                            "sequence",
                            models.BigIntegerField(
                                help_text="Gap-free position in the chain.", unique=True
                            ),
                        ),
                        (
                            "kind",
                            models.CharField(
                                choices=[("decision", "Decision"), ("contact", "Contact made")],
                                default="decision",
                                max_length=10,
                            ),
                        ),
                        ("occurred_at", models.DateTimeField(help_text="The moment judged, UTC.")),
                        (
                            "debtor_local_time",
                            models.CharField(help_text="ISO time with UTC offset.", max_length=40),
                        ),
                        ("debtor_time_zone", models.CharField(max_length=64)),
                        ("channel", models.CharField(max_length=10)),
                        ("action", models.CharField(max_length=60)),
                        ("policy_code", models.CharField(max_length=20)),
                        ("policy_version", models.PositiveIntegerField()),
                        (
                            "rules",
                            models.JSONField(
                                default=list, help_text="Every rule evaluated: inputs and result."
                            ),
                        ),
                        (
                            "failed_rules",
                            models.CharField(
                                blank=True,
                                help_text='Codes of the failing rules, as ",code,code,".',
                                max_length=500,
                            ),
                        ),
                        (
                            "verdict",
                            models.CharField(
                                choices=[
                                    ("allowed", "Allowed"),
                                    ("blocked", "Blocked"),
                                    ("overridden", "Overridden"),
                                ],
                                max_length=10,
                            ),
                        ),
                        ("reason", models.TextField()),
                        ("next_allowed_at", models.DateTimeField(blank=True, null=True)),
                        ("override_reason", models.TextField(blank=True)),
                        ("previous_hash", models.CharField(max_length=64)),
                        ("entry_hash", models.CharField(max_length=64)),
                        (
                            "activity",
                            models.ForeignKey(
                                blank=True,
                                help_text="The contact made (contact rows only).",
                                null=True,
                                on_delete=django.db.models.deletion.PROTECT,
                                related_name="compliance_log",
                                to="cases.activity",
                            ),
                        ),
                        (
                            "actor",
                            models.ForeignKey(
                                blank=True,
                                help_text="Blank for the system.",
                                null=True,
                                on_delete=django.db.models.deletion.PROTECT,
                                related_name="compliance_log_entries",
                                to=settings.AUTH_USER_MODEL,
                            ),
                        ),
                        (
                            "agency",
                            models.ForeignKey(
                                blank=True,
                                null=True,
                                on_delete=django.db.models.deletion.PROTECT,
                                related_name="compliance_log",
                                to="agencies.agency",
                            ),
                        ),
                        (
                            "approver",
                            models.ForeignKey(
                                blank=True,
                                null=True,
                                on_delete=django.db.models.deletion.PROTECT,
                                related_name="compliance_approvals",
                                to=settings.AUTH_USER_MODEL,
                            ),
                        ),
                        (
                            "case",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.PROTECT,
                                related_name="compliance_log",
                                to="cases.case",
                            ),
                        ),
                        (
                            "contact_point",
                            models.ForeignKey(
                                blank=True,
                                null=True,
                                on_delete=django.db.models.deletion.PROTECT,
                                related_name="compliance_log",
                                to="cases.contactpoint",
                            ),
                        ),
                        (
                            "debtor",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.PROTECT,
                                related_name="compliance_log",
                                to="cases.debtor",
                            ),
                        ),
                        (
                            "decision_entry",
                            models.ForeignKey(
                                blank=True,
                                help_text="The decision this contact was made under.",
                                null=True,
                                on_delete=django.db.models.deletion.PROTECT,
                                related_name="contact_entries",
                                to="compliance.compliancelogentry",
                            ),
                        ),
                        (
                            "team",
                            models.ForeignKey(
                                blank=True,
                                help_text="The actor's team when the row was written.",
                                null=True,
                                on_delete=django.db.models.deletion.PROTECT,
                                related_name="compliance_log",
                                to="accounts.team",
                            ),
                        ),
                    ],
                    options={
                        "verbose_name_plural": "compliance log entries",
                        "db_table": "cases_compliancelogentry",
                        "ordering": ["-sequence"],
                        "permissions": [
                            ("view_compliance_log", "Can audit the compliance log"),
                            ("override_compliance", "Can override an overridable compliance block"),
                        ],
                        "indexes": [
                            models.Index(fields=["occurred_at"], name="compliance_log_time"),
                            models.Index(
                                fields=["case", "occurred_at"], name="compliance_log_case"
                            ),
                            models.Index(
                                fields=["debtor", "occurred_at"], name="compliance_log_debtor"
                            ),
                            models.Index(
                                fields=["actor", "occurred_at"], name="compliance_log_actor"
                            ),
                            models.Index(
                                fields=["agency", "occurred_at"], name="compliance_log_agency"
                            ),
                            models.Index(
                                fields=["verdict", "occurred_at"], name="compliance_log_verdict"
                            ),
                        ],
                        "constraints": [
                            models.CheckConstraint(
                                condition=models.Q(("sequence__gte", 1)),
                                name="compliance_log_sequence",
                            ),
                            models.CheckConstraint(
                                condition=models.Q(
                                    models.Q(("verdict", "overridden"), _negated=True),
                                    models.Q(("override_reason", ""), _negated=True),
                                    _connector="OR",
                                ),
                                name="compliance_log_override_has_reason",
                            ),
                            models.CheckConstraint(
                                condition=models.Q(
                                    ("kind", "decision"),
                                    ("activity__isnull", False),
                                    _connector="OR",
                                ),
                                name="compliance_log_contact_has_activity",
                            ),
                        ],
                    },
                ),
                migrations.CreateModel(
                    name="CompliancePolicyVersion",
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
                        ("version", models.PositiveIntegerField()),
                        (
                            "parameters",
                            models.JSONField(
                                help_text="Validated against the preset's parameter schema."
                            ),
                        ),
                        (
                            "note",
                            models.CharField(
                                blank=True, help_text="Why this version was made.", max_length=300
                            ),
                        ),
                        ("created_at", models.DateTimeField(auto_now_add=True)),
                        (
                            "created_by",
                            models.ForeignKey(
                                blank=True,
                                help_text="Blank for the shipped presets.",
                                null=True,
                                on_delete=django.db.models.deletion.PROTECT,
                                related_name="+",
                                to=settings.AUTH_USER_MODEL,
                            ),
                        ),
                        (
                            "policy",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.PROTECT,
                                related_name="versions",
                                to="compliance.compliancepolicy",
                            ),
                        ),
                    ],
                    options={
                        "db_table": "cases_compliancepolicyversion",
                        "ordering": ["policy", "-version"],
                        "constraints": [
                            models.UniqueConstraint(
                                fields=("policy", "version"), name="policy_version_unique"
                            ),
                            models.CheckConstraint(
                                condition=models.Q(("version__gte", 1)),
                                name="policy_version_positive",
                            ),
                        ],
                    },
                ),
            ],
        ),
        content_types_follow("compliance", MODELS, MOVED_PERMISSIONS),
    ]
