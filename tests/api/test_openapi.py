"""Issue 18, acceptance 1: /api/v1/openapi.json is OpenAPI 3.1 with the three paths (and acceptance
6's visas and revoked visas) and the pushed events as ``webhooks``; schemathesis, run against the
app through its WSGI handler with a valid token, finds no 5xx and no answer that breaks the
document (valid inputs, and invalid ones)."""

import pytest
import schemathesis
from django.core.handlers.wsgi import WSGIHandler
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from schemathesis import GenerationMode

from api.selectors import grant_cursor_encode
from applications.enums import GrantStatus
from applications.models import Grant
from notifications.contract import EVENT_SCHEMAS
from notifications.enums import OnsEventType
from notifications.signing.services import ons_signing_key_init
from tests.factories.grants import live_grant
from tests.factories.notifications import OnsApplicationFactory, decision_record_for_test

pytestmark = pytest.mark.django_db

OPERATIONS = [
    ("GET", "/api/v1/grants"),
    ("GET", "/api/v1/grants/{reference}"),
    ("GET", "/api/v1/grants/{reference}/visas"),
    ("GET", "/api/v1/events"),
    ("GET", "/api/v1/visas/revoked"),
]


def test_the_document_is_openapi_3_1_with_its_paths_and_a_webhook_per_event(client):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    document = response.json()
    assert document["openapi"].startswith("3.1")
    assert set(document["paths"]) == {path for _, path in OPERATIONS}
    assert set(document["webhooks"]) == {str(event) for event in OnsEventType}
    for event, item in document["webhooks"].items():
        body = item["post"]["requestBody"]["content"]["application/json"]["schema"]
        assert body == EVENT_SCHEMAS[event]
    for path_item in document["paths"].values():
        responses = path_item["get"]["responses"]
        assert "application/problem+json" in responses["401"]["content"]
        assert path_item["get"]["security"] == [{"ClientToken": []}]


@pytest.fixture
def wsgi_schema(settings):
    """The app as a WSGI server runs it, inside the test's transaction: as Django's test client does,
    the handler may not close the connection at the end of each request."""
    settings.ALLOWED_HOSTS = ["localhost", "testserver"]
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "api": {"client": (100_000, 60)}}
    settings.API_EVENTS_SETTLE_SECONDS = 0
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield schemathesis.openapi.from_wsgi("/api/v1/openapi.json", WSGIHandler())
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE])
@pytest.mark.parametrize(("method", "path"), OPERATIONS)
def test_schemathesis_finds_no_5xx_and_no_schema_violation(wsgi_schema, api_token, method, path, mode):
    ons_signing_key_init()  # visas to sign
    grant = live_grant()
    ended = live_grant()
    Grant.objects.filter(pk=ended.pk).update(status=GrantStatus.ENDED)  # visas to list as revoked
    decision_record_for_test(application=OnsApplicationFactory())  # events to list
    operation = wsgi_schema[path][method]
    headers = {"Authorization": f"Bearer {api_token}"}
    real_cursor = grant_cursor_encode(grant)

    def with_real_cursor(case):
        """A cursor is opaque: one that matches its pattern but that the API never gave is refused
        (400), so valid cases carry one the API gives."""
        if mode == GenerationMode.POSITIVE and case.query and case.query.get("cursor") is not None:
            case.query["cursor"] = real_cursor
        if (
            mode == GenerationMode.POSITIVE
            and case.path_parameters
            and len(case.path_parameters["reference"]) % 2
        ):
            case.path_parameters["reference"] = grant.reference  # half the cases ask for a real grant
        return case

    @hypothesis_settings(
        max_examples=40,
        deadline=None,
        derandomize=True,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(case=operation.as_strategy(generation_mode=mode).map(with_real_cursor))
    def check(case):
        case.call_and_validate(headers=headers)

    check()
