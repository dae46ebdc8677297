"""Issue 18, acceptance 6: GET /api/v1/grants/{reference}/visas gives a GA4GH Passport
``ControlledAccessGrants`` visa per researcher and deposit, which the independent verifier
(tests/ga4gh_visa_verifier.py) accepts with the key it fetched from /.well-known/jwks.json; its
``exp`` is the earlier of the access end and the accreditation (``api.visas.visa_expiry``, the
table below); a grant no longer live answers its visas as revoked, and /api/v1/visas/revoked names
them; a visa signed before a key rotation still verifies during the overlap."""

import re
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from api.visas import grant_visas, visa_expiry
from applications.enums import GrantStatus
from applications.models import Grant
from notifications.signing.services import ons_signing_key_init, ons_signing_key_rotate
from panel.services import application_revoke
from tests.factories.accounts import StaffFactory
from tests.factories.deposits import AvailableDepositFactory
from tests.factories.grants import live_grant
from tests.ga4gh_visa_verifier import VisaVerificationError, visa_unverified_header, visa_verify

pytestmark = pytest.mark.django_db
SITE = "https://portal.example.org"
H = timedelta(hours=1)


@pytest.fixture(autouse=True)
def site(settings):
    settings.SITE_URL = SITE
    settings.ONS_SIGNING_PUBLISH_AHEAD_HOURS = 24
    settings.ONS_SIGNING_OVERLAP_HOURS = 24
    settings.ONS_SIGNING_RETENTION_DAYS = 30
    return settings


def _jwks(client, jku: str) -> dict:
    """The key set the visa names, fetched as a verifier would (here through the test client)."""
    assert jku == f"{SITE}/.well-known/jwks.json"
    response = client.get(urlsplit(jku).path)
    assert response.status_code == 200
    return response.json()


def _visas(api, grant) -> dict:
    response = api.get(f"/api/v1/grants/{grant.reference}/visas")
    assert response.status_code == 200, response.content
    return response.json()


def _verify(client, token: str, **kwargs) -> dict:
    jku = visa_unverified_header(token)["jku"]
    return visa_verify(token, jwks=_jwks(client, jku), trusted_jku=jku, issuer=SITE, **kwargs)


def _team_dates(grant, *, access_end: date, accreditation: date) -> Grant:
    """The grant as frozen with this access end and this accreditation expiry for every member."""
    team = [{**member, "accreditation_expires_on": accreditation.isoformat()} for member in grant.team]
    Grant.objects.filter(pk=grant.pk).update(team=team, access_end=access_end)
    return Grant.objects.get(pk=grant.pk)


def test_a_visa_verifies_with_the_published_key_and_says_what_the_spec_asks(api, client):
    key = ons_signing_key_init()
    grant = live_grant()
    answer = _visas(api, grant)
    assert answer["grant_status"] == GrantStatus.LIVE
    assert answer["jwks_uri"] == f"{SITE}/.well-known/jwks.json"
    (visa,) = answer["visas"]
    assert visa["status"] == "valid"
    header = visa_unverified_header(visa["jwt"])
    assert header == {"typ": "vnd.ga4gh.visa+jwt", "alg": "EdDSA", "kid": key.kid, "jku": answer["jwks_uri"]}

    claims = _verify(client, visa["jwt"])
    lead, (dataset,) = grant.team[0], grant.datasets
    assert claims["iss"] == SITE
    assert claims["sub"] == lead["accreditation_number"] == visa["sub"]
    assert claims["jti"] == visa["jti"]
    assert abs(claims["iat"] - timezone.now().timestamp()) < 60
    assert claims["ga4gh_visa_v1"] == {
        "type": "ControlledAccessGrants",
        "asserted": int(grant.created_at.timestamp()),
        "value": f"{SITE}/deposits/{dataset['reference']}/",
        "source": f"{SITE}/",
        "by": "dac",
    }
    assert "@" not in str(claims)  # no email address in the visa
    assert lead["email"] not in str(answer)
    # The jti is stable: asked again, the same visa ids.
    assert [v["jti"] for v in _visas(api, grant)["visas"]] == [visa["jti"]]


def test_a_tampered_or_foreign_visa_is_refused(api, client):
    ons_signing_key_init()
    token = _visas(api, live_grant())["visas"][0]["jwt"]
    head, payload, signature = token.split(".")
    forged = payload[:-2] + ("A" if payload[-2] != "A" else "B") + payload[-1]
    with pytest.raises(VisaVerificationError):
        _verify(client, f"{head}.{forged}.{signature}")
    jku = visa_unverified_header(token)["jku"]
    with pytest.raises(VisaVerificationError, match="kid"):
        visa_verify(token, jwks={"keys": []}, trusted_jku=jku, issuer=SITE)
    with pytest.raises(VisaVerificationError, match="jku"):
        visa_verify(token, jwks=_jwks(client, jku), trusted_jku="https://elsewhere/jwks.json", issuer=SITE)


