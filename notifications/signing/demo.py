"""Demo: an ONS signing key, so the demo's webhooks would carry v1a and /.well-known/jwks.json lists
its public half (``manage.py ons_signing_key_rotate --status`` shows it)."""

from .services import ons_signing_key_init


def load(stdout) -> None:
    key = ons_signing_key_init(via="demo_data")
    if key is not None:
        stdout.write(f"ONS signing key {key.kid} created: /.well-known/jwks.json publishes it.")
