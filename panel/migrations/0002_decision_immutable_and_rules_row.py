"""Decisions are final in the database itself: UPDATE and DELETE on panel_decision raise. Also
creates the single row of panel rules with the defaults (quorum 3, majority)."""

from django.db import migrations

from core.migration_operations import append_only_trigger


def create_rules(apps, schema_editor):
    PanelRules = apps.get_model("panel", "PanelRules")
    PanelRules.objects.get_or_create(id=1, defaults={"quorum": 3, "outcome_rule": "majority"})


class Migration(migrations.Migration):
    dependencies = [("panel", "0001_initial")]
    operations = [
        append_only_trigger("panel_decision", function="panel_decision_immutable", refusal="is immutable"),
        migrations.RunPython(create_rules, migrations.RunPython.noop),
    ]
