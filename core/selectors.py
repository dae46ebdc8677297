"""Reads shared by every app."""

from datetime import datetime

from django.db.models import QuerySet

from .models import AuditEvent, Heartbeat

AUDIT_COLUMNS = [
    "id",
    "created_at",
    "actor_email",
    "action",
    "target_type",
    "target_id",
    "target_repr",
    "data",
    "ip_address",
]


def audit_event_list() -> QuerySet[AuditEvent]:
    """Newest first, without joins: the actor's email is stored on the event, so a page of events
    costs the same queries whatever it shows."""
    return AuditEvent.objects.only(*AUDIT_COLUMNS).order_by("-created_at", "-id")


def heartbeat_at(*, name: str) -> datetime | None:
    """When the periodic job ``name`` last ran (core.services.heartbeat_record), or None if never."""
    return Heartbeat.objects.filter(name=name).values_list("beat_at", flat=True).first()


def prefetched(instance, name: str) -> list | None:
    """The rows of ``instance``'s relation ``name`` when a ``prefetch_related`` loaded them (a
    list, in the prefetch's order), else None: a selector then filters them in Python instead of
    asking the database again for what the page already holds."""
    cache = getattr(instance, "_prefetched_objects_cache", None) or {}
    return list(cache[name]) if name in cache else None
