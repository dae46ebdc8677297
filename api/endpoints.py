"""The read API, /api/v1/, with django-ninja: the typed operations below are the OpenAPI 3.1
document (``/api/v1/openapi.json``), to which ``PortalApi.get_openapi_schema`` adds the pushed
events as ``webhooks`` (each body's schema: ``notifications.contract.EVENT_SCHEMAS``).

Thin, as views are: authenticate and rate limit (``ClientToken``), validate the query (pydantic),
read through ``api.selectors``. Every error is an RFC 9457 problem (``application/problem+json``)."""

import copy
import logging
import re
from datetime import UTC, date, datetime
from typing import Annotated, Any, Literal

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse
from ninja import Field, NinjaAPI, Path, Query, Schema
from ninja.errors import AuthenticationError, HttpError, ValidationError
from ninja.security import HttpBearer
from pydantic import BeforeValidator

from applications.enums import GrantStatus
from core.ratelimit import RateLimitUnavailable, rate_limit_hit
from notifications.contract import EVENT_SCHEMAS, SCHEMA_VERSION
from notifications.enums import OnsEventType

from . import selectors, visas
from .enums import VisaStatus
from .problems import PROBLEM_CONTENT_TYPE, ApiProblem, problem_response

logger = logging.getLogger(__name__)

# --- authentication and the rate limit ----------------------------------------------------------


class ClientToken(HttpBearer):
    """``Authorization: Bearer aap_…``: a token staff issued (``api_client_create``), not revoked.
    The client is kept on the request (``api_client``) for the call's audit event."""

    def authenticate(self, request: HttpRequest, token: str):
        client = selectors.api_client_for_token(token=token.strip())
        if client is None:
            return None  # ninja answers AuthenticationError: 401
        request.api_client = client
        if client.is_revoked:
            raise ApiProblem(401, "Token revoked", "This token was revoked; ask the archive for a new one.")
        limit, window = settings.RATE_LIMITS["api"]["client"]
        try:
            over, wait = rate_limit_hit(scope="api", key=f"client:{client.pk}", limit=limit, window=window)
        except RateLimitUnavailable as exc:  # fail open, as the portal's other limits do
            logger.warning("API rate limit not counted: %s", exc)
            return client
        if over:
            raise ApiProblem(
                429,
                "Too many requests",
                f"At most {limit} calls every {window} seconds; try again in {wait} seconds.",
                headers={"Retry-After": str(wait)},
            )
        return client


# --- what the API says -------------------------------------------------------------------------


class Problem(Schema):
    """RFC 9457 problem details."""

    type: str = Field(examples=["about:blank"])
    title: str
    status: int
    detail: str


class Researcher(Schema):
    """One member of the team, as the grant froze it (no email address: as ONS is told)."""

    name: str
    organisation: str
    role: Literal["lead", "co_applicant"]
    team_role: str
    accreditation_number: str
    accreditation_status: str | None
    accreditation_expires_on: str | None = Field(description="YYYY-MM-DD, as recorded.")


class Dataset(Schema):
    reference: str
    title: str
    srs_dataset_ids: list[str]


class UseCondition(Schema):
    """One use condition of a deposit the grant covers, in the GA4GH Data Use Ontology where DUO has
    a term for it (``local`` otherwise: no re-identification, no re-contact, no linkage...)."""

    deposit: str = Field(description="The deposit (DEP-...) the condition belongs to.")
    kind: Literal["archive", "permitted_purposes", "excluded_use", "excluded_sector"]
    condition: str = Field(description="The condition in the archive's words.")
    local: bool = Field(description="True when DUO has no term for it.")
    code: str | None = Field(description="The DUO code, e.g. NPU, PS, TS (null when local).")
    duo_id: str | None = Field(description="The DUO identifier, e.g. DUO:0000018 (null when local).")
    label: str | None
    iri: str | None


