"""A live project closes: at the end of its access period, or early at the lead's request."""

from __future__ import annotations

from datetime import date, timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from core.errors import DomainError, InvalidTransition, NotPermitted
from core.links import absolute_url
from core.services import audit_record, email_queue

from ...enums import LIVE, ApplicationsAuditAction, ApplicationStatus, GrantStatus, ReportKind
from ...grant_services import grant_close
from ...models import Application, ApplicationClosure, ApplicationReport
from ...selectors import application_team_emails
from ...services import application_lock, application_transition
from ...signals import access_closed
from ._common import ensure_team, report_url
from .reports import report_schedule

#: The longest reason for closing early.
REASON_MAX_CHARS = 2000


def application_access_close(
    *,
    application: Application,
    actor,
    early: bool,
    reason: str,
    ended_on: date,
    action: str,
    data: dict | None = None,
) -> ApplicationClosure:
    """Close a *locked* live project: status *access ended* (audited as ``action``), the closure
    recorded, the grant in force ended (``grant_close``), the closing report due
    ``settings.CLOSING_REPORT_DAYS`` after ``ended_on``, any progress report not yet due superseded
    by it, and ``access_closed`` announced, all in the caller's transaction. The one way a project
    closes: early at the lead's request (``application_close_early``) or at the end of its access
    period (``transparency.services.access_period_end``)."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("application_access_close must run inside a transaction.")
    closed_at = timezone.now()
    application_transition(
        application=application,
        to=ApplicationStatus.ACCESS_ENDED,
        actor=actor,
        action=action,
        data={"early": early, **({"reason": reason} if reason else {}), **(data or {})},
    )
    closure = ApplicationClosure.objects.create(
        application=application,
        closed_at=closed_at,
        early=early,
        reason=reason,
        closed_by=actor if getattr(actor, "is_authenticated", False) else None,
    )
    for report in ApplicationReport.objects.filter(
        application=application,
        kind=ReportKind.PROGRESS,
        submitted_at__isnull=True,
        superseded_at__isnull=True,
        due_on__gt=ended_on,
    ):
        report.superseded_at = closed_at
        report.save(update_fields=["superseded_at", "updated_at"])
        audit_record(
            actor=None,
            action=ApplicationsAuditAction.REPORT_SUPERSEDED,
            target=application,
            data={"report": report.pk, "period": report.period, "due_on": report.due_on.isoformat()},
        )
    # The grant in force ends with the access (and any open change request on it lapses).
    grant_close(application=application, to=GrantStatus.ENDED, actor=actor, reason=reason)
    report_schedule(
        application,
        kind=ReportKind.CLOSING,
        period=0,
        due_on=ended_on + timedelta(days=settings.CLOSING_REPORT_DAYS),
    )
    access_closed.send(
        sender=Application, application=application, closed_at=closed_at, reason=reason, early=early
    )
    return closure


def closing_report_for(application: Application) -> ApplicationReport | None:
    return ApplicationReport.objects.filter(application=application, kind=ReportKind.CLOSING).first()


@transaction.atomic
def application_close_early(*, application: Application, actor, reason: str) -> ApplicationClosure:
    """The lead closes a live project before its access period ends: access ends at once, the
    closing report becomes due, and the team and staff are told."""
    app = application_lock(application=application)
    ensure_team(app, actor)
    if app.lead_id != actor.pk:
        raise NotPermitted("Only the lead applicant may close the project.")
    if app.status not in LIVE:
        raise InvalidTransition(
            f"{app.reference} is {app.get_status_display().lower()}: only a project with live access can be "
            "closed."
        )
    reason = (reason or "").strip()
    if not reason:
        raise DomainError("Say why the project is closing early.", field="reason")
    if len(reason) > REASON_MAX_CHARS:
        raise DomainError(f"Keep the reason to {REASON_MAX_CHARS:,} characters.", field="reason")
    closure = application_access_close(
        application=app,
        actor=actor,
        early=True,
        reason=reason,
        ended_on=timezone.localdate(),
        action=ApplicationsAuditAction.CLOSED_EARLY,
    )
    report = closing_report_for(app)
    context = {
        "application": app,
        "closure": closure,
        "actor": actor,
        "report": report,
        "report_url": report_url(app, report),
    }
    email_queue(
        to=application_team_emails(application=app), template="applications/closed_early", context=context
    )
    email_queue(
        to=[settings.STAFF_ALERT_EMAIL],
        template="applications/closed_early_staff",
        context={**context, "url": absolute_url("panel:staff_application", reference=app.reference)},
    )
    return closure
