"""Writes of grants and of the team's side of change requests. A grant is issued (grant 1 by the
panel's decision, grant n+1 by an approved change request, superseding grant n) and then only its
status moves on. The lead opens a change request; co-applicants it invites accept through the
membership services of ``applications.services``; once nobody is left to answer it is submitted and
announced (``signals.change_request_submitted``): the panel screens, routes and decides it."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from core.errors import DomainError, InvalidTransition, NotPermitted
from core.links import absolute_url
from core.permissions import is_staff_member
from core.services import audit_record, email_queue
from deposits.models import Deposit

from .enums import (
    CHANGE_REQUEST_OPEN,
    CHANGE_REQUEST_TRANSITIONS,
    GRANT_IN_FORCE,
    GRANT_TRANSITIONS,
    ApplicationsAuditAction,
    ApplicationStatus,
    ChangeRequestStatus,
    GrantStatus,
    MemberRole,
    MemberStatus,
)
from .grant_selectors import (
    GrantRemovals,
    change_request_deposits_after,
    change_request_kinds,
    datasets_snapshot,
    grant_in_force,
    grant_removals,
    grant_suspension_reasons,
)
from .models import Application, ApplicationMember, ChangeRequest, Grant, TermsOfAccess
from .selectors import (
    application_accepted_members,
    application_team_emails,
    application_team_snapshot,
    terms_in_force,
)
from .services import (
    _ensure_lead,
    _ensure_requestable,
    _grant_team_permissions,
    _revoke_team_permissions,
    application_lock,
    application_member_accept,
    application_member_decline,
    application_member_invite,
    terms_accept,
)
from .signals import change_request_submitted, grant_resumed

# --- grants ----------------------------------------------------------------------------------------


def _ensure_atomic(name: str) -> None:
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError(f"{name} must run inside a transaction.")


def grant_issue(
    *,
    application: Application,
    actor,
    team: list[dict],
    deposits: Sequence[Deposit],
    access_start: date | None,
    access_end: date | None,
    conditions: str = "",
    purpose: str = "",
    outputs_plan: str = "",
    change_request: ChangeRequest | None = None,
    issue_reason: str = "",
) -> Grant:
    """Issue the application's next grant, inside the caller's transaction (the panel's decision,
    the approval of a change request, or the archive's own change with its ``issue_reason``), with
    the application row locked. A live or suspended grant in force is superseded by it. What it
    covers is frozen here."""
    _ensure_atomic("grant_issue")
    previous = (
        Grant.objects.select_for_update().filter(application=application, status__in=GRANT_IN_FORCE).first()
    )
    if previous is not None:
        grant_transition(grant=previous, to=GrantStatus.SUPERSEDED, actor=actor)
    number = (Grant.objects.filter(application=application).aggregate(n=Max("number"))["n"] or 0) + 1
    deposits = list(deposits)
    grant = Grant.objects.create(
        reference=f"{application.reference}-G{number}",
        application=application,
        number=number,
        supersedes=previous,
        change_request=change_request,
        team=team,
        datasets=datasets_snapshot(deposits),
        purpose=purpose,
        outputs_plan=outputs_plan,
        access_start=access_start,
        access_end=access_end,
        conditions=conditions,
        issue_reason=issue_reason,
    )
    grant.deposits.set(deposits)
    audit_record(
        actor=actor,
        action=ApplicationsAuditAction.GRANT_ISSUED,
        target=application,
        data={
            "grant": grant.reference,
            "supersedes": previous.reference if previous else None,
            "change_request": change_request.reference if change_request else None,
            **({"reason": issue_reason} if issue_reason else {}),
            "deposits": [d["reference"] for d in grant.datasets],
            "access_end": access_end.isoformat() if access_end else None,
        },
    )
    return grant


def grant_issue_for_approval(*, application: Application, actor, decision) -> Grant:
    """Grant 1, issued by the panel's approving decision (``panel.services.decision_record``) in its
    transaction: the team the decision froze, the deposits requested, the decided period."""
    return grant_issue(
        application=application,
        actor=actor,
        team=decision.team,
        deposits=list(application.deposits.prefetch_related("srs_datasets")),
        access_start=decision.access_start,
        access_end=decision.access_end,
        conditions=decision.conditions,
        purpose=application.research_questions,
        outputs_plan=application.outputs_plan,
    )


def grant_transition(*, grant: Grant, to: str, actor, data: dict | None = None) -> Grant:
    """Move a *locked* grant to ``to`` (``GRANT_TRANSITIONS``), stamped and audited."""
    _ensure_atomic("grant_transition")
    previous = grant.status
    if to not in GRANT_TRANSITIONS.get(previous, frozenset()):
        raise InvalidTransition(
            f"{grant.reference} is {grant.get_status_display().lower()}; "
            f"it cannot become {GrantStatus(to).label.lower()}."
        )
    grant.status = to
    grant.status_changed_at = timezone.now()
    grant.save(update_fields=["status", "status_changed_at", "updated_at"])
    audit_record(
        actor=actor,
        action=ApplicationsAuditAction.GRANT_STATUS_CHANGED,
        target=grant.application,
        data={"grant": grant.reference, "from": previous, "to": to, **(data or {})},
    )
    return grant


def grant_close(*, application: Application, to: str, actor, reason: str = "") -> Grant | None:
    """The application's access was revoked (panel) or its period ended (transparency): its grant in
    force becomes revoked or ended, in the caller's transaction, and any open change request on it
    lapses. None when the application has no live or suspended grant."""
    _ensure_atomic("grant_close")
    grant = (
        Grant.objects.select_for_update()
        .filter(application=application, status__in=[GrantStatus.LIVE, GrantStatus.SUSPENDED])
        .first()
    )
    if grant is None:
        return None
    grant_transition(grant=grant, to=to, actor=actor, data={"reason": reason} if reason else None)
    for change_request in ChangeRequest.objects.select_for_update().filter(
        grant=grant, status__in=CHANGE_REQUEST_OPEN
    ):
        change_request_transition(
            change_request=change_request,
            to=ChangeRequestStatus.LAPSED,
            actor=actor,
            data={"grant": grant.reference, "grant_status": to},
        )
        change_request_proposals_drop(change_request=change_request)
    return grant


# --- the archive's own changes: removals, a lifted suspension -----------------------------------------


def grant_removals_apply(*, grant: Grant, removals: GrantRemovals, actor) -> list[Deposit]:
    """Take what ``removals`` names off a *locked* grant's team, in the caller's transaction: each
    lapsed co-applicant leaves the team (their permissions go; audited; told why). Returns the
    deposits the next grant keeps (the grant's, less the withdrawn ones)."""
    _ensure_atomic("grant_removals_apply")
    app = grant.application
    for removed, reason in removals.members:
        member = (
            ApplicationMember.objects.select_for_update(of=("self",))
            .select_related("user")
            .get(pk=removed.pk)
        )
        if member.status != MemberStatus.ACCEPTED:
            continue
        if member.user_id:
            _revoke_team_permissions(member.user, app)
        member.status = MemberStatus.REMOVED
        member.save(update_fields=["status", "updated_at"])
        audit_record(
            actor=actor,
            action=ApplicationsAuditAction.MEMBER_ACCESS_ENDED,
            target=app,
            data={"email": member.email, "grant": grant.reference, "reason": reason},
        )
        email_queue(
            to=[member.user.email if member.user_id else member.email],
            template="applications/member_access_ended",
            context={
                "application": app,
                "grant": grant,
                "reason": reason,
                "profile_url": absolute_url("accounts:profile"),
            },
        )
    return removals.kept(grant.deposits.prefetch_related("srs_datasets").order_by("reference"))


def grant_reissue(*, grant: Grant, actor, issue_reason: str, deposits: Sequence[Deposit]) -> Grant:
    """Grant n+1, issued by the archive itself (no change request) in the caller's transaction with
    the application and ``grant`` locked: the same period, conditions, purpose and outputs plan,
    today's team (``application_team_snapshot``) and ``deposits`` (the application's follow)."""
    _ensure_atomic("grant_reissue")
    app = grant.application
    deposits = list(deposits)
    if {d.pk for d in deposits} != set(app.deposits.values_list("pk", flat=True)):
        app.deposits.set(deposits)
    return grant_issue(
        application=app,
        actor=actor,
        team=application_team_snapshot(application=app),
        deposits=deposits,
        access_start=grant.access_start,
        access_end=grant.access_end,
        conditions=grant.conditions,
        purpose=grant.purpose,
        outputs_plan=grant.outputs_plan,
        issue_reason=issue_reason,
    )


@transaction.atomic
def grant_resume(*, grant: Grant, actor, note: str) -> Grant:
    """Staff lift a suspension once nothing keeps it (``grant_suspension_reasons`` is empty): grant
    n+1, live, supersedes the suspended grant, with today's team and deposits (a withdrawn deposit or
    a lapsed co-applicant found on the way is taken off it, ``grant_removals``); audited with the
    staff member's note; the team is told and ``signals.grant_resumed`` announced (ONS is told
    ``access.resumed``). Refused, naming why, while a reason remains or after the access period."""
    if not is_staff_member(actor):
        raise NotPermitted("Only the archive staff can lift a suspension.")
    app = application_lock(application=grant.application)
    grant = Grant.objects.select_for_update().get(pk=grant.pk)
    grant.application = app
    if grant.status != GrantStatus.SUSPENDED:
        raise InvalidTransition(
            f"{grant.reference} is {grant.get_status_display().lower()}: only a suspended grant can be "
            "resumed."
        )
    note = (note or "").strip()
    if not note:
        raise DomainError("Say why the suspension can be lifted.", field="note")
    today = timezone.localdate()
    if grant.access_end and grant.access_end < today:
        raise DomainError(
            f"The access period of {grant.reference} ended on {grant.access_end:%d %B %Y}: it cannot be "
            "resumed."
        )
    removals = grant_removals(grant=grant, today=today)
    deposits = grant_removals_apply(grant=grant, removals=removals, actor=actor)
    remaining = grant_suspension_reasons(grant=grant, today=today, deposits=deposits)
    if remaining:  # raised inside the transaction: the removals above roll back with it
        raise DomainError("The suspension cannot be lifted yet: " + " ".join(remaining))
    new = grant_reissue(
        grant=grant, actor=actor, issue_reason=f"Suspension lifted: {note}", deposits=deposits
    )
    audit_record(
        actor=actor,
        action=ApplicationsAuditAction.GRANT_RESUMED,
        target=app,
        data={
            "grant": new.reference,
            "supersedes": grant.reference,
            "note": note,
            "removed": removals.reasons,
        },
    )
    email_queue(
        to=application_team_emails(application=app),
        template="applications/grant_resumed",
        context={
            "application": app,
            "grant": new,
            "previous": grant,
            "note": note,
            "removed": removals.reasons,
            "url": absolute_url("applications:detail", pk=app.pk),
        },
    )
    grant_resumed.send(sender=Grant, grant=new, previous=grant, note=note, reasons=[note, *removals.reasons])
    return new


# --- change requests: the state machine --------------------------------------------------------------

#: The milestone timestamp each status of a change request sets.
_CHANGE_MILESTONES = {
    ChangeRequestStatus.SUBMITTED: "submitted_at",
    ChangeRequestStatus.APPROVED: "decided_at",
    ChangeRequestStatus.REJECTED: "decided_at",
    ChangeRequestStatus.REFUSED: "decided_at",
    ChangeRequestStatus.WITHDRAWN: "withdrawn_at",
}


def change_request_lock(*, change_request: ChangeRequest) -> ChangeRequest:
    return (
        ChangeRequest.objects.select_for_update()
        .select_related("application", "application__lead", "grant")
        .get(pk=change_request.pk)
    )


def change_request_transition(
    *,
    change_request: ChangeRequest,
    to: str,
    actor,
    action: str = ApplicationsAuditAction.CHANGE_STATUS_CHANGED,
    data: dict | None = None,
    extra_fields: tuple[str, ...] = (),
) -> ChangeRequest:
    """Move a *locked* change request to ``to`` (``CHANGE_REQUEST_TRANSITIONS``): stamps the
    milestone, saves and audits on the application. The panel's services call it too."""
    _ensure_atomic("change_request_transition")
    previous = change_request.status
    if to not in CHANGE_REQUEST_TRANSITIONS.get(previous, frozenset()):
        raise InvalidTransition(
            f"{change_request.reference} is {change_request.get_status_display().lower()}; "
            f"it cannot become {ChangeRequestStatus(to).label.lower()}."
        )
    change_request.status = to
    fields = ["status", "updated_at", *extra_fields]
    milestone = _CHANGE_MILESTONES.get(to)
    if milestone:
        setattr(change_request, milestone, timezone.now())
        fields.append(milestone)
    change_request.save(update_fields=list(dict.fromkeys(fields)))
    audit_record(
        actor=actor,
        action=action,
        target=change_request.application,
        data={"change_request": change_request.reference, "from": previous, "to": to, **(data or {})},
    )
    return change_request


def change_request_proposals_drop(*, change_request: ChangeRequest) -> None:
    """A change request that will not be approved (rejected, refused, withdrawn, lapsed): the people
    it invited do not join (their invitation or acceptance no longer stands)."""
    ApplicationMember.objects.filter(
        change_request=change_request, status__in=[MemberStatus.INVITED, MemberStatus.PROPOSED]
    ).update(status=MemberStatus.REMOVED, updated_at=timezone.now())


def _url(change_request: ChangeRequest) -> str:
    return absolute_url(
        "applications:change_request", pk=change_request.application_id, number=change_request.number
    )


# --- change requests: the team's side ----------------------------------------------------------------

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


# --- change requests: what an approval does to the team and the grant ---------------------------------


def change_request_grant_next(*, change_request: ChangeRequest, actor) -> Grant:
    """Apply an approved, *locked* change request, in the deciding transaction: the people it adds
    join the team (with the team's permissions), those it removes leave it, the application's
    deposits follow the grant, and grant n+1 is issued superseding grant n."""
    _ensure_atomic("change_request_grant_next")
    app = application_lock(application=change_request.application)
    grant = Grant.objects.select_for_update().get(pk=change_request.grant_id)
    grant.application = app
    if grant.status not in CHANGEABLE:
        raise InvalidTransition(
            f"{grant.reference} is {grant.get_status_display().lower()}: it cannot be changed."
        )
    if grant.status == GrantStatus.SUSPENDED:  # asked of a suspended grant: it must still lift it
        removed = {m.pk for m in change_request.members_removed.all()}
        _ensure_lifts_suspension(
            grant,
            only_removals=not change_request.proposed_members.exists(),
            deposits=change_request_deposits_after(change_request=change_request),
            members=[m for m in application_accepted_members(application=app) if m.pk not in removed],
        )
    for member in (
        ApplicationMember.objects.select_for_update(of=("self",))
        .filter(change_request=change_request, status=MemberStatus.PROPOSED)
        .select_related("user")
    ):
        member.status = MemberStatus.ACCEPTED
        member.save(update_fields=["status", "updated_at"])
        _grant_team_permissions(member.user, app)
    for member in change_request.members_removed.select_for_update(of=("self",)).select_related("user"):
        if member.status != MemberStatus.ACCEPTED:
            continue
        if member.user_id:
            _revoke_team_permissions(member.user, app)
        member.status = MemberStatus.REMOVED
        member.save(update_fields=["status", "updated_at"])
    deposits = change_request_deposits_after(change_request=change_request)
    if change_request.deposits_added.exists() or change_request.deposits_removed.exists():
        app.deposits.set(deposits)
    return grant_issue(
        application=app,
        actor=actor,
        team=application_team_snapshot(application=app),
        deposits=deposits,
        access_start=grant.access_start,
        access_end=change_request.access_end or grant.access_end,
        conditions=grant.conditions,
        purpose=change_request.purpose or grant.purpose,
        outputs_plan=change_request.outputs_plan or grant.outputs_plan,
        change_request=change_request,
    )
