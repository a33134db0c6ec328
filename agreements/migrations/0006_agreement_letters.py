"""Plans and settlement offers keep the letter each sent; an offer's waived part is checked
within a tenth of a cent, which SQLite's floating-point decimals need."""

import django.db.models.deletion
import django.db.models.expressions
from decimal import Decimal
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("agreements", "0005_plans_requested"),
        ("cases", "0020_portal_actions"),
        ("pipeline", "0007_message_purpose"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.RemoveConstraint(
            model_name="settlementoffer",
            name="offer_waived_is_the_rest",
        ),
        migrations.AddField(
            model_name="repaymentplan",
            name="letter",
            field=models.OneToOneField(
                blank=True,
                help_text="The letter confirming the plan, queued when it was agreed.",
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="+",
                to="pipeline.outboundmessage",
                verbose_name="confirmation letter",
            ),
        ),
        migrations.AddField(
            model_name="settlementoffer",
            name="letter",
            field=models.OneToOneField(
                blank=True,
                help_text="The letter confirming the settlement, queued when the debtor accepted it.",
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="+",
                to="pipeline.outboundmessage",
                verbose_name="settlement letter",
            ),
        ),
        migrations.AddConstraint(
            model_name="settlementoffer",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    (
                        "waived_amount__gt",
                        django.db.models.expressions.CombinedExpression(
                            django.db.models.expressions.CombinedExpression(
                                models.F("balance"), "-", models.F("amount")
                            ),
                            "-",
                            models.Value(Decimal("0.001")),
                        ),
                    ),
                    (
                        "waived_amount__lt",
                        django.db.models.expressions.CombinedExpression(
                            django.db.models.expressions.CombinedExpression(
                                models.F("balance"), "-", models.F("amount")
                            ),
                            "+",
                            models.Value(Decimal("0.001")),
                        ),
                    ),
                ),
                name="offer_waived_is_the_rest",
            ),
        ),
    ]
