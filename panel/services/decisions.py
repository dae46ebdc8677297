"""What the panel does when an application announces something, the decision, and revocation."""

from collections.abc import Sequence
from datetime import date

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from accounts.models import User
from applications.enums import AWAITING_SCREENING, REVIEWING, ApplicationStatus, GrantStatus
from applications.grant_services import grant_close, grant_issue_for_approval
from applications.models import Application
from applications.selectors import (
    application_team_emails,
    application_team_snapshot,
    application_use_condition_matches,
)
from applications.services import application_transition
from core.errors import DomainError, InvalidTransition, NotPermitted
from core.links import absolute_url
from core.permissions import is_panel_chair, is_staff_member
from core.services import audit_batch, email_queue

from ..enums import (
    APPROVALS,
    DecisionOutcome,
    PanelAuditAction,
    Recommendation,
)
from ..models import (
    Decision,
    Revocation,
)
from ..rules import recommend
from ..selectors import (
    chair_may_decide,
    conflict_for,
    reviewers_without_conflict,
    rules_current,
    vote_tally,
)
from ..signals import access_revoked, decision_recorded
from ._common import AUTOMATIC_PUBLIC_RATIONALE, _lock, _url

# --- what the panel does when applications announce something (panel/receivers.py) ----------------


def application_screen_use_conditions(*, application: Application) -> Decision | None:
    """The rule "a request that breaks a deposit's use conditions is rejected automatically": run on
    every submission and resubmission, inside the submitting transaction. Returns the automatic
    decision, or None when nothing matches (the application waits for the staff's screening)."""
    matches = application_use_condition_matches(application=application)
    if not matches:
        return None
    return decision_record_automatic_rejection(application=application, matches=matches)


def submission_staff_alert(*, application: Application, version) -> None:
    """Tell the archive staff (settings.STAFF_ALERT_EMAIL) that a version waits for their screening:
    a new submission or a resubmission. Nothing when it was rejected automatically on submission."""
    status = Application.objects.filter(pk=application.pk).values_list("status", flat=True).get()
    if status not in AWAITING_SCREENING:  # the automatic rejection changed it in this transaction
        return
    email_queue(
        to=[settings.STAFF_ALERT_EMAIL],
        template="panel/submission_to_screen",
        context={
            "application": application,
            "version": version,
            "resubmitted": status == ApplicationStatus.RESUBMITTED,
            "url": _url("panel:staff_application", application.reference),
        },
    )


def withdrawal_reviewers_notify(*, application: Application, previous_status: str) -> None:
    """Tell the panel members and chairs reviewing an application (its review was open; they did not
    declare a conflict) that the team withdrew it, so nobody spends more time on it."""
    if previous_status not in REVIEWING or application.review_opened_at is None:
        return
    reviewers = [m.user.email for m in reviewers_without_conflict(application)]
    email_queue(
        to=reviewers,
        template="panel/withdrawn",
        context={"application": application, "url": _url("panel:review", application.reference)},
    )


# --- decisions -----------------------------------------------------------------------------------


def _decision_email(decision: Decision) -> None:
    application = decision.application
    email_queue(
        # The team's current addresses (application_team_emails), from the snapshot the decision took
        # of the same accepted members a moment ago in this transaction; email_queue sorts and dedupes.
        to=[member["email"] for member in decision.team],
        template="panel/decision",
        context={
            "application": application,
            "decision": decision,
            "url": _url("panel:decision_letter", application.reference),
        },
    )


