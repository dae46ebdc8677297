"""The table of the database cache (core.cache.DatabaseCache), which production uses for the rate
limits when no Redis is configured. Made here, with the logic of ``manage.py createcachetable``,
so that every way of preparing a database (``migrate`` in the compose file, scripts/run, the test
database, the benchmark) has it; a start script that forgot ``createcachetable`` would leave the
limiter without its table."""

from django.core.management.commands.createcachetable import Command as CreateCacheTable
from django.db import migrations

CACHE_TABLE = "portal_cache"  # core.cache.CACHE_TABLE, frozen here as migrations must be


def create_cache_table(apps, schema_editor):
    command = CreateCacheTable()
    command.verbosity = 0
    command.create_table(schema_editor.connection.alias, CACHE_TABLE, dry_run=False)


def drop_cache_table(apps, schema_editor):
    schema_editor.execute(f"DROP TABLE IF EXISTS {schema_editor.quote_name(CACHE_TABLE)}")


class Migration(migrations.Migration):

    dependencies = [
        ("core", "0003_referencecounter"),
    ]

    operations = [
        migrations.RunPython(create_cache_table, drop_cache_table, elidable=False),
    ]
