"""Reads of applications: what the team sees, what a version froze, what is still missing, and
what changed between versions."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from django.db.models import Count, DateField, Exists, OuterRef, Q, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from accounts.validators import orcid_checksum_ok
from core.text import one_line_clean
from deposits.enums import DepositStatus
from deposits.models import Deposit
from deposits.selectors import UseConditionMatch, deposit_use_condition_matches

from .enums import (
    AWAITING_SCREENING,
    DECIDED,
    EDITABLE,
    LIVE,
    TERMS_REQUIRED,
    ApplicationSection,
    ApplicationStatus,
    MemberRole,
    MemberStatus,
)
from .models import (
    Application,
    ApplicationMember,
    ApplicationQuery,
    ApplicationVersion,
    TermsAcceptance,
    TermsAcceptanceRequest,
    TermsOfAccess,
)
from .permissions import applications_visible_to, invitations_for
from .sections import LAY_SUMMARY_MAX_WORDS, QUESTIONS, QUESTIONS_BY_KEY, Question, is_answered, word_count

# --- Lists -------------------------------------------------------------------------------------------


def application_list_for_user(*, user) -> QuerySet[Application]:
    """The applications on whose team ``user`` is, with what the "my applications" page needs
    (a fixed number of queries, whatever the number of rows)."""
    open_queries = ApplicationQuery.objects.filter(application=OuterRef("pk"), answered_at__isnull=True)
    pending_invites = ApplicationMember.objects.filter(
        application=OuterRef("pk"), status=MemberStatus.INVITED
    )
    return (
        applications_visible_to(user)
        .select_related("lead")
        .annotate(
            has_open_query=Exists(open_queries),
            has_pending_invites=Exists(pending_invites),
            team_size=Count("members", filter=Q(members__status=MemberStatus.ACCEPTED), distinct=True),
        )
        .order_by("-updated_at", "-pk")
    )


def application_get_for_user(*, user, pk: int) -> Application | None:
    """One application the user may see, or None (the view answers 404)."""
    return applications_visible_to(user).select_related("lead").filter(pk=pk).first()


def invitation_list_for_user(*, user) -> QuerySet[ApplicationMember]:
    return invitations_for(user).select_related("application", "application__lead", "invited_by")


def application_team(*, application: Application) -> list[ApplicationMember]:
    """Everyone invited to or on the team (not the removed), lead first, with their profiles."""
    members = (
        application.members.exclude(status=MemberStatus.REMOVED)
        .select_related("user", "user__researcher_profile")
        .order_by("created_at", "pk")
    )
    return sorted(members, key=lambda m: (m.role != MemberRole.LEAD, m.created_at))


def application_accepted_members(*, application: Application) -> list[ApplicationMember]:
    return [m for m in application_team(application=application) if m.status == MemberStatus.ACCEPTED]


def application_team_users(*, application: Application) -> list:
    """Who "the team" is, the one definition every app uses: the accepted members who have an
    account (the lead first, then in the order they joined). Their addresses are read from the
    account, so a member who changed their email is written to at the new one, never at the
    address they were invited with."""
    return [m.user for m in application_accepted_members(application=application) if m.user is not None]


def application_team_emails(*, application: Application) -> list[str]:
    """The current addresses of ``application_team_users``, sorted and without repeats."""
    return sorted({user.email for user in application_team_users(application=application) if user.email})


def application_team_includes(*, application: Application, user) -> bool:
    """True when ``user`` is one of ``application_team_users`` (asked without loading the team)."""
    if not getattr(user, "is_authenticated", False) or application.pk is None:
        return False
    return application.members.filter(user_id=user.pk, status=MemberStatus.ACCEPTED).exists()


def researcher_snapshot(*, user, role: str) -> dict:
    """Who one researcher is at this moment, as plain JSON: the fields a decision keeps of each team
    member (and ONS and the public register read from it), whatever the profile says later. Text
    values are put under the one-line policy (a value stored before the policy may hold a CR)."""
    profile = getattr(user, "researcher_profile", None)
    expires = getattr(profile, "accreditation_expires_on", None)
    return {
        "role": role,
        "name": one_line_clean(user.full_name),
        "email": user.email,
        "organisation": one_line_clean(getattr(profile, "organisation", "")),
        "sector": getattr(profile, "sector", "") or "",
        "accreditation_number": one_line_clean(getattr(profile, "accreditation_number", "")),
        "accreditation_status": getattr(profile, "accreditation_status", "") or "",
        "accreditation_expires_on": expires.isoformat() if expires else None,
    }


def application_team_snapshot(*, application: Application) -> list[dict]:
    """The accepted team as it stands now, lead first (then in the order they joined), one
    ``researcher_snapshot`` each: what ``panel.Decision.team`` freezes when the decision is made."""
    return [
        researcher_snapshot(user=member.user, role=member.role)
        for member in application_accepted_members(application=application)
        if member.user is not None
    ]


def application_versions(*, application: Application) -> QuerySet[ApplicationVersion]:
    return application.versions.select_related("submitted_by").order_by("number")


def application_queries(*, application: Application) -> QuerySet[ApplicationQuery]:
    return application.queries.select_related("raised_by", "answered_by").order_by("created_at", "pk")


def application_open_queries(*, application: Application) -> QuerySet[ApplicationQuery]:
    return application_queries(application=application).filter(answered_at__isnull=True)


def deposits_selectable_for(*, application: Application | None = None) -> QuerySet[Deposit]:
    """Deposits the form offers: the available ones, plus any already requested (so that one that
    became unavailable stays visible and is flagged, rather than silently dropped)."""
    condition = Q(status=DepositStatus.AVAILABLE)
    if application is not None and application.pk:
        condition |= Q(applications=application)
    return Deposit.objects.filter(condition).distinct().order_by("reference")


# --- Answers -----------------------------------------------------------------------------------------


def _member_line(member: ApplicationMember) -> str:
    user = member.user
    name = user.get_full_name() if user else member.email
    profile = getattr(user, "researcher_profile", None) if user else None
    parts = [f"{name} <{member.email}>", member.get_role_display()]
    if profile is not None:
        if profile.organisation:
            sector = f" ({profile.get_sector_display()})" if profile.sector else ""
            parts.append(f"{profile.organisation}{sector}")
        if profile.is_accredited:
            expiry = profile.accreditation_expires_on.isoformat() if profile.accreditation_expires_on else "?"
            parts.append(
                f"ONS accredited researcher ({profile.get_accreditation_status_display().lower()}) "
                f"{profile.accreditation_number}, expires {expiry}"
            )
        else:
            parts.append("not an ONS accredited researcher")
        if profile.orcid:
            parts.append(f"ORCID {profile.orcid}")
    if member.status != MemberStatus.ACCEPTED:
        parts.append(member.get_status_display().lower())
    return " · ".join(parts)


def application_answers(*, application: Application) -> dict:
    """Every answer as plain JSON, keyed as ``sections.QUESTIONS``: what a version freezes."""
    answers: dict = {}
    for question in QUESTIONS:
        key = question.key
        if key == "team":
            value = [_member_line(m) for m in application_team(application=application)]
        elif key == "attachments":
            value = [
                f"{a.description} ({a.original_name})" for a in application.attachments.order_by("created_at")
            ]
        elif key == "deposits":
            value = [f"{d.reference} {d.title}" for d in application.deposits.order_by("reference")]
        elif key == "sensitive_uses":
            value = [u.name for u in application.sensitive_uses.order_by("name")]
        elif key == "access_route":
            value = application.get_access_route_display() if application.access_route else ""
        elif question.kind == "date":
            day = getattr(application, key)
            value = day.isoformat() if day else ""
        else:
            value = getattr(application, key)
        answers[key] = value
    return answers


@dataclass(frozen=True)
class AnswerChange:
    key: str
    label: str
    section: str  # the section's label
    old: object
    new: object


def application_version_diff(old, new) -> list[AnswerChange]:
    """The answers that differ between two versions (ApplicationVersion objects or answer dicts),
    in the order of the form. Unchanged answers are left out."""
    old_answers = old.answers if isinstance(old, ApplicationVersion) else (old or {})
    new_answers = new.answers if isinstance(new, ApplicationVersion) else (new or {})
    changes: list[AnswerChange] = []
    known = [q.key for q in QUESTIONS]
    extra = sorted((set(old_answers) | set(new_answers)) - set(known))
    for key in [*known, *extra]:
        before, after = old_answers.get(key), new_answers.get(key)
        if _normalise(before) == _normalise(after):
            continue
        question = QUESTIONS_BY_KEY.get(key)
        changes.append(
            AnswerChange(
                key=key,
                label=question.label if question else key.replace("_", " ").capitalize(),
                section=ApplicationSection(question.section).label if question else "",
                old=before,
                new=after,
            )
        )
    return changes


def _normalise(value):
    if value is None:
        return ""
    if isinstance(value, str):
        return value.strip().replace("\r\n", "\n")
    return value


def application_previous_version(*, version: ApplicationVersion) -> ApplicationVersion | None:
    return (
        ApplicationVersion.objects.filter(application_id=version.application_id, number__lt=version.number)
        .order_by("-number")
        .first()
    )


# --- Completeness and rules before submission ---------------------------------------------------------


@dataclass(frozen=True)
class Problem:
    """Something that stops submission. ``section`` names the form section to fix it in."""

    section: str
    message: str

    @property
    def section_label(self) -> str:
        return ApplicationSection(self.section).label if self.section else ""


def application_missing_answers(*, application: Application, answers: dict | None = None) -> list[Problem]:
    answers = application_answers(application=application) if answers is None else answers
    problems = []
    for question in QUESTIONS:
        if question.required and not is_answered(question, answers.get(question.key)):
            if question.kind == "bool":
                message = f"{question.label}: not yet confirmed."
            else:
                message = f"{question.label}: not answered yet."
            problems.append(Problem(question.section, message))
    return problems


class AccreditationStanding:
    """What ``accreditation_standing`` answers."""

    OK = "ok"
    MISSING = "missing"
    EXPIRED = "expired"
    ENDS_TOO_SOON = "ends_too_soon"


def accreditation_standing(profile, *, today: date, access_end: date | None) -> str:
    """The one rule for a team member's ONS accreditation: recorded (a status and a number), valid
    on ``today`` and still valid on the requested ``access_end``. Submission refuses anything but
    OK, accepting an invitation refuses MISSING, and the panel's review page shows the answer."""
    if profile is None or not profile.is_accredited:
        return AccreditationStanding.MISSING
    if not profile.accreditation_valid_on(today):
        return AccreditationStanding.EXPIRED
    if access_end and not profile.accreditation_valid_on(access_end):
        return AccreditationStanding.ENDS_TOO_SOON
    return AccreditationStanding.OK


