from django.apps import AppConfig
from django.urls import register_converter

from .converters import ReferenceConverter


class CoreConfig(AppConfig):
    name = "core"
    verbose_name = "Portal core"

    def ready(self) -> None:
        # Imports here run once the app registry is loaded (models, signals, admin).
        from . import checks  # noqa: F401 (registers the system checks; they read settings, so not at import)

        register_converter(ReferenceConverter, "reference")
