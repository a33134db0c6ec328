"""Writers append unsealed rows without a lock; a single sealer gives them their place in the
chain (compliance/log.py). The database still refuses every change to a row but that one:
setting the sequence and the two hashes, once, on a row that has none, its content untouched.
"""

from django.db import migrations, models

REFUSE_CHANGE_BUT_THE_SEAL = """
CREATE OR REPLACE FUNCTION compliance_log_refuse_change() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    chain_columns CONSTANT text[] := ARRAY['sequence', 'previous_hash', 'entry_hash'];
BEGIN
    IF TG_OP = 'UPDATE'
       AND OLD.sequence IS NULL AND NEW.sequence IS NOT NULL
       AND to_jsonb(OLD) - chain_columns = to_jsonb(NEW) - chain_columns THEN
        RETURN NEW;
    END IF;
    RAISE EXCEPTION 'the compliance log is append-only: % on % refused', TG_OP, TG_TABLE_NAME
        USING ERRCODE = 'restrict_violation';
END;
$$;
"""
REFUSE_EVERY_CHANGE = """
CREATE OR REPLACE FUNCTION compliance_log_refuse_change() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'the compliance log is append-only: % on % refused', TG_OP, TG_TABLE_NAME
        USING ERRCODE = 'restrict_violation';
END;
$$;
"""


def allow_the_seal(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(REFUSE_CHANGE_BUT_THE_SEAL, params=None)


def refuse_every_change(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(REFUSE_EVERY_CHANGE, params=None)


class Migration(migrations.Migration):
    dependencies = [("compliance", "0003_log_refuses_truncate")]

    operations = [
        migrations.AlterModelOptions(
            name="compliancelogentry",
            options={
                "ordering": ["-id"],
                "permissions": [
                    ("view_compliance_log", "Can audit the compliance log"),
                    ("override_compliance", "Can override an overridable compliance block"),
                ],
                "verbose_name_plural": "compliance log entries",
            },
        ),
        migrations.AlterField(
            model_name="compliancelogentry",
            name="entry_hash",
            field=models.CharField(blank=True, max_length=64),
        ),
        migrations.AlterField(
            model_name="compliancelogentry",
            name="previous_hash",
            field=models.CharField(blank=True, max_length=64),
        ),
        migrations.AlterField(
            model_name="compliancelogentry",
            name="sequence",
            field=models.BigIntegerField(
                blank=True,
                help_text="Gap-free position in the chain; empty until the row is sealed.",
                null=True,
                unique=True,
            ),
        ),
        migrations.AddIndex(
            model_name="compliancelogentry",
            index=models.Index(
                condition=models.Q(sequence__isnull=True),
                fields=["id"],
                name="compliance_log_unsealed",
            ),
        ),
        migrations.AddConstraint(
            model_name="compliancelogentry",
            constraint=models.CheckConstraint(
                condition=models.Q(sequence__isnull=True, previous_hash="", entry_hash="")
                | (
                    models.Q(sequence__isnull=False)
                    & ~models.Q(previous_hash="")
                    & ~models.Q(entry_hash="")
                ),
                name="compliance_log_sealed_whole",
            ),
        ),
        migrations.RunPython(allow_the_seal, refuse_every_change),
    ]
