"""Reads for the panel, with the permission filtering and the eager loading in one place."""

from dataclasses import dataclass
from datetime import datetime

from django.db.models import (
    Prefetch,
    QuerySet,
)
from django.utils import timezone

from accounts.models import User
from applications.enums import AWAITING_SCREENING, CLOSED, ApplicationStatus
from applications.models import Application, ApplicationMember, ApplicationQuery, ApplicationVersion
from applications.selectors import (
    AccreditationStanding,
    accreditation_standing,
    application_team_includes,
    application_team_users,
    application_use_condition_matches,
)
from core.permissions import is_panel_chair, is_panel_member, is_staff_member
from deposits.models import Deposit
from deposits.selectors import UseConditionMatch

from .enums import ProjectVote, ResearcherFit
from .models import ConflictDeclaration, Decision, MemberInterest, PanelMembership, PanelRules, Vote
from .permissions import applications_seen_by
from .rules import Tally, quorum_met, recommend

# --- rules and membership ------------------------------------------------------------------------


def rules_current() -> PanelRules:
    rules = PanelRules.objects.filter(pk=PanelRules.SINGLETON_ID).first()
    if rules is None:  # the migration creates it; a database emptied by tests may not have it
        rules, _ = PanelRules.objects.get_or_create(pk=PanelRules.SINGLETON_ID)
    return rules


def membership_list_current() -> QuerySet[PanelMembership]:
    return PanelMembership.objects.filter(ended_at__isnull=True).select_related("user", "added_by")


def reviewers_without_conflict(application: Application) -> list[PanelMembership]:
    """The current panel memberships of active people who have not declared a conflict on
    ``application``: who is told about it (quorum reached, withdrawn)."""
    conflicted = conflicted_member_ids(application)
    return [m for m in membership_list_current() if m.user.is_active and m.user_id not in conflicted]


def conflicted_member_ids(application: Application) -> set[int]:
    """The members who declared a conflict on ``application``."""
    return set(
        ConflictDeclaration.objects.filter(application=application, has_conflict=True).values_list(
            "member_id", flat=True
        )
    )


def membership_list_past() -> QuerySet[PanelMembership]:
    return PanelMembership.objects.filter(ended_at__isnull=False).select_related("user", "ended_by")


def interest_list(*, member: User | None = None, include_withdrawn: bool = False) -> QuerySet[MemberInterest]:
    qs = MemberInterest.objects.select_related("member")
    if member is not None:
        qs = qs.filter(member=member)
    if not include_withdrawn:
        qs = qs.filter(withdrawn_at__isnull=True)
    return qs


# --- who may see what ----------------------------------------------------------------------------


def application_for_panel(*, reference: str, user: User) -> Application | None:
    """The application if this panel member or staff member may see it at all, else None (404)."""
    qs = Application.objects.select_related("lead", "lead__researcher_profile")
    return applications_seen_by(user, qs).filter(reference=reference).first()


def conflict_for(*, application: Application, user: User) -> ConflictDeclaration | None:
    return ConflictDeclaration.objects.filter(application=application, member=user).first()


def voting_is_open(application: Application, *, now: datetime | None = None) -> bool:
    now = now or timezone.now()
    return (
        application.status == ApplicationStatus.UNDER_REVIEW
        and application.voting_deadline is not None
        and application.voting_deadline > now
    )


def voting_has_closed(application: Application, *, now: datetime | None = None) -> bool:
    """Closed for good on the current version: decided, withdrawn, or past the deadline while under
    review. (A queried application is *paused*, not closed: its members vote again on the next
    version, so they still see no other vote.)"""
    now = now or timezone.now()
    if application.status in CLOSED:
        return True
    return (
        application.status == ApplicationStatus.UNDER_REVIEW
        and application.voting_deadline is not None
        and application.voting_deadline <= now
    )


def my_current_vote(*, application: Application, user: User) -> Vote | None:
    return Vote.objects.filter(
        application=application, member=user, version_number=application.version_number
    ).first()