def test_one_visa_per_researcher_and_deposit_each_with_its_own_jti(api, client):
    ons_signing_key_init()
    grant = live_grant(deposits=[AvailableDepositFactory(), AvailableDepositFactory()])
    co = {**grant.team[0], "role": "researcher", "accreditation_number": "AR-CO-1", "email": "co@example.org"}
    Grant.objects.filter(pk=grant.pk).update(team=[*grant.team, co])
    visas = _visas(api, grant)["visas"]
    assert len(visas) == 4
    assert len({v["jti"] for v in visas}) == 4
    pairs = {(v["sub"], v["deposit_reference"]) for v in visas}
    assert pairs == {
        (m["accreditation_number"], d["reference"]) for m in [grant.team[0], co] for d in grant.datasets
    }
    for visa in visas:
        claims = _verify(client, visa["jwt"])
        assert claims["ga4gh_visa_v1"]["value"].endswith(f"/deposits/{visa['deposit_reference']}/")


@pytest.mark.parametrize(
    ("access_in_days", "accreditation_in_days", "exp_day_in_days"),
    [(200, 100, 100), (100, 200, 100)],
    ids=["accreditation_earlier", "access_end_earlier"],
)
def test_exp_is_the_end_of_the_earlier_of_access_end_and_accreditation(
    api, client, access_in_days, accreditation_in_days, exp_day_in_days
):
    ons_signing_key_init()
    today = timezone.now().astimezone(UTC).date()
    grant = _team_dates(
        live_grant(),
        access_end=today + timedelta(days=access_in_days),
        accreditation=today + timedelta(days=accreditation_in_days),
    )
    (visa,) = _visas(api, grant)["visas"]
    claims = _verify(client, visa["jwt"])
    end = datetime.combine(today + timedelta(days=exp_day_in_days + 1), datetime.min.time(), tzinfo=UTC)
    assert claims["exp"] == int(end.timestamp())
    assert datetime.fromisoformat(visa["expires_at"]) == end
    # Valid through the last day, refused from the first second after it.
    assert _verify(client, visa["jwt"], now=end.timestamp() - 1)
    with pytest.raises(VisaVerificationError, match="expired"):
        _verify(client, visa["jwt"], now=end.timestamp())


D1, D2 = date(2027, 3, 31), date(2027, 6, 30)


def _end(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, tzinfo=UTC) + timedelta(days=1)


@pytest.mark.parametrize(
    ("access_end", "accreditation", "exp"),
    [
        (D1, D2, _end(D1)),
        (D2, D1, _end(D1)),
        (D1, D1, _end(D1)),
        (D1, None, _end(D1)),
        (None, D2, _end(D2)),
        (None, None, None),
    ],
)
def test_visa_expiry_table(access_end, accreditation, exp):
    """The table of ``api.visas.visa_expiry``'s docstring."""
    assert visa_expiry(access_end=access_end, accreditation_expires_on=accreditation) == exp


def test_a_visa_already_past_its_end_is_listed_as_expired_and_not_signed(api):
    ons_signing_key_init()
    yesterday = timezone.now().astimezone(UTC).date() - timedelta(days=1)
    grant = _team_dates(live_grant(), access_end=yesterday + timedelta(days=30), accreditation=yesterday)
    (visa,) = _visas(api, grant)["visas"]
    assert visa["status"] == "expired"
    assert visa["jwt"] is None


def test_a_revoked_grants_visas_are_listed_as_revoked_and_a_verifier_refuses_them(api, client, settings):
    ons_signing_key_init()
    grant, other = live_grant(), live_grant()
    before = _visas(api, grant)["visas"]
    token = before[0]["jwt"]
    assert _verify(client, token)

    application_revoke(application=grant.application, actor=StaffFactory(), reason="Breach of the terms.")
    grant.refresh_from_db()
    assert grant.status == GrantStatus.REVOKED
    after = _visas(api, grant)
    assert after["grant_status"] == GrantStatus.REVOKED
    assert [(v["jti"], v["status"], v["jwt"]) for v in after["visas"]] == [
        (v["jti"], "revoked", None) for v in before
    ]

    revoked = api.get("/api/v1/visas/revoked").json()["revoked"]
    assert {"jti": before[0]["jti"], "grant_reference": grant.reference, "grant_status": "revoked"} in revoked
    other_jtis = {v["jti"] for v in _visas(api, other)["visas"]}
    assert not other_jtis & {entry["jti"] for entry in revoked}
    with pytest.raises(VisaVerificationError, match="revoked"):
        _verify(client, token, revoked_jtis={entry["jti"] for entry in revoked})


