"""Create the first ONS signing key, rotate, or show the keys (docs/ons-signatures.md)."""

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from core.errors import DomainError
from notifications.signing.enums import OnsSigningKeyState
from notifications.signing.models import OnsSigningKey
from notifications.signing.services import ons_signing_key_init, ons_signing_key_rotate

VIA = "manage.py ons_signing_key_rotate"


class Command(BaseCommand):
    help = (
        "Rotate the Ed25519 key that signs ONS webhooks (v1a): publish a new key in /.well-known/jwks.json "
        "now, sign with it after ONS_SIGNING_PUBLISH_AHEAD_HOURS, beside the old key for "
        "ONS_SIGNING_OVERLAP_HOURS; the old key then stops signing and stays published for "
        "ONS_SIGNING_RETENTION_DAYS. Nothing has to run at those moments."
    )

    def add_arguments(self, parser):
        action = parser.add_mutually_exclusive_group()
        action.add_argument(
            "--init",
            action="store_true",
            help="Create the first key, signing at once, unless a key already signs (safe on every deploy).",
        )
        action.add_argument(
            "--compromised",
            action="store_true",
            help="A key leaked: sign with a new key alone from now on and withdraw every other key now.",
        )
        action.add_argument(
            "--status", action="store_true", help="Show the keys and their states; change nothing."
        )

    def handle(self, *args, init=False, compromised=False, status=False, **options):
        if status:
            self._show()
            return
        try:
            if init:
                key = ons_signing_key_init(via=f"{VIA} --init")
                if key is None:
                    self.stdout.write("A signing key is already in service: nothing changed.")
                    self._show()
                    return
            else:
                key = ons_signing_key_rotate(
                    compromised=compromised, via=f"{VIA} --compromised" if compromised else VIA
                )
        except DomainError as exc:
            raise CommandError(exc.message) from exc
        self.stdout.write(self.style.SUCCESS(f"New signing key {key.kid}, public key {key.public_key_text}"))
        self.stdout.write(f"  in the JWK set from now, signs from {_when(key.activated_at)}")
        self._show()

    def _show(self):
        now = timezone.now()
        keys = list(OnsSigningKey.objects.order_by("-published_at", "-id"))
        if not keys:
            self.stdout.write("No signing key: webhooks carry v1 only. Create one with --init.")
            return
        self.stdout.write("Keys, newest first:")
        for key in keys:
            state = OnsSigningKeyState(key.state_at(now)).value
            published = f"published {_when(key.published_at)}"
            if key.unpublished_at:
                published += f" until {_when(key.unpublished_at)}"
            signs = f"signs from {_when(key.activated_at)}"
            if key.retired_at:
                signs += f" until {_when(key.retired_at)}"
            self.stdout.write(f"  {key.kid}  {state:<9}  {published}; {signs}")


def _when(moment) -> str:
    return f"{moment:%Y-%m-%d %H:%M} UTC"
