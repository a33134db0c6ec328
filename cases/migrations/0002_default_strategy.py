from django.db import migrations

SMS_REMINDER = (
    "{{ debtor.full_name }}, your card account ending {{ account.card_last4 }} is "
    "{{ days_past_due }} day{{ days_past_due|pluralize }} past due. "
    "Please pay {{ account.minimum_due }} {{ account.currency }}. "
    "Reply STOP to opt out of texts."
)

DEMAND_LETTER = """Dear {{ debtor.full_name }},

Your credit card account {{ account.account_reference }} (card ending {{ account.card_last4 }}) is
{{ days_past_due }} day{{ days_past_due|pluralize }} past due. The outstanding balance is {{ account.balance }} {{ account.currency }},
of which {{ account.minimum_due }} {{ account.currency }} is overdue.

Basis of the claim: the cardholder agreement for your {{ account.product }} card and the statements
sent to you, which record the purchases, fees and interest making up this balance.

Your rights: you may ask us to verify this debt and to send you the statements behind it. If you
believe any part of it is wrong, you may dispute it in writing within 30 days of receiving this letter;
we will pause collection of the disputed amount until we have answered. You may check your account at
any branch or through the bank's online service.

How to object: write to the collections department at the address on your statement, quoting the
account reference above, or call the number on the back of your card.

If you have already paid, please disregard this letter.
"""

LADDER = [
    (1, "SMS reminder", 1, "sms", SMS_REMINDER),
    (2, "Phone collection", 30, "call_queue", ""),
    (3, "Demand letter", 45, "letter", DEMAND_LETTER),
    (4, "Agency placement", 90, "agency", ""),
    (5, "Litigation", 120, "litigation", ""),
]


def install_default_strategy(apps, schema_editor):
    Strategy = apps.get_model("cases", "Strategy")
    Stage = apps.get_model("cases", "Stage")
    strategy, created = Strategy.objects.get_or_create(
        name="Standard card ladder",
        defaults={
            "description": "SMS at 1, phone at 30, letter at 45, agency at 90, litigation at 120 days past due.",
            "is_default": True,
        },
    )
    if created:
        Stage.objects.bulk_create(
            Stage(
                strategy=strategy,
                position=position,
                name=name,
                min_days_past_due=days,
                action=action,
                message_template=template,
            )
            for position, name, days, action, template in LADDER
        )


def remove_default_strategy(apps, schema_editor):
    apps.get_model("cases", "Strategy").objects.filter(name="Standard card ladder").delete()


class Migration(migrations.Migration):
    dependencies = [("cases", "0001_initial")]

    operations = [migrations.RunPython(install_default_strategy, remove_default_strategy)]
