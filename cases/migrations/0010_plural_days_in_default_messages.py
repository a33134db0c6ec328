"""The default SMS and letter said "1 days past due": stored copies of them get plural forms.

Only a stage whose template is still the old default word for word changes; a template an
admin edited is theirs and stays as it is. Both texts are spelled out here, as they were and
as they are, so the migration keeps meaning the same whatever later changes 0002.
"""

from django.db import migrations

OLD_SMS_REMINDER = (
    "{{ debtor.full_name }}, your card account ending {{ account.card_last4 }} is "
    "{{ days_past_due }} days past due. Please pay {{ account.minimum_due }} {{ account.currency }}. "
    "Reply STOP to opt out of texts."
)
SMS_REMINDER = (
    "{{ debtor.full_name }}, your card account ending {{ account.card_last4 }} is "
    "{{ days_past_due }} day{{ days_past_due|pluralize }} past due. "
    "Please pay {{ account.minimum_due }} {{ account.currency }}. "
    "Reply STOP to opt out of texts."
)

DEMAND_LETTER_BODY = """Dear {{ debtor.full_name }},

Your credit card account {{ account.account_reference }} (card ending {{ account.card_last4 }}) is
%s past due. The outstanding balance is {{ account.balance }} {{ account.currency }},
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
OLD_DEMAND_LETTER = DEMAND_LETTER_BODY % "{{ days_past_due }} days"
DEMAND_LETTER = DEMAND_LETTER_BODY % "{{ days_past_due }} day{{ days_past_due|pluralize }}"

CORRECTIONS = {OLD_SMS_REMINDER: SMS_REMINDER, OLD_DEMAND_LETTER: DEMAND_LETTER}


def _replace_exact(apps, replacements: dict[str, str]) -> None:
    Stage = apps.get_model("cases", "Stage")
    for old, new in replacements.items():
        Stage.objects.filter(message_template=old).update(message_template=new)


def use_plural_days(apps, schema_editor):
    _replace_exact(apps, CORRECTIONS)


def restore_old_wording(apps, schema_editor):
    _replace_exact(apps, {new: old for old, new in CORRECTIONS.items()})


class Migration(migrations.Migration):
    dependencies = [("cases", "0009_pipeline_run_started_from")]

    operations = [migrations.RunPython(use_plural_days, restore_old_wording)]
