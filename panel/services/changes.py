"""Change requests on a live grant, the panel's and staff's side: screening against the use
conditions, routing (``panel.rules.change_request_route``), conflicts and votes, and the decision,
whose approval issues the next grant and announces ``grant_changed``."""

from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from accounts.models import User
from applications.enums import ChangeKind, ChangeRequestStatus, ChangeRoute
from applications.grant_selectors import change_request_kinds, change_request_use_condition_matches
from applications.grant_services import (
    change_request_grant_next,
    change_request_lock,
    change_request_proposals_drop,
    change_request_transition,
)
from applications.models import ChangeRequest, Grant
from applications.selectors import application_team_emails
from core.errors import DomainError, InvalidTransition, NotPermitted
from core.links import absolute_url
from core.permissions import is_panel_member, is_staff_member
from core.services import audit_record, email_queue

from ..change_selectors import (
    change_conflict_for,
    change_request_decider_refusal,
    change_request_facts,
    change_vote_tally,
    change_voting_is_open,
)
from ..enums import PanelAuditAction, ProjectVote, Recommendation, ResearcherFit
from ..models import ChangeConflictDeclaration, ChangeVote
from ..rules import change_request_route, recommend
from ..selectors import membership_list_current, rules_current
from ..signals import grant_changed
from ._common import _vote_save

#: How long the panel has to vote on a change request routed to it.
CHANGE_VOTING_DAYS = 14

#: The outcomes of a change request's decision.
APPROVE, REJECT = "approve", "reject"


def _team_url(change_request: ChangeRequest) -> str:
    return absolute_url(
        "applications:change_request", pk=change_request.application_id, number=change_request.number
    )


def _panel_url(change_request: ChangeRequest) -> str:
    return absolute_url("panel:change_review", reference=change_request.reference)


# --- on submission (panel/receivers.py) --------------------------------------------------------------


def change_request_screen_use_conditions(*, change_request: ChangeRequest) -> ChangeRequest | None:
    """The rule that rejects a new application automatically (``applications.selectors.
    use_condition_matches``), on the grant as the change would make it: a change request whose
    deposits, declared uses or team sectors break a use condition is refused at once, with the
    reason, and stays refused. Returns it refused, or None when nothing matches."""
    change_request = change_request_lock(change_request=change_request)
    if change_request.status != ChangeRequestStatus.SUBMITTED:
        return None
    matches = change_request_use_condition_matches(change_request=change_request)
    if not matches:
        return None
    reason = "\n".join(
        [
            "The change was refused automatically, without a decision, because the grant it would "
            "make conflicts with the use conditions of the data:",
            *[f"- {match.describe()}" for match in matches],
        ]
    )
    change_request.refusal_reason = reason
    change_request_transition(
        change_request=change_request,
        to=ChangeRequestStatus.REFUSED,
        actor=None,
        action=PanelAuditAction.CHANGE_REFUSED,
        data={
            "matches": [
                {"deposit": m.deposit_reference, "kind": m.kind, "condition": m.condition} for m in matches
            ]
        },
        extra_fields=("refusal_reason",),
    )
    change_request_proposals_drop(change_request=change_request)
    _decision_email(change_request)
    return change_request


def change_request_route_assign(*, change_request: ChangeRequest) -> ChangeRequest | None:
    """Route a submitted change request by ``panel.rules.change_request_route`` (audited with the
    rule and its reason) and tell whoever decides: staff (the shared mailbox), the chairs, or every
    current panel member (voting open for ``CHANGE_VOTING_DAYS``). None when it was refused."""
    change_request = change_request_lock(change_request=change_request)
    if change_request.status != ChangeRequestStatus.SUBMITTED or change_request.route:
        return None
    routing = change_request_route(change_request_facts(change_request))
    change_request.route = routing.route
    change_request.route_reason = routing.reason
    fields = ["route", "route_reason", "updated_at"]
    if routing.route == ChangeRoute.PANEL:
        change_request.voting_deadline = timezone.now() + timedelta(days=CHANGE_VOTING_DAYS)
        fields.append("voting_deadline")
    change_request.save(update_fields=fields)
    audit_record(
        actor=None,
        action=PanelAuditAction.CHANGE_ROUTED,
        target=change_request.application,
        data={
            "change_request": change_request.reference,
            "route": routing.route,
            "rule": routing.rule,
            "reason": routing.reason,
            "kinds": change_request_kinds(change_request),
        },
    )
    if routing.route == ChangeRoute.STAFF:
        recipients = [settings.STAFF_ALERT_EMAIL]
        url = absolute_url("panel:staff_change_request", reference=change_request.reference)
    else:
        members = membership_list_current()
        if routing.route == ChangeRoute.CHAIR:
            members = [m for m in members if m.is_chair]
        recipients = [m.user.email for m in members if m.user.is_active]
        url = _panel_url(change_request)
    email_queue(
        to=recipients,
        template="panel/change_request_to_decide",
        context={
            "change_request": change_request,
            "application": change_request.application,
            "staff_route": routing.route == ChangeRoute.STAFF,
            "chair_route": routing.route == ChangeRoute.CHAIR,
            "url": url,
        },
    )
    return change_request


