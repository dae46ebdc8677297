"""The project's own views: what looks across the apps rather than into one of them."""

import logging

from django.conf import settings
from django.db import connection
from django.http import JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from notifications.services import ons_watch_without_scheduler

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


def _scheduler_state() -> str:
    """ "ok", "stale" (the sweep has not run for ONS_SCHEDULER_STALE_SECONDS: staff are emailed once,
    since the sweep cannot do it) or "not yet run" (a fresh install with nothing waiting)."""
    try:
        state = ons_watch_without_scheduler()
        return "stale" if state.stale else ("ok" if state.last_run else "not yet run")
    except Exception:  # the health check answers whatever fails
        logger.exception("health check: could not read the scheduler's heartbeat")
        return "unknown"


@never_cache
@require_GET
def healthz(request):
    """For the load balancer and monitoring: 200 when the portal can do its work; 503 when the
    database is unreachable or the scheduler has stopped (nothing would be retried or swept)."""
    database = _database_ok()
    broker = _broker_ok()
    scheduler = _scheduler_state() if database else "unknown"
    working = database and scheduler != "stale"
    if not database:
        status = "unavailable"
    elif broker is False or scheduler == "stale":
        status = "degraded"
    else:
        status = "ok"
    body = {
        "status": status,
        "database": "ok" if database else "unreachable",
        "broker": {True: "ok", False: "unreachable", None: "in-process"}[broker],
        "scheduler": scheduler,
    }
    return JsonResponse(body, status=200 if working else 503)
