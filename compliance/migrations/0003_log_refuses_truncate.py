"""TRUNCATE skips the log's row triggers, so a statement trigger refuses it too: TRUNCATE of the
log, and of any table whose CASCADE reaches it (`TRUNCATE cases_case CASCADE`).

Only the log's owner (the role that runs the migrations) may empty it, and only in a
transaction that said so first (compliance.truncation.log_truncation_allowed: the test suite between
tests, `seed_demo --reset`, the benchmarks). The application's role owns nothing and holds no
TRUNCATE privilege; the owner check holds even if one were granted by mistake."""

from django.db import migrations

REFUSE_TRUNCATE = """
CREATE OR REPLACE FUNCTION compliance_log_refuse_truncate() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF current_setting('collections.compliance_log_truncate', true) = 'allowed'
       AND pg_has_role(
           current_user, (SELECT relowner FROM pg_class WHERE oid = TG_RELID), 'MEMBER'
       ) THEN
        RETURN NULL;
    END IF;
    RAISE EXCEPTION 'the compliance log is append-only: TRUNCATE on % refused', TG_TABLE_NAME
        USING ERRCODE = 'restrict_violation',
              HINT = 'Only its owner may empty it, in a transaction that first sets '
                     'collections.compliance_log_truncate to ''allowed''.';
END;
$$;
CREATE TRIGGER compliance_log_truncate_refused
    BEFORE TRUNCATE ON cases_compliancelogentry
    FOR EACH STATEMENT EXECUTE FUNCTION compliance_log_refuse_truncate();
"""
ALLOW_TRUNCATE = """
DROP TRIGGER IF EXISTS compliance_log_truncate_refused ON cases_compliancelogentry;
DROP FUNCTION IF EXISTS compliance_log_refuse_truncate();
"""


def install_truncate_trigger(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(REFUSE_TRUNCATE, params=None)


def remove_truncate_trigger(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(ALLOW_TRUNCATE, params=None)


class Migration(migrations.Migration):
    dependencies = [("compliance", "0002_preset_policies")]

    operations = [migrations.RunPython(install_truncate_trigger, remove_truncate_trigger)]
