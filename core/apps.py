from django.apps import AppConfig
from django.urls import register_converter

from .converters import ReferenceConverter


class CoreConfig(AppConfig):
    name = "core"
    verbose_name = "Portal core"

    def ready(self):
        register_converter(ReferenceConverter, "reference")
