"""Every write of the transparency app: information pages, and the end of access periods."""

import logging
from datetime import date, timedelta

from django.db import transaction
from django.utils import timezone

from applications.after_approval.services import application_access_close, closing_report_for
from applications.enums import ApplicationStatus
from applications.grant_selectors import grant_in_force
from applications.models import Application
from applications.selectors import application_team_emails
from applications.services import application_lock
from core.errors import DomainError
from core.links import absolute_url
from core.services import audit_record, email_queue
from core.text import one_line_checked
from notifications.services import ons_notifications_enqueue_for_access_end

from .enums import AccessNoticeKind, TransparencyAuditAction
from .models import AccessNotice, InfoPage, InfoPageVersion
from .selectors import access_ends_due, access_reminders_due

logger = logging.getLogger(__name__)


@transaction.atomic
def info_page_update(
    *, page: InfoPage, title: str, body: str, actor, base_version: int, change_note: str = ""
) -> InfoPage:
    """Publish a new version of a page. The previous text stays as its own version. Refused when
    someone else published a version after the editor opened the page (``base_version``)."""
    locked = InfoPage.objects.select_for_update().get(pk=page.pk)
    title, body = title.strip(), body.strip()
    if not title or not body:
        raise DomainError("A page needs a title and some text.")
    if locked.version != base_version:
        raise DomainError(
            f"Someone else published version {locked.version} of this page after you opened it. "
            "Open the page again to see their text, then make your change."
        )
    if locked.title == title and locked.body == body:
        return locked  # nothing changed: no new version
    now = timezone.now()
    locked.title, locked.body, locked.version = title, body, locked.version + 1
    locked.updated_at, locked.updated_by = now, actor
    locked.full_clean()
    locked.save(update_fields=["title", "body", "version", "updated_at", "updated_by"])
    InfoPageVersion.objects.create(
        page=locked,
        number=locked.version,
        title=title,
        body=body,
        saved_at=now,
        saved_by=actor,
        change_note=one_line_checked(change_note, field="change_note"),
    )
    audit_record(
        actor=actor,
        action=TransparencyAuditAction.PAGE_UPDATED,
        target=locked,
        data={"version": locked.version, "previous_version": locked.version - 1},
    )
    return locked


@transaction.atomic
def export_record(*, actor, kind: str, filters: dict) -> None:
    """Staff downloaded an export of applications or decisions: who, which, with what filters."""
    audit_record(
        actor=actor,
        action=TransparencyAuditAction.EXPORT_DOWNLOADED,
        data={"export": kind, "filters": filters},
    )


# --- access periods -------------------------------------------------------------------------------

#: The team is reminded this many days before the last day of access.
ACCESS_REMINDER_DAYS = 30


def _access_end(application: Application) -> date | None:
    """The end of the grant in force (an extension moves it), else the decision's or the request's."""
    grant = grant_in_force(application=application)
    if grant is not None and grant.access_end:
        return grant.access_end
    decision = getattr(application, "decision", None)
    return (decision.access_end if decision else None) or application.access_end


def _application_url(application: Application) -> str:
    return absolute_url("applications:detail", pk=application.pk)


@transaction.atomic
def access_reminder_send(*, application: Application, today: date) -> AccessNotice | None:
    """Email the team that their access ends within ``ACCESS_REMINDER_DAYS`` days. Once per
    application: the notice row is unique per application and kind. None when nothing is due."""
    app = application_lock(application=application)
    if app.status != ApplicationStatus.APPROVED:
        return None
    end = _access_end(app)
    if end is None or not today <= end <= today + timedelta(days=ACCESS_REMINDER_DAYS):
        return None
    notice, created = AccessNotice.objects.get_or_create(
        application=app, kind=AccessNoticeKind.REMINDER_30_DAYS, defaults={"access_end": end}
    )
    if not created:
        return None
    email_queue(
        to=application_team_emails(application=app),
        template="transparency/access_ending",
        context={
            "application": app,
            "access_end": end,
            "days_left": (end - today).days,
            "url": _application_url(app),
        },
    )
    audit_record(
        actor=None,
        action=TransparencyAuditAction.ACCESS_REMINDER_SENT,
        target=app,
        data={"access_end": end.isoformat(), "notice": notice.pk},
    )
    return notice


@transaction.atomic
def access_period_end(*, application: Application, today: date) -> Application | None:
    """After the last day of access: mark the application *access ended* (the closing report
    falls due, ``application_access_close``), tell ONS (``access.expired``, through the outbox)
    and the team, all in one transaction. Once per
    application: the status changes once (under the row lock), the notice and the ONS row are
    unique. None when nothing is due. If ONS cannot be told (no channel configured), nothing
    changes and the next run tries again."""
    app = application_lock(application=application)
    if app.status != ApplicationStatus.APPROVED:
        return None
    end = _access_end(app)
    if end is None or end >= today:
        return None
    application_access_close(
        application=app,
        actor=None,
        early=False,
        reason="",
        ended_on=end,
        action=TransparencyAuditAction.ACCESS_ENDED,
        data={"access_end": end.isoformat()},
    )
    AccessNotice.objects.create(application=app, kind=AccessNoticeKind.ENDED, access_end=end)
    ons_notifications_enqueue_for_access_end(application=app)
    report = closing_report_for(app)
    email_queue(
        to=application_team_emails(application=app),
        template="transparency/access_ended",
        context={
            "application": app,
            "access_end": end,
            "url": _application_url(app),
            "report": report,
            "report_url": absolute_url("applications:report", pk=app.pk, report_pk=report.pk),
        },
    )
    return app


def access_periods_process(*, today: date | None = None) -> dict[str, list[str]]:
    """The periodic task's work: send due reminders, end due access periods. Each application is
    its own transaction, so one failure does not hold up the others."""
    today = today or timezone.localdate()
    done: dict[str, list[str]] = {"reminded": [], "ended": [], "failed": []}
    for app in access_reminders_due(today=today):
        if access_reminder_send(application=app, today=today):
            done["reminded"].append(app.reference)
    for app in access_ends_due(today=today):
        try:
            if access_period_end(application=app, today=today):
                done["ended"].append(app.reference)
        except DomainError as exc:
            logger.error("access period of %s not ended: %s", app.reference, exc)
            done["failed"].append(app.reference)
    return done
