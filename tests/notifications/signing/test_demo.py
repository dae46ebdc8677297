"""The demo has a signing key, once, and the JWK set shows it."""

import io

import pytest
from django.core.management import call_command

from notifications.signing.models import OnsSigningKey

pytestmark = pytest.mark.django_db


def test_the_demo_publishes_one_signing_key(client):
    call_command("demo_data", stdout=io.StringIO())
    call_command("demo_data", stdout=io.StringIO())
    key = OnsSigningKey.objects.get()
    assert [k["kid"] for k in client.get("/.well-known/jwks.json").json()["keys"]] == [key.kid]
