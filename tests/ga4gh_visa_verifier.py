"""An independent GA4GH visa verifier, written from RFC 7515 (JWS compact serialisation), RFC 7519
(JWT claims), RFC 8037 (EdDSA, OKP JWKs) and the GA4GH Passport specification alone: it uses none
of the portal's code (not notifications/signing/, not api/visas.py), just ``cryptography``'s
Ed25519 public key.

- RFC 7515 section 7.1: ``BASE64URL(header) . BASE64URL(payload) . BASE64URL(signature)``; the
  signature is over the ASCII of the first two parts joined by the dot (section 5.2).
- RFC 8037 section 3.1: ``alg: EdDSA`` with an ``OKP`` key of ``crv: Ed25519``; ``x`` the raw
  public key, base64url without padding.
- GA4GH Passport (Visa Document Token): header ``typ: vnd.ga4gh.visa+jwt``, ``kid`` naming a key
  of the JWK set at ``jku``; the verifier trusts only a ``jku`` it knows for the issuer (never one a
  token brings); claims ``iss``, ``sub``, ``iat``, ``exp``, ``ga4gh_visa_v1`` = ``{type,
  asserted, value, source, by?}``; refuse at or after ``exp``.
- A ``jti`` on the issuer's list of revoked visas is refused.
"""

import base64
import binascii
import json
import time

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

VISA_TYP = "vnd.ga4gh.visa+jwt"
BY_VALUES = {"self", "peer", "system", "so", "dac"}


class VisaVerificationError(Exception):
    pass


def _b64url_decode(text: str) -> bytes:
    if "=" in text or not text.replace("-", "").replace("_", "").isalnum():
        raise VisaVerificationError("not base64url without padding")
    try:
        return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except (binascii.Error, ValueError) as exc:
        raise VisaVerificationError("bad base64url") from exc


def _json(part: str) -> dict:
    try:
        value = json.loads(_b64url_decode(part))
    except (UnicodeDecodeError, ValueError) as exc:
        raise VisaVerificationError("not JSON") from exc
    if not isinstance(value, dict):
        raise VisaVerificationError("not a JSON object")
    return value


def visa_unverified_header(token: str) -> dict:
    return _json(token.split(".")[0])


def visa_verify(
    token: str,
    *,
    jwks: dict,
    trusted_jku: str,
    issuer: str,
    now: float | None = None,
    revoked_jtis: frozenset[str] | set[str] = frozenset(),
) -> dict:
    """The claims of ``token`` once everything checks, else VisaVerificationError."""
    parts = token.split(".")
    if len(parts) != 3:
        raise VisaVerificationError("not a JWS compact serialisation")
    header, claims = _json(parts[0]), _json(parts[1])
    if header.get("alg") != "EdDSA":
        raise VisaVerificationError(f"alg {header.get('alg')!r}")
    if header.get("typ") != VISA_TYP:
        raise VisaVerificationError(f"typ {header.get('typ')!r}")
    if header.get("jku") != trusted_jku:
        raise VisaVerificationError("jku is not the issuer's key set")
    if "crit" in header:
        raise VisaVerificationError("crit is not understood")
    matching = [
        key
        for key in jwks.get("keys", [])
        if key.get("kid") == header.get("kid")
        and key.get("kty") == "OKP"
        and key.get("crv") == "Ed25519"
        and key.get("use", "sig") == "sig"
    ]
    if len(matching) != 1:
        raise VisaVerificationError("no key in the set has this kid")
    raw = _b64url_decode(matching[0]["x"])
    if len(raw) != 32:
        raise VisaVerificationError("not an Ed25519 public key")
    try:
        Ed25519PublicKey.from_public_bytes(raw).verify(
            _b64url_decode(parts[2]), f"{parts[0]}.{parts[1]}".encode("ascii")
        )
    except InvalidSignature as exc:
        raise VisaVerificationError("bad signature") from exc

    now = time.time() if now is None else now
    for name in ("iss", "sub", "iat", "exp", "ga4gh_visa_v1"):
        if name not in claims:
            raise VisaVerificationError(f"no {name}")
    if claims["iss"] != issuer:
        raise VisaVerificationError("another issuer")
    if not isinstance(claims["exp"], int) or now >= claims["exp"]:
        raise VisaVerificationError("expired")
    if not isinstance(claims["iat"], int) or claims["iat"] > now + 60:
        raise VisaVerificationError("issued in the future")
    visa = claims["ga4gh_visa_v1"]
    for name in ("type", "asserted", "value", "source"):
        if name not in visa:
            raise VisaVerificationError(f"no ga4gh_visa_v1.{name}")
    if not isinstance(visa["asserted"], int) or visa["asserted"] > claims["iat"]:
        raise VisaVerificationError("asserted after it was issued")
    if "by" in visa and visa["by"] not in BY_VALUES:
        raise VisaVerificationError(f"by {visa['by']!r}")
    if claims.get("jti") in revoked_jtis:
        raise VisaVerificationError("revoked")
    return claims