def votes_visible_to(*, application: Application, user: User, now: datetime | None = None) -> bool:
    """The one predicate behind every page that shows votes: a member sees other votes only when
    they declared no conflict and have voted on the current version, or voting has closed. Staff
    see them once voting has closed."""
    if is_staff_member(user):
        return voting_has_closed(application, now=now)
    if not is_panel_member(user):
        return False
    declaration = conflict_for(application=application, user=user)
    if declaration is None or declaration.has_conflict:
        return False
    if voting_has_closed(application, now=now):
        return True
    return my_current_vote(application=application, user=user) is not None


def counted_votes(application: Application) -> QuerySet[Vote]:
    """Votes that count: on the current version, by members who declared no conflict."""
    conflicted = ConflictDeclaration.objects.filter(application=application, has_conflict=True).values(
        "member_id"
    )
    return (
        Vote.objects.filter(application=application, version_number=application.version_number)
        .exclude(member_id__in=conflicted)
        .select_related("member")
    )


def earlier_votes_count(application: Application) -> int:
    """How many votes were cast on versions before the current one (kept, not counted)."""
    return Vote.objects.filter(application=application, version_number__lt=application.version_number).count()


def vote_tally(application: Application) -> Tally:
    votes = list(counted_votes(application).select_related(None).only("project_vote", "researcher_fit"))
    return Tally(
        approve=sum(v.project_vote == ProjectVote.APPROVE for v in votes),
        reject=sum(v.project_vote == ProjectVote.REJECT for v in votes),
        abstain=sum(v.project_vote == ProjectVote.ABSTAIN for v in votes),
        suitable=sum(v.researcher_fit == ResearcherFit.SUITABLE for v in votes),
        unsuitable=sum(v.researcher_fit == ResearcherFit.UNSUITABLE for v in votes),
    )


def recommendation_for(application: Application, *, rules: PanelRules | None = None) -> tuple[str, Tally]:
    rules = rules or rules_current()
    tally = vote_tally(application)
    return recommend(tally=tally, quorum=rules.quorum, outcome_rule=rules.outcome_rule), tally


def all_votes_for_display(application: Application, *, current_only: bool = False) -> list[Vote]:
    """Every vote, current and stale (``current_only``: the current version's), for pages that
    passed ``votes_visible_to``."""
    conflicted = conflicted_member_ids(application)
    votes = Vote.objects.filter(application=application)
    if current_only:
        votes = votes.filter(version_number=application.version_number)
    votes = list(votes.select_related("member").order_by("-version_number", "cast_at"))
    for vote in votes:
        vote.is_stale = vote.version_number != application.version_number
        vote.is_conflicted = vote.member_id in conflicted
    return votes


@dataclass
class MemberProgress:
    user: User
    is_chair: bool
    declaration: ConflictDeclaration | None
    has_voted: bool

    @property
    def outstanding(self) -> bool:
        return not self.has_voted and not (self.declaration and self.declaration.has_conflict)

    @property
    def state(self) -> str:
        if self.declaration is None:
            return "has not declared"
        if self.declaration.has_conflict:
            return "conflicted (not counted)"
        return "voted" if self.has_voted else "has not voted"


def member_progress(application: Application) -> list[MemberProgress]:
    """Each current panel member's state on this application (who has declared, who has voted),
    for the chair's decision page. It says *whether* someone voted, never how."""
    declarations = {d.member_id: d for d in ConflictDeclaration.objects.filter(application=application)}
    voted = set(
        Vote.objects.filter(application=application, version_number=application.version_number).values_list(
            "member_id", flat=True
        )
    )
    return [
        MemberProgress(
            user=m.user,
            is_chair=m.is_chair,
            declaration=declarations.get(m.user_id),
            has_voted=m.user_id in voted,
        )
        for m in membership_list_current()
    ]