# --- conflicts and votes -----------------------------------------------------------------------------


def _ensure_panel_route(change_request: ChangeRequest, what: str) -> None:
    if change_request.status != ChangeRequestStatus.SUBMITTED or change_request.route not in {
        ChangeRoute.PANEL,
        ChangeRoute.CHAIR,
    }:
        raise InvalidTransition(
            f"{change_request.reference} is not waiting for the panel; nothing to {what}."
        )


@transaction.atomic
def change_conflict_declare(
    *, change_request: ChangeRequest, member: User, has_conflict: bool, reason: str = ""
) -> ChangeConflictDeclaration:
    """A member answers "do you have a conflict of interest?" before seeing the change. A
    declaration of no conflict may later become a conflict; a conflict is never withdrawn."""
    if not is_panel_member(member):
        raise NotPermitted("Only panel members declare conflicts of interest.")
    change_request = change_request_lock(change_request=change_request)
    _ensure_panel_route(change_request, "declare")
    reason = (reason or "").strip()
    if has_conflict and not reason:
        raise DomainError("Give the reason for the conflict of interest.", field="reason")
    declaration = (
        ChangeConflictDeclaration.objects.select_for_update()
        .filter(change_request=change_request, member=member)
        .first()
    )
    if declaration is not None:
        if declaration.has_conflict or not has_conflict:
            raise DomainError("You have already declared on this change.")
        declaration.has_conflict, declaration.reason, declaration.declared_at = True, reason, timezone.now()
        declaration.save(update_fields=["has_conflict", "reason", "declared_at"])
    else:
        declaration = ChangeConflictDeclaration.objects.create(
            change_request=change_request, member=member, has_conflict=has_conflict, reason=reason
        )
    audit_record(
        actor=member,
        action=PanelAuditAction.CHANGE_CONFLICT_DECLARED,
        target=change_request.application,
        data={"change_request": change_request.reference, "has_conflict": has_conflict, "reason": reason},
    )
    return declaration


@transaction.atomic
def change_vote_cast(
    *,
    change_request: ChangeRequest,
    member: User,
    project_vote: str,
    researcher_fit: str,
    project_comment: str = "",
    researcher_fit_comment: str = "",
) -> ChangeVote:
    """Cast, or change until voting closes, a member's two-part vote on a change routed to the panel."""
    if not is_panel_member(member):
        raise NotPermitted("Only panel members vote.")
    if project_vote not in ProjectVote.values:
        raise DomainError("Choose approve, reject or abstain for the project.", field="project_vote")
    if researcher_fit not in ResearcherFit.values:
        raise DomainError("Choose suitable or unsuitable for the researchers' fit.", field="researcher_fit")
    change_request = change_request_lock(change_request=change_request)
    declaration = change_conflict_for(change_request=change_request, user=member)
    if declaration is None:
        raise NotPermitted("Declare whether you have a conflict of interest before voting.")
    if declaration.has_conflict:
        raise NotPermitted("You declared a conflict of interest on this change, so you cannot vote on it.")
    if not change_voting_is_open(change_request):
        raise InvalidTransition(f"Voting on {change_request.reference} is closed.")
    vote, cast = _vote_save(
        ChangeVote,
        key={"change_request": change_request, "member": member},
        project_vote=project_vote,
        researcher_fit=researcher_fit,
        project_comment=project_comment,
        researcher_fit_comment=researcher_fit_comment,
    )
    audit_record(
        actor=member,
        action=PanelAuditAction.CHANGE_VOTE_CAST if cast else PanelAuditAction.CHANGE_VOTE_CHANGED,
        target=change_request.application,
        data={
            "change_request": change_request.reference,
            "vote": vote.pk,
            "project": project_vote,
            "researcher_fit": researcher_fit,
        },
    )
    return vote


