"""Grants: issued (grant 1 by the panel's decision, grant n+1 superseding grant n), then only
their status moves on (``GRANT_TRANSITIONS``); closed when access is revoked or its period ends."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from django.db.models import Max
from django.utils import timezone

from core.errors import InvalidTransition
from core.services import audit_record
from deposits.models import Deposit

from ..enums import (
    CHANGE_REQUEST_OPEN,
    GRANT_IN_FORCE,
    GRANT_TRANSITIONS,
    ApplicationsAuditAction,
    ChangeRequestStatus,
    GrantStatus,
)
from ..grant_selectors import (
    datasets_snapshot,
)
from ..models import Application, ChangeRequest, Grant
from ._common import _ensure_atomic
from .change_state import change_request_proposals_drop, change_request_transition


def grant_issue(
    *,
    application: Application,
    actor,
    team: list[dict],
    deposits: Sequence[Deposit],
    access_start: date | None,
    access_end: date | None,
    conditions: str = "",
    purpose: str = "",
    outputs_plan: str = "",
    change_request: ChangeRequest | None = None,
    issue_reason: str = "",
    first: bool = False,
) -> Grant:
    """Issue the application's next grant, inside the caller's transaction (the panel's decision,
    the approval of a change request, or the archive's own change with its ``issue_reason``), with
    the application row locked. A live or suspended grant in force is superseded by it. What it
    covers is frozen here. ``first``: the caller knows it is grant 1 (the panel's one decision), so
    there is nothing to look up or supersede (uniq_grant_number and uniq_grant_in_force would refuse
    a second grant 1)."""
    _ensure_atomic("grant_issue")
    if first:
        previous, number = None, 1
    else:
        previous = (
            Grant.objects.select_for_update()
            .filter(application=application, status__in=GRANT_IN_FORCE)
            .first()
        )
        if previous is not None:
            grant_transition(grant=previous, to=GrantStatus.SUPERSEDED, actor=actor)
        number = (Grant.objects.filter(application=application).aggregate(n=Max("number"))["n"] or 0) + 1
    deposits = list(deposits)
    grant = Grant.objects.create(
        reference=f"{application.reference}-G{number}",
        application=application,
        number=number,
        supersedes=previous,
        change_request=change_request,
        team=team,
        datasets=datasets_snapshot(deposits),
        purpose=purpose,
        outputs_plan=outputs_plan,
        access_start=access_start,
        access_end=access_end,
        conditions=conditions,
        issue_reason=issue_reason,
    )
    grant.deposits.add(*deposits)  # a new grant holds none yet: no need for set()'s read of what it holds
    audit_record(
        actor=actor,
        action=ApplicationsAuditAction.GRANT_ISSUED,
        target=application,
        data={
            "grant": grant.reference,
            "supersedes": previous.reference if previous else None,
            "change_request": change_request.reference if change_request else None,
            **({"reason": issue_reason} if issue_reason else {}),
            "deposits": [d["reference"] for d in grant.datasets],
            "access_end": access_end.isoformat() if access_end else None,
        },
    )
    return grant


def grant_issue_for_approval(*, application: Application, actor, decision) -> Grant:
    """Grant 1, issued by the panel's approving decision (``panel.services.decision_record``) in its
    transaction: the team the decision froze, the deposits requested, the decided period."""
    return grant_issue(
        application=application,
        actor=actor,
        first=True,  # an application is decided once (one Decision per application)
        team=decision.team,
        deposits=list(application.deposits.prefetch_related("srs_datasets")),
        access_start=decision.access_start,
        access_end=decision.access_end,
        conditions=decision.conditions,
        purpose=application.research_questions,
        outputs_plan=application.outputs_plan,
    )


def grant_transition(*, grant: Grant, to: str, actor, data: dict | None = None) -> Grant:
    """Move a *locked* grant to ``to`` (``GRANT_TRANSITIONS``), stamped and audited."""
    _ensure_atomic("grant_transition")
    previous = grant.status
    if to not in GRANT_TRANSITIONS.get(previous, frozenset()):
        raise InvalidTransition(
            f"{grant.reference} is {grant.get_status_display().lower()}; "
            f"it cannot become {GrantStatus(to).label.lower()}."
        )
    grant.status = to
    grant.status_changed_at = timezone.now()
    grant.save(update_fields=["status", "status_changed_at", "updated_at"])
    audit_record(
        actor=actor,
        action=ApplicationsAuditAction.GRANT_STATUS_CHANGED,
        target=grant.application,
        data={"grant": grant.reference, "from": previous, "to": to, **(data or {})},
    )
    return grant


def grant_close(*, application: Application, to: str, actor, reason: str = "") -> Grant | None:
    """The application's access was revoked (panel) or its period ended (transparency): its grant in
    force becomes revoked or ended, in the caller's transaction, and any open change request on it
    lapses. None when the application has no live or suspended grant."""
    _ensure_atomic("grant_close")
    grant = (
        Grant.objects.select_for_update()
        .filter(application=application, status__in=[GrantStatus.LIVE, GrantStatus.SUSPENDED])
        .first()
    )
    if grant is None:
        return None
    grant_transition(grant=grant, to=to, actor=actor, data={"reason": reason} if reason else None)
    for change_request in ChangeRequest.objects.select_for_update().filter(
        grant=grant, status__in=CHANGE_REQUEST_OPEN
    ):
        change_request_transition(
            change_request=change_request,
            to=ChangeRequestStatus.LAPSED,
            actor=actor,
            data={"grant": grant.reference, "grant_status": to},
        )
        change_request_proposals_drop(change_request=change_request)
    return grant
