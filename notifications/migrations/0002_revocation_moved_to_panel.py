# Revocation now lives in the panel (panel 0005 took it over in Django's state, same table). Point
# OnsNotification.revocation at it and forget this app's copy, again without SQL. The content type
# (and so its permissions and admin log entries) is renamed to panel.revocation.

import django.db.models.deletion
from django.db import migrations, models


def _rename_content_type(apps, schema_editor, *, old: str, new: str):
    ContentType = apps.get_model("contenttypes", "ContentType")
    if not ContentType.objects.filter(app_label=new, model="revocation").exists():
        ContentType.objects.filter(app_label=old, model="revocation").update(app_label=new)


def to_panel(apps, schema_editor):
    _rename_content_type(apps, schema_editor, old="notifications", new="panel")


def to_notifications(apps, schema_editor):
    _rename_content_type(apps, schema_editor, old="panel", new="notifications")


class Migration(migrations.Migration):
    dependencies = [
        ("contenttypes", "0002_remove_content_type_name"),
        ("notifications", "0001_initial"),
        ("panel", "0005_revocation"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="onsnotification",
                    name="revocation",
                    field=models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="ons_notifications",
                        to="panel.revocation",
                    ),
                ),
                migrations.DeleteModel(name="Revocation"),
            ],
            database_operations=[],
        ),
        migrations.RunPython(to_panel, to_notifications),
    ]