@pytest.mark.parametrize("status", [GrantStatus.SUSPENDED, GrantStatus.SUPERSEDED, GrantStatus.ENDED])
def test_every_grant_no_longer_live_has_its_visas_on_the_revoked_list(api, status):
    ons_signing_key_init()
    grant = live_grant()
    jtis = [v["jti"] for v in _visas(api, grant)["visas"]]
    Grant.objects.filter(pk=grant.pk).update(status=status)
    assert [v["status"] for v in _visas(api, grant)["visas"]] == ["revoked"] * len(jtis)
    revoked = api.get("/api/v1/visas/revoked").json()["revoked"]
    assert [entry["jti"] for entry in revoked] == jtis
    assert {entry["grant_status"] for entry in revoked} == {status}


def test_the_revoked_list_query_count_does_not_grow_with_its_rows(api):
    Grant.objects.filter(pk=live_grant().pk).update(status=GrantStatus.ENDED)
    with CaptureQueriesContext(connection) as one:
        assert len(api.get("/api/v1/visas/revoked").json()["revoked"]) == 1
    for _ in range(3):
        Grant.objects.filter(pk=live_grant().pk).update(status=GrantStatus.REVOKED)
    with CaptureQueriesContext(connection) as four:
        assert len(api.get("/api/v1/visas/revoked").json()["revoked"]) == 4
    assert len(four) == len(one)


def test_a_visa_signed_before_a_rotation_verifies_during_the_overlap(api, client):
    now = timezone.now()
    rotated_at = now - 25 * H  # the new key signs since an hour ago; the old one until T+48h
    old = ons_signing_key_init(now=rotated_at - 100 * 24 * H)
    grant = live_grant()
    Grant.objects.filter(pk=grant.pk).update(created_at=rotated_at - 10 * 24 * H)  # issued before it
    grant.refresh_from_db()
    (before,) = grant_visas(grant=grant, now=rotated_at - H)  # signed with the old key alone
    new = ons_signing_key_rotate(now=rotated_at)
    assert visa_unverified_header(before["jwt"])["kid"] == old.kid

    jwks = _jwks(client, visa_unverified_header(before["jwt"])["jku"])
    assert [k["kid"] for k in jwks["keys"]] == [new.kid, old.kid]
    assert _verify(client, before["jwt"])["jti"] == before["jti"]
    # Asked now, the visa is signed with the newest key, and verifies with the same set.
    (visa,) = _visas(api, grant)["visas"]
    assert visa_unverified_header(visa["jwt"])["kid"] == new.kid
    assert visa["jti"] == before["jti"]
    assert _verify(client, visa["jwt"])


def test_without_a_signing_key_the_visas_are_a_409_problem(api):
    response = api.get(f"/api/v1/grants/{live_grant().reference}/visas")
    assert response.status_code == 409
    assert response["Content-Type"] == "application/problem+json"
    assert "ons_signing_key_rotate --init" in response.json()["detail"]


def test_an_unknown_grant_is_a_404_problem_and_no_token_a_401(api, client):
    ons_signing_key_init()
    assert api.get("/api/v1/grants/G-NOPE-1/visas").status_code == 404
    assert client.get(f"/api/v1/grants/{live_grant().reference}/visas").status_code == 401
    assert client.get("/api/v1/visas/revoked").status_code == 401


def _doc_example() -> dict:
    doc = (Path(__file__).resolve().parents[2] / "docs" / "ons-integration.md").read_text(encoding="utf-8")
    section = doc[doc.index("### Visas") :]
    code = re.search(r"```python\n(.*?)```", section, re.S).group(1)
    namespace: dict = {}
    exec(compile(code, "docs/ons-integration.md", "exec"), namespace)  # noqa: S102 (the doc's own example)
    return namespace


def test_the_documented_python_verifier_accepts_a_visa_and_refuses_a_revoked_one(api, client):
    ons_signing_key_init()
    (visa,) = _visas(api, live_grant())["visas"]
    verify = _doc_example()["verify_visa"]
    jku = visa_unverified_header(visa["jwt"])["jku"]
    jwks = _jwks(client, jku)
    assert verify(visa["jwt"], jwks, jku=jku, issuer=SITE, revoked=set())["jti"] == visa["jti"]
    with pytest.raises(ValueError, match="revoked"):
        verify(visa["jwt"], jwks, jku=jku, issuer=SITE, revoked={visa["jti"]})
