"""Issue 18, acceptance 2: a token from ``api_client_create`` reads grants and events; without it,
or revoked, 401 (a problem); every call is audited; each client is rate limited; staff revoke a
token on their page."""

import io
import json

import pytest
from django.core.management import call_command
from django.urls import reverse

from api.enums import ApiAuditAction
from api.models import ApiClient
from api.selectors import api_client_for_token
from api.services import api_client_create, api_client_revoke, token_hash
from core.errors import DomainError
from core.models import AuditEvent
from tests.factories.grants import live_grant
from tests.factories.notifications import OnsApplicationFactory, decision_record_for_test

pytestmark = pytest.mark.django_db


def _create(name: str) -> tuple[ApiClient, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command("api_client_create", name, stdout=out, stderr=err)
    token = out.getvalue().strip()
    return ApiClient.objects.get(name=name), token


def _get(client, path, token=None, **extra):
    headers = {"HTTP_AUTHORIZATION": f"Bearer {token}"} if token else {}
    return client.get(path, **headers, **extra)


def _problem(response, status):
    assert response.status_code == status
    assert response["Content-Type"] == "application/problem+json"
    body = json.loads(response.content)
    assert set(body) == {"type", "title", "status", "detail"}
    assert body["status"] == status
    return body


def test_the_command_prints_a_token_once_and_keeps_only_its_hash():
    api_client, token = _create("ONS SRS")
    assert token.startswith("aap_")
    assert len(token) == 47
    assert api_client.token_hash == token_hash(token)
    assert token not in {api_client.token_hash, api_client.token_prefix}
    assert token.startswith(api_client.token_prefix)
    assert api_client.created_by is None
    assert api_client.scope == "read"
    assert AuditEvent.objects.filter(
        action=ApiAuditAction.CLIENT_CREATED, target_id=str(api_client.pk)
    ).exists()


def test_a_second_client_with_the_same_name_is_refused():
    _create("ONS SRS")
    with pytest.raises(DomainError):
        api_client_create(name="ons srs", actor=None)


def test_acceptance_2_the_token_reads_grants_and_events_and_each_call_is_audited(client, settings):
    settings.API_EVENTS_SETTLE_SECONDS = 0
    grant = live_grant()
    decision_record_for_test(application=OnsApplicationFactory())
    api_client, token = _create("ONS SRS")

    grants = _get(client, "/api/v1/grants", token)
    assert grants.status_code == 200
    assert grant.reference in [entry["reference"] for entry in grants.json()["grants"]]
    one = _get(client, f"/api/v1/grants/{grant.reference}", token)
    assert one.status_code == 200
    events = _get(client, "/api/v1/events?after=0", token)
    assert events.status_code == 200
    assert [event["type"] for event in events.json()["events"]] == ["access.approved"]

    calls = AuditEvent.objects.filter(action=ApiAuditAction.CALL_MADE, target_id=str(api_client.pk))
    assert [(call.data["path"], call.data["status"]) for call in calls.order_by("pk")] == [
        ("/api/v1/grants", 200),
        (f"/api/v1/grants/{grant.reference}", 200),
        ("/api/v1/events", 200),
    ]
    assert calls.order_by("pk").last().data["query"] == "after=0"
    api_client.refresh_from_db()
    assert api_client.last_used_at is not None


@pytest.mark.parametrize("path", ["/api/v1/grants", "/api/v1/grants/APP-2026-0001-G1", "/api/v1/events"])
@pytest.mark.parametrize(
    "authorization",
    [
        None,
        "",
        "Bearer",
        "Bearer nonsense",
        "Basic dXNlcjpwYXNz",
        "Bearer aap_" + "A" * 43,
        "Bearer aap_\x00",
    ],
)
def test_without_a_valid_token_every_path_answers_401_as_a_problem(client, path, authorization):
    extra = {} if authorization is None else {"HTTP_AUTHORIZATION": authorization}
    response = client.get(path, **extra)
    _problem(response, 401)
    assert response["WWW-Authenticate"].startswith("Bearer")


def test_a_revoked_token_answers_401_and_the_refused_call_is_audited(client, staff):
    api_client, token = _create("ONS SRS")
    assert _get(client, "/api/v1/grants", token).status_code == 200
    api_client_revoke(client=api_client, actor=staff)
    body = _problem(_get(client, "/api/v1/grants", token), 401)
    assert "revoked" in body["detail"]
    refused = AuditEvent.objects.get(action=ApiAuditAction.CALL_REFUSED, target_id=str(api_client.pk))
    assert refused.data["status"] == 401
    assert api_client_for_token(token=token).is_revoked


def test_revoking_twice_is_refused_with_a_message(staff):
    api_client, _token = _create("ONS SRS")
    api_client_revoke(client=api_client, actor=staff)
    with pytest.raises(DomainError, match="already revoked"):
        api_client_revoke(client=api_client, actor=staff)


def test_each_client_is_rate_limited_with_a_429_problem_and_retry_after(client, settings):
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "api": {"client": (2, 60)}}
    _first, token = _create("ONS SRS")
    _other, other_token = _create("A TRE")
    assert _get(client, "/api/v1/events", token).status_code == 200
    assert _get(client, "/api/v1/events", token).status_code == 200
    limited = _get(client, "/api/v1/events", token)
    _problem(limited, 429)
    assert 0 < int(limited["Retry-After"]) <= 61
    assert _get(client, "/api/v1/events", other_token).status_code == 200  # per client


def test_the_api_answers_only_get_and_a_wrong_method_is_a_problem(client, api_token):
    response = client.post("/api/v1/grants", HTTP_AUTHORIZATION=f"Bearer {api_token}")
    _problem(response, 405)
    assert "GET" in response["Allow"]
    _problem(_get(client, "/api/v1/nowhere", api_token), 404)


def test_staff_list_clients_and_revoke_one_and_others_may_not(client_for, staff, researcher, chair):
    api_client, token = _create("ONS SRS")
    page = client_for(staff).get(reverse("api:clients"))
    assert page.status_code == 200
    assert api_client.token_prefix in page.content.decode()
    assert token not in page.content.decode()
    for user in (researcher, chair):
        assert client_for(user).get(reverse("api:clients")).status_code == 403
        assert client_for(user).post(reverse("api:client_revoke", args=[api_client.pk])).status_code == 403
    api_client.refresh_from_db()
    assert not api_client.is_revoked

    response = client_for(staff).post(reverse("api:client_revoke", args=[api_client.pk]))
    assert response.status_code == 302
    api_client.refresh_from_db()
    assert api_client.revoked_by == staff
    revoked = AuditEvent.objects.get(action=ApiAuditAction.CLIENT_REVOKED, target_id=str(api_client.pk))
    assert revoked.actor == staff