# --- the chair ----------------------------------------------------------------------------------


#: ``chair_may_decide``'s ``declaration`` when the caller has not read it (None is "not declared").
_UNREAD = object()


def chair_may_decide(
    *,
    application: Application,
    chair: User,
    now: datetime | None = None,
    declaration: ConflictDeclaration | object | None = _UNREAD,
    rules: PanelRules | None = None,
    tally: Tally | None = None,
) -> str | None:
    """None when this chair may record the decision now, else the reason they may not (shown as is;
    the service checks the same rule under the row lock). ``declaration`` (the chair's, None when
    they have not declared), ``rules`` and ``tally`` are what the caller has already read
    (``decision_record``, under the row lock), so they are not read twice."""
    if not is_panel_chair(chair):
        return "Only a panel chair can record the decision."
    if Decision.objects.filter(application=application).exists():
        return f"{application.reference} has already been decided; a decision cannot be changed."
    if application.status != ApplicationStatus.UNDER_REVIEW:
        return (
            f"{application.reference} is {application.get_status_display().lower()}; "
            "only an application under review can be decided."
        )
    if declaration is _UNREAD:
        declaration = conflict_for(application=application, user=chair)
    if declaration is None:
        return "Declare whether you have a conflict of interest before deciding."
    if declaration.has_conflict:
        return "You declared a conflict of interest on this application: another chair must decide it."
    rules = rules if rules is not None else rules_current()
    tally = tally if tally is not None else vote_tally(application)
    if not quorum_met(tally=tally, quorum=rules.quorum):
        return (
            f"The quorum is not met: {tally.counted} of the {rules.quorum} current votes needed from "
            "members without a conflict have been cast."
        )
    if (
        not voting_has_closed(application, now=now)
        and my_current_vote(application=application, user=chair) is None
    ):
        return (
            "Voting is still open: cast your own vote on this version, or wait for the deadline, before you "
            "see the votes and decide."
        )
    return None


# --- screens ------------------------------------------------------------------------------------


#: Rows a page of each list of the queue and of the staff application list.
PAGE_SIZE = 50


def staff_application_list(
    *, awaiting_screening: bool | None = None, only_listed: bool = False
) -> QuerySet[Application]:
    """Every application that is not a draft, newest submission first (``-pk`` keeps pages stable);
    ``awaiting_screening`` True: only those staff must screen; False: all the others;
    ``only_listed``: load only the columns the staff list shows."""
    qs = (
        Application.objects.exclude(status=ApplicationStatus.DRAFT)
        .select_related("lead", "lead__researcher_profile")
        .order_by("-submitted_at", "-pk")
    )
    if only_listed:  # the columns of templates/panel/_staff_app_table.html, not the long answers
        qs = qs.only(
            "reference",
            "title",
            "status",
            "submitted_at",
            "voting_deadline",
            "lead__full_name",
            "lead__email",
            "lead__researcher_profile__organisation",
        )
    if awaiting_screening is True:
        qs = qs.filter(status__in=AWAITING_SCREENING)
    elif awaiting_screening is False:
        qs = qs.exclude(status__in=AWAITING_SCREENING)
    return qs


def application_detail_for_review(*, reference: str) -> Application:
    """The application with everything the review page shows, eagerly loaded. Its versions come
    without their answers (``review_versions`` loads the two the page shows in full)."""
    return (
        Application.objects.select_related("lead", "lead__researcher_profile")
        .prefetch_related(
            Prefetch(
                "members",
                queryset=ApplicationMember.objects.select_related("user", "user__researcher_profile"),
            ),
            Prefetch("deposits", queryset=Deposit.objects.prefetch_related("excluded_uses", "srs_datasets")),
            "sensitive_uses",
            Prefetch(
                "versions",
                queryset=ApplicationVersion.objects.only("id", "application_id", "number", "submitted_at"),
            ),
            Prefetch("queries", queryset=ApplicationQuery.objects.select_related("raised_by")),
        )
        .get(reference=reference)
    )


