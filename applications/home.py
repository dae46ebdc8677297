"""The researcher's next actions on the home page."""

from datetime import timedelta

from django.db.models import Count, Q
from django.urls import reverse
from django.utils import timezone

from core.home import NextAction
from core.permissions import is_researcher

from .enums import ApplicationStatus
from .models import ApplicationReport
from .permissions import applications_visible_to, invitations_for
from .selectors import terms_applications_to_accept


def researcher_next_actions(user) -> list:
    if not is_researcher(user):
        return []
    actions = []
    invitations = invitations_for(user).count()
    if invitations:
        actions.append(
            NextAction(
                "Answer an invitation to join a team",
                reverse("applications:my_list"),
                "A lead applicant invited you as a co-applicant.",
                invitations,
                urgent=True,
            )
        )
    to_accept = terms_applications_to_accept(user=user)
    count = to_accept.count()
    if count:
        only = to_accept.first() if count == 1 else None
        actions.append(
            NextAction(
                "Accept the terms of access",
                reverse("applications:terms_accept", kwargs={"pk": only.pk})
                if only
                else reverse("applications:my_list"),
                "A version of the terms of access is in force that you have not accepted for "
                + (only.reference if only else "some of your applications (each shows it)")
                + ".",
                count,
                urgent=True,
            )
        )
    counts = applications_visible_to(user).aggregate(
        drafts=Count("pk", filter=Q(status=ApplicationStatus.DRAFT)),
        queried=Count("pk", filter=Q(status=ApplicationStatus.QUERIED)),
    )
    if counts["queried"]:
        actions.append(
            NextAction(
                "Answer the panel's questions",
                reverse("applications:my_list"),
                "The panel queried an application; answer and resubmit it.",
                counts["queried"],
                urgent=True,
            )
        )
    soon = timezone.localdate() + timedelta(days=30)
    reports = ApplicationReport.objects.filter(
        application__in=applications_visible_to(user),
        submitted_at__isnull=True,
        superseded_at__isnull=True,
        due_on__lte=soon,
    ).select_related("application")
    report = reports.order_by("due_on", "pk").first()
    if report is not None:
        actions.append(
            NextAction(
                "Send a report on an approved project",
                reverse("applications:report", kwargs={"pk": report.application_id, "report_pk": report.pk}),
                f"{report} is due by {report.due_on:%d %B %Y}.",
                reports.count(),
                urgent=report.due_on < timezone.localdate(),
            )
        )
    if counts["drafts"]:
        actions.append(
            NextAction(
                "Finish and submit your draft applications",
                reverse("applications:my_list"),
                "",
                counts["drafts"],
            )
        )
    actions.append(NextAction("Start a new application", reverse("applications:create")))
    return actions
