from django.apps import AppConfig


class DepositsConfig(AppConfig):
    name = "deposits"
    verbose_name = "Deposits"

    def ready(self) -> None:
        from core.home import register_next_actions

        from .home import next_actions

        register_next_actions(next_actions)