def _team_problems(*, application: Application, today: date) -> list[Problem]:
    problems = []
    end = application.access_end
    for member in application_team(application=application):
        if member.status == MemberStatus.INVITED:
            problems.append(
                Problem(
                    ApplicationSection.PEOPLE,
                    f"{member.email} has not accepted the invitation to join the team yet "
                    "(or remove the invitation).",
                )
            )
            continue
        if member.status != MemberStatus.ACCEPTED:
            continue
        user = member.user
        name = user.get_full_name() if user else member.email
        profile = getattr(user, "researcher_profile", None) if user else None
        standing = accreditation_standing(profile, today=today, access_end=end)
        if standing == AccreditationStanding.MISSING:
            problems.append(
                Problem(
                    ApplicationSection.PEOPLE,
                    f"{name} is not recorded as an ONS accredited researcher: every team member must be "
                    "(add the accreditation on the profile page).",
                )
            )
            continue
        expiry = profile.accreditation_expires_on
        if standing == AccreditationStanding.EXPIRED:
            problems.append(
                Problem(
                    ApplicationSection.PEOPLE,
                    f"{name}'s ONS accreditation has expired"
                    + (f" (on {expiry:%d %B %Y})" if expiry else "")
                    + ": renew it and update the profile before submitting.",
                )
            )
        elif standing == AccreditationStanding.ENDS_TOO_SOON:
            problems.append(
                Problem(
                    ApplicationSection.PEOPLE,
                    f"{name}'s ONS accreditation expires on {expiry:%d %B %Y}, before the requested access "
                    f"end ({end:%d %B %Y}): renew it or ask for a shorter access period.",
                )
            )
        if profile.orcid and not orcid_checksum_ok(profile.orcid):
            problems.append(
                Problem(
                    ApplicationSection.PEOPLE,
                    f"{name}'s ORCID iD {profile.orcid} has a wrong check digit: "
                    "correct it on the profile page.",
                )
            )
    return problems


