"""Who "the team" is: everyone invited to or on it, the accepted members and their accounts and
addresses, and what a decision freezes of each of them."""

from __future__ import annotations

from django.db.models import prefetch_related_objects

from core.selectors import prefetched
from core.text import one_line_clean

from ..enums import MemberRole, MemberStatus
from ..models import Application, ApplicationMember


def application_team(*, application: Application) -> list[ApplicationMember]:
    """Everyone invited to or on the team (not the removed), lead first, with their profiles. Read
    from the application's prefetched ``members`` (with ``user__researcher_profile``) when a page
    loaded them, so the review and screening pages ask once however often they need the team."""
    members = prefetched(application, "members")
    if members is not None:
        members = [m for m in members if m.status != MemberStatus.REMOVED]
        prefetch_related_objects(members, "user__researcher_profile")  # nothing when already loaded
    else:
        members = application.members.exclude(status=MemberStatus.REMOVED).select_related(
            "user", "user__researcher_profile"
        )
    return sorted(members, key=lambda m: (m.role != MemberRole.LEAD, m.created_at, m.pk))


def application_accepted_members(*, application: Application) -> list[ApplicationMember]:
    return [m for m in application_team(application=application) if m.status == MemberStatus.ACCEPTED]


def application_team_users(*, application: Application) -> list:
    """Who "the team" is, the one definition every app uses: the accepted members who have an
    account (the lead first, then in the order they joined). Their addresses are read from the
    account, so a member who changed their email is written to at the new one, never at the
    address they were invited with."""
    return [m.user for m in application_accepted_members(application=application) if m.user is not None]


def application_team_emails(*, application: Application) -> list[str]:
    """The current addresses of ``application_team_users``, sorted and without repeats."""
    return sorted({user.email for user in application_team_users(application=application) if user.email})


def application_team_includes(*, application: Application, user) -> bool:
    """True when ``user`` is one of ``application_team_users`` (asked without loading the team)."""
    if not getattr(user, "is_authenticated", False) or application.pk is None:
        return False
    return application.members.filter(user_id=user.pk, status=MemberStatus.ACCEPTED).exists()


def researcher_snapshot(*, user, role: str) -> dict:
    """Who one researcher is at this moment, as plain JSON: the fields a decision keeps of each team
    member (and ONS and the public register read from it), whatever the profile says later. Text
    values are put under the one-line policy (a value stored before the policy may hold a CR)."""
    profile = getattr(user, "researcher_profile", None)
    expires = getattr(profile, "accreditation_expires_on", None)
    return {
        "role": role,
        "name": one_line_clean(user.full_name),
        "email": user.email,
        "organisation": one_line_clean(getattr(profile, "organisation", "")),
        "sector": getattr(profile, "sector", "") or "",
        "accreditation_number": one_line_clean(getattr(profile, "accreditation_number", "")),
        "accreditation_status": getattr(profile, "accreditation_status", "") or "",
        "accreditation_expires_on": expires.isoformat() if expires else None,
    }


def application_team_snapshot(*, application: Application) -> list[dict]:
    """The accepted team as it stands now, lead first (then in the order they joined), one
    ``researcher_snapshot`` each: what ``panel.Decision.team`` freezes when the decision is made."""
    return [
        researcher_snapshot(user=member.user, role=member.role)
        for member in application_accepted_members(application=application)
        if member.user is not None
    ]
