"""The terms of access: the version in force and the versions before it, who on a team has not
accepted it, whom to ask, and the rows of the staff page of members who have not."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from django.db.models import Count, DateField, Exists, OuterRef, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from ..enums import LIVE, TERMS_REQUIRED, MemberStatus
from ..models import Application, ApplicationMember, TermsAcceptance, TermsAcceptanceRequest, TermsOfAccess
from ..permissions import applications_visible_to
from .team import application_accepted_members


def terms_in_force() -> TermsOfAccess | None:
    """The version of the terms of access in force: the latest published. None until staff publish
    the first (then nobody has anything to accept)."""
    return TermsOfAccess.objects.select_related("published_by").order_by("-number").first()


def terms_versions() -> QuerySet[TermsOfAccess]:
    """Every published version, newest first."""
    return TermsOfAccess.objects.select_related("published_by").order_by("-number")


def terms_get(*, number: int) -> TermsOfAccess | None:
    return terms_versions().filter(number=number).first()


def terms_versions_for_staff() -> QuerySet[TermsOfAccess]:
    """Every version with how many acceptances and requests to accept it there are (one query)."""
    return terms_versions().annotate(
        acceptance_count=Count("acceptances", distinct=True),
        request_count=Count("requests", distinct=True),
    )


def terms_outstanding(*, application: Application, terms: TermsOfAccess | None = None) -> list:
    """The rule "every team member has accepted the version in force", in one place: the members of
    ``application_team_users`` (lead first) who have not accepted ``terms`` (by default the version
    in force) for this application. Empty when no version is published. Submission and resubmission
    refuse while it is not empty (``application_problems``); the team's pages and the staff
    application page read it through ``terms_team_status``, and staff's list of live teams through
    ``terms_not_accepted_queryset``, its queryset mirror (tested to agree)."""
    return [member.user for member in terms_team_status(application=application, terms=terms).outstanding]


def terms_due_on(terms: TermsOfAccess) -> date:
    """When a member asked at publication must have accepted ``terms``."""
    return timezone.localdate(terms.published_at) + timedelta(days=terms.acceptance_period_days)


def terms_members_to_ask(*, terms: TermsOfAccess, statuses=LIVE) -> QuerySet[ApplicationMember]:
    """The team members (accepted, with an account) of applications in ``statuses`` who have neither
    accepted ``terms`` for that application nor been asked to: whom ``terms_acceptance_requests_send``
    writes to. One query, whatever the number of teams."""
    accepted = TermsAcceptance.objects.filter(
        terms=terms, application=OuterRef("application_id"), user=OuterRef("user_id")
    )
    asked = TermsAcceptanceRequest.objects.filter(
        terms=terms, application=OuterRef("application_id"), user=OuterRef("user_id")
    )
    return (
        ApplicationMember.objects.filter(
            status=MemberStatus.ACCEPTED, user__isnull=False, application__status__in=statuses
        )
        .exclude(Exists(accepted))
        .exclude(Exists(asked))
        .select_related("user", "application")
        .order_by("application_id", "created_at", "pk")
    )


@dataclass(frozen=True)
class TermsNotAccepted:
    """One member of a live team who has not accepted the version in force (a row of the staff page)."""

    member: ApplicationMember
    terms: TermsOfAccess
    due_on: date
    asked_at: object  # datetime | None: None until the periodic sweep asks a member who joined since
    today: date

    @property
    def user(self):
        return self.member.user

    @property
    def application(self) -> Application:
        return self.member.application

    @property
    def days_overdue(self) -> int:
        return max(0, (self.today - self.due_on).days)

    @property
    def days_left(self) -> int:
        return max(0, (self.due_on - self.today).days)

    @property
    def access_started(self) -> bool:
        start = self.application.access_start
        return start is None or start <= self.today


def terms_not_accepted_queryset(*, terms: TermsOfAccess) -> QuerySet[ApplicationMember]:
    """The members of live teams who have not accepted ``terms``, each with the day it is due
    (``terms_due_on_date``: the request's, or the version's period from publication when the member
    was not asked yet) and when they were asked (``terms_asked_at``); most overdue first."""
    accepted = TermsAcceptance.objects.filter(
        terms=terms, application=OuterRef("application_id"), user=OuterRef("user_id")
    )
    request = TermsAcceptanceRequest.objects.filter(
        terms=terms, application=OuterRef("application_id"), user=OuterRef("user_id")
    )
    return (
        ApplicationMember.objects.filter(
            status=MemberStatus.ACCEPTED, user__isnull=False, application__status__in=LIVE
        )
        .exclude(Exists(accepted))
        .annotate(
            terms_due_on_date=Coalesce(
                Subquery(request.values("due_on")[:1]), Value(terms_due_on(terms)), output_field=DateField()
            ),
            terms_asked_at=Subquery(request.values("asked_at")[:1]),
        )
        .select_related("user", "application", "application__lead")
        .order_by("terms_due_on_date", "application__reference", "created_at", "pk")
    )


def terms_not_accepted_rows(members, *, terms: TermsOfAccess, today: date) -> list[TermsNotAccepted]:
    """The rows of the staff page for members of ``terms_not_accepted_queryset`` (one page of them)."""
    return [
        TermsNotAccepted(
            member=member,
            terms=terms,
            due_on=member.terms_due_on_date,
            asked_at=member.terms_asked_at,
            today=today,
        )
        for member in members
    ]


@dataclass(frozen=True)
class TermsTeamStatus:
    """Where the team stands with the version in force (the terms box and banner on the team's
    pages), and where ``user`` (the person reading) stands."""

    terms: TermsOfAccess | None
    members: list[tuple[ApplicationMember, TermsAcceptance | None]]  # the accepted team, lead first
    required: bool  # the application is one whose team must hold an acceptance (TERMS_REQUIRED)
    live: bool  # access granted and running (LIVE): a deadline applies
    mine: TermsAcceptance | None = None  # the reader's acceptance of the version in force
    request_to_me: TermsAcceptanceRequest | None = None  # the reader's request to accept, if asked

    @property
    def outstanding(self) -> list[ApplicationMember]:
        """The members who have not accepted ``terms`` (nobody while no version is published)."""
        if self.terms is None:
            return []
        return [member for member, acceptance in self.members if acceptance is None]

    @property
    def i_must_accept(self) -> bool:
        return self.required and self.mine is None


def terms_team_status(
    *, application: Application, user=None, terms: TermsOfAccess | None = None
) -> TermsTeamStatus:
    """``terms`` (by default the version in force) and, for each member of ``application_team_users``
    (lead first), their acceptance of it for this application (None: not accepted): what
    ``terms_outstanding`` answers from. With ``user`` (a team member reading the page), their own
    acceptance and the request that asked them."""
    terms = terms if terms is not None else terms_in_force()
    members = [m for m in application_accepted_members(application=application) if m.user is not None]
    acceptances = (
        {a.user_id: a for a in TermsAcceptance.objects.filter(terms=terms, application=application)}
        if terms is not None
        else {}
    )
    mine = acceptances.get(getattr(user, "pk", None))
    request = None
    if terms is not None and user is not None and mine is None:
        request = TermsAcceptanceRequest.objects.filter(
            terms=terms, application=application, user=user
        ).first()
    return TermsTeamStatus(
        terms=terms,
        members=[(m, acceptances.get(m.user_id)) for m in members],
        required=terms is not None and application.status in TERMS_REQUIRED,
        live=application.status in LIVE,
        mine=mine,
        request_to_me=request,
    )


def terms_applications_to_accept(*, user) -> QuerySet[Application]:
    """The applications on ``user``'s team for which they have not accepted the version in force
    (none while nothing is published): what their home page asks them to do."""
    terms = terms_in_force()
    if terms is None:
        return Application.objects.none()
    accepted = TermsAcceptance.objects.filter(terms=terms, application=OuterRef("pk"), user_id=user.pk)
    return (
        applications_visible_to(user)
        .filter(status__in=TERMS_REQUIRED)
        .exclude(Exists(accepted))
        .order_by("reference")
    )