def application_problems(*, application: Application, today: date | None = None) -> list[Problem]:
    """Everything that stops submission, in the order of the form; empty when it may be submitted.
    The same list shows as warnings while the team edits the draft."""
    today = today or timezone.localdate()
    answers = application_answers(application=application)
    problems = application_missing_answers(application=application, answers=answers)
    problems += _team_problems(application=application, today=today)
    problems += _terms_problems(application=application)
    words = word_count(application.lay_summary)
    if words > LAY_SUMMARY_MAX_WORDS:
        problems.append(
            Problem(
                ApplicationSection.PROJECT,
                f"The lay summary has {words} words; the limit is {LAY_SUMMARY_MAX_WORDS}.",
            )
        )
    start, end = application.access_start, application.access_end
    if start and end and end <= start:
        problems.append(
            Problem(ApplicationSection.PROJECT, "The requested access end must be after its start.")
        )
    if end and end < today:
        problems.append(Problem(ApplicationSection.PROJECT, "The requested access end is in the past."))
    for deposit in application.deposits.order_by("reference"):
        if deposit.status != DepositStatus.AVAILABLE:
            problems.append(
                Problem(
                    ApplicationSection.DATA,
                    f"{deposit.reference} ({deposit.title}) is not available for applications "
                    f"({deposit.get_status_display().lower()}): remove it from the request.",
                )
            )
    order = list(ApplicationSection.values)
    return sorted(problems, key=lambda p: order.index(p.section) if p.section in order else len(order))


