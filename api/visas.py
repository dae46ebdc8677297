"""GA4GH Passport visas (``ControlledAccessGrants``) for a grant: one per researcher and deposit,
each a JWT signed with the ONS signing key that signs webhooks now (``notifications.signing``), so
the JWK set at ``/.well-known/jwks.json`` verifies both. docs/ons-signatures.md is the verifier's
guide.

From the GA4GH Passport specification (ga4gh-duri/ga4gh-duri.github.io, researcher_ids/
ga4gh_passport_v1.md, and the AAI profile's "Visa Document Token" format):

- the JOSE header carries ``typ: vnd.ga4gh.visa+jwt``, ``alg``, ``kid`` and ``jku`` (the JWK set's
  URL), so a verifier fetches the keys from the issuer it trusts;
- the claims are ``iss``, ``sub``, ``iat``, ``exp``, ``jti`` and ``ga4gh_visa_v1`` = ``{type,
  asserted, value, source, by}``; ``ControlledAccessGrants`` says that ``sub`` may access the
  dataset named by ``value``, as asserted at ``asserted`` by ``by`` (``dac``: the archive's data
  access committee, the panel) of the organisation ``source``.

The rules (decision table in ``visa_expiry`` and in tests/api/test_visas.py):

- ``sub`` is the researcher's ONS accreditation number as the grant froze it (no email address);
  a member without one gets no visa.
- ``exp`` is the end (UTC) of the earlier of the grant's last day of access and the last day of the
  researcher's accreditation (both are inclusive: ``ResearcherProfile.accreditation_valid_on``);
  without either date there is no visa.
- ``jti`` is a UUID5 of (grant reference, accreditation number, deposit reference): the same on
  every call, so ``/api/v1/visas/revoked`` can name it.
- A grant that is not live (suspended, superseded, revoked, ended) gets no signed visa: its visas
  are listed as revoked, and by ``visas_revoked``.
"""

import json
import logging
import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from applications.enums import GrantStatus
from applications.models import Grant
from core.text import one_line_clean
from notifications.signing import crypto
from notifications.signing.crypto import SigningKeyUnavailable
from notifications.signing.selectors import ons_signing_keys_signing

from .enums import VisaStatus

logger = logging.getLogger(__name__)

VISA_JWT_TYPE = "vnd.ga4gh.visa+jwt"
VISA_TYPE = "ControlledAccessGrants"
VISA_BY = "dac"
#: The UUID5 namespace of every visa's ``jti`` (fixed: a jti never changes with a setting).
JTI_NAMESPACE = uuid.UUID("3b0f8f3e-6a1c-5d0e-9f6b-6f1c2a7d4e10")


class VisasUnavailable(Exception):
    """No key signs now (none created yet, or one cannot be unsealed): the API answers 409."""


@dataclass(frozen=True)
class VisaSubject:
    """What one visa asserts, before it is signed."""

    jti: str
    sub: str
    deposit_reference: str
    value: str
    expires_at: datetime


def _site_url() -> str:
    return settings.SITE_URL.rstrip("/")


def visa_jwks_uri() -> str:
    """The absolute URL of the JWK set: every visa's ``jku``."""
    return _site_url() + reverse("jwks")


def visa_jti(*, grant_reference: str, sub: str, deposit_reference: str) -> str:
    return str(uuid.uuid5(JTI_NAMESPACE, f"{grant_reference}\n{sub}\n{deposit_reference}"))


def _day(value) -> date | None:
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value)) if value else None
    except ValueError:
        return None


def visa_expiry(*, access_end: date | None, accreditation_expires_on: date | None) -> datetime | None:
    """``exp``: the end of the earlier day, in UTC (midnight after it); None when neither is known.

    access_end   accreditation   exp
    D1           D2 > D1         end of D1
    D1           D2 < D1         end of D2
    D            D               end of D
    D1           none            end of D1
    none         D2              end of D2
    none         none            none (no visa)
    """
    days = [day for day in (access_end, accreditation_expires_on) if day is not None]
    if not days:
        return None
    return datetime.combine(min(days) + timedelta(days=1), time.min, tzinfo=UTC)


