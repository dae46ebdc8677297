"""The scheme's pieces against published vectors (RFC 8037) and the independent verifier."""

import base64

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from notifications.signing import crypto
from tests.standard_webhooks_v1a import V1aVerificationError, v1a_verify

# RFC 8037 appendix A.1 (the RFC 8032 test key 1) and A.3 (its JWK thumbprint).
RFC8037_D = bytes.fromhex("9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60")
RFC8037_X = "11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"
RFC8037_THUMBPRINT = "kPrK_qmxVWaYVA9wwBF6Iuo3vVzz7TxHCTwXBygrS4k"


def _public(private: bytes) -> bytes:
    from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

    return (
        Ed25519PrivateKey.from_private_bytes(private)
        .public_key()
        .public_bytes(Encoding.Raw, PublicFormat.Raw)
    )


def test_the_jwk_and_its_thumbprint_match_rfc_8037():
    public = _public(RFC8037_D)
    assert crypto.jwk_public_members(public) == {"kty": "OKP", "crv": "Ed25519", "x": RFC8037_X}
    assert crypto.jwk_thumbprint(public) == RFC8037_THUMBPRINT
    assert crypto.jwk(public=public, kid="k1") == {
        "kty": "OKP",
        "crv": "Ed25519",
        "x": RFC8037_X,
        "kid": "k1",
        "use": "sig",
        "alg": "EdDSA",
    }


def test_the_public_key_text_is_whpk_and_the_base64_of_the_raw_32_bytes():
    public = _public(RFC8037_D)
    text = crypto.public_key_text(public)
    assert text.startswith("whpk_")
    assert base64.b64decode(text.removeprefix("whpk_"), validate=True) == public


def test_a_v1a_entry_is_v1a_comma_base64_of_64_bytes_over_id_dot_timestamp_dot_body():
    private_key = Ed25519PrivateKey.from_private_bytes(RFC8037_D)
    entry = crypto.v1a_sign(private_key=private_key, msg_id="msg_1", timestamp="1674087231", body='{"a":1}')
    version, _, encoded = entry.partition(",")
    signature = base64.b64decode(encoded, validate=True)
    assert version == "v1a"
    assert len(signature) == 64
    private_key.public_key().verify(signature, b'msg_1.1674087231.{"a":1}')  # raises if not
    jwks = {"keys": [crypto.jwk(public=_public(RFC8037_D), kid="k1")]}
    headers = {"webhook-id": "msg_1", "webhook-timestamp": "1674087231", "webhook-signature": entry}
    assert v1a_verify(body=b'{"a":1}', headers=headers, jwks=jwks, now=1674087231) == "k1"
    with pytest.raises(V1aVerificationError):
        v1a_verify(body=b'{"a":2}', headers=headers, jwks=jwks, now=1674087231)


def test_a_compact_jws_matches_rfc_8037_appendix_a_4():
    """RFC 8037 A.4: the protected header {"alg":"EdDSA"} and the payload "Example of Ed25519
    signing", signed with the A.1 key (Ed25519 is deterministic, so the JWS is exactly this)."""
    private_key = Ed25519PrivateKey.from_private_bytes(RFC8037_D)
    jws = crypto.jws_compact_sign(
        private_key=private_key, header={"alg": "EdDSA"}, payload=b"Example of Ed25519 signing"
    )
    assert jws == (
        "eyJhbGciOiJFZERTQSJ9.RXhhbXBsZSBvZiBFZDI1NTE5IHNpZ25pbmc."
        "hgyY0il_MGCjP0JzlnLWG1PPOt7-09PGcvMg3AIbQR6dWbhijcNR4ki4iylGjg5BhVsPt9g7sVvpAr_MuM0KAg"
    )


def test_a_generated_pair_is_raw_32_bytes_each_and_matches():
    private, public = crypto.keypair_generate()
    assert len(private) == len(public) == 32
    assert _public(private) == public


def test_the_sealed_private_key_opens_only_with_its_kid_and_the_secret_key(settings):
    private, _ = crypto.keypair_generate()
    sealed = crypto.seal(private=private, kid="k1")
    assert private not in sealed
    assert crypto.unseal(sealed=sealed, kid="k1") == private
    with pytest.raises(crypto.SigningKeyUnavailable):
        crypto.unseal(sealed=sealed, kid="k2")  # a sealed key copied onto another row does not open
    old_secret = settings.SECRET_KEY
    settings.SECRET_KEY = "another-secret-key-" + "x" * 50
    with pytest.raises(crypto.SigningKeyUnavailable, match="SECRET_KEY_FALLBACKS"):
        crypto.unseal(sealed=sealed, kid="k1")
    settings.SECRET_KEY_FALLBACKS = [old_secret]
    assert crypto.unseal(sealed=sealed, kid="k1") == private
