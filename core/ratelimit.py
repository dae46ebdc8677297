"""A small fixed-window rate limiter on Django's cache (Redis when REDIS_URL is set, so the counts
are shared by every web process; a per-process memory cache otherwise).

Limits are named in settings.RATE_LIMITS: ``{"sign_up": {"ip": (10, 3600), "address": (3, 3600)}}``
allows ten sign-up attempts an hour from one address and three an hour for one email address."""

import hashlib
import time

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from .enums import CoreAuditAction
from .middleware import request_client_ip
from .services import audit_record


def rate_limit_hit(*, scope: str, key: str, limit: int, window: int) -> tuple[bool, int]:
    """Count one attempt; return (over the limit?, seconds until the window ends)."""
    now = time.time()
    bucket = int(now // window)
    digest = hashlib.sha256(key.encode("utf-8", "surrogatepass")).hexdigest()[:40]
    cache_key = f"ratelimit:{scope}:{digest}:{window}:{bucket}"
    if cache.add(cache_key, 1, timeout=window + 1):
        count = 1
    else:
        try:
            count = cache.incr(cache_key)
        except ValueError:  # the key expired between add() and incr()
            cache.set(cache_key, 1, timeout=window + 1)
            count = 1
    retry_after = int((bucket + 1) * window - now) + 1
    if count == limit + 1:
        # Audit once per window, not once per request, so a flood cannot flood the log.
        audit_record(
            actor=None,
            action=CoreAuditAction.REQUEST_RATE_LIMITED,
            data={"scope": scope, "by": key.split(":", 1)[0], "limit": limit, "window_seconds": window},
        )
    return count > limit, retry_after


def rate_limit_check(request: HttpRequest, *, scope: str, address: str | None = None) -> HttpResponse | None:
    """Count this request against the scope's limits, by client IP and (if given) by email address.
    Returns a 429 page when a limit is passed, else None."""
    limits = settings.RATE_LIMITS.get(scope, {})
    keys = {"ip": f"ip:{request_client_ip(request) or 'unknown'}"}
    if address:
        keys["address"] = "address:" + address.strip().lower()[:254]
    retry_after = 0
    for kind, key in keys.items():
        if kind not in limits:
            continue
        limit, window = limits[kind]
        over, wait = rate_limit_hit(scope=scope, key=key, limit=limit, window=window)
        if over:
            retry_after = max(retry_after, wait)
    if not retry_after:
        return None
    minutes = max(1, round(retry_after / 60))
    response = render(
        request,
        "core/rate_limited.html",
        {"minutes": minutes, "scope": scope},
        status=429,
    )
    response["Retry-After"] = str(retry_after)
    return response


class RateLimitMixin:
    """For a view whose POST must be rate limited. ``rate_limit_address_field`` names the POST field
    holding an email address to limit by, as well as the client's IP."""

    rate_limit_scope: str = ""
    rate_limit_address_field: str | None = None

    def post(self, request, *args, **kwargs):
        address = request.POST.get(self.rate_limit_address_field) if self.rate_limit_address_field else None
        limited = rate_limit_check(request, scope=self.rate_limit_scope, address=address)
        if limited is not None:
            return limited
        return super().post(request, *args, **kwargs)
