"""Reads for the panel's and staff's side of change requests on live grants: the facts the routing
rule reads, who may see which change request, conflicts, votes and the decider's checks."""

from datetime import date, datetime

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone

from accounts.models import User
from applications.enums import ChangeKind, ChangeRequestStatus, ChangeRoute
from applications.grant_selectors import change_request_kinds, change_request_members_after, months_later
from applications.models import ChangeRequest
from applications.selectors import AccreditationStanding, accreditation_standing
from core.permissions import is_panel_chair, is_panel_member, is_staff_member

from .enums import ProjectVote, ResearcherFit
from .models import ChangeConflictDeclaration, ChangeVote
from .rules import DELEGATED_EXTENSION_MONTHS, ChangeFacts, Tally, quorum_met
from .selectors import rules_current


def change_request_facts(change_request: ChangeRequest, *, today: date | None = None) -> ChangeFacts:
    """What ``panel.rules.change_request_route`` reads of a change request."""
    today = today or timezone.localdate()
    kinds = frozenset(change_request_kinds(change_request))
    grant = change_request.grant
    within = False
    end = change_request.access_end or grant.access_end
    if ChangeKind.EXTENSION in kinds and grant.access_end:
        within = change_request.access_end <= months_later(grant.access_end, DELEGATED_EXTENSION_MONTHS)
    valid = True
    for member in change_request_members_after(change_request=change_request):
        profile = getattr(member.user, "researcher_profile", None) if member.user else None
        if accreditation_standing(profile, today=today, access_end=end) != AccreditationStanding.OK:
            valid = False
    return ChangeFacts(kinds=kinds, extension_within_limit=within, accreditations_valid=valid)


# --- who sees which change request ------------------------------------------------------------------

#: A change request reaches the panel and staff once submitted (never while the team is still
#: accepting); refused, decided and lapsed ones stay visible.
_SUBMITTED_ONWARDS = Q(submitted_at__isnull=False)


def change_requests_seen_by(user: User) -> QuerySet[ChangeRequest]:
    """Staff see every submitted change request; a panel member those routed to the panel; a chair
    those routed to the panel or to the chair."""
    qs = ChangeRequest.objects.filter(_SUBMITTED_ONWARDS)
    if is_staff_member(user):
        return qs
    if is_panel_chair(user):
        return qs.filter(route__in=[ChangeRoute.PANEL, ChangeRoute.CHAIR])
    if is_panel_member(user):
        return qs.filter(route=ChangeRoute.PANEL)
    return qs.none()


def change_request_for_panel(*, reference: str, user: User) -> ChangeRequest | None:
    return (
        change_requests_seen_by(user)
        .select_related("application", "application__lead__researcher_profile", "grant", "decided_by")
        .filter(reference=reference)
        .first()
    )


def change_conflict_for(*, change_request: ChangeRequest, user: User) -> ChangeConflictDeclaration | None:
    return ChangeConflictDeclaration.objects.filter(change_request=change_request, member=user).first()


# --- votes -------------------------------------------------------------------------------------------


def change_voting_is_open(change_request: ChangeRequest, *, now: datetime | None = None) -> bool:
    now = now or timezone.now()
    return (
        change_request.status == ChangeRequestStatus.SUBMITTED
        and change_request.route == ChangeRoute.PANEL
        and change_request.voting_deadline is not None
        and change_request.voting_deadline > now
    )


def change_votes_counted(change_request: ChangeRequest) -> QuerySet[ChangeVote]:
    conflicted = ChangeConflictDeclaration.objects.filter(
        change_request=change_request, has_conflict=True
    ).values("member_id")
    return (
        ChangeVote.objects.filter(change_request=change_request)
        .exclude(member_id__in=conflicted)
        .select_related("member")
        .order_by("cast_at")
    )


def change_vote_tally(change_request: ChangeRequest) -> Tally:
    votes = list(change_votes_counted(change_request))
    return Tally(
        approve=sum(v.project_vote == ProjectVote.APPROVE for v in votes),
        reject=sum(v.project_vote == ProjectVote.REJECT for v in votes),
        abstain=sum(v.project_vote == ProjectVote.ABSTAIN for v in votes),
        suitable=sum(v.researcher_fit == ResearcherFit.SUITABLE for v in votes),
        unsuitable=sum(v.researcher_fit == ResearcherFit.UNSUITABLE for v in votes),
    )


