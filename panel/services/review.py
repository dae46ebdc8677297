"""Screening, the panel's queries, conflicts of interest, votes and the vote reminders."""

from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone

from accounts.models import User
from applications.enums import AWAITING_SCREENING, QUERYABLE, REVIEWING, ApplicationStatus
from applications.models import Application, ApplicationQuery
from applications.selectors import (
    application_team_emails,
)
from applications.services import application_transition
from core.errors import DomainError, InvalidTransition, NotPermitted
from core.links import absolute_url
from core.permissions import is_panel_chair, is_panel_member, is_staff_member
from core.services import audit_record, email_queue

from ..enums import (
    PanelAuditAction,
    ProjectVote,
    ReminderKind,
    ResearcherFit,
)
from ..models import (
    ConflictDeclaration,
    QuorumNotice,
    Vote,
    VoteReminder,
)
from ..rules import quorum_met
from ..selectors import (
    conflict_for,
    membership_list_current,
    reviewers_without_conflict,
    rules_current,
    vote_tally,
    voting_is_open,
)
from ._common import REMINDER_OFFSETS, _lock, _require_staff, _url, _vote_save

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
    vote, cast = _vote_save(
        Vote,
        key={"application": application, "member": member, "version_number": application.version_number},
        project_vote=project_vote,
        researcher_fit=researcher_fit,
        project_comment=project_comment,
        researcher_fit_comment=researcher_fit_comment,
    )
    audit_record(
        actor=member,
        action=PanelAuditAction.VOTE_CAST if cast else PanelAuditAction.VOTE_CHANGED,
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
    if not quorum_met(tally=tally, quorum=rules.quorum):
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
