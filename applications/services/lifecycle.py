"""The status of an application: the row lock, and the one choke point every status change passes
through (``ALLOWED_TRANSITIONS``, a timestamp per milestone, the audit event)."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from core.errors import InvalidTransition
from core.services import audit_record

from ..enums import ALLOWED_TRANSITIONS, ApplicationsAuditAction, ApplicationStatus
from ..models import Application

#: The milestone timestamp each status sets.
_MILESTONES = {
    ApplicationStatus.SUBMITTED: "submitted_at",
    ApplicationStatus.RESUBMITTED: "submitted_at",
    ApplicationStatus.UNDER_REVIEW: "review_opened_at",
    ApplicationStatus.QUERIED: "queried_at",
    ApplicationStatus.APPROVED: "decided_at",
    ApplicationStatus.REJECTED: "decided_at",
    ApplicationStatus.WITHDRAWN: "withdrawn_at",
}


def application_lock(*, application: Application) -> Application:
    """Re-read the application with a row lock; call inside a transaction."""
    return Application.objects.select_for_update().get(pk=application.pk)


def application_transition(
    *,
    application: Application,
    to: str,
    actor,
    action: str = ApplicationsAuditAction.STATUS_CHANGED,
    data: dict | None = None,
    extra_fields: tuple[str, ...] = (),
) -> Application:
    """Move a *locked* application to ``to``: checks the transition table, stamps the milestone,
    saves and audits. Callers (the services of this app and of the panel) lock the row first and
    run inside their own transaction."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("application_transition must run inside a transaction.")
    previous = application.status
    if to not in ALLOWED_TRANSITIONS.get(previous, frozenset()):
        raise InvalidTransition(
            f"{application.reference} is {application.get_status_display().lower()}; "
            f"it cannot become {ApplicationStatus(to).label.lower()}."
        )
    application.status = to
    fields = ["status", "updated_at", *extra_fields]
    milestone = _MILESTONES.get(to)
    if milestone:
        setattr(application, milestone, timezone.now())
        fields.append(milestone)
    application.save(update_fields=list(dict.fromkeys(fields)))
    audit_record(
        actor=actor, action=action, target=application, data={"from": previous, "to": to, **(data or {})}
    )
    return application
