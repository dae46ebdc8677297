"""What an approved change request does to the team and the grant (called by the panel's
``change_request_decide`` in its transaction)."""

from __future__ import annotations

from core.errors import InvalidTransition

from ..enums import (
    GrantStatus,
    MemberStatus,
)
from ..grant_selectors import (
    change_request_deposits_after,
)
from ..models import ApplicationMember, ChangeRequest, Grant
from ..selectors import (
    application_accepted_members,
    application_team_snapshot,
)
from ..services import (
    _grant_team_permissions,
    _member_leave,
    application_lock,
)
from ._common import _ensure_atomic
from .change_team import CHANGEABLE, _ensure_lifts_suspension
from .grants import grant_issue


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
        if member.status == MemberStatus.ACCEPTED:
            _member_leave(member, app)
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
