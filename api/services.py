"""Every write of the api app: issuing a client's token, revoking it, and noting each call."""

import hashlib
import secrets

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from core.errors import DomainError
from core.services import audit_record

from .enums import ApiAuditAction
from .models import ApiClient

#: Every token starts with this, so a leaked one is easy to recognise (and to grep for).
TOKEN_MARK = "aap_"  # noqa: S105 (the public mark every token starts with, not a secret)
#: The token's first characters, kept in clear to find its row and to show staff which one it is.
PREFIX_LENGTH = len(TOKEN_MARK) + 8


def token_hash(token: str) -> str:
    """The SHA-256 of a token, hex: what is stored (a 32-byte random token needs no slow hash)."""
    return hashlib.sha256(token.encode("ascii")).hexdigest()


@transaction.atomic
def api_client_create(*, name: str, actor=None) -> tuple[ApiClient, str]:
    """Issue a client and its token; the token is returned once and never stored."""
    name = (name or "").strip()
    if ApiClient.objects.select_for_update().filter(name__iexact=name).exists():
        raise DomainError(f"An API client named {name!r} already exists.", field="name")
    token = TOKEN_MARK + secrets.token_urlsafe(32)
    client = ApiClient(
        name=name,
        token_prefix=token[:PREFIX_LENGTH],
        token_hash=token_hash(token),
        created_by=actor if getattr(actor, "is_authenticated", False) else None,
    )
    try:
        client.full_clean()
    except ValidationError as exc:
        raise DomainError(" ".join(exc.messages), field="name") from exc
    client.save()
    audit_record(
        actor=actor, action=ApiAuditAction.CLIENT_CREATED, target=client, data={"prefix": client.token_prefix}
    )
    return client, token


@transaction.atomic
def api_client_revoke(*, client: ApiClient, actor) -> ApiClient:
    """Revoke a client's token: every later call with it answers 401. Revocation is final."""
    client = ApiClient.objects.select_for_update().get(pk=client.pk)
    if client.is_revoked:
        raise DomainError(f"{client.name}'s token was already revoked.")
    client.revoked_at = timezone.now()
    client.revoked_by = actor
    client.save(update_fields=["revoked_at", "revoked_by"])
    audit_record(actor=actor, action=ApiAuditAction.CLIENT_REVOKED, target=client, data={})
    return client


@transaction.atomic
def api_call_record(*, client: ApiClient, method: str, path: str, query: str, status: int) -> None:
    """Note one call: an audit event (whom, what, the answer) and the client's last use."""
    refused = client.is_revoked
    now = timezone.now()
    if not refused:
        ApiClient.objects.filter(pk=client.pk).update(last_used_at=now)
    audit_record(
        actor=None,
        action=ApiAuditAction.CALL_REFUSED if refused else ApiAuditAction.CALL_MADE,
        target=client,
        data={"method": method[:10], "path": path[:300], "query": query[:500], "status": status},
    )
