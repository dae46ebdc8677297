"""System checks of core (run by ``manage.py check``, ``migrate`` and ``runserver``)."""

from django.conf import settings
from django.core.checks import Error, Tags, register

#: Caches that each process keeps for itself (or that keep nothing): rate limits counted in them
#: hold per process, so N web workers let N times the limit through.
PER_PROCESS_CACHES = {
    "django.core.cache.backends.locmem.LocMemCache",
    "django.core.cache.backends.dummy.DummyCache",
}


@register(Tags.caches, Tags.security)
def rate_limit_cache_is_shared(app_configs, **kwargs):
    """With DEBUG off the rate limits must count in a cache every web process shares."""
    backend = settings.CACHES.get("default", {}).get("BACKEND", "")
    if settings.DEBUG or backend not in PER_PROCESS_CACHES:
        return []
    return [
        Error(
            f"The default cache ({backend}) is kept by each process: the rate limits would hold per "
            "web worker, not for the portal.",
            hint="Set REDIS_URL (or CACHE_URL) to a Redis server, or run with "
            "archive_portal.settings.production, which uses the database cache without one.",
            id="core.E001",
        )
    ]
