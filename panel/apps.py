from django.apps import AppConfig


class PanelConfig(AppConfig):
    name = "panel"
    verbose_name = "Archive Access Approval Panel"

    def ready(self):
        from core.home import register_next_actions

        from .home import panel_next_actions

        register_next_actions(panel_next_actions)
