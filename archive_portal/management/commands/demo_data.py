"""Load the demo: accounts for every role, then each app's realistic records. Idempotent: each
app's loader looks its records up by a natural key before creating them."""

from importlib import import_module

from django.core.management.base import BaseCommand
from django.db import transaction

from accounts.demo import DEMO_PASSWORD, DEMO_TOTP_SECRET

#: Loaders in dependency order; each module exposes ``load(stdout) -> None``.
DEMO_LOADERS = [
    "accounts.demo",
    "deposits.demo",
    "applications.demo",
    "panel.demo",
    "notifications.demo",
    "notifications.signing.demo",
    "transparency.demo",
    "transparency.demo_outputs",
    "applications.terms_demo",  # last: the terms are accepted by the teams the demos above made
]


class Command(BaseCommand):
    help = "Create the demo accounts and records (safe to run again: it changes nothing the second time)."

    def handle(self, *args, **options):
        for dotted in DEMO_LOADERS:
            try:
                module = import_module(dotted)
            except ModuleNotFoundError as exc:
                if exc.name == dotted:
                    continue
                raise
            with transaction.atomic():
                module.load(self.stdout)
        self.stdout.write(
            self.style.SUCCESS(
                f"Demo data is ready. Every demo account's password is {DEMO_PASSWORD}\n"
                f"Panel, chair and staff accounts also need a code: add the TOTP secret {DEMO_TOTP_SECRET} "
                "to an authenticator app, or run: python manage.py demo_totp <email>"
            )
        )