@transaction.atomic
@audit_batch()  # inside the transaction: the decision's, grant 1's and the ONS queue's events in one INSERT
def decision_record(
    *,
    application: Application,
    chair: User,
    outcome: str,
    rationale: str,
    public_rationale: str = "",
    conditions: str = "",
    access_end: date | None = None,
    departure_reason: str = "",
) -> Decision:
    """The chair records the binding decision. Only a chair without a conflict, once the quorum is
    met; departing from the recommended outcome needs a reason. Two chairs at once: the row lock
    serialises them and the second is told the application has been decided. Each fact is read once
    under the lock (the chair's declaration, the rules, the tally, the team) and the audit events
    are written together (tests/panel/test_decision_queries.py pins the count)."""
    if outcome not in DecisionOutcome.values:
        raise DomainError("Choose approve, approve with conditions or reject.", field="outcome")
    rationale = (rationale or "").strip()
    conditions = (conditions or "").strip()
    departure_reason = (departure_reason or "").strip()
    if not rationale:
        raise DomainError("Give the rationale for the decision.", field="rationale")
    public_rationale = (public_rationale or "").strip()
    if len(public_rationale) > 1000:
        raise DomainError("Keep the public rationale to 1,000 characters.", field="public_rationale")
    if outcome == DecisionOutcome.APPROVED_WITH_CONDITIONS and not conditions:
        raise DomainError("Write the conditions of the approval.", field="conditions")
    if outcome != DecisionOutcome.APPROVED_WITH_CONDITIONS and conditions:
        raise DomainError("Conditions go with an approval with conditions only.", field="conditions")
    if not is_panel_chair(chair):
        raise NotPermitted("Only a panel chair can record the decision.")
    application = _lock(application)
    declaration = conflict_for(application=application, user=chair)
    if declaration is not None and declaration.has_conflict:
        raise NotPermitted(
            "You declared a conflict of interest on this application: another chair must decide it."
        )
    rules = rules_current()
    tally = vote_tally(application)
    refusal = chair_may_decide(
        application=application, chair=chair, declaration=declaration, rules=rules, tally=tally
    )
    if refusal:
        raise DomainError(refusal)
    recommended = recommend(tally=tally, quorum=rules.quorum, outcome_rule=rules.outcome_rule)
    follows = (outcome in APPROVALS) == (recommended == Recommendation.APPROVE)
    if not follows and not departure_reason:
        raise DomainError(
            f"The recommended outcome is {Recommendation(recommended).label.lower()}; "
            "give the reason for departing from it.",
            field="departure_reason",
        )
    if follows:
        departure_reason = ""
    access_start = application.access_start
    if outcome in APPROVALS:
        if access_end is None:
            access_end = application.access_end
        elif application.access_end and access_end > application.access_end:
            raise DomainError(
                "The access end cannot be later than the end the team asked for.", field="access_end"
            )
        if access_end and access_start and access_end < access_start:
            raise DomainError("The access end cannot be before the access start.", field="access_end")
    else:
        access_start = access_end = None
    try:
        # No savepoint of its own: the refusal below rolls this whole block back, so none is needed.
        decision = Decision.objects.create(
            application=application,
            outcome=outcome,
            rationale=rationale,
            public_rationale=public_rationale,
            conditions=conditions,
            access_start=access_start,
            access_end=access_end,
            decided_by=chair,
            is_automatic=False,
            recommended_outcome=recommended,
            departure_reason=departure_reason,
            rules=rules.snapshot(),
            team=application_team_snapshot(application=application),
            version_number=application.version_number,
        )
    except IntegrityError as exc:  # belt and braces: the lock above already serialises chairs
        raise DomainError(
            f"{application.reference} has already been decided; a decision cannot be changed."
        ) from exc
    application_transition(
        application=application,
        to=ApplicationStatus.APPROVED if outcome in APPROVALS else ApplicationStatus.REJECTED,
        actor=chair,
        action=PanelAuditAction.DECISION_RECORDED,
        data={
            "decision": decision.pk,
            "outcome": outcome,
            "recommended": recommended,
            "departure_reason": departure_reason,
            "tally": {
                "approve": tally.approve,
                "reject": tally.reject,
                "abstain": tally.abstain,
                "unsuitable": tally.unsuitable,
            },
            "rules": decision.rules,
        },
    )
    grant = None
    if outcome in APPROVALS:
        grant = grant_issue_for_approval(application=application, actor=chair, decision=decision)  # grant 1
    # Notifications tells ONS, in this transaction; ``grant`` (grant 1, None for a rejection) spares
    # it reading the grant and its datasets again. Before the team's email, so that on commit ONS's
    # delivery is handed to the worker first.
    decision_recorded.send(sender=Decision, decision=decision, grant=grant)
    _decision_email(decision)
    return decision


