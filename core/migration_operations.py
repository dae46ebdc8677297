"""Operations shared by the apps' migrations."""

from django.db import migrations


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
    sqlite_install = [
        f"""CREATE TRIGGER {table}_no_{operation.lower()} BEFORE {operation} ON {table}
       BEGIN SELECT RAISE(ABORT, '{table} {refusal}: {operation} is not allowed'); END;"""
        for operation in ("UPDATE", "DELETE")
    ]
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
