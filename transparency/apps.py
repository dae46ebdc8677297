from django.apps import AppConfig


class TransparencyConfig(AppConfig):
    name = "transparency"
    verbose_name = "Transparency and oversight"

    def ready(self):
        # Imports here run once the app registry is loaded (models, signals, admin).
        from core.home import register_next_actions
        from core.reference_data import restore_after_migrate
        from deposits.public_page import register_deposit_page_section

        from .selectors import deposit_page_section, next_actions_for_staff

        register_next_actions(next_actions_for_staff)
        register_deposit_page_section(deposit_page_section)
        restore_after_migrate(self, "0002_seed_info_pages")
