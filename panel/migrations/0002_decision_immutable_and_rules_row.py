"""Decisions are final in the database itself: UPDATE and DELETE on panel_decision raise. Also
creates the single row of panel rules with the defaults (quorum 3, majority).

TRUNCATE is left to the database's grants: the test runner empties tables with TRUNCATE."""

from django.db import migrations

PG_INSTALL = """
CREATE OR REPLACE FUNCTION panel_decision_immutable() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'panel_decision is immutable: % is not allowed', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER panel_decision_no_update_delete
    BEFORE UPDATE OR DELETE ON panel_decision
    FOR EACH ROW EXECUTE FUNCTION panel_decision_immutable();
"""
PG_REMOVE = """
DROP TRIGGER IF EXISTS panel_decision_no_update_delete ON panel_decision;
DROP FUNCTION IF EXISTS panel_decision_immutable();
"""
SQLITE_INSTALL = [
    """CREATE TRIGGER panel_decision_no_update BEFORE UPDATE ON panel_decision
       BEGIN SELECT RAISE(ABORT, 'panel_decision is immutable: UPDATE is not allowed'); END;""",
    """CREATE TRIGGER panel_decision_no_delete BEFORE DELETE ON panel_decision
       BEGIN SELECT RAISE(ABORT, 'panel_decision is immutable: DELETE is not allowed'); END;""",
]
SQLITE_REMOVE = [
    "DROP TRIGGER IF EXISTS panel_decision_no_update;",
    "DROP TRIGGER IF EXISTS panel_decision_no_delete;",
]


def install(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(PG_INSTALL, params=None)
    elif schema_editor.connection.vendor == "sqlite":
        for statement in SQLITE_INSTALL:
            schema_editor.execute(statement)


def remove(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(PG_REMOVE, params=None)
    elif schema_editor.connection.vendor == "sqlite":
        for statement in SQLITE_REMOVE:
            schema_editor.execute(statement)


def create_rules(apps, schema_editor):
    PanelRules = apps.get_model("panel", "PanelRules")
    PanelRules.objects.get_or_create(id=1, defaults={"quorum": 3, "outcome_rule": "majority"})


class Migration(migrations.Migration):
    dependencies = [("panel", "0001_initial")]
    operations = [
        migrations.RunPython(install, remove),
        migrations.RunPython(create_rules, migrations.RunPython.noop),
    ]