def change_my_vote(*, change_request: ChangeRequest, user: User) -> ChangeVote | None:
    return ChangeVote.objects.filter(change_request=change_request, member=user).first()


def change_votes_visible_to(
    *, change_request: ChangeRequest, user: User, now: datetime | None = None
) -> bool:
    """The rule of ``panel.selectors.votes_visible_to`` for a change request: a member sees the other
    votes only after declaring no conflict and voting, or once voting is over; staff once it is over."""
    over = change_request.status != ChangeRequestStatus.SUBMITTED or not change_voting_is_open(
        change_request, now=now
    )
    if is_staff_member(user):
        return over
    if not is_panel_member(user):
        return False
    declaration = change_conflict_for(change_request=change_request, user=user)
    if declaration is None or declaration.has_conflict:
        return False
    return over or change_my_vote(change_request=change_request, user=user) is not None


# --- who may decide ----------------------------------------------------------------------------------


def change_request_decider_refusal(
    *, change_request: ChangeRequest, user: User, now: datetime | None = None
) -> str | None:
    """None when ``user`` may decide the change request now, else why not (the service checks the
    same under the row lock): staff decide what the rule delegated; a chair without a conflict
    decides the rest, once the panel's quorum is met on what went to the panel."""
    if change_request.status != ChangeRequestStatus.SUBMITTED:
        return (
            f"{change_request.reference} is {change_request.get_status_display().lower()}: "
            "there is nothing to decide."
        )
    if change_request.route == ChangeRoute.STAFF:
        return None if is_staff_member(user) else "This change is delegated to staff."
    if not is_panel_chair(user):
        return "Only a panel chair decides this change."
    declaration = change_conflict_for(change_request=change_request, user=user)
    if declaration is None:
        return "Declare whether you have a conflict of interest before deciding."
    if declaration.has_conflict:
        return "You declared a conflict of interest on this change: another chair must decide it."
    if change_request.route == ChangeRoute.PANEL:
        rules = rules_current()
        tally = change_vote_tally(change_request)
        if not quorum_met(tally=tally, quorum=rules.quorum):
            return (
                f"The quorum is not met: {tally.counted} of the {rules.quorum} votes needed from members "
                "without a conflict have been cast."
            )
        if (
            change_voting_is_open(change_request, now=now)
            and change_my_vote(change_request=change_request, user=user) is None
        ):
            return (
                "Voting is still open: cast your own vote on this change, or wait for the deadline, "
                "before you decide."
            )
    return None


# --- lists -------------------------------------------------------------------------------------------


def panel_change_requests(*, user: User) -> QuerySet[ChangeRequest]:
    """The change requests waiting on this member or chair (open ones routed to them), nearest
    deadline first, each annotated with ``has_declared``, ``has_conflict`` and ``has_voted`` (the
    queue's "Change requests" list: ``panel.queue_selectors.panel_queue_for`` pages it)."""
    mine = ChangeConflictDeclaration.objects.filter(change_request=OuterRef("pk"), member=user)
    voted = ChangeVote.objects.filter(change_request=OuterRef("pk"), member=user)
    return (
        change_requests_seen_by(user)
        .filter(status=ChangeRequestStatus.SUBMITTED)
        .exclude(route=ChangeRoute.STAFF)
        .select_related("application", "application__lead__researcher_profile")
        .annotate(
            has_declared=Exists(mine),
            has_conflict=Exists(mine.filter(has_conflict=True)),
            has_voted=Exists(voted),
        )
        .order_by("voting_deadline", "submitted_at", "pk")
    )


def staff_change_request_list(*, open_only: bool = True) -> QuerySet[ChangeRequest]:
    """Change requests delegated to staff, oldest first (open ones), or every submitted one."""
    qs = ChangeRequest.objects.filter(_SUBMITTED_ONWARDS).select_related("application", "grant", "decided_by")
    if open_only:
        return qs.filter(route=ChangeRoute.STAFF, status=ChangeRequestStatus.SUBMITTED).order_by(
            "submitted_at", "pk"
        )
    return qs.order_by("-submitted_at", "-pk")
