"""The project's own views: what looks across the apps rather than into one of them."""

import logging

from django.conf import settings
from django.db import connection
from django.http import JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from .celery import app

logger = logging.getLogger(__name__)


def _database_ok() -> bool:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            return cursor.fetchone() == (1,)
    except Exception:  # any failure to reach the database means "not ok"
        logger.exception("health check: database unreachable")
        return False


def _broker_ok() -> bool | None:
    if settings.CELERY_TASK_ALWAYS_EAGER:
        return None  # tasks run in-process: there is no broker to reach
    try:
        with app.connection_for_write() as conn:
            conn.ensure_connection(max_retries=1, timeout=2)
        return True
    except Exception:  # any failure to reach the broker means "not ok"
        logger.warning("health check: broker unreachable", exc_info=True)
        return False


@never_cache
@require_GET
def healthz(request):
    database = _database_ok()
    broker = _broker_ok()
    body = {
        "status": "ok" if database and broker is not False else ("degraded" if database else "unavailable"),
        "database": "ok" if database else "unreachable",
        "broker": {True: "ok", False: "unreachable", None: "in-process"}[broker],
    }
    return JsonResponse(body, status=200 if database else 503)