@dataclass
class ReviewVersions:
    """What the review and screening pages show of the versions: the current one and the one before
    it in full (the page shows the current answers and what changed), and every earlier version's
    number and date, newest first, each a link to its own page (``panel:version``)."""

    current: ApplicationVersion | None
    previous: ApplicationVersion | None
    earlier: list[ApplicationVersion]


def review_versions(application: Application) -> ReviewVersions:
    """One query for the two versions shown in full, whatever the number of versions; the list of
    earlier ones is read from ``application_detail_for_review``'s prefetch (no answers)."""
    full = list(
        ApplicationVersion.objects.filter(application=application)
        .select_related("submitted_by")
        .order_by("-number")[:2]
    )
    current = full[0] if full else None
    previous = full[1] if len(full) > 1 else None
    earlier = sorted(
        (v for v in application.versions.all() if current is None or v.number != current.number),
        key=lambda v: v.number,
        reverse=True,
    )
    return ReviewVersions(current=current, previous=previous, earlier=earlier)


def version_for_panel(
    *, application: Application, number: int
) -> tuple[ApplicationVersion, ApplicationVersion | None]:
    """One submitted version in full and the one before it (for its diff); 404 when there is none."""
    versions = list(
        ApplicationVersion.objects.filter(application=application, number__lte=number)
        .select_related("submitted_by")
        .order_by("-number")[:2]
    )
    if not versions or versions[0].number != number:
        raise ApplicationVersion.DoesNotExist(f"{application.reference} has no version {number}.")
    return versions[0], versions[1] if len(versions) > 1 else None


def automatic_checks(application: Application) -> list[UseConditionMatch]:
    """The application's declared sensitive uses and its team's organisation sectors against the use
    conditions of every deposit it requests (the same check that rejects on submission)."""
    return application_use_condition_matches(application=application)


@dataclass
class AccreditationCheck:
    user: User
    profile: object
    ok: bool
    note: str


def accreditation_checks(application: Application) -> list[AccreditationCheck]:
    """Is each team member's ONS accreditation present and valid until the requested access end?"""
    day = application.access_end or timezone.localdate()
    checks = []
    for user in application_team_users(application=application):
        profile = getattr(user, "researcher_profile", None)
        # judged on the access end when there is one: once it has passed, an expiry is history
        standing = accreditation_standing(profile, today=day, access_end=application.access_end)
        if standing == AccreditationStanding.MISSING:
            checks.append(AccreditationCheck(user, profile, False, "No ONS accreditation recorded."))
        elif standing != AccreditationStanding.OK:
            checks.append(
                AccreditationCheck(
                    user,
                    profile,
                    False,
                    f"Accreditation expires on {profile.accreditation_expires_on:%d %B %Y}, "
                    "before the access end.",
                )
            )
        else:
            checks.append(
                AccreditationCheck(
                    user,
                    profile,
                    True,
                    f"{profile.get_accreditation_status_display()}, "
                    f"valid until {profile.accreditation_expires_on:%d %B %Y}.",
                )
            )
    return checks


def attachments_for(application: Application) -> list:
    return list(application.attachments.all())


def decision_letter_for(*, reference: str, user: User) -> Decision | None:
    """The decision if ``user`` may read its letter: the team, staff, and panel members without a
    conflict on an application the panel saw (not one rejected automatically before screening).
    None (404) for everyone else."""
    decision = (
        Decision.objects.select_related("application", "application__lead", "decided_by")
        .filter(application__reference=reference)
        .first()
    )
    if decision is None or not getattr(user, "is_authenticated", False):
        return None
    application = decision.application
    if is_staff_member(user) or application_team_includes(application=application, user=user):
        return decision
    if is_panel_member(user) and application.review_opened_at is not None:
        declaration = conflict_for(application=application, user=user)
        if declaration is None or not declaration.has_conflict:
            return decision
    return None
