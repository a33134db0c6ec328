# Messages whose worker died while sending an e-mail wait for a person to decide.

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("pipeline", "0001_initial"),
    ]

    operations = [
        migrations.AlterField(
            model_name="outboundmessage",
            name="status",
            field=models.CharField(
                choices=[
                    ("pending", "Pending"),
                    ("queued", "Queued for sending"),
                    ("sending", "Sending"),
                    ("sent", "Sent"),
                    ("blocked", "Blocked by compliance"),
                    ("failed", "Failed"),
                    ("cancelled", "Cancelled"),
                    ("review", "Needs review: may have been sent"),
                ],
                default="pending",
                max_length=10,
            ),
        ),
    ]