def automatic_rejection_rationale(matches: Sequence) -> str:
    lines = [
        "The application was rejected automatically on submission, without a panel vote, because it "
        "conflicts with the use conditions of the data it requests:"
    ]
    lines += [f"- {match.describe()}" for match in matches]
    return "\n".join(lines)


@transaction.atomic
def decision_record_automatic_rejection(*, application: Application, matches: Sequence) -> Decision:
    """Reject at once, as a decision by the system, an application whose declared sensitive uses or
    organisation sector break a requested deposit's use conditions. Called by
    ``application_screen_use_conditions`` inside the submit or resubmit transaction, with the row
    locked in status submitted or resubmitted; ``matches`` are ``deposits.selectors.UseConditionMatch``."""
    if not matches:
        raise DomainError("There is no use-condition match to reject on.")
    application = _lock(application)
    if application.status not in AWAITING_SCREENING:
        raise InvalidTransition(
            f"{application.reference} is {application.get_status_display().lower()}; only a just-submitted "
            "application is rejected automatically."
        )
    rationale = automatic_rejection_rationale(matches)
    try:
        with transaction.atomic():
            decision = Decision.objects.create(
                application=application,
                outcome=DecisionOutcome.REJECTED,
                rationale=rationale,
                public_rationale=AUTOMATIC_PUBLIC_RATIONALE,
                decided_by=None,
                is_automatic=True,
                recommended_outcome=Recommendation.REJECT,
                rules={**rules_current().snapshot(), "automatic": "use_conditions"},
                team=application_team_snapshot(application=application),
                version_number=application.version_number,
            )
    except IntegrityError as exc:
        raise DomainError(f"{application.reference} has already been decided.") from exc
    application_transition(
        application=application,
        to=ApplicationStatus.REJECTED,
        actor=None,
        action=PanelAuditAction.DECISION_AUTOMATIC,
        data={
            "decision": decision.pk,
            "matches": [
                {"deposit": m.deposit_reference, "kind": m.kind, "condition": m.condition} for m in matches
            ],
        },
    )
    _decision_email(decision)
    decision_recorded.send(sender=Decision, decision=decision)  # notifications tells ONS, in this transaction
    return decision


# --- revocation ----------------------------------------------------------------------------------


@transaction.atomic
def application_revoke(*, application: Application, actor: User, reason: str) -> Revocation:
    """Staff withdraw an approved application's access. The panel announces ``access_revoked`` in
    this transaction; the notifications app sends ONS ``access.revoked`` (notifications/receivers.py)."""
    if not is_staff_member(actor):
        raise NotPermitted("Only the archive staff can revoke access.")
    reason = (reason or "").strip()
    if not reason:
        raise DomainError("Give the reason for revoking access.", field="reason")
    app = Application.objects.select_for_update().get(pk=application.pk)
    if app.status != ApplicationStatus.APPROVED:
        if app.status == ApplicationStatus.REJECTED:
            message = f"{app.reference} was rejected: it never had access, so there is nothing to revoke."
        elif app.status == ApplicationStatus.REVOKED:
            message = f"{app.reference}'s access has already been revoked."
        else:
            message = (
                f"{app.reference} is {app.get_status_display().lower()}: only an approved application's "
                "access can be revoked."
            )
        raise InvalidTransition(message)
    now = timezone.now()
    revocation = Revocation.objects.create(application=app, reason=reason, revoked_by=actor, revoked_at=now)
    application_transition(
        application=app,
        to=ApplicationStatus.REVOKED,
        actor=actor,
        action=PanelAuditAction.ACCESS_REVOKED,
        data={"reason": reason, "revocation": revocation.pk},
    )
    grant_close(application=app, to=GrantStatus.REVOKED, actor=actor, reason=reason)
    access_revoked.send(sender=Revocation, revocation=revocation)  # notifications tells ONS, in here
    email_queue(
        to=application_team_emails(application=app),
        template="notifications/access_revoked",
        context={
            "application": app,
            "revocation": revocation,
            "url": absolute_url("applications:detail", pk=app.pk),
        },
    )
    return revocation
