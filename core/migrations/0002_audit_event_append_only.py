"""The audit log is append-only in the database itself: UPDATE and DELETE raise."""

from django.db import migrations

from core.migration_operations import append_only_trigger


class Migration(migrations.Migration):
    dependencies = [("core", "0001_initial")]
    operations = [append_only_trigger("core_auditevent")]
