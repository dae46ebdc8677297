"""Every write of the panel. Each function locks what it changes, checks the rule, writes the change,
its audit event and any email in one transaction."""

from collections.abc import Sequence
from datetime import date, datetime, timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from accounts.enums import Role
from accounts.models import User
from accounts.services import user_change_role
from applications.enums import AWAITING_SCREENING, QUERYABLE, REVIEWING, ApplicationStatus
from applications.models import Application, ApplicationQuery
from applications.selectors import (
    application_team_emails,
    application_team_snapshot,
    application_use_condition_matches,
)
from applications.services import application_transition
from core.errors import DomainError, InvalidTransition, NotPermitted
from core.links import absolute_url
from core.permissions import is_panel_chair, is_panel_member, is_staff_member
from core.services import audit_record, email_queue

from .enums import (
    APPROVALS,
    DecisionOutcome,
    OutcomeRule,
    PanelAuditAction,
    ProjectVote,
    Recommendation,
    ReminderKind,
    ResearcherFit,
)
from .models import (
    ConflictDeclaration,
    Decision,
    MemberInterest,
    PanelMembership,
    PanelRules,
    QuorumNotice,
    Revocation,
    Vote,
    VoteReminder,
)
from .selectors import (
    chair_may_decide,
    conflict_for,
    membership_list_current,
    recommendation_for,
    reviewers_without_conflict,
    rules_current,
    vote_tally,
    voting_is_open,
)
from .signals import access_revoked, decision_recorded

AUTOMATIC_PUBLIC_RATIONALE = "Rejected automatically: the request conflicts with the data's use conditions."

#: Reminders go this long before the deadline (and only once each).
REMINDER_OFFSETS = {ReminderKind.THREE_DAYS: timedelta(days=3), ReminderKind.ONE_DAY: timedelta(days=1)}


def _lock(application: Application) -> Application:
    return Application.objects.select_for_update().select_related("lead").get(pk=application.pk)


def _url(name: str, reference: str) -> str:
    return absolute_url(name, reference=reference)


def _require_staff(actor: User, what: str) -> None:
    if not is_staff_member(actor):
        raise NotPermitted(f"Only staff can {what}.")


# --- the panel's rules ---------------------------------------------------------------------------


@transaction.atomic
def panel_rules_update(*, actor: User, quorum: int, outcome_rule: str) -> PanelRules:
    """Staff change the quorum and the outcome rule. They apply to every recommendation from now on;
    each decision keeps a copy of the rules it was made under."""
    _require_staff(actor, "change the panel's rules")
    rules_current()  # makes sure the single row exists
    rules = PanelRules.objects.select_for_update().get(pk=PanelRules.SINGLETON_ID)
    if outcome_rule not in OutcomeRule.values:
        raise DomainError("Choose majority or unanimous.", field="outcome_rule")
    if quorum < 1:
        raise DomainError("The quorum is at least one vote.", field="quorum")
    members = membership_list_current().count()
    if quorum > members:
        raise DomainError(
            f"The panel has {members} current member{'s' if members != 1 else ''}: a quorum of {quorum} "
            "votes could never be met.",
            field="quorum",
        )
    before = rules.snapshot()
    if before == {"quorum": quorum, "outcome_rule": outcome_rule}:
        return rules
    rules.quorum, rules.outcome_rule = quorum, outcome_rule
    rules.full_clean()
    rules.save(update_fields=["quorum", "outcome_rule", "updated_at"])
    audit_record(
        actor=actor,
        action=PanelAuditAction.RULES_CHANGED,
        target=rules,
        data={"from": before, "to": rules.snapshot()},
    )
    return rules


# --- membership and interests --------------------------------------------------------------------


@transaction.atomic
def panel_member_add(*, actor: User, user: User, is_chair: bool = False) -> PanelMembership:
    """Staff put someone on the panel (as a member or a chair); their role follows."""
    _require_staff(actor, "change the panel's membership")
    user = User.objects.select_for_update().get(pk=user.pk)
    if user.is_portal_staff:
        raise DomainError("A member of staff cannot sit on the panel; use a separate account.")
    if not user.is_active:
        raise DomainError("This account is closed.")
    current = PanelMembership.objects.select_for_update().filter(user=user, ended_at__isnull=True).first()
    if current is not None:
        if current.is_chair == is_chair:
            raise DomainError(
                f"{user.get_full_name()} is already a panel {'chair' if is_chair else 'member'}."
            )
        current.is_chair = is_chair
        current.save(update_fields=["is_chair"])
        membership = current
        action = PanelAuditAction.MEMBER_CHAIR_CHANGED
    else:
        membership = PanelMembership.objects.create(user=user, is_chair=is_chair, added_by=actor)
        action = PanelAuditAction.MEMBER_ADDED
    user_change_role(actor=actor, user=user, role=Role.PANEL_CHAIR if is_chair else Role.PANEL_MEMBER)
    audit_record(actor=actor, action=action, target=membership, data={"user": user.pk, "is_chair": is_chair})
    return membership


