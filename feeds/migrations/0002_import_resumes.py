# An import taken over after its process died goes on from the last committed chunk.

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("feeds", "0001_initial"),
    ]

    operations = [
        migrations.AddField(
            model_name="importrun",
            name="lines_done",
            field=models.PositiveIntegerField(
                default=0,
                help_text="The file's lines (header included) merged and counted, committed with them: an import taken over after its process died goes on from the next line.",
            ),
        ),
    ]
