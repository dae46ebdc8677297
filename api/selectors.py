"""Every read of the api app: the client a token names, the grants and the ONS events as the API
gives them, and the cursors that page through them."""

import base64
import binascii
import hashlib
import hmac
import json
import re
from datetime import UTC, datetime, timedelta

from django.conf import settings
from django.db.models import Prefetch, Q, QuerySet
from django.utils import timezone

from applications.enums import GrantStatus
from applications.models import Grant
from core.selectors import prefetched
from deposits.models import Deposit
from deposits.selectors import deposit_use_conditions_duo
from notifications.contract import datasets_clean, researcher_for_approval
from notifications.enums import OnsChannel
from notifications.models import OnsNotification

from .models import ApiClient
from .services import PREFIX_LENGTH, TOKEN_MARK, token_hash

#: The most rows one page gives (grants or events).
PAGE_SIZE = 100
#: What a token looks like: the mark and 43 characters of URL-safe base64 (32 random bytes).
TOKEN_PATTERN = re.compile(rf"^{TOKEN_MARK}[A-Za-z0-9_-]{{43}}$")
#: The largest id PostgreSQL's bigint holds: ``after`` may not pass it.
MAX_ID = 2**63 - 1


class CursorInvalid(ValueError):
    """A cursor the API did not give (or not this version of it)."""


def api_client_for_token(*, token: str) -> ApiClient | None:
    """The client whose token this is, revoked or not (the caller refuses a revoked one), or None.
    A value that cannot be a token is not looked up (so a NUL byte never reaches the database)."""
    if not TOKEN_PATTERN.match(token or ""):
        return None
    client = ApiClient.objects.filter(token_prefix=token[:PREFIX_LENGTH]).first()
    if client is None or not hmac.compare_digest(client.token_hash, token_hash(token)):
        return None
    return client


def api_client_list() -> QuerySet[ApiClient]:
    return ApiClient.objects.select_related("created_by", "revoked_by").order_by("revoked_at", "name")


# --- grants -------------------------------------------------------------------------------------


def grant_cursor_encode(grant: Grant) -> str:
    """An opaque cursor just after ``grant`` in (updated_at, pk) order."""
    raw = json.dumps([grant.updated_at.astimezone(UTC).isoformat(), grant.pk], separators=(",", ":"))
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def grant_cursor_decode(cursor: str) -> tuple[datetime, int]:
    """(updated_at, pk) from a cursor; raises CursorInvalid for anything the API did not give."""
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        stamp, pk = json.loads(raw.decode())
        moment = datetime.fromisoformat(stamp)
    except (binascii.Error, UnicodeDecodeError, ValueError, TypeError) as exc:
        raise CursorInvalid("The cursor is not one this API gave.") from exc
    if not isinstance(pk, int) or isinstance(pk, bool) or not 0 < pk <= MAX_ID or moment.tzinfo is None:
        raise CursorInvalid("The cursor is not one this API gave.")
    return moment, pk


#: What ``grant_entry`` reads beyond the row: the deposits (what their use conditions are made of)
#: and their excluded uses (DUO terms).
GRANT_PREFETCH = (
    Prefetch(
        "deposits",
        queryset=Deposit.objects.only("id", "reference", "permitted_purposes", "excluded_sectors"),
    ),
    "deposits__excluded_uses",
)
#: The columns ``grant_entry`` shows of a grant and its application (not the application's answers).
GRANT_COLUMNS = (
    "reference",
    "number",
    "status",
    "status_changed_at",
    "access_start",
    "access_end",
    "conditions",
    "team",
    "datasets",
    "created_at",
    "updated_at",
    "supersedes__reference",
    "application__reference",
    "application__ons_project_reference",
    "application__title",
)


def grant_list_for_api(
    *,
    status: str | None = None,
    changed_since: datetime | None = None,
    after: tuple[datetime, int] | None = None,
    limit: int = PAGE_SIZE,
) -> list[Grant]:
    """Grants, live and past, least recently changed first (``updated_at``, then id), with
    ``limit + 1`` rows so that the caller knows whether another page follows."""
    grants = (
        Grant.objects.select_related("application", "supersedes")
        .only(*GRANT_COLUMNS)
        .prefetch_related(*GRANT_PREFETCH)
        .order_by("updated_at", "pk")
    )
    if status:
        grants = grants.filter(status=status)
    if changed_since is not None:
        grants = grants.filter(updated_at__gte=changed_since)
    if after is not None:
        moment, pk = after
        grants = grants.filter(Q(updated_at__gt=moment) | Q(updated_at=moment, pk__gt=pk))
    return list(grants[: limit + 1])