@transaction.atomic
def panel_member_remove(*, actor: User, membership: PanelMembership) -> PanelMembership:
    """Staff end a membership; the person becomes a researcher again (the row is kept)."""
    _require_staff(actor, "change the panel's membership")
    membership = PanelMembership.objects.select_for_update().select_related("user").get(pk=membership.pk)
    if membership.ended_at is not None:
        raise DomainError("This membership has already ended.")
    membership.ended_at = timezone.now()
    membership.ended_by = actor
    membership.save(update_fields=["ended_at", "ended_by"])
    user_change_role(actor=actor, user=membership.user, role=Role.RESEARCHER)
    audit_record(
        actor=actor,
        action=PanelAuditAction.MEMBER_ENDED,
        target=membership,
        data={"user": membership.user_id},
    )
    return membership


@transaction.atomic
def member_interest_declare(*, actor: User, member: User, description: str) -> MemberInterest:
    """A member records a standing interest (staff may record one on a member's behalf)."""
    if actor.pk != member.pk:
        _require_staff(actor, "record an interest for someone else")
    elif not is_panel_member(actor):
        raise NotPermitted("Only panel members declare interests.")
    description = (description or "").strip()
    if not description:
        raise DomainError("Describe the interest.", field="description")
    interest = MemberInterest.objects.create(member=member, description=description)
    audit_record(
        actor=actor, action=PanelAuditAction.INTEREST_DECLARED, target=interest, data={"member": member.pk}
    )
    return interest


@transaction.atomic
def member_interest_withdraw(*, actor: User, interest: MemberInterest) -> MemberInterest:
    interest = MemberInterest.objects.select_for_update().get(pk=interest.pk)
    if actor.pk != interest.member_id:
        _require_staff(actor, "withdraw someone else's interest")
    if interest.withdrawn_at is not None:
        return interest
    interest.withdrawn_at = timezone.now()
    interest.save(update_fields=["withdrawn_at"])
    audit_record(actor=actor, action=PanelAuditAction.INTEREST_WITHDRAWN, target=interest)
    return interest


# --- screening and queries -----------------------------------------------------------------------


@transaction.atomic
def review_open(*, application: Application, actor: User, voting_deadline: datetime) -> Application:
    """Staff, having screened a submitted (or resubmitted) application, open it for the panel's vote."""
    _require_staff(actor, "open an application for review")
    application = _lock(application)
    if application.status not in AWAITING_SCREENING:
        raise InvalidTransition(
            f"{application.reference} is {application.get_status_display().lower()}; only a submitted or "
            "resubmitted application can be opened for review."
        )
    if voting_deadline <= timezone.now() + timedelta(hours=1):
        raise DomainError(
            "The voting deadline must be in the future (at least an hour from now).", field="voting_deadline"
        )
    previous_deadline = application.voting_deadline
    application.voting_deadline = voting_deadline
    application_transition(
        application=application,
        to=ApplicationStatus.UNDER_REVIEW,
        actor=actor,
        action=PanelAuditAction.REVIEW_OPENED,
        data={
            "voting_deadline": voting_deadline.isoformat(),
            "previous_deadline": previous_deadline.isoformat() if previous_deadline else None,
            "version": application.version_number,
        },
        extra_fields=("voting_deadline",),
    )
    recipients = [m.user.email for m in membership_list_current()]
    email_queue(
        to=recipients,
        template="panel/review_opened",
        context={"application": application, "url": _url("panel:review", application.reference)},
    )
    return application


