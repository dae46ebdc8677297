from django.apps import AppConfig


class DepositsConfig(AppConfig):
    name = "deposits"
    verbose_name = "Deposits"

    def ready(self) -> None:
        # Imports here run once the app registry is loaded (models, signals, admin).
        from core.home import register_next_actions
        from core.reference_data import restore_after_migrate

        from .home import next_actions

        register_next_actions(next_actions)
        restore_after_migrate(self, "0006_sensitive_use_duo_code")  # 0003's list, with the DUO codes
