from django.apps import AppConfig


class TransparencyConfig(AppConfig):
    name = "transparency"
    verbose_name = "Transparency and oversight"

    def ready(self):
        from core.home import register_next_actions

        from .selectors import next_actions_for_staff

        register_next_actions(next_actions_for_staff)
