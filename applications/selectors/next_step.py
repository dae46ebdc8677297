"""What the team should do next, and whether the answers may still change."""

from __future__ import annotations

from ..enums import AWAITING_SCREENING, DECIDED, EDITABLE, ApplicationStatus
from ..models import Application


def application_next_step(application: Application) -> str:
    """A short phrase for the "my applications" page. Uses the annotations of
    ``application_list_for_user`` when present (no extra query)."""
    status = application.status
    if status == ApplicationStatus.DRAFT:
        if getattr(application, "has_pending_invites", False):
            return "Wait for co-applicants to accept, then submit"
        return "Complete and submit the application"
    if status == ApplicationStatus.QUERIED:
        if getattr(application, "has_open_query", True):
            return "Answer the panel's questions"
        return "Resubmit the application"
    if status in AWAITING_SCREENING:
        return "Wait for staff to screen it"
    if status == ApplicationStatus.UNDER_REVIEW:
        return "Wait for the panel's decision"
    if status == ApplicationStatus.APPROVED:
        if getattr(application, "grant_suspended", False):
            return "Access is suspended: open the application to see why"
        return "Read the decision letter; ONS will arrange access"
    if status in DECIDED:
        return "Read the decision letter"
    return "Nothing to do"


def application_is_editable(application: Application) -> bool:
    return application.status in EDITABLE