def application_use_condition_matches(*, application: Application) -> list[UseConditionMatch]:
    """Every way the request breaks a requested deposit's use conditions: the declared sensitive
    uses, and the organisation sector of each accepted team member. A match means automatic
    rejection on submission; the draft shows each one as a warning first."""
    deposits = list(application.deposits.prefetch_related("excluded_uses").order_by("reference"))
    return use_condition_matches(
        deposits=deposits,
        sensitive_uses=list(application.sensitive_uses.all()),
        users=[m.user for m in application_accepted_members(application=application)],
    )


def use_condition_matches(*, deposits, sensitive_uses, users) -> list[UseConditionMatch]:
    """The one screening rule, for a new application and for a change request on a live grant
    alike: every way ``sensitive_uses`` or the organisation sector of any of ``users`` breaks the use
    conditions of one of ``deposits`` (``excluded_uses`` prefetched), without repeats."""
    sectors = []
    for user in users:
        profile = getattr(user, "researcher_profile", None) if user is not None else None
        sector = profile.sector if profile is not None else ""
        if sector not in sectors:
            sectors.append(sector)
    matches: list[UseConditionMatch] = []
    for sector in sectors or [""]:
        matches.extend(
            deposit_use_condition_matches(deposits=deposits, sensitive_uses=sensitive_uses, sector=sector)
        )
    return list(dict.fromkeys(matches))


@dataclass(frozen=True)
class SectionProgress:
    section: str
    label: str
    answered: int
    required: int
    missing: tuple[str, ...]

    @property
    def complete(self) -> bool:
        return self.answered == self.required

    @property
    def percent(self) -> int:
        return 100 if not self.required else round(100 * self.answered / self.required)


def application_section_progress(
    *, application: Application, answers: dict | None = None
) -> list[SectionProgress]:
    answers = application_answers(application=application) if answers is None else answers
    progress = []
    for section in ApplicationSection:
        required: list[Question] = [q for q in QUESTIONS if q.section == section and q.required]
        missing = tuple(q.label for q in required if not is_answered(q, answers.get(q.key)))
        progress.append(
            SectionProgress(
                section.value, section.label, len(required) - len(missing), len(required), missing
            )
        )
    return progress


# --- What the team should do next ---------------------------------------------------------------------


def application_next_step(application: Application) -> str:
    """A short phrase for the "my applications" page. Uses the annotations of
    ``application_list_for_user`` when present (no extra query)."""
    status = application.status
    if status == ApplicationStatus.DRAFT:
        if getattr(application, "has_pending_invites", False):
            return "Wait for co-applicants to accept, then submit"
        return "Complete and submit the application"
    if status == ApplicationStatus.QUERIED:
        if getattr(application, "has_open_query", True):
            return "Answer the panel's questions"
        return "Resubmit the application"
    if status in AWAITING_SCREENING:
        return "Wait for staff to screen it"
    if status == ApplicationStatus.UNDER_REVIEW:
        return "Wait for the panel's decision"
    if status == ApplicationStatus.APPROVED:
        return "Read the decision letter; ONS will arrange access"
    if status in DECIDED:
        return "Read the decision letter"
    return "Nothing to do"


def application_is_editable(application: Application) -> bool:
    return application.status in EDITABLE


# --- Terms of access ------------------------------------------------------------------------------------


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


def _terms_problems(*, application: Application) -> list[Problem]:
    terms = terms_in_force()
    return [
        Problem(
            ApplicationSection.DECLARATIONS,
            f"{user.get_full_name() or user.email} has not accepted the terms of access in force "
            f"(version {terms.number}, {terms.label}): every team member accepts them on the "
            "application's terms of access page.",
        )
        for user in terms_outstanding(application=application, terms=terms)
    ]


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
