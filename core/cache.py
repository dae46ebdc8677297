"""The cache backend for production without Redis: Django's database cache, shared by every web
process through PostgreSQL, with a counter that two processes can increment at once.

Django's ``DatabaseCache.incr`` reads the value, adds and writes it back with the default timeout:
two processes counting the same key at the same moment lose a count, and every count moves the
entry's expiry to five minutes from now (a rate-limit window of an hour would restart whenever the
caller paused for five). Here ``incr`` locks the row, keeps its expiry and writes in one
transaction. The table is made by core's migration 0004 (``CACHE_TABLE``)."""

import base64
import pickle

from django.core.cache.backends import db
from django.db import connections, router, transaction
from django.utils.timezone import now

#: The table archive_portal.settings.production names; core/migrations/0004 creates it.
CACHE_TABLE = "portal_cache"


class DatabaseCache(db.DatabaseCache):
    def incr(self, key, delta=1, version=None):
        key = self.make_and_validate_key(key, version=version)
        alias = router.db_for_write(self.cache_model_class)
        connection = connections[alias]
        quote = connection.ops.quote_name
        table, cache_key, value_column, expires = (
            quote(name) for name in (self._table, "cache_key", "value", "expires")
        )
        lock = " FOR UPDATE" if connection.features.has_select_for_update else ""
        with transaction.atomic(using=alias), connection.cursor() as cursor:
            cursor.execute(
                f"SELECT {value_column} FROM {table} WHERE {cache_key} = %s AND {expires} > %s{lock}",  # noqa: S608 (quoted names; values bound)
                [key, connection.ops.adapt_datetimefield_value(now().replace(microsecond=0))],
            )
            row = cursor.fetchone()
            if row is None:
                raise ValueError(f"Key '{key}' not found")
            # The value is this cache's own pickle, as DatabaseCache.get reads it.
            value = pickle.loads(base64.b64decode(row[0].encode())) + delta  # noqa: S301 (written by this cache)
            cursor.execute(
                f"UPDATE {table} SET {value_column} = %s WHERE {cache_key} = %s",  # noqa: S608 (quoted names; values bound)
                [base64.b64encode(pickle.dumps(value, self.pickle_protocol)).decode("latin1"), key],
            )
        return value
