"""The team's side of change requests: the lead opens one (on a live grant, or on a suspended one
only to take off what keeps it suspended); co-applicants it invites accept (with the terms in
force) or decline; once nobody is left to answer it is submitted and announced
(``signals.change_request_submitted``): the panel screens, routes and decides it."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from core.errors import DomainError, InvalidTransition
from core.services import audit_record, email_queue
from deposits.models import Deposit

from ..enums import (
    CHANGE_REQUEST_OPEN,
    ApplicationsAuditAction,
    ApplicationStatus,
    ChangeRequestStatus,
    GrantStatus,
    MemberRole,
    MemberStatus,
)
from ..grant_selectors import (
    change_request_kinds,
    grant_in_force,
    grant_suspension_reasons,
)
from ..models import Application, ApplicationMember, ChangeRequest, Grant, TermsOfAccess
from ..selectors import (
    application_accepted_members,
    application_team_emails,
    terms_in_force,
)
from ..services import (
    _ensure_lead,
    _ensure_requestable,
    application_lock,
    application_member_accept,
    application_member_decline,
    application_member_invite,
    terms_accept,
)
from ..signals import change_request_submitted
from .change_state import _url, change_request_lock, change_request_proposals_drop, change_request_transition

#: The grants a change can be asked of: a live one, and a suspended one (only to take off the
#: people or deposits that keep it suspended: ``_ensure_lifts_suspension``).
CHANGEABLE = (GrantStatus.LIVE, GrantStatus.SUSPENDED)


def _ensure_lifts_suspension(grant: Grant, *, only_removals: bool, deposits, members) -> None:
    """A change to a suspended grant only removes team members or deposits, and leaves nothing that
    keeps it suspended (``grant_suspension_reasons`` of the grant it would make): the new grant is
    live, and ONS is told to provide access to exactly its people and datasets."""
    if not only_removals:
        raise DomainError(
            f"{grant.reference} is suspended: only removing team members or deposits can be asked now, "
            "to take off what keeps it suspended."
        )
    remaining = grant_suspension_reasons(
        grant=grant, today=timezone.localdate(), deposits=list(deposits), members=list(members)
    )
    if remaining:
        raise DomainError("This change would not lift the suspension: " + " ".join(remaining))


@transaction.atomic
def change_request_open(
    *,
    application: Application,
    actor,
    reason: str,
    purpose: str = "",
    outputs_plan: str = "",
    access_end: date | None = None,
    deposits_added: Sequence[Deposit] = (),
    deposits_removed: Sequence[Deposit] = (),
    members_removed: Sequence[ApplicationMember] = (),
    invitations: Sequence[tuple[str, str]] = (),
) -> ChangeRequest:
    """The lead asks to change the live grant of an approved application. Every field left empty is
    unchanged; ``invitations`` are (email, role) of co-applicants to add, invited by email as at
    submission. Refused (nothing saved) when nothing would change or a change is not possible; once
    nobody is left to accept, it is submitted for a decision."""
    app = application_lock(application=application)
    _ensure_lead(app, actor, "ask for a change to the grant")
    if app.status != ApplicationStatus.APPROVED:
        raise InvalidTransition(
            f"{app.reference} is {app.get_status_display().lower()}: only an approved project's grant "
            "can be changed."
        )
    grant = grant_in_force(application=app)
    if grant is None or grant.status not in CHANGEABLE:
        raise InvalidTransition(f"{app.reference} has no live grant to change.")
    grant = Grant.objects.select_for_update().get(pk=grant.pk)
    grant.application = app
    if ChangeRequest.objects.filter(grant=grant, status__in=CHANGE_REQUEST_OPEN).exists():
        raise DomainError(
            "A change request on this grant is still open: wait for its decision, or withdraw it first."
        )
    reason = (reason or "").strip()
    if not reason:
        raise DomainError("Say why the change is needed.", field="reason")
    purpose = (purpose or "").strip()
    if purpose.replace("\r\n", "\n") == grant.purpose.strip().replace("\r\n", "\n"):
        purpose = ""
    outputs_plan = (outputs_plan or "").strip()
    if outputs_plan.replace("\r\n", "\n") == grant.outputs_plan.strip().replace("\r\n", "\n"):
        outputs_plan = ""
    if access_end is not None:
        if grant.access_end and access_end <= grant.access_end:
            raise DomainError(
                f"The new access end must be after the current one ({grant.access_end:%d %B %Y}).",
                field="access_end",
            )
        if access_end <= timezone.localdate():
            raise DomainError("The new access end must be in the future.", field="access_end")
    granted = {d.pk for d in grant.deposits.all()}
    deposits_added = [d for d in deposits_added if d.pk not in granted]
    _ensure_requestable(deposits_added)
    deposits_removed = list(deposits_removed)
    if any(d.pk not in granted for d in deposits_removed):
        raise DomainError("Only deposits the grant covers can be removed.", field="deposits_removed")
    if {d.pk for d in deposits_removed} >= granted and not deposits_added:
        raise DomainError("A grant must cover at least one deposit.", field="deposits_removed")
    members_removed = list(members_removed)
    for member in members_removed:
        if member.application_id != app.pk or member.status != MemberStatus.ACCEPTED:
            raise DomainError(f"{member.email} is not on the team.", field="members_removed")
        if member.role == MemberRole.LEAD:
            raise DomainError("The lead applicant cannot be removed from the team.", field="members_removed")
    invitations = [(email.strip(), role) for email, role in invitations if email and email.strip()]
    if grant.status == GrantStatus.SUSPENDED:
        _ensure_lifts_suspension(
            grant,
            only_removals=not (purpose or outputs_plan or access_end or deposits_added or invitations),
            deposits=[d for d in grant.deposits.all() if d not in deposits_removed],
            members=[m for m in application_accepted_members(application=app) if m not in members_removed],
        )
    if not (
        purpose
        or outputs_plan
        or access_end
        or deposits_added
        or deposits_removed
        or members_removed
        or invitations
    ):
        raise DomainError("Nothing would change: fill in at least one change to the grant.")
    number = (ChangeRequest.objects.filter(application=app).aggregate(n=Max("number"))["n"] or 0) + 1
    change_request = ChangeRequest.objects.create(
        reference=f"{app.reference}-C{number}",
        application=app,
        number=number,
        grant=grant,
        requested_by=actor,
        reason=reason,
        purpose=purpose,
        outputs_plan=outputs_plan,
        access_end=access_end,
    )
    change_request.deposits_added.set(deposits_added)
    change_request.deposits_removed.set(deposits_removed)
    change_request.members_removed.set(members_removed)
    audit_record(
        actor=actor,
        action=ApplicationsAuditAction.CHANGE_REQUESTED,
        target=app,
        data={
            "change_request": change_request.reference,
            "grant": grant.reference,
            "invitations": [email for email, _role in invitations],
        },
    )
    for email, role in invitations:
        application_member_invite(
            application=app, actor=actor, email=email, role=role, change_request=change_request
        )
    email_queue(
        to=application_team_emails(application=app),
        template="applications/change_request_opened",
        context={
            "application": app,
            "change_request": change_request,
            "kinds": change_request_kinds(change_request),
            "url": _url(change_request),
        },
    )
    return _submit_if_ready(change_request, actor)


def _submit_if_ready(change_request: ChangeRequest, actor) -> ChangeRequest:
    """Submit a locked change request waiting for its team once nobody it invited is left to answer
    (and at least one change still stands), then announce it: the panel screens and routes it in
    this transaction, so the status is read again."""
    if change_request.status != ChangeRequestStatus.AWAITING_TEAM:
        return change_request
    if change_request.proposed_members.filter(status=MemberStatus.INVITED).exists():
        return change_request
    change_request_transition(
        change_request=change_request,
        to=ChangeRequestStatus.SUBMITTED,
        actor=actor,
        action=ApplicationsAuditAction.CHANGE_SUBMITTED,
        data={"kinds": change_request_kinds(change_request)},
    )
    change_request_submitted.send(sender=ChangeRequest, change_request=change_request, actor=actor)
    change_request.refresh_from_db()
    return change_request


@transaction.atomic
def change_request_member_accept(
    *, membership: ApplicationMember, user, terms: TermsOfAccess | None = None
) -> ApplicationMember:
    """A co-applicant invited by a change request accepts (``application_member_accept``: they are
    proposed, and join when it is approved) and, with terms of access in force, accepts ``terms``
    in the same step, as at submission: before the change is decided and access starts (refused,
    nothing saved, without them). The last to accept submits the change request."""
    member = application_member_accept(membership=membership, user=user)
    in_force = terms_in_force()
    if in_force is not None:
        if terms is None:
            raise DomainError(
                f"Read and accept the terms of access (version {in_force.number}) to join the team.",
                field="accept",
            )
        terms_accept(application=member.application, user=user, terms=terms)
    if member.change_request_id:
        change_request = change_request_lock(change_request=member.change_request)
        _submit_if_ready(change_request, user)
    return member


@transaction.atomic
def change_request_member_decline(*, membership: ApplicationMember, user) -> ApplicationMember:
    """A co-applicant invited by a change request declines: the lead is told; the request waits
    until the lead withdraws it (and may ask again without that person)."""
    member = application_member_decline(membership=membership, user=user)
    if member.change_request_id:
        change_request = member.change_request
        email_queue(
            to=[change_request.application.lead.email],
            template="applications/change_request_declined",
            context={"change_request": change_request, "member": member, "url": _url(change_request)},
        )
    return member


@transaction.atomic
def change_request_withdraw(*, change_request: ChangeRequest, actor) -> ChangeRequest:
    """The lead withdraws an open change request; the grant stays as it is."""
    change_request = change_request_lock(change_request=change_request)
    _ensure_lead(change_request.application, actor, "withdraw the change request")
    if change_request.status not in CHANGE_REQUEST_OPEN:
        raise InvalidTransition(
            f"{change_request.reference} is {change_request.get_status_display().lower()}: "
            "it can no longer be withdrawn."
        )
    change_request_transition(
        change_request=change_request,
        to=ChangeRequestStatus.WITHDRAWN,
        actor=actor,
        action=ApplicationsAuditAction.CHANGE_WITHDRAWN,
    )
    change_request_proposals_drop(change_request=change_request)
    return change_request
