"""``append_only_backfill`` on SQLite (the embedded default; PostgreSQL is covered by the panel's
migration test): the backfill may update the rows, and afterwards UPDATE and DELETE are refused
again, even when a table rebuild (SQLite's way of adding a NOT NULL column) dropped the triggers."""

import sqlite3

import pytest
from django.db import connections
from django.db.utils import ConnectionHandler

from core.migration_operations import append_only_backfill, append_only_trigger

ALIAS = "sqlite_migration_demo"
SELECT = "SELECT team FROM demo_record ORDER BY id"


@pytest.fixture
def sqlite_connection(django_db_blocker):
    """A private in-memory SQLite database beside the tests' PostgreSQL one (registered under its
    own alias, so that its schema editor's transaction is its own)."""
    sqlite = {"ENGINE": "django.db.backends.sqlite3", "NAME": ":memory:"}
    connection = ConnectionHandler({"default": sqlite, ALIAS: sqlite})[ALIAS]
    connections[ALIAS] = connection
    try:
        with django_db_blocker.unblock():
            with connection.cursor() as cursor:
                cursor.execute(
                    "CREATE TABLE demo_record (id integer PRIMARY KEY, team text NOT NULL DEFAULT '')"
                )
                cursor.execute("INSERT INTO demo_record (id) VALUES (1), (2)")
            yield connection
            connection.close()
    finally:
        del connections[ALIAS]


def _run(operation, connection):
    with connection.schema_editor(atomic=True) as schema_editor:
        operation.code(None, schema_editor)


def _teams(connection) -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute(SELECT)
        return [row[0] for row in cursor.fetchall()]


def _refusals(connection) -> list[str]:
    refused = []
    for statement in ("UPDATE demo_record SET team = 'x'", "DELETE FROM demo_record"):
        try:
            with connection.cursor() as cursor:
                cursor.execute(statement)
        except Exception as exc:  # the refusal is what is looked at
            refused.append(str(exc))
    return refused


def _backfill(apps, schema_editor):
    schema_editor.execute("UPDATE demo_record SET team = 'lead ' || id")


@pytest.mark.parametrize("rebuilt", [False, True], ids=["triggers-in-place", "table-rebuilt"])
def test_backfill_updates_past_the_triggers_and_puts_both_back(sqlite_connection, rebuilt):
    _run(append_only_trigger("demo_record", refusal="is immutable"), sqlite_connection)
    if rebuilt:
        with sqlite_connection.cursor() as cursor:
            cursor.execute("DROP TRIGGER demo_record_no_update")
            cursor.execute("DROP TRIGGER demo_record_no_delete")
    _run(append_only_backfill("demo_record", _backfill, refusal="is immutable"), sqlite_connection)
    assert _teams(sqlite_connection) == ["lead 1", "lead 2"]
    assert _refusals(sqlite_connection) == [
        "demo_record is immutable: UPDATE is not allowed",
        "demo_record is immutable: DELETE is not allowed",
    ]


def test_a_failed_backfill_leaves_the_rows_and_the_triggers_as_they_were(sqlite_connection):
    _run(append_only_trigger("demo_record"), sqlite_connection)

    def broken(apps, schema_editor):
        _backfill(apps, schema_editor)
        raise sqlite3.OperationalError("the backfill failed half way")

    with pytest.raises(sqlite3.OperationalError, match="half way"):
        _run(append_only_backfill("demo_record", broken), sqlite_connection)
    assert _teams(sqlite_connection) == ["", ""]
    assert len(_refusals(sqlite_connection)) == 2


def test_backfill_outside_a_transaction_is_refused(sqlite_connection):
    with (
        pytest.raises(RuntimeError, match="atomic migration"),
        sqlite_connection.schema_editor(atomic=False) as schema_editor,
    ):
        append_only_backfill("demo_record", _backfill).code(None, schema_editor)