@transaction.atomic
def application_query_raise(*, application: Application, actor: User, questions: str) -> ApplicationQuery:
    """The chair (or staff on the chair's behalf) puts questions to the team; the application waits in
    *queried* until the team answers and resubmits. Votes on this version become stale then."""
    questions = (questions or "").strip()
    if not questions:
        raise DomainError("Write the questions for the applicants.", field="questions")
    application = _lock(application)
    if is_panel_chair(actor):
        declaration = conflict_for(application=application, user=actor)
        if declaration is None:
            raise NotPermitted(
                "Declare whether you have a conflict of interest before querying the applicants."
            )
        if declaration.has_conflict:
            raise NotPermitted(
                "You declared a conflict of interest on this application; another chair must query it."
            )
    elif not is_staff_member(actor):
        raise NotPermitted("Only the chair or staff can query the applicants.")
    if application.status not in QUERYABLE:
        raise InvalidTransition(
            f"{application.reference} is {application.get_status_display().lower()}; "
            "it cannot be queried now."
        )
    query = ApplicationQuery(
        application=application,
        version_number=application.version_number,
        questions=questions,
        raised_by=actor,
    )
    query.full_clean()
    query.save()
    application_transition(
        application=application,
        to=ApplicationStatus.QUERIED,
        actor=actor,
        action=PanelAuditAction.QUERY_RAISED,
        data={"query": query.pk, "version": application.version_number},
    )
    email_queue(
        to=application_team_emails(application=application),
        template="panel/query_raised",
        context={
            "application": application,
            "query": query,
            "url": absolute_url("applications:queries", pk=application.pk),
        },
    )
    return query


# --- conflicts and votes -------------------------------------------------------------------------


@transaction.atomic
def conflict_declare(
    *, application: Application, member: User, has_conflict: bool, reason: str = ""
) -> ConflictDeclaration:
    """A member answers "do you have a conflict of interest?" before seeing the application. A
    declaration of no conflict may later become a conflict (then the member's votes stop counting);
    a conflict is never withdrawn."""
    if not is_panel_member(member):
        raise NotPermitted("Only panel members declare conflicts of interest.")
    application = _lock(application)
    if application.status not in REVIEWING or application.review_opened_at is None:
        raise InvalidTransition(f"{application.reference} is not under review; nothing to declare.")
    reason = (reason or "").strip()
    if has_conflict and not reason:
        raise DomainError("Give the reason for the conflict of interest.", field="reason")
    declaration = (
        ConflictDeclaration.objects.select_for_update().filter(application=application, member=member).first()
    )
    if declaration is not None:
        if declaration.has_conflict or not has_conflict:
            raise DomainError("You have already declared on this application.")
        declaration.has_conflict = True
        declaration.reason = reason
        declaration.declared_at = timezone.now()
        declaration.save(update_fields=["has_conflict", "reason", "declared_at"])
    else:
        declaration = ConflictDeclaration.objects.create(
            application=application, member=member, has_conflict=has_conflict, reason=reason
        )
    audit_record(
        actor=member,
        action=PanelAuditAction.CONFLICT_DECLARED,
        target=application,
        data={"has_conflict": has_conflict, "reason": reason},
    )
    return declaration


@transaction.atomic
def vote_cast(
    *,
    application: Application,
    member: User,
    project_vote: str,
    researcher_fit: str,
    project_comment: str = "",
    researcher_fit_comment: str = "",
) -> Vote:
    """Cast, or change until voting closes, a member's vote on the current version."""
    if not is_panel_member(member):
        raise NotPermitted("Only panel members vote.")
    if project_vote not in ProjectVote.values:
        raise DomainError("Choose approve, reject or abstain for the project.", field="project_vote")
    if researcher_fit not in ResearcherFit.values:
        raise DomainError("Choose suitable or unsuitable for the researcher's fit.", field="researcher_fit")
    application = _lock(application)
    declaration = conflict_for(application=application, user=member)
    if declaration is None:
        raise NotPermitted("Declare whether you have a conflict of interest before voting.")
    if declaration.has_conflict:
        raise NotPermitted(
            "You declared a conflict of interest on this application, so you cannot vote on it."
        )
    if not voting_is_open(application):
        raise InvalidTransition(f"Voting on {application.reference} is closed.")
    now = timezone.now()
    vote = Vote.objects.filter(
        application=application, member=member, version_number=application.version_number
    ).first()
    fields = {
        "project_vote": project_vote,
        "project_comment": (project_comment or "").strip(),
        "researcher_fit": researcher_fit,
        "researcher_fit_comment": (researcher_fit_comment or "").strip(),
    }
    if vote is None:
        vote = Vote.objects.create(
            application=application,
            member=member,
            version_number=application.version_number,
            cast_at=now,
            updated_at=now,
            **fields,
        )
        action = PanelAuditAction.VOTE_CAST
    else:
        for name, value in fields.items():
            setattr(vote, name, value)
        vote.updated_at = now
        vote.save(update_fields=[*fields, "updated_at"])
        action = PanelAuditAction.VOTE_CHANGED
    audit_record(
        actor=member,
        action=action,
        target=application,
        data={
            "vote": vote.pk,
            "version": vote.version_number,
            "project": project_vote,
            "researcher_fit": researcher_fit,
        },
    )
    _quorum_reached_notify(application)
    return vote