class GrantOut(Schema):
    reference: str
    number: int
    application_reference: str
    ons_project_reference: str | None
    project_title: str
    status: Literal[tuple(GrantStatus.values)]  # type: ignore[valid-type]
    status_changed_at: datetime | None
    access_start: date | None
    access_end: date | None
    conditions: str
    team: list[Researcher]
    datasets: list[Dataset]
    use_conditions: list[UseCondition]
    supersedes_grant_reference: str | None
    issued_at: datetime
    updated_at: datetime


class GrantPage(Schema):
    grants: list[GrantOut]
    next_cursor: str | None = Field(description="Pass as `cursor` for the next page; null on the last.")


class EventOut(Schema):
    id: int = Field(description="The replay cursor: pass the last one seen as `after`.")
    webhook_id: str = Field(description="The `webhook-id` header the event was pushed with.")
    type: Literal[tuple(OnsEventType.values)]  # type: ignore[valid-type]
    recorded_at: datetime
    body: dict[str, Any] = Field(description="The body exactly as pushed (see `webhooks` for its schema).")


class EventPage(Schema):
    events: list[EventOut]
    next_after: int = Field(description="Pass as `after` for what follows (unchanged when nothing did).")
    has_more: bool


class VisaOut(Schema):
    """One GA4GH ``ControlledAccessGrants`` visa: a researcher may use a deposit."""

    jti: str = Field(description="The visa's id: the same on every call (UUID5).")
    sub: str = Field(description="The researcher's ONS accreditation number, as the grant froze it.")
    deposit_reference: str
    value: str = Field(description="The deposit's public page: the visa's `ga4gh_visa_v1.value`.")
    expires_at: datetime = Field(
        description="The visa's `exp`: the end (UTC) of the earlier of the access end and the accreditation."
    )
    status: Literal[tuple(VisaStatus.values)]  # type: ignore[valid-type]
    jwt: str | None = Field(
        description="The visa (JWS compact, `typ: vnd.ga4gh.visa+jwt`, EdDSA), verified with the key "
        "`kid` of the JWK set at `jku`; null unless `status` is `valid`."
    )


class GrantVisas(Schema):
    grant_reference: str
    grant_status: Literal[tuple(GrantStatus.values)]  # type: ignore[valid-type]
    jwks_uri: str = Field(description="The JWK set that verifies the visas (each visa's `jku`).")
    visas: list[VisaOut]


NOT_LIVE = tuple(status for status in GrantStatus.values if status != GrantStatus.LIVE)


class RevokedVisa(Schema):
    jti: str
    grant_reference: str
    grant_status: Literal[NOT_LIVE]  # type: ignore[valid-type]


class RevokedVisaList(Schema):
    revoked: list[RevokedVisa] = Field(
        description="Every visa of every grant no longer live: refuse a visa whose `jti` is here."
    )


# --- the query ---------------------------------------------------------------------------------


def _iso_datetime(value):
    """Only an RFC 3339 date and time with its offset (no bare numbers, no naive time), that
    PostgreSQL can hold once in UTC."""
    if isinstance(value, datetime):
        return value
    if not isinstance(value, str) or not DATETIME_PATTERN.match(value):
        raise ValueError("an RFC 3339 date and time with a time zone, e.g. 2027-01-04T09:00:00Z")
    try:
        return datetime.fromisoformat(value).astimezone(UTC)
    except (OverflowError, ValueError) as exc:
        raise ValueError("a real date and time") from exc


def _whole_number(value):
    """Digits only: ``after=0.0`` or ``after=1e3`` is refused, not rounded."""
    if isinstance(value, str) and not re.fullmatch(r"[0-9]{1,19}", value):
        raise ValueError("a whole number of at most 19 digits")
    return value


DATETIME_PATTERN = re.compile(r"^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(\.\d{1,6})?([Zz]|[+-]\d{2}:\d{2})$")


class GrantFilters(Schema):
    status: Literal[tuple(GrantStatus.values)] | None = None  # type: ignore[valid-type]
    changed_since: Annotated[datetime, BeforeValidator(_iso_datetime)] | None = Field(
        None, description="Only grants changed at or after this time (RFC 3339, with a time zone)."
    )
    cursor: str | None = Field(None, max_length=200, pattern=r"^[A-Za-z0-9_-]+$")


