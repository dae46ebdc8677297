"""The Standard Webhooks asymmetric scheme (``v1a``, Ed25519) and the key formats around it.

From the Standard Webhooks specification (github.com/standard-webhooks/standard-webhooks,
spec/standard-webhooks.md, "Signature scheme" and "Webhook headers"):

- "the message's: ID, timestamp and body are concatenated (delimited by full-stops) and then
  signed. The content to be signed is therefore: ``msg_id.timestamp.payload``", where the timestamp
  is the ``webhook-timestamp`` header, an "integer unix timestamp (seconds since epoch)", and the
  payload the body exactly as sent ("make sure that the payload sent is the same as the payload
  signed").
- The asymmetric row of its table: signature scheme ``ed25519``; signing secret a "Standard ed25519
  key pair"; serialization "base64 encoded, prefixed with ``whsk_`` for the secret key, and
  ``whpk_`` for the public key"; signature identifier ``v1a``.
- "a symmetric signature will be v1, followed by a comma (``,``), followed by the base64 encoded
  signature"; likewise ``v1a,`` + the base64 (standard alphabet, padded) of the 64-byte Ed25519
  signature, as in its example header
  ``v1,K5oZ...pI4= v1a,hnO3f9...m7TBAg==``.
- "The signature header is a space delimited list of signatures", so that during a rotation "the
  webhook is signed both using the current key, and using an old key (for a set period of time)".
  "Webhook consumers can try to verify each signature until one matches."

The specification does not say which bytes of a "standard ed25519 key pair" the ``whsk_`` form
holds; here it is the 32-byte private key (the RFC 8032 seed), and ``whpk_`` the 32-byte public
key (RFC 8032 section 5.1.5), which is also what the JWK's ``x`` carries (RFC 8037 section 2). The
portal never shows a ``whsk_`` value: the private key stays sealed in the database (``seal``).

The JWK (RFC 7517, RFC 8037): ``{"kty": "OKP", "crv": "Ed25519", "x": base64url(public key), no
padding}``, with ``kid`` the RFC 7638 thumbprint of those three members, ``use: sig`` and
``alg: EdDSA`` (RFC 8037 section 3.1).
"""

import base64
import hashlib
import json
import os

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from cryptography.hazmat.primitives.serialization import Encoding, NoEncryption, PrivateFormat, PublicFormat
from django.conf import settings

V1A = "v1a"
PUBLIC_KEY_PREFIX = "whpk_"
_SEAL_INFO = b"archive-access-portal/ons-signing-key/aes-256-gcm/v1"
_NONCE_BYTES = 12


class SigningKeyUnavailable(Exception):
    """A signing key's private half cannot be unsealed: SECRET_KEY changed and the old one is not in
    SECRET_KEY_FALLBACKS, or the row was altered. The delivery attempt fails and is retried."""


def v1a_signed_content(*, msg_id: str, timestamp: str, body: str) -> bytes:
    """``msg_id.timestamp.body`` as UTF-8 bytes: what ``v1`` and ``v1a`` both sign."""
    return f"{msg_id}.{timestamp}.{body}".encode()


def v1a_sign(*, private_key: Ed25519PrivateKey, msg_id: str, timestamp: str, body: str) -> str:
    """One ``webhook-signature`` entry: ``v1a,`` + base64 of the 64-byte Ed25519 signature."""
    signature = private_key.sign(v1a_signed_content(msg_id=msg_id, timestamp=timestamp, body=body))
    return f"{V1A},{base64.b64encode(signature).decode()}"


def keypair_generate() -> tuple[bytes, bytes]:
    """A fresh Ed25519 key pair as raw bytes: (32-byte private key, 32-byte public key)."""
    private_key = Ed25519PrivateKey.generate()
    private = private_key.private_bytes(Encoding.Raw, PrivateFormat.Raw, NoEncryption())
    public = private_key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
    return private, public


def private_key_load(private: bytes) -> Ed25519PrivateKey:
    return Ed25519PrivateKey.from_private_bytes(private)


def public_key_text(public: bytes) -> str:
    """The Standard Webhooks public key form: ``whpk_`` + base64 of the raw 32 bytes."""
    return PUBLIC_KEY_PREFIX + base64.b64encode(public).decode()


def _b64url(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def jwk_public_members(public: bytes) -> dict:
    """The required members of an Ed25519 public JWK (RFC 8037 section 2)."""
    return {"kty": "OKP", "crv": "Ed25519", "x": _b64url(public)}


def jwk_thumbprint(public: bytes) -> str:
    """RFC 7638: SHA-256 over the required members, keys sorted, no whitespace; base64url."""
    canonical = json.dumps(jwk_public_members(public), sort_keys=True, separators=(",", ":"))
    return _b64url(hashlib.sha256(canonical.encode()).digest())


def jwk(*, public: bytes, kid: str) -> dict:
    return {**jwk_public_members(public), "kid": kid, "use": "sig", "alg": "EdDSA"}


def jws_compact_sign(*, private_key: Ed25519PrivateKey, header: dict, payload: bytes) -> str:
    """A JWS in the compact serialisation (RFC 7515 section 7.1) signed with EdDSA (RFC 8037
    section 3.1): ``base64url(header) . base64url(payload) . base64url(Ed25519 signature)``, the
    signature over the ASCII of the first two parts joined by the dot. ``header`` is serialised as
    compact JSON; it should carry ``alg: EdDSA`` (the caller adds ``typ``, ``kid``, ``jku``)."""
    protected = json.dumps(header, separators=(",", ":"), ensure_ascii=False).encode()
    signing_input = f"{_b64url(protected)}.{_b64url(payload)}"
    return f"{signing_input}.{_b64url(private_key.sign(signing_input.encode('ascii')))}"


# --- The private key at rest -----------------------------------------------------------------------


def _sealing_key(secret: str) -> bytes:
    """A 256-bit AES key for this purpose only, derived from a Django SECRET_KEY (HKDF-SHA256)."""
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=_SEAL_INFO).derive(secret.encode())


def seal(*, private: bytes, kid: str) -> bytes:
    """The private key encrypted with AES-256-GCM under a key derived from SECRET_KEY, bound to its
    ``kid`` (the associated data), as nonce + ciphertext + tag."""
    nonce = os.urandom(_NONCE_BYTES)
    return nonce + AESGCM(_sealing_key(settings.SECRET_KEY)).encrypt(nonce, private, kid.encode())


def unseal(*, sealed: bytes, kid: str) -> bytes:
    """The private key back, under SECRET_KEY or one of SECRET_KEY_FALLBACKS (as Django's own
    signing does after a change of SECRET_KEY)."""
    sealed = bytes(sealed)
    nonce, ciphertext = sealed[:_NONCE_BYTES], sealed[_NONCE_BYTES:]
    for secret in [settings.SECRET_KEY, *getattr(settings, "SECRET_KEY_FALLBACKS", [])]:
        try:
            return AESGCM(_sealing_key(secret)).decrypt(nonce, ciphertext, kid.encode())
        except InvalidTag:
            continue
    raise SigningKeyUnavailable(
        f"The private half of ONS signing key {kid} cannot be unsealed with SECRET_KEY or "
        "SECRET_KEY_FALLBACKS (keep the old SECRET_KEY in SECRET_KEY_FALLBACKS until a rotation "
        "has retired the keys sealed with it)."
    )