def _quorum_reached_notify(application: Application) -> None:
    """Tell the chairs without a conflict, once per version, that the counted votes reached the
    quorum (called under the application's row lock, so two last votes cannot both tell them)."""
    rules = rules_current()
    tally = vote_tally(application)
    if tally.counted < rules.quorum:
        return
    _notice, created = QuorumNotice.objects.get_or_create(
        application=application, version_number=application.version_number
    )
    if not created:
        return
    chairs = [m.user for m in reviewers_without_conflict(application) if m.is_chair]
    audit_record(
        actor=None,
        action=PanelAuditAction.QUORUM_REACHED,
        target=application,
        data={"version": application.version_number, "votes": tally.counted, "quorum": rules.quorum},
    )
    email_queue(
        to=[chair.email for chair in chairs],
        template="panel/quorum_reached",
        context={
            "application": application,
            "votes": tally.counted,
            "quorum": rules.quorum,
            "url": _url("panel:review", application.reference),
        },
    )


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
        to=application_team_emails(application=application),
        template="panel/decision",
        context={
            "application": application,
            "decision": decision,
            "url": _url("panel:decision_letter", application.reference),
        },
    )


@transaction.atomic
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
    serialises them and the second is told the application has been decided."""
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
    refusal = chair_may_decide(application=application, chair=chair)
    if refusal:
        raise DomainError(refusal)
    rules = rules_current()
    recommended, tally = recommendation_for(application, rules=rules)
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
        with transaction.atomic():
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
    _decision_email(decision)
    decision_recorded.send(sender=Decision, decision=decision)  # notifications tells ONS, in this transaction
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


# --- reminders -----------------------------------------------------------------------------------


def vote_reminders_send(*, now: datetime | None = None) -> int:
    """Email each member who has not voted, 3 days and 1 day before the deadline; each reminder once
    per member, application and deadline (recorded in VoteReminder). Returns how many were sent."""
    now = now or timezone.now()
    sent = 0
    horizon = now + max(REMINDER_OFFSETS.values())
    due = Application.objects.filter(
        status=ApplicationStatus.UNDER_REVIEW, voting_deadline__gt=now, voting_deadline__lte=horizon
    ).values_list("pk", flat=True)
    for application_id in due:
        sent += _vote_reminders_for(application_id=application_id, now=now)
    return sent


@transaction.atomic
def _vote_reminders_for(*, application_id: int, now: datetime) -> int:
    application = Application.objects.select_for_update(skip_locked=True).filter(pk=application_id).first()
    if application is None or not voting_is_open(application, now=now):
        return 0
    left = application.voting_deadline - now
    # The most urgent reminder due now; a member who missed the 3-day one gets only the 1-day one.
    kind = next(
        (k for k, offset in sorted(REMINDER_OFFSETS.items(), key=lambda item: item[1]) if left <= offset),
        None,
    )
    if kind is None:
        return 0
    declarations = {d.member_id: d for d in ConflictDeclaration.objects.filter(application=application)}
    voted = set(
        Vote.objects.filter(application=application, version_number=application.version_number).values_list(
            "member_id", flat=True
        )
    )
    reminded = set(
        VoteReminder.objects.filter(
            application=application, deadline=application.voting_deadline
        ).values_list("member_id", "kind")
    )
    sent = 0
    for membership in membership_list_current():
        user = membership.user
        declaration = declarations.get(user.pk)
        if user.pk in voted or (declaration and declaration.has_conflict) or not user.is_active:
            continue
        if (user.pk, kind) in reminded or (
            kind == ReminderKind.THREE_DAYS and (user.pk, ReminderKind.ONE_DAY) in reminded
        ):
            continue
        reminder = VoteReminder.objects.create(
            application=application, member=user, kind=kind, deadline=application.voting_deadline, sent_at=now
        )
        email_queue(
            to=[user.email],
            template="panel/vote_reminder",
            context={
                "application": application,
                "member": user,
                "reminder": reminder,
                "declared": declaration is not None,
                "url": _url("panel:review", application.reference),
            },
        )
        audit_record(
            actor=None,
            action=PanelAuditAction.REMINDER_SENT,
            target=application,
            data={"member": user.pk, "kind": kind},
        )
        sent += 1
    return sent
