"""/.well-known/jwks.json: public, the keys published now and only their public halves, cacheable."""

import base64
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from notifications.signing.models import OnsSigningKey
from notifications.signing.services import ons_signing_key_init, ons_signing_key_rotate

pytestmark = pytest.mark.django_db
URL = "/.well-known/jwks.json"


def test_the_jwk_set_is_at_the_well_known_address():
    assert reverse("jwks") == URL


def test_with_no_key_the_set_is_empty(client):
    response = client.get(URL)
    assert response.status_code == 200
    assert response.json() == {"keys": []}


def test_each_published_key_is_an_ed25519_public_jwk_with_its_kid(client):
    key = ons_signing_key_init()
    response = client.get(URL)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/jwk-set+json"
    (jwk,) = response.json()["keys"]
    assert jwk == {
        "kty": "OKP",
        "crv": "Ed25519",
        "x": base64.urlsafe_b64encode(key.public_bytes).rstrip(b"=").decode(),
        "kid": key.kid,
        "use": "sig",
        "alg": "EdDSA",
    }
    assert "=" not in jwk["x"]


def test_it_lists_the_next_and_the_old_key_during_a_rotation_and_never_a_private_member(client):
    old = ons_signing_key_init(now=timezone.now() - timedelta(days=3))
    new = ons_signing_key_rotate()
    keys = client.get(URL).json()["keys"]
    assert [k["kid"] for k in keys] == [new.kid, old.kid]
    sealed = bytes(OnsSigningKey.objects.get(pk=new.pk).private_key_sealed)
    body = client.get(URL).content
    assert b'"d"' not in body
    assert base64.b64encode(sealed) not in body


def test_it_is_public_and_cacheable_for_the_configured_time(client, settings, client_for, staff):
    settings.ONS_JWKS_MAX_AGE_SECONDS = 120
    ons_signing_key_init()
    response = client.get(URL)
    cache_control = {part.strip() for part in response["Cache-Control"].split(",")}
    assert cache_control == {"public", "max-age=120"}
    assert client_for(staff).get(URL).status_code == 200  # signed in too (then not cached by the browser)


def test_only_get_and_head(client):
    assert client.head(URL).status_code == 200
    assert client.post(URL).status_code == 405
