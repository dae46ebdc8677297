"""A small fixed-window rate limiter on Django's cache, which every web process shares: Redis when
REDIS_URL (or CACHE_URL) is set, else in production the database cache (core.cache); a
per-process memory cache only with DEBUG on (core.checks refuses it otherwise: three workers would
let three times the limit through).

Limits are named in settings.RATE_LIMITS: ``{"sign_up": {"ip": (10, 3600), "address": (3, 3600)}}``
allows ten sign-up attempts an hour from one address and three an hour for one email address.

When the cache cannot count (Redis down, the table missing), the limiter lets the request through:
signing in matters more than counting. It logs a warning and writes an audit event at most once a
minute per process, and leaves the cache alone for a few seconds after each failure, so that an
outage neither floods the log nor makes every request wait for the cache's timeout."""

import hashlib
import logging
import time
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache
from django.db import DatabaseError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from redis.exceptions import RedisError

from .enums import CoreAuditAction
from .middleware import request_client_ip
from .services import audit_record
from .text import email_canonical

logger = logging.getLogger(__name__)

#: What a cache raises when it cannot answer (Redis' errors, the database cache's, a socket's).
CACHE_ERRORS = (RedisError, DatabaseError, OSError)
#: After the cache failed, the limiter does not ask it again for this long.
CACHE_RETRY_SECONDS = 10.0
#: An outage is logged and audited at most this often by one process.
UNAVAILABLE_NOTE_SECONDS = 60.0


class RateLimitUnavailable(Exception):
    """The cache could not count this attempt."""


@dataclass
class _Outage:
    """This process's memory of the cache failing (time.monotonic() values)."""

    retry_at: float = 0.0
    noted_at: float | None = None
    unnoted: int = 0  # requests let through since the last note


_outage = _Outage()


def _count(cache_key: str, window: int) -> int:
    if cache.add(cache_key, 1, timeout=window + 1):
        return 1
    try:
        return cache.incr(cache_key)
    except ValueError:  # the key expired between add() and incr()
        cache.set(cache_key, 1, timeout=window + 1)
        return 1


def rate_limit_hit(*, scope: str, key: str, limit: int, window: int) -> tuple[bool, int]:
    """Count one attempt; return (over the limit?, seconds until the window ends). Raises
    RateLimitUnavailable when the cache failed (now, or less than CACHE_RETRY_SECONDS ago)."""
    if time.monotonic() < _outage.retry_at:
        raise RateLimitUnavailable("the cache failed moments ago")
    now = time.time()
    bucket = int(now // window)
    digest = hashlib.sha256(key.encode("utf-8", "surrogatepass")).hexdigest()[:40]
    try:
        count = _count(f"ratelimit:{scope}:{digest}:{window}:{bucket}", window)
    except CACHE_ERRORS as exc:
        _outage.retry_at = time.monotonic() + CACHE_RETRY_SECONDS
        raise RateLimitUnavailable(f"{type(exc).__name__}: {exc}") from exc
    retry_after = int((bucket + 1) * window - now) + 1
    if count == limit + 1:
        # Audit once per window, not once per request, so a flood cannot flood the log.
        audit_record(
            actor=None,
            action=CoreAuditAction.REQUEST_RATE_LIMITED,
            data={"scope": scope, "by": key.split(":", 1)[0], "limit": limit, "window_seconds": window},
        )
    return count > limit, retry_after


def _note_unavailable(*, scope: str, reason: str) -> None:
    """Log and audit that a request went through uncounted: the first time, then at most once a
    minute, with how many went through since the last note."""
    _outage.unnoted += 1
    clock = time.monotonic()
    if _outage.noted_at is not None and clock - _outage.noted_at < UNAVAILABLE_NOTE_SECONDS:
        return
    let_through, _outage.unnoted, _outage.noted_at = _outage.unnoted, 0, clock
    logger.warning(
        "rate limits are not counted: the cache is unavailable (%s); %d request(s) let through",
        reason,
        let_through,
    )
    audit_record(
        actor=None,
        action=CoreAuditAction.RATE_LIMIT_UNAVAILABLE,
        data={
            "scope": scope,
            "error": reason[:300],
            "backend": settings.CACHES["default"]["BACKEND"],
            "requests_let_through": let_through,
        },
    )


def rate_limit_check(request: HttpRequest, *, scope: str, address: str | None = None) -> HttpResponse | None:
    """Count this request against the scope's limits, by client IP and (if given) by email address.
    Returns a 429 page when a limit is passed, else None (also when the cache cannot count)."""
    limits = settings.RATE_LIMITS.get(scope, {})
    keys = {"ip": f"ip:{request_client_ip(request) or 'unknown'}"}
    if address:
        keys["address"] = "address:" + email_canonical(address)[:254]
    retry_after = 0
    for kind, key in keys.items():
        if kind not in limits:
            continue
        limit, window = limits[kind]
        try:
            over, wait = rate_limit_hit(scope=scope, key=key, limit=limit, window=window)
        except RateLimitUnavailable as exc:  # fail open: what is left goes uncounted
            _note_unavailable(scope=scope, reason=str(exc))
            break
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
