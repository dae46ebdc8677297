"""Operations shared by the apps' migrations."""

from collections.abc import Callable

from django.db import IntegrityError, migrations, transaction

from .text import one_line_clean


def _sqlite_trigger(table: str, operation: str, refusal: str) -> str:
    return f"""CREATE TRIGGER {table}_no_{operation.lower()} BEFORE {operation} ON {table}
       BEGIN SELECT RAISE(ABORT, '{table} {refusal}: {operation} is not allowed'); END;"""


def append_only_trigger(
    table: str, *, function: str | None = None, refusal: str = "is append-only"
) -> migrations.RunPython:
    """Make ``table`` append-only in the database itself: UPDATE and DELETE raise (PostgreSQL: one
    trigger ``<table>_no_update_delete`` calling ``function``, by default ``<table>_append_only``;
    SQLite: triggers ``<table>_no_update`` and ``<table>_no_delete``). The error reads
    "<table> <refusal>: <operation> is not allowed".

    TRUNCATE is left to the database's grants (the production role should not hold TRUNCATE on
    these tables): the test runner empties tables with TRUNCATE between transactional tests."""
    function = function or f"{table}_append_only"
    pg_install = f"""
CREATE OR REPLACE FUNCTION {function}() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION '{table} {refusal}: % is not allowed', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER {table}_no_update_delete
    BEFORE UPDATE OR DELETE ON {table}
    FOR EACH ROW EXECUTE FUNCTION {function}();
"""
    pg_remove = f"""
DROP TRIGGER IF EXISTS {table}_no_update_delete ON {table};
DROP FUNCTION IF EXISTS {function}();
"""
    sqlite_install = [_sqlite_trigger(table, operation, refusal) for operation in ("UPDATE", "DELETE")]
    sqlite_remove = [f"DROP TRIGGER IF EXISTS {table}_no_{operation};" for operation in ("update", "delete")]

    def install(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(pg_install, params=None)
        elif schema_editor.connection.vendor == "sqlite":
            for statement in sqlite_install:
                schema_editor.execute(statement)

    def remove(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(pg_remove, params=None)
        elif schema_editor.connection.vendor == "sqlite":
            for statement in sqlite_remove:
                schema_editor.execute(statement)

    return migrations.RunPython(install, remove)


def one_line_clean_fields(model: str, *fields: str) -> migrations.RunPython:
    """Put the values already stored in ``model``'s one-line ``fields`` ("app_label.Model") under the
    text policy (core.text.one_line_clean): a stored title with a line break, a bidi override or a
    zero-width character is rewritten without it. Only rows that change are saved, with
    ``update()`` so no timestamps move; a row whose cleaned value would collide with a unique one is
    left as it is. Not reversible (the removed characters are not kept)."""

    def clean(apps, schema_editor):
        app_label, model_name = model.split(".")
        manager = apps.get_model(app_label, model_name)._default_manager
        for row in manager.using(schema_editor.connection.alias).values("pk", *fields).iterator():
            changed = {name: one_line_clean(row[name]) for name in fields if row[name]}
            changed = {name: value for name, value in changed.items() if value != row[name]}
            if not changed:
                continue
            try:
                with transaction.atomic(using=schema_editor.connection.alias):
                    manager.using(schema_editor.connection.alias).filter(pk=row["pk"]).update(**changed)
            except IntegrityError:
                continue

    return migrations.RunPython(clean, migrations.RunPython.noop, elidable=True)


def append_only_backfill(
    table: str, backfill: Callable, *, refusal: str = "is append-only"
) -> migrations.RunPython:
    """Run ``backfill(apps, schema_editor)``, a data migration that fills a column added to an
    append-only ``table`` (made so by ``append_only_trigger`` with the same ``refusal``), with the
    refusal of UPDATE lifted for that migration's transaction only.

    PostgreSQL: ``ALTER TABLE ... DISABLE TRIGGER`` then ``ENABLE TRIGGER`` around it. DDL is
    transactional there and ALTER TABLE holds an exclusive lock on the table until commit, so no
    other session ever writes to the table while the trigger is off, and an error in the backfill
    rolls the whole migration back with the trigger on. DELETE stays refused throughout.

    SQLite: both triggers are dropped (if there) and created again after the backfill, inside the
    migration's transaction. Adding a NOT NULL column there rebuilds the table, which drops its
    triggers, so this also puts back what an ``AddField`` earlier in the migration removed.
    Reversing does nothing: the column's own removal undoes the backfill."""

    def forwards(apps, schema_editor):
        connection = schema_editor.connection
        if not connection.in_atomic_block:
            raise RuntimeError(f"The backfill of {table} must run in an atomic migration.")
        if connection.vendor == "postgresql":
            trigger = f"{table}_no_update_delete"
            schema_editor.execute(f"ALTER TABLE {table} DISABLE TRIGGER {trigger}", params=None)
            backfill(apps, schema_editor)
            schema_editor.execute(f"ALTER TABLE {table} ENABLE TRIGGER {trigger}", params=None)
        elif connection.vendor == "sqlite":
            for operation in ("UPDATE", "DELETE"):
                schema_editor.execute(f"DROP TRIGGER IF EXISTS {table}_no_{operation.lower()}")
            backfill(apps, schema_editor)
            for operation in ("UPDATE", "DELETE"):
                schema_editor.execute(_sqlite_trigger(table, operation, refusal))
        else:
            backfill(apps, schema_editor)

    return migrations.RunPython(forwards, migrations.RunPython.noop)


class PostgreSQLOnly(migrations.operations.base.Operation):
    """``operation`` in the migration state on every database, run in the database only on
    PostgreSQL: for an index SQLite cannot build (``NULLS LAST`` in ``CREATE INDEX``) and the
    embedded default does not need (its few rows are sorted in no time). The model's Meta keeps
    the index, so ``makemigrations`` sees nothing missing."""

    reversible = True

    def __init__(self, operation):
        self.operation = operation

    def deconstruct(self):
        return (self.__class__.__qualname__, [self.operation], {})

    def state_forwards(self, app_label, state):
        self.operation.state_forwards(app_label, state)

    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor == "postgresql":
            self.operation.database_forwards(app_label, schema_editor, from_state, to_state)

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor == "postgresql":
            self.operation.database_backwards(app_label, schema_editor, from_state, to_state)

    def describe(self):
        return f"{self.operation.describe()} (on PostgreSQL only)"
