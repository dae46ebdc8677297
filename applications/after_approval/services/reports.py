"""Progress and closing reports: scheduled, sent by the team, and reminded 30 and 7 days before."""

from __future__ import annotations

import logging
from datetime import date

from django.db import transaction
from django.utils import timezone

from core.errors import DomainError, InvalidTransition
from core.services import audit_record, email_queue

from ...enums import LIVE, ApplicationsAuditAction, ReportKind, ReportReminderKind
from ...models import Application, ApplicationReport, ReportReminder
from ...selectors import application_team_emails
from ...services import application_lock
from ..selectors import (
    application_outputs,
    applications_due_a_report_schedule,
    progress_report_due_on,
    reports_due_a_reminder,
)
from ._common import ensure_team, report_url

logger = logging.getLogger(__name__)

#: The longest answer in a report.
REPORT_ANSWER_MAX_CHARS = 20_000


def report_schedule(app: Application, *, kind: str, period: int, due_on: date) -> ApplicationReport | None:
    """Create the report row (once: unique per application, kind and period); None if it exists."""
    report, created = ApplicationReport.objects.get_or_create(
        application=app, kind=kind, period=period, defaults={"due_on": due_on}
    )
    if not created:
        return None
    audit_record(
        actor=None,
        action=ApplicationsAuditAction.REPORT_SCHEDULED,
        target=app,
        data={"report": report.pk, "kind": kind, "period": period, "due_on": due_on.isoformat()},
    )
    return report


@transaction.atomic
def application_reports_schedule(*, application: Application, today: date) -> list[ApplicationReport]:
    """The annual progress reports a live project owes, each due on an anniversary of its access
    start: the first one from approval on, then each next one once the one before is due. A year
    whose anniversary falls after the access end the team asked for has none (the closing report
    covers it). Returns the rows it created (none when run again)."""
    app = application_lock(application=application)
    if app.status not in LIVE or app.access_start is None:
        return []
    created = []
    period = 1
    while True:
        due_on = progress_report_due_on(start=app.access_start, period=period)
        if app.access_end and due_on > app.access_end:
            break
        report = report_schedule(app, kind=ReportKind.PROGRESS, period=period, due_on=due_on)
        if report is not None:
            created.append(report)
        if due_on > today:  # the next report to come exists now; later ones wait for their turn
            break
        period += 1
    return created


def _outputs_snapshot(app: Application) -> list[dict]:
    return [
        {
            "kind": output.get_kind_display(),
            "title": output.title,
            "date": output.published_on.isoformat(),
            "doi": output.doi,
            "url": output.url,
        }
        for output in application_outputs(application=app)
    ]


def _report_answer(value: str, *, field: str, label: str, required: bool = False) -> str:
    value = (value or "").strip()
    if required and not value:
        raise DomainError(f"Write the {label}.", field=field)
    if len(value) > REPORT_ANSWER_MAX_CHARS:
        raise DomainError(f"Keep the {label} to {REPORT_ANSWER_MAX_CHARS:,} characters.", field=field)
    return value


@transaction.atomic
def application_report_submit(
    *, report: ApplicationReport, actor, summary: str, problems: str = "", changes_needed: str = ""
) -> ApplicationReport:
    """A team member sends a progress or closing report. The outputs recorded so far go with it
    (listed automatically, frozen at this moment). A report is sent once."""
    app = application_lock(application=report.application)
    locked = ApplicationReport.objects.select_for_update().get(pk=report.pk)
    ensure_team(app, actor)
    if locked.is_submitted:
        raise InvalidTransition(f"The {locked} was sent already, on {locked.submitted_at:%d %B %Y}.")
    if locked.superseded_at is not None:
        raise InvalidTransition(f"The {locked} is no longer needed: the closing report covers that year.")
    locked.summary = _report_answer(summary, field="summary", label="summary of progress", required=True)
    locked.problems = _report_answer(problems, field="problems", label="problems met")
    locked.changes_needed = _report_answer(changes_needed, field="changes_needed", label="changes needed")
    locked.outputs_listed = _outputs_snapshot(app)
    locked.submitted_at = timezone.now()
    locked.submitted_by = actor
    locked.save()
    audit_record(
        actor=actor,
        action=ApplicationsAuditAction.REPORT_SUBMITTED,
        target=app,
        data={
            "report": locked.pk,
            "kind": locked.kind,
            "period": locked.period,
            "due_on": locked.due_on.isoformat(),
            "outputs": len(locked.outputs_listed),
        },
    )
    return locked


def report_reminder_kind(*, due_on: date, today: date) -> ReportReminderKind | None:
    """Which reminder is due ``today`` for a report due on ``due_on``: the 7-day one from a week
    before the deadline, the 30-day one in the three weeks before that, none otherwise (nor after
    the deadline: then the report is late, and staff see it)."""
    days_left = (due_on - today).days
    for kind in (ReportReminderKind.DAYS_7, ReportReminderKind.DAYS_30):
        if 0 <= days_left <= kind.days:
            return kind
    return None


@transaction.atomic
def report_reminder_send(*, report: ApplicationReport, today: date) -> ReportReminder | None:
    """Remind the team of a report's deadline, 30 and 7 days before it. Each reminder once per
    report (the row is unique per report and kind); a team that is past the 30-day mark when the
    report is scheduled gets only the 7-day one. None when nothing is due."""
    app = application_lock(application=report.application)
    locked = ApplicationReport.objects.select_for_update().get(pk=report.pk)
    if locked.is_submitted or locked.superseded_at is not None:
        return None
    kind = report_reminder_kind(due_on=locked.due_on, today=today)
    if kind is None:
        return None
    sent = set(locked.reminders.values_list("kind", flat=True))
    if kind in sent or (kind == ReportReminderKind.DAYS_30 and ReportReminderKind.DAYS_7 in sent):
        return None
    reminder = ReportReminder.objects.create(report=locked, kind=kind, due_on=locked.due_on)
    email_queue(
        to=application_team_emails(application=app),
        template="applications/report_reminder",
        context={
            "application": app,
            "report": locked,
            "days_left": (locked.due_on - today).days,
            "url": report_url(app, locked),
        },
    )
    audit_record(
        actor=None,
        action=ApplicationsAuditAction.REPORT_REMINDER_SENT,
        target=app,
        data={"report": locked.pk, "reminder": kind.value, "due_on": locked.due_on.isoformat()},
    )
    return reminder


def reports_process(*, today: date | None = None) -> dict[str, list[str]]:
    """The periodic task's work: schedule the progress reports live projects owe, then send the
    reminders that are due. Each application and each report is its own transaction, so one
    failure does not hold up the others."""
    today = today or timezone.localdate()
    done: dict[str, list[str]] = {"scheduled": [], "reminded": [], "failed": []}
    for app in applications_due_a_report_schedule(today=today):
        try:
            for report in application_reports_schedule(application=app, today=today):
                done["scheduled"].append(str(report))
        except DomainError as exc:
            logger.error("reports of %s not scheduled: %s", app.reference, exc)
            done["failed"].append(app.reference)
    for report in reports_due_a_reminder(today=today):
        try:
            if report_reminder_send(report=report, today=today):
                done["reminded"].append(str(report))
        except DomainError as exc:
            logger.error("reminder for %s not sent: %s", report, exc)
            done["failed"].append(str(report))
    return done
