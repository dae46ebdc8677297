"""The team: the lead invites co-applicants, who accept or decline; the lead removes them."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from accounts.enums import Role
from accounts.models import ResearcherProfile, User
from core.errors import DomainError, InvalidTransition, NotPermitted
from core.links import absolute_url
from core.services import audit_record, email_queue
from core.text import email_canonical

from ..enums import EDITABLE, ApplicationsAuditAction, ChangeRequestStatus, MemberRole, MemberStatus
from ..models import Application, ApplicationMember, ChangeRequest
from ..permissions import can_respond_to_invitation
from ..selectors import AccreditationStanding, accreditation_standing
from ._common import (
    _application_url,
    _ensure_editable,
    _ensure_lead,
    _grant_team_permissions,
    _member_leave,
)
from .lifecycle import application_lock


def _ensure_change_request_awaits_team(app: Application, change_request: ChangeRequest) -> None:
    if change_request.application_id != app.pk or change_request.status != ChangeRequestStatus.AWAITING_TEAM:
        raise InvalidTransition(
            f"{change_request.reference} is {change_request.get_status_display().lower()}: "
            "its team can no longer change."
        )


@transaction.atomic
def application_member_invite(
    *, application: Application, actor, email: str, role: str, change_request: ChangeRequest | None = None
) -> ApplicationMember:
    """The lead invites a co-applicant by email. They join once they accept. With
    ``change_request`` (a change request on a live grant, waiting for its team), the invited person
    joins only when that change request is approved (``applications.grant_services``)."""

    app = application_lock(application=application)
    _ensure_lead(app, actor, "invite co-applicants")
    if change_request is None:
        _ensure_editable(app)
    else:
        _ensure_change_request_awaits_team(app, change_request)
    if role not in {MemberRole.RESEARCHER, MemberRole.SUPERVISOR}:
        raise DomainError("A co-applicant is a researcher or a supervisor.", field="role")
    email = email_canonical(email)
    existing_user = User.objects.filter(email__iexact=email).first()
    if existing_user is not None and existing_user.role != Role.RESEARCHER:
        raise DomainError(
            f"{email} belongs to an account that is not a researcher's; only researchers can join a team.",
            field="email",
        )
    member = (
        ApplicationMember.objects.select_for_update().filter(application=app, email__iexact=email).first()
    )
    if member is not None and member.status in {MemberStatus.INVITED, MemberStatus.ACCEPTED}:
        raise DomainError(f"{email} is already on the team or invited.", field="email")
    if member is None:
        member = ApplicationMember(application=app, email=email)
    member.user = None
    member.role = role
    member.status = MemberStatus.INVITED
    member.invited_by = actor
    member.accepted_at = None
    member.responded_at = None
    member.change_request = change_request
    member.full_clean(validate_unique=False, validate_constraints=False)
    member.save()
    audit_record(
        actor=actor,
        action=ApplicationsAuditAction.MEMBER_INVITED,
        target=app,
        data={"email": email, "role": role},
    )
    email_queue(
        to=[email],
        template="applications/member_invited",
        context={
            "application": app,
            "member": member,
            "inviter": actor,
            "has_account": existing_user is not None,
            "change_request": change_request,
            "invitation_url": absolute_url("applications:invitation", member_pk=member.pk),
            "sign_up_url": absolute_url("accounts:sign_up"),
        },
    )
    return member


def _lock_membership(membership: ApplicationMember) -> tuple[Application, ApplicationMember]:
    app = Application.objects.select_for_update().get(pk=membership.application_id)
    member = ApplicationMember.objects.select_for_update().get(pk=membership.pk)
    return app, member


@transaction.atomic
def application_member_accept(*, membership: ApplicationMember, user) -> ApplicationMember:
    """The invited researcher joins the team and gets the team's object permissions. Invited by a
    change request on a live grant, they are *proposed* instead: they join, and get the
    permissions, when the change request is approved (``grant_services.change_request_member_accept``
    calls this, then submits the change request once nobody is left to answer)."""
    app, member = _lock_membership(membership)
    if not can_respond_to_invitation(user, member):
        raise NotPermitted("This invitation is not yours to answer, or it has been answered already.")
    if user.role != Role.RESEARCHER:
        raise NotPermitted("Only researchers can join an application's team.")
    change_request = (
        ChangeRequest.objects.select_for_update().get(pk=member.change_request_id)
        if member.change_request_id
        else None
    )
    if change_request is not None:
        _ensure_change_request_awaits_team(app, change_request)
    elif app.status not in EDITABLE:
        raise InvalidTransition(
            f"{app.reference} is {app.get_status_display().lower()}: its team can no longer change."
        )
    profile = ResearcherProfile.objects.filter(user=user).first()  # fresh, not a cached relation
    standing = accreditation_standing(profile, today=timezone.localdate(), access_end=None)
    if standing == AccreditationStanding.MISSING:
        raise DomainError(
            "Every team member must be an ONS accredited researcher: add your accreditation to your "
            "profile, then accept the invitation."
        )
    if ApplicationMember.objects.filter(application=app, user=user).exclude(pk=member.pk).exists():
        raise DomainError("You are already on this team.")
    now = timezone.now()
    member.user = user
    member.status = MemberStatus.ACCEPTED if change_request is None else MemberStatus.PROPOSED
    member.accepted_at = now
    member.responded_at = now
    member.save(update_fields=["user", "status", "accepted_at", "responded_at", "updated_at"])
    if change_request is None:
        _grant_team_permissions(user, app)
    audit_record(
        actor=user,
        action=ApplicationsAuditAction.MEMBER_ACCEPTED,
        target=app,
        data={
            "email": member.email,
            **({"change_request": change_request.reference} if change_request else {}),
        },
    )
    email_queue(
        to=[app.lead.email],
        template="applications/member_accepted",
        context={
            "application": app,
            "member": member,
            "user": user,
            "change_request": change_request,
            "url": _application_url(app),
        },
    )
    return member


@transaction.atomic
def application_member_decline(*, membership: ApplicationMember, user) -> ApplicationMember:
    app, member = _lock_membership(membership)
    if not can_respond_to_invitation(user, member):
        raise NotPermitted("This invitation is not yours to answer, or it has been answered already.")
    member.status = MemberStatus.DECLINED
    member.responded_at = timezone.now()
    member.save(update_fields=["status", "responded_at", "updated_at"])
    audit_record(
        actor=user, action=ApplicationsAuditAction.MEMBER_DECLINED, target=app, data={"email": member.email}
    )
    return member


@transaction.atomic
def application_member_remove(*, membership: ApplicationMember, actor) -> ApplicationMember:
    """The lead removes a co-applicant (or withdraws an invitation); the person loses access."""
    app, member = _lock_membership(membership)
    _ensure_lead(app, actor, "change the team")
    _ensure_editable(app)
    if member.role == MemberRole.LEAD:
        raise DomainError("The lead applicant cannot be removed from the team.")
    if member.status not in {MemberStatus.INVITED, MemberStatus.ACCEPTED}:
        raise DomainError(f"{member.email} is not on the team.")
    _member_leave(member, app)
    audit_record(
        actor=actor, action=ApplicationsAuditAction.MEMBER_REMOVED, target=app, data={"email": member.email}
    )
    return member
