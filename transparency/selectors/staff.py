"""Staff exports, access periods, and the staff home page's next actions."""

from datetime import date, timedelta

from django.db.models import (
    F,
    OuterRef,
    Prefetch,
    QuerySet,
    Subquery,
)
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils import timezone

from applications.after_approval.selectors import reports_late_count
from applications.enums import GRANT_IN_FORCE, ApplicationStatus
from applications.models import Application, Grant
from core.home import NextAction
from core.permissions import is_staff_member
from deposits.models import Deposit
from panel.models import Decision

from ..enums import AccessNoticeKind

# --- staff exports ----------------------------------------------------------------------------------


def export_applications_queryset(applications: QuerySet[Application]) -> QuerySet[Application]:
    return (
        applications.select_related("lead__researcher_profile", "decision")
        .prefetch_related(
            Prefetch("deposits", queryset=Deposit.objects.only("id", "reference").order_by("reference"))
        )
        .order_by("first_submitted_at", "pk")
    )


def export_decisions_queryset(applications: QuerySet[Application]) -> QuerySet[Decision]:
    return (
        Decision.objects.filter(application__in=applications.values("pk"))
        .select_related("application", "decided_by")
        .order_by("decided_at", "pk")
    )


# --- access periods -------------------------------------------------------------------------------


def _access_end_expression():
    """The end of the grant in force (an approved extension moves it), else the decision's, else the
    end the team asked for (the same order as ``transparency.services._access_end``)."""
    grant_end = Grant.objects.filter(application=OuterRef("pk"), status__in=GRANT_IN_FORCE).values(
        "access_end"
    )[:1]
    return Coalesce(Subquery(grant_end), F("decision__access_end"), F("access_end"))


def access_reminders_due(*, today: date, days: int = 30) -> QuerySet[Application]:
    """Approved applications whose access ends within ``days`` days (today included) and whose
    team has not been reminded."""
    return (
        Application.objects.filter(status=ApplicationStatus.APPROVED)
        .annotate(_end=_access_end_expression())
        .filter(_end__gte=today, _end__lte=today + timedelta(days=days))
        .exclude(access_notices__kind=AccessNoticeKind.REMINDER_30_DAYS)
        .order_by("_end", "pk")
    )


def access_ends_due(*, today: date) -> QuerySet[Application]:
    """Approved applications whose last day of access is before ``today``."""
    return (
        Application.objects.filter(status=ApplicationStatus.APPROVED)
        .annotate(_end=_access_end_expression())
        .filter(_end__lt=today)
        .order_by("_end", "pk")
    )


def next_actions_for_staff(user) -> list[NextAction]:
    """Staff home page: access periods that end within 30 days, and reports that are overdue."""
    if not is_staff_member(user):
        return []
    today = timezone.localdate()
    actions = []
    count = access_ending_soon_count(today=today)
    if count:
        actions.append(
            NextAction(
                title="Access periods ending within 30 days",
                url=reverse("transparency:dashboard") + "?status=approved",
                description="The teams have been or will be reminded; ONS is told when each ends.",
                count=count,
            )
        )
    late = reports_late_count(today=today)
    if late:
        actions.append(
            NextAction(
                title="Progress and closing reports overdue",
                url=reverse("transparency:reports_late"),
                description="The teams were reminded 30 and 7 days before each deadline.",
                count=late,
                urgent=True,
            )
        )
    return actions


def access_ending_soon_count(*, today: date) -> int:
    return (
        Application.objects.filter(status=ApplicationStatus.APPROVED)
        .annotate(_end=_access_end_expression())
        .filter(_end__gte=today, _end__lte=today + timedelta(days=30))
        .count()
    )
