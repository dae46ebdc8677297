from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    name = "notifications"
    verbose_name = "ONS notifications"

    def ready(self) -> None:
        # Imports here run once the app registry is loaded (models, signals, admin).
        from core.home import register_next_actions

        from . import checks, receivers  # noqa: F401 (registers the configuration checks; connects the receivers of the panel's signals)
        from .selectors import ons_next_actions
        from .signing import checks as signing_checks  # noqa: F401 (registers the v1a signing checks)

        register_next_actions(ons_next_actions)
