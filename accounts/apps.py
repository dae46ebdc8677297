from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = "Accounts"

    def ready(self) -> None:
        # Imports here run once the app registry is loaded (models, signals, admin).
        from django.contrib import admin

        from . import signals  # noqa: F401 (connects the sign-in audit receivers)
        from .views import admin_login_redirect

        # One way in: the admin's own login page would skip the rate limit and the code step's
        # redirect, so it sends people to the portal's sign-in instead.
        admin.site.login = admin_login_redirect
