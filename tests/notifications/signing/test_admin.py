"""The admin shows a signing key's public half and timeline, never the sealed private key."""

import base64

import pytest
from django.urls import reverse

from notifications.signing.services import ons_signing_key_init
from tests.factories.accounts import StaffFactory

pytestmark = pytest.mark.django_db


def test_the_admin_lists_and_shows_a_key_read_only_without_its_private_half(client_for):
    key = ons_signing_key_init()
    client = client_for(StaffFactory(is_superuser=True))
    listing = client.get(reverse("admin:notifications_onssigningkey_changelist"))
    assert listing.status_code == 200
    assert key.kid in listing.content.decode()
    page = client.get(reverse("admin:notifications_onssigningkey_change", args=[key.pk]))
    assert page.status_code == 200
    html = page.content.decode()
    assert key.public_key_text in html
    assert "Active" in html
    sealed = bytes(key.private_key_sealed)
    assert sealed.hex() not in html
    assert base64.b64encode(sealed).decode() not in html
    assert "private" not in html.lower()
    assert client.get(reverse("admin:notifications_onssigningkey_add")).status_code == 403
