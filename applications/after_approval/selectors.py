"""Reads of the team's life after approval: outputs, the reports owed, what is late, and what the
team's pages may offer. Each list loads in a constant number of queries."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from django.db.models import Max, Prefetch, Q, QuerySet

from deposits.models import Deposit

from ..enums import LIVE, OUTPUTS_RECORDABLE, ApplicationStatus, ReportKind
from ..models import Application, ApplicationOutput, ApplicationReport

#: Reports are reminded from this many days before their deadline (the first reminder's threshold).
REMINDER_HORIZON_DAYS = 30


def progress_report_due_on(*, start: date, period: int) -> date:
    """The ``period``-th anniversary of the access start (29 February falls on 28 February)."""
    year = start.year + period
    try:
        return start.replace(year=year)
    except ValueError:
        return start.replace(year=year, day=28)


# --- Outputs ---------------------------------------------------------------------------------------


def _deposits_prefetch() -> Prefetch:
    return Prefetch(
        "deposits", queryset=Deposit.objects.only("id", "reference", "title").order_by("reference")
    )


def application_outputs(*, application: Application) -> QuerySet[ApplicationOutput]:
    """The project's outputs, newest first, with the deposits each used."""
    return (
        ApplicationOutput.objects.filter(application=application)
        .prefetch_related(_deposits_prefetch())
        .order_by("-published_on", "-pk")
    )


def outputs_prefetch(to_attr: str | None = None) -> Prefetch:
    """For a list of applications (the public register): each one's outputs and their deposits."""
    return Prefetch(
        "outputs",
        queryset=ApplicationOutput.objects.prefetch_related(_deposits_prefetch()).order_by(
            "-published_on", "-pk"
        ),
        to_attr=to_attr,
    )


def output_deposit_choices(*, application: Application) -> QuerySet[Deposit]:
    """What an output may say it used: the deposits the project was approved to use."""
    return application.deposits.order_by("reference")


def can_record_outputs(application: Application) -> bool:
    return application.status in OUTPUTS_RECORDABLE


def can_close_early(application: Application, user) -> bool:
    return application.status in LIVE and application.lead_id == getattr(user, "pk", None)


# --- Reports ---------------------------------------------------------------------------------------


def application_reports(*, application: Application) -> QuerySet[ApplicationReport]:
    """Every report the project owes or sent, by deadline (superseded ones left out)."""
    return (
        ApplicationReport.objects.filter(application=application, superseded_at__isnull=True)
        .select_related("submitted_by")
        .order_by("due_on", "pk")
    )


def _open_reports() -> QuerySet[ApplicationReport]:
    return ApplicationReport.objects.filter(submitted_at__isnull=True, superseded_at__isnull=True)


def applications_due_a_report_schedule(*, today: date) -> QuerySet[Application]:
    """Live projects with an access start whose next progress report is not scheduled yet: none
    is, or the latest one is due already (today or before)."""
    return (
        Application.objects.filter(status__in=LIVE, access_start__isnull=False)
        .annotate(
            _latest=Max("reports__due_on", filter=Q(reports__kind=ReportKind.PROGRESS)),
        )
        .filter(Q(_latest__isnull=True) | Q(_latest__lte=today))
        .order_by("pk")
    )


def reports_due_a_reminder(*, today: date) -> QuerySet[ApplicationReport]:
    """Open reports whose deadline is within ``REMINDER_HORIZON_DAYS`` days (today included), of
    projects still approved or whose access ended (a revoked project is staff's business)."""
    return (
        _open_reports()
        .filter(
            due_on__gte=today,
            due_on__lte=today + timedelta(days=REMINDER_HORIZON_DAYS),
            application__status__in=LIVE | {ApplicationStatus.ACCESS_ENDED},
        )
        .select_related("application")
        .order_by("due_on", "pk")
    )


@dataclass(frozen=True)
class LateReport:
    report: ApplicationReport
    days_late: int

    @property
    def application(self) -> Application:
        return self.report.application


def reports_late(*, today: date) -> list[LateReport]:
    """Open reports past their deadline, the longest overdue first (for staff)."""
    reports = (
        _open_reports()
        .filter(due_on__lt=today)
        .select_related("application", "application__lead")
        .order_by("due_on", "pk")
    )
    return [LateReport(report, (today - report.due_on).days) for report in reports]


def reports_late_count(*, today: date) -> int:
    return _open_reports().filter(due_on__lt=today).count()


def application_open_reports(*, application: Application) -> list[ApplicationReport]:
    return list(application_reports(application=application).filter(submitted_at__isnull=True))
