"""What the services of applications share: links, who may act (the team, the lead), whether the
answers may still change, the team's object permissions, and a member leaving the team."""

from __future__ import annotations

from guardian.shortcuts import assign_perm, remove_perm

from core.errors import InvalidTransition, NotPermitted
from core.links import absolute_url

from ..enums import EDITABLE, MemberStatus
from ..models import Application, ApplicationMember
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


def _member_leave(member: ApplicationMember, application: Application) -> None:
    """A *locked* member leaves the team: their object permissions go and they are removed. The
    caller checks that they may leave and writes the audit event."""
    if member.user_id:
        _revoke_team_permissions(member.user, application)
    member.status = MemberStatus.REMOVED
    member.save(update_fields=["status", "updated_at"])
