from django.apps import AppConfig


class ArchivePortalConfig(AppConfig):
    """The project itself as an app: what composes the domain apps (the demo loader, the in-process
    periodic tasks, the health check). It may import every app; no app imports it
    (scripts/check_layers.py, docs/architecture.md)."""

    name = "archive_portal"
    verbose_name = "Archive Access Portal"