class EventQuery(Schema):
    after: Annotated[int, BeforeValidator(_whole_number)] = Field(
        0, ge=0, le=selectors.MAX_ID, description="The last event id seen; 0 for all."
    )


REFERENCE = r"^[A-Z0-9][A-Z0-9-]{0,39}$"


def _only_known_parameters(request: HttpRequest, query: type[Schema] | None = None) -> None:
    """A parameter the operation does not take is refused (400), not ignored: a misspelt filter
    (``?state=live``) must not silently answer every grant."""
    known = set(query.model_fields) if query else set()
    unknown = sorted(set(request.GET) - known)
    if unknown:
        names = ", ".join(repr(name.replace("\x00", "")[:40]) for name in unknown[:5])
        raise ApiProblem(400, "Invalid query", f"Unknown query parameter(s): {names}.")


ERRORS = {400: Problem, 401: Problem, 429: Problem}


# --- the API -----------------------------------------------------------------------------------


class PortalApi(NinjaAPI):
    def get_openapi_schema(self, *, path_prefix=None, path_params=None):
        """The document ninja builds from the operations, with problem+json for every error
        and the pushed events as ``webhooks`` (OpenAPI 3.1)."""
        schema = super().get_openapi_schema(path_prefix=path_prefix, path_params=path_params)
        for operations in schema["paths"].values():
            for operation in operations.values():
                for status, response in operation.get("responses", {}).items():
                    content = response.get("content")
                    if int(status) >= 400 and content and "application/json" in content:
                        response["content"] = {PROBLEM_CONTENT_TYPE: content.pop("application/json")}
        schema["webhooks"] = {str(event): _webhook(str(event)) for event in OnsEventType}
        return schema


def _webhook(event_type: str) -> dict:
    header = {"type": "string"}
    return {
        "post": {
            "operationId": "ons_event_" + event_type.replace(".", "_"),
            "summary": OnsEventType(event_type).label,
            "description": f"Pushed to ONS_WEBHOOK_URL with Standard Webhooks headers (schema version "
            f"{SCHEMA_VERSION}); the same id and body are replayed by GET /api/v1/events.",
            "parameters": [
                {"name": "webhook-id", "in": "header", "required": True, "schema": header},
                {"name": "webhook-timestamp", "in": "header", "required": True, "schema": header},
                {"name": "webhook-signature", "in": "header", "required": True, "schema": header},
            ],
            "requestBody": {
                "required": True,
                "content": {"application/json": {"schema": copy.deepcopy(EVENT_SCHEMAS[event_type])}},
            },
            "responses": {"200": {"description": "Stored (any 2xx)."}},
        }
    }


api = PortalApi(
    title="Archive Access Portal API",
    version="1",
    description="Read-only access to grants and to every event pushed to ONS. See docs/ons-integration.md.",
    urls_namespace="api",
    docs_url=None,
    auth=ClientToken(),
)


@api.get(
    "/grants",
    response={200: GrantPage, **ERRORS},
    url_name="grant_list",
    summary="Grants, live and past, least recently changed first",
)
def grant_list(request, filters: Query[GrantFilters]):
    _only_known_parameters(request, GrantFilters)
    after = None
    if filters.cursor:
        try:
            after = selectors.grant_cursor_decode(filters.cursor)
        except selectors.CursorInvalid as exc:
            raise ApiProblem(400, "Invalid query", str(exc)) from exc
    grants = selectors.grant_list_for_api(
        status=filters.status, changed_since=filters.changed_since, after=after, limit=selectors.PAGE_SIZE
    )
    page = grants[: selectors.PAGE_SIZE]
    more = len(grants) > selectors.PAGE_SIZE
    return {
        "grants": [selectors.grant_entry(grant) for grant in page],
        "next_cursor": selectors.grant_cursor_encode(page[-1]) if more else None,
    }


