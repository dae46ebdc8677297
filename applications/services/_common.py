"""What the services of applications share: links, who may act (the team, the lead), whether the
answers may still change, and the team's object permissions."""

from __future__ import annotations

from guardian.shortcuts import assign_perm, remove_perm

from core.errors import InvalidTransition, NotPermitted
from core.links import absolute_url

from ..enums import EDITABLE
from ..models import Application
from ..permissions import TEAM_PERMISSIONS, can_view_application


def _application_url(application: Application, name: str = "applications:detail") -> str:
    return absolute_url(name, pk=application.pk)


def _ensure_team_member(application: Application, actor) -> None:
    if not can_view_application(actor, application):
        raise NotPermitted("Only the application's team may do this.")


def _ensure_lead(application: Application, actor, doing: str) -> None:
    _ensure_team_member(application, actor)
    if application.lead_id != actor.pk:
        raise NotPermitted(f"Only the lead applicant may {doing}.")


def _ensure_editable(application: Application) -> None:
    if application.status not in EDITABLE:
        raise InvalidTransition(
            f"{application.reference} is {application.get_status_display().lower()}: "
            "its answers can no longer be changed."
        )


def _grant_team_permissions(user, application: Application) -> None:
    for codename in TEAM_PERMISSIONS:
        assign_perm(f"applications.{codename}", user, application)


def _revoke_team_permissions(user, application: Application) -> None:
    for codename in TEAM_PERMISSIONS:
        remove_perm(f"applications.{codename}", user, application)