def grant_get_for_api(*, reference: str) -> Grant | None:
    return (
        Grant.objects.select_related("application", "supersedes")
        .only(*GRANT_COLUMNS)
        .prefetch_related(*GRANT_PREFETCH)
        .filter(reference=reference)
        .first()
    )


def grant_list_not_live() -> list[Grant]:
    """Every grant no longer live (suspended, superseded, revoked, ended), oldest first, with only
    what its visas are made of (``api.visas.visas_revoked``): one query."""
    return list(
        Grant.objects.exclude(status=GrantStatus.LIVE)
        .only("pk", "reference", "status", "team", "datasets", "access_end", "created_at")
        .order_by("pk")
    )


def _deposits(grant: Grant) -> list:
    rows = prefetched(grant, "deposits")  # read as is: .all() would clone a queryset per grant
    return rows if rows is not None else list(grant.deposits.all())


def grant_entry(grant: Grant) -> dict:
    """What the API says of a grant: what it froze when issued (the team as ONS is told it in an
    approval, the datasets with their SRS ids), where it stands now, and the use conditions of its
    deposits as they are now, each with its GA4GH DUO term or ``local``
    (``deposits.selectors.deposit_use_conditions_duo``)."""
    return {
        "reference": grant.reference,
        "number": grant.number,
        "application_reference": grant.application.reference,
        "ons_project_reference": grant.application.ons_project_reference or None,
        "project_title": grant.application.title,
        "status": grant.status,
        "status_changed_at": grant.status_changed_at,
        "access_start": grant.access_start,
        "access_end": grant.access_end,
        "conditions": grant.conditions,
        "team": [researcher_for_approval(member) for member in grant.team or []],
        "datasets": datasets_clean(grant.datasets or []),
        "use_conditions": [
            {"deposit": deposit.reference, **condition}
            for deposit in sorted(
                prefetched(grant, "deposits") or grant.deposits.all(), key=lambda d: d.reference
            )
            for condition in deposit_use_conditions_duo(deposit)
        ],
        "supersedes_grant_reference": grant.supersedes.reference if grant.supersedes_id else None,
        "issued_at": grant.created_at,
        "updated_at": grant.updated_at,
    }


def grant_etag(entry: dict) -> str:
    """A strong ETag over what the API says of a grant: it changes when any of it does."""
    text = json.dumps(entry, sort_keys=True, default=str, separators=(",", ":"))
    return '"' + hashlib.sha256(text.encode()).hexdigest()[:32] + '"'


def etag_matches(if_none_match: str, etag: str) -> bool:
    """RFC 9110's weak comparison of ``If-None-Match`` with our ETag (``*`` matches any)."""
    tags = [tag.strip() for tag in if_none_match.split(",")]
    return "*" in tags or any(tag.removeprefix("W/") == etag for tag in tags)


# --- the ONS events -----------------------------------------------------------------------------


def ons_event_channel() -> str:
    """Each event is recorded once per configured channel, under a different webhook-id: the API
    gives one channel's rows, the webhook's when a webhook is configured, else the email copy's."""
    return OnsChannel.WEBHOOK if settings.ONS_WEBHOOK_URL else OnsChannel.EMAIL


def ons_event_list_for_api(*, after: int = 0, limit: int = PAGE_SIZE) -> list[OnsNotification]:
    """Every event recorded for ONS on the API's channel with an id above ``after``, in the order
    recorded (the row id, which only grows), ``limit + 1`` of them.

    Ids are taken when a row is written but seen when its transaction commits, so a row with a
    lower id can appear after a higher one was read. Rows younger than ``API_EVENTS_SETTLE_SECONDS``
    are held back so that a receiver paging by ``after`` does not step over one still committing."""
    settled = timezone.now() - timedelta(seconds=settings.API_EVENTS_SETTLE_SECONDS)
    events = OnsNotification.objects.filter(
        channel=ons_event_channel(), pk__gt=after, created_at__lte=settled
    ).order_by("pk")
    return list(events.only("pk", "message_id", "event_type", "payload", "created_at")[: limit + 1])