@api.get(
    "/grants/{reference}",
    response={200: GrantOut, 304: None, 404: Problem, **ERRORS},
    url_name="grant_detail",
    summary="One grant, with an ETag",
)
def grant_detail(request, reference: Path[Annotated[str, Field(pattern=REFERENCE, max_length=40)]]):
    _only_known_parameters(request)
    grant = selectors.grant_get_for_api(reference=reference)
    if grant is None:
        raise ApiProblem(404, "Not found", "No grant has this reference.")
    entry = selectors.grant_entry(grant)
    etag = selectors.grant_etag(entry)
    if selectors.etag_matches(request.headers.get("If-None-Match", ""), etag):
        response = HttpResponse(status=304)
    else:
        response = api.create_response(
            request, GrantOut.model_validate(entry).model_dump(mode="json"), status=200
        )
    response["ETag"] = etag
    return response


@api.get(
    "/events",
    response={200: EventPage, **ERRORS},
    url_name="event_list",
    summary="Every event recorded for ONS, in order, as pushed",
)
def event_list(request, query: Query[EventQuery]):
    _only_known_parameters(request, EventQuery)
    events = selectors.ons_event_list_for_api(after=query.after, limit=selectors.PAGE_SIZE)
    page = events[: selectors.PAGE_SIZE]
    return {
        "events": [
            {
                "id": event.pk,
                "webhook_id": event.webhook_id,
                "type": event.event_type,
                "recorded_at": event.created_at,
                "body": event.payload,
            }
            for event in page
        ],
        "next_after": page[-1].pk if page else query.after,
        "has_more": len(events) > selectors.PAGE_SIZE,
    }


@api.get(
    "/grants/{reference}/visas",
    response={200: GrantVisas, 404: Problem, 409: Problem, **ERRORS},
    url_name="grant_visas",
    summary="The grant's GA4GH visas, one per researcher and deposit",
    description="A live grant's visas are signed (`status: valid`) unless expired; a grant no longer "
    "live answers 200 with its visas listed as `revoked` and no JWT. 409 when no key can sign.",
)
def grant_visa_list(request, reference: Path[Annotated[str, Field(pattern=REFERENCE, max_length=40)]]):
    _only_known_parameters(request)
    grant = selectors.grant_get_for_api(reference=reference)
    if grant is None:
        raise ApiProblem(404, "Not found", "No grant has this reference.")
    try:
        entries = visas.grant_visas(grant=grant)
    except visas.VisasUnavailable as exc:
        raise ApiProblem(409, "Visas unavailable", str(exc)) from exc
    return {
        "grant_reference": grant.reference,
        "grant_status": grant.status,
        "jwks_uri": visas.visa_jwks_uri(),
        "visas": entries,
    }


@api.get(
    "/visas/revoked",
    response={200: RevokedVisaList, **ERRORS},
    url_name="visa_revoked_list",
    summary="The jti of every visa of every grant no longer live",
)
def visa_revoked_list(request):
    _only_known_parameters(request)
    return {"revoked": visas.visas_revoked(grants=selectors.grant_list_not_live())}


# --- every error a problem ---------------------------------------------------------------------


@api.exception_handler(ApiProblem)
def _problem(request, exc: ApiProblem):
    return problem_response(exc.status, exc.title, exc.detail, headers=exc.headers)


@api.exception_handler(AuthenticationError)
def _unauthenticated(request, exc):
    return problem_response(
        401,
        "Unauthenticated",
        "Send a token the archive issued: Authorization: Bearer aap_…",
        headers={"WWW-Authenticate": 'Bearer realm="api"'},
    )


@api.exception_handler(ValidationError)
def _invalid(request, exc: ValidationError):
    where = "; ".join(
        f"{'.'.join(str(part) for part in error.get('loc', ())[1:]) or 'query'}: {error.get('msg', '')}"
        for error in exc.errors
    )
    return problem_response(400, "Invalid query", where or "The request is not valid.")


@api.exception_handler(Http404)
def _not_found(request, exc):
    return problem_response(404, "Not found", "There is nothing here.")


@api.exception_handler(HttpError)
def _http_error(request, exc: HttpError):
    return problem_response(exc.status_code, "Refused", str(exc))


@api.exception_handler(Exception)
def _crash(request, exc):
    logger.exception("API call failed")
    return problem_response(500, "Internal error", "The archive has been told.")