# --- the decision ------------------------------------------------------------------------------------


def _decision_email(change_request: ChangeRequest) -> None:
    email_queue(
        to=application_team_emails(application=change_request.application),
        template="panel/change_request_decided",
        context={
            "change_request": change_request,
            "application": change_request.application,
            "approved": change_request.status == ChangeRequestStatus.APPROVED,
            "refused": change_request.status == ChangeRequestStatus.REFUSED,
            "url": _team_url(change_request),
        },
    )


def grant_change_kind(change_request: ChangeRequest) -> str:
    """ "extended" when only the access end changed, else "amended" (what ONS is told)."""
    return "extended" if change_request_kinds(change_request) == [ChangeKind.EXTENSION] else "amended"


@transaction.atomic
def change_request_decide(
    *,
    change_request: ChangeRequest,
    actor: User,
    outcome: str,
    rationale: str,
    departure_reason: str = "",
) -> ChangeRequest:
    """Approve or reject a submitted change request: staff under the delegation, else a chair without
    a conflict (after the panel's quorum, for what went to the panel; departing from the panel's
    recommendation needs a reason). An approval issues grant n+1 superseding grant n, with the team's
    changes, and announces ``grant_changed``; a rejection leaves the grant as it is. The team is
    emailed either way. Two deciders at once: the row lock serialises them and the second is told
    it has been decided."""
    if outcome not in {APPROVE, REJECT}:
        raise DomainError("Choose approve or reject.", field="outcome")
    rationale = (rationale or "").strip()
    if not rationale:
        raise DomainError("Give the rationale for the decision.", field="rationale")
    departure_reason = (departure_reason or "").strip()
    change_request = change_request_lock(change_request=change_request)
    refusal = change_request_decider_refusal(change_request=change_request, user=actor)
    if refusal:
        if change_request.status != ChangeRequestStatus.SUBMITTED:
            raise InvalidTransition(refusal)
        if change_request.route == ChangeRoute.STAFF and not is_staff_member(actor):
            raise NotPermitted(refusal)
        raise DomainError(refusal)
    data: dict = {
        "outcome": outcome,
        "route": change_request.route,
        "route_reason": change_request.route_reason,
    }
    if change_request.route == ChangeRoute.STAFF:
        data["rule"] = "panel.rules.change_request_route"  # the delegation that allowed staff to decide
    if change_request.route == ChangeRoute.PANEL:
        rules = rules_current()
        tally = change_vote_tally(change_request)
        recommended = recommend(tally=tally, quorum=rules.quorum, outcome_rule=rules.outcome_rule)
        follows = (outcome == APPROVE) == (recommended == Recommendation.APPROVE)
        if not follows and not departure_reason:
            raise DomainError(
                f"The panel's recommendation is {Recommendation(recommended).label.lower()}; "
                "give the reason for departing from it.",
                field="departure_reason",
            )
        data.update(
            recommended=recommended,
            departure_reason="" if follows else departure_reason,
            tally={
                "approve": tally.approve,
                "reject": tally.reject,
                "abstain": tally.abstain,
                "unsuitable": tally.unsuitable,
            },
            rules=rules.snapshot(),
        )
    change_request.rationale = rationale
    change_request.decided_by = actor
    change_request_transition(
        change_request=change_request,
        to=ChangeRequestStatus.APPROVED if outcome == APPROVE else ChangeRequestStatus.REJECTED,
        actor=actor,
        action=PanelAuditAction.CHANGE_DECIDED,
        data=data,
        extra_fields=("rationale", "decided_by"),
    )
    if outcome == APPROVE:
        previous = Grant.objects.get(pk=change_request.grant_id)
        grant = change_request_grant_next(change_request=change_request, actor=actor)
        previous.refresh_from_db()
        grant_changed.send(
            sender=Grant,
            grant=grant,
            previous=previous,
            kind=grant_change_kind(change_request),
            change_request=change_request,
        )
    else:
        change_request_proposals_drop(change_request=change_request)
    _decision_email(change_request)
    return change_request
