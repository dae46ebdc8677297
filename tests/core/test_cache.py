"""core.cache.DatabaseCache, the rate limits' cache in production without Redis: its table comes
from a migration, and its counter neither loses counts between processes nor moves the expiry."""

import threading

import pytest
from django.core.cache import caches
from django.db import connection, connections

from core.cache import CACHE_TABLE
from core.ratelimit import rate_limit_hit


@pytest.fixture
def database_cache(settings):
    settings.CACHES = {"default": {"BACKEND": "core.cache.DatabaseCache", "LOCATION": CACHE_TABLE}}
    cache = caches["default"]
    cache.clear()
    yield cache
    cache.clear()


def test_the_migrations_make_the_cache_table(db):
    assert CACHE_TABLE in connection.introspection.table_names()


def test_the_rate_limiter_counts_in_the_database_cache(db, database_cache):
    results = [rate_limit_hit(scope="test", key="ip:192.0.2.1", limit=2, window=60)[0] for _ in range(3)]
    assert results == [False, False, True]


def _expires(key: str):
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT expires FROM {CACHE_TABLE} WHERE cache_key = %s", [key])  # noqa: S608 (constant)
        return cursor.fetchone()[0]


def test_a_count_keeps_the_entry_s_expiry_and_an_expired_entry_is_not_counted(db, database_cache):
    database_cache.add("counter", 1, timeout=3600)
    key = database_cache.make_and_validate_key("counter")
    expires = _expires(key)
    assert database_cache.incr("counter") == 2
    assert database_cache.incr("counter", 5) == 7
    assert database_cache.get("counter") == 7
    assert _expires(key) == expires  # Django's incr set it to 300 s from now
    with pytest.raises(ValueError, match="not found"):
        database_cache.incr("missing")
    with connection.cursor() as cursor:
        cursor.execute(f"UPDATE {CACHE_TABLE} SET expires = now() - interval '1 second'")  # noqa: S608 (constant)
    with pytest.raises(ValueError, match="not found"):
        database_cache.incr("counter")


def test_counts_from_many_connections_at_once_are_all_kept(transactional_db, database_cache):
    """Eight threads (eight database connections, as eight web processes) count one key 25 times
    each; Django's read-add-write incr lost counts here."""
    database_cache.add("shared", 0, timeout=3600)
    barrier = threading.Barrier(8)
    errors = []

    def count():
        try:
            barrier.wait(timeout=10)
            for _ in range(25):
                caches["default"].incr("shared")
        except Exception as exc:  # reported by the assertion below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=count) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert errors == []
    assert database_cache.get("shared") == 200
