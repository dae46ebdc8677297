from django.apps import AppConfig


class PanelConfig(AppConfig):
    name = "panel"
    verbose_name = "Archive Access Approval Panel"

    def ready(self):
        # Imports here run once the app registry is loaded (models, signals, admin).
        from core.home import register_next_actions
        from core.reference_data import restore_after_migrate

        from . import receivers  # noqa: F401 (connects the panel's receivers of accounts' and applications' signals)
        from .home import panel_next_actions

        register_next_actions(panel_next_actions)
        restore_after_migrate(self, "0002_decision_immutable_and_rules_row", "create_rules")
