"""The researcher's next actions on the home page."""

from django.db.models import Count, Q
from django.urls import reverse

from core.home import NextAction
from core.permissions import is_researcher

from .enums import ApplicationStatus
from .permissions import applications_visible_to, invitations_for


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
