"""Change requests: the state machine (``CHANGE_REQUEST_TRANSITIONS``), their lock and what a
request that will not be approved drops. The panel's services call these too."""

from __future__ import annotations

from django.utils import timezone

from core.errors import InvalidTransition
from core.links import absolute_url
from core.services import audit_record

from ..enums import (
    CHANGE_REQUEST_TRANSITIONS,
    ApplicationsAuditAction,
    ChangeRequestStatus,
    MemberStatus,
)
from ..models import ApplicationMember, ChangeRequest
from ._common import _ensure_atomic

#: The milestone timestamp each status of a change request sets.
_CHANGE_MILESTONES = {
    ChangeRequestStatus.SUBMITTED: "submitted_at",
    ChangeRequestStatus.APPROVED: "decided_at",
    ChangeRequestStatus.REJECTED: "decided_at",
    ChangeRequestStatus.REFUSED: "decided_at",
    ChangeRequestStatus.WITHDRAWN: "withdrawn_at",
}


def change_request_lock(*, change_request: ChangeRequest) -> ChangeRequest:
    return (
        ChangeRequest.objects.select_for_update()
        .select_related("application", "application__lead", "grant")
        .get(pk=change_request.pk)
    )


def change_request_transition(
    *,
    change_request: ChangeRequest,
    to: str,
    actor,
    action: str = ApplicationsAuditAction.CHANGE_STATUS_CHANGED,
    data: dict | None = None,
    extra_fields: tuple[str, ...] = (),
) -> ChangeRequest:
    """Move a *locked* change request to ``to`` (``CHANGE_REQUEST_TRANSITIONS``): stamps the
    milestone, saves and audits on the application. The panel's services call it too."""
    _ensure_atomic("change_request_transition")
    previous = change_request.status
    if to not in CHANGE_REQUEST_TRANSITIONS.get(previous, frozenset()):
        raise InvalidTransition(
            f"{change_request.reference} is {change_request.get_status_display().lower()}; "
            f"it cannot become {ChangeRequestStatus(to).label.lower()}."
        )
    change_request.status = to
    fields = ["status", "updated_at", *extra_fields]
    milestone = _CHANGE_MILESTONES.get(to)
    if milestone:
        setattr(change_request, milestone, timezone.now())
        fields.append(milestone)
    change_request.save(update_fields=list(dict.fromkeys(fields)))
    audit_record(
        actor=actor,
        action=action,
        target=change_request.application,
        data={"change_request": change_request.reference, "from": previous, "to": to, **(data or {})},
    )
    return change_request


def change_request_proposals_drop(*, change_request: ChangeRequest) -> None:
    """A change request that will not be approved (rejected, refused, withdrawn, lapsed): the people
    it invited do not join (their invitation or acceptance no longer stands)."""
    ApplicationMember.objects.filter(
        change_request=change_request, status__in=[MemberStatus.INVITED, MemberStatus.PROPOSED]
    ).update(status=MemberStatus.REMOVED, updated_at=timezone.now())


def _url(change_request: ChangeRequest) -> str:
    return absolute_url(
        "applications:change_request", pk=change_request.application_id, number=change_request.number
    )
