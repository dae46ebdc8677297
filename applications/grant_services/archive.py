"""The archive's own changes to a grant: a withdrawn deposit or a lapsed co-applicant taken off it
(grant n+1, issued by the re-screen in ``applications.grant_screening``), and a suspension lifted
by staff (grant n+1, ONS told ``access.resumed``)."""

from __future__ import annotations

from collections.abc import Sequence

from django.db import transaction
from django.utils import timezone

from core.errors import DomainError, InvalidTransition, NotPermitted
from core.links import absolute_url
from core.permissions import is_staff_member
from core.services import audit_record, email_queue
from deposits.models import Deposit

from ..enums import (
    ApplicationsAuditAction,
    GrantStatus,
    MemberStatus,
)
from ..grant_selectors import GrantRemovals, grant_resume_blockers
from ..models import ApplicationMember, Grant
from ..selectors import (
    application_team_emails,
    application_team_snapshot,
)
from ..services import (
    _member_leave,
    application_lock,
)
from ..signals import grant_resumed
from ._common import _ensure_atomic
from .grants import grant_issue


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
        _member_leave(member, app)
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
    ``access.resumed``). Refused, naming why, while a reason remains (``grant_resume_blockers``) or
    after the access period."""
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
    removals, remaining = grant_resume_blockers(grant=grant, today=today)
    if remaining:
        raise DomainError("The suspension cannot be lifted yet: " + " ".join(remaining))
    deposits = grant_removals_apply(grant=grant, removals=removals, actor=actor)
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