def visa_subjects(*, grant: Grant) -> list[VisaSubject]:
    """The visas a grant asserts, one per researcher (lead first) and deposit (in reference order),
    from what the grant froze (its ``team`` and ``datasets``); no query."""
    subjects = []
    for member in grant.team or []:
        sub = one_line_clean(member.get("accreditation_number"))
        expires_at = visa_expiry(
            access_end=grant.access_end, accreditation_expires_on=_day(member.get("accreditation_expires_on"))
        )
        if not sub or expires_at is None:
            continue
        for dataset in sorted(grant.datasets or [], key=lambda entry: entry["reference"]):
            reference = dataset["reference"]
            subjects.append(
                VisaSubject(
                    jti=visa_jti(grant_reference=grant.reference, sub=sub, deposit_reference=reference),
                    sub=sub,
                    deposit_reference=reference,
                    value=_site_url() + reverse("deposits:detail", kwargs={"reference": reference}),
                    expires_at=expires_at,
                )
            )
    return subjects


def visa_sign(*, subject: VisaSubject, grant: Grant, kid: str, private_key, now: datetime) -> str:
    """One visa as a compact JWS (EdDSA) by the key ``kid`` (``private_key``: its unsealed half)."""
    header = {"typ": VISA_JWT_TYPE, "alg": "EdDSA", "kid": kid, "jku": visa_jwks_uri()}
    claims = {
        "iss": _site_url(),
        "sub": subject.sub,
        "iat": int(now.timestamp()),
        "exp": int(subject.expires_at.timestamp()),
        "jti": subject.jti,
        "ga4gh_visa_v1": {
            "type": VISA_TYPE,
            "asserted": int(grant.created_at.timestamp()),
            "value": subject.value,
            "source": _site_url() + "/",
            "by": VISA_BY,
        },
    }
    payload = json.dumps(claims, separators=(",", ":")).encode()
    return crypto.jws_compact_sign(private_key=private_key, header=header, payload=payload)


def grant_visas(*, grant: Grant, now: datetime | None = None) -> list[dict]:
    """Every visa of ``grant`` as the API gives it: its jti, subject, deposit, expiry, status and,
    when valid, the signed JWT (by the newest key signing at ``now``). Raises VisasUnavailable when
    a visa is to be signed and no key can sign it."""
    now = now or timezone.now()
    live = grant.status == GrantStatus.LIVE
    key = None
    entries = []
    for subject in visa_subjects(grant=grant):
        if not live:
            status = VisaStatus.REVOKED
        elif subject.expires_at <= now:
            status = VisaStatus.EXPIRED
        else:
            status = VisaStatus.VALID
        jwt = None
        if status == VisaStatus.VALID:
            kid, private_key = key = key or _signing_key(now)
            jwt = visa_sign(subject=subject, grant=grant, kid=kid, private_key=private_key, now=now)
        entries.append(
            {
                "jti": subject.jti,
                "sub": subject.sub,
                "deposit_reference": subject.deposit_reference,
                "value": subject.value,
                "expires_at": subject.expires_at,
                "status": status,
                "jwt": jwt,
            }
        )
    return entries


def _signing_key(now: datetime) -> tuple:
    """(kid, private key) of the newest key signing at ``now``, unsealed once for all the visas."""
    keys = ons_signing_keys_signing(at=now)  # newest first: the new key during a rotation's overlap
    if not keys:
        raise VisasUnavailable(
            "No signing key signs now, so no visa can be signed (create one: "
            "manage.py ons_signing_key_rotate --init)."
        )
    try:
        return keys[0].kid, keys[0].private_key()
    except SigningKeyUnavailable as exc:
        logger.error("Visas not signed: %s", exc)
        raise VisasUnavailable("The signing key cannot be used now; the archive has been told.") from exc


def visas_revoked(*, grants) -> list[dict]:
    """The jti of every visa of ``grants`` (those no longer live), with its grant."""
    return [
        {"jti": subject.jti, "grant_reference": grant.reference, "grant_status": grant.status}
        for grant in grants
        for subject in visa_subjects(grant=grant)
    ]
