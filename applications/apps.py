from django.apps import AppConfig


class ApplicationsConfig(AppConfig):
    name = "applications"
    verbose_name = "Applications"

    def ready(self) -> None:
        # Imports here run once the app registry is loaded (models, signals, admin).
        from core.home import register_next_actions

        from . import receivers  # noqa: F401 (connects the receivers)
        from .home import researcher_next_actions

        register_next_actions(researcher_next_actions)
