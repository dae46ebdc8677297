"""Reads of grants and change requests: the grant in force and its history, what a change request
would make of the grant (team, deposits), and the field diff against the approved version."""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date

from django.db.models import Prefetch, QuerySet, prefetch_related_objects

from core.selectors import prefetched
from deposits.enums import DepositStatus
from deposits.models import Deposit
from deposits.selectors import UseConditionMatch

from .enums import ChangeKind, GrantStatus, MemberRole, MemberStatus
from .models import Application, ApplicationMember, ChangeRequest, Grant
from .selectors import (
    AccreditationStanding,
    accreditation_standing,
    application_accepted_members,
    use_condition_matches,
)


def months_later(day: date, months: int) -> date:
    """The same day ``months`` calendar months later (the last day of the month when it has fewer)."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def datasets_snapshot(deposits) -> list[dict]:
    """What a grant freezes of its deposits: reference, title and SRS dataset identifiers."""
    return [
        {
            "reference": deposit.reference,
            "title": deposit.title,
            "srs_dataset_ids": sorted(dataset.dataset_id for dataset in deposit.srs_datasets.all()),
        }
        for deposit in sorted(deposits, key=lambda d: d.reference)
    ]


def grant_in_force(*, application: Application) -> Grant | None:
    """The application's current grant (live, suspended, revoked or ended: never a superseded one),
    or None before approval."""
    if application.pk is None:
        return None
    return Grant.objects.filter(application=application).exclude(status=GrantStatus.SUPERSEDED).first()


def grant_history(*, application: Application) -> list[Grant]:
    """Every grant of the application, first to last, each with the change request that issued it
    (and what that changed: ``CHANGE_KIND_RELATIONS``)."""
    return list(
        Grant.objects.filter(application=application)
        .select_related("change_request", "supersedes")
        .prefetch_related(*(f"change_request__{name}" for name in CHANGE_KIND_RELATIONS))
        .order_by("number")
    )


def grant_team_lines(team: list[dict]) -> list[str]:
    roles = dict(MemberRole.choices)
    return [f"{m.get('name') or m.get('email')} ({roles.get(m.get('role'), m.get('role'))})" for m in team]


def grant_dataset_lines(datasets: list[dict]) -> list[str]:
    return [f"{d['reference']} {d['title']}" for d in datasets]


# --- change requests --------------------------------------------------------------------------------


def change_requests_for_application(*, application: Application) -> QuerySet[ChangeRequest]:
    return (
        application.change_requests.select_related("grant", "requested_by")
        .prefetch_related(*CHANGE_KIND_RELATIONS)
        .order_by("-number")
    )


def change_request_get(*, application: Application, number: int) -> ChangeRequest | None:
    return (
        ChangeRequest.objects.select_related("application", "application__lead", "grant", "requested_by")
        .prefetch_related(
            "deposits_added",
            "deposits_removed",
            Prefetch("members_removed", queryset=ApplicationMember.objects.select_related("user")),
        )
        .filter(application=application, number=number)
        .first()
    )


def change_request_invitations(*, change_request: ChangeRequest) -> list[ApplicationMember]:
    """The people the change request invites, whatever they answered."""
    return list(
        change_request.proposed_members.select_related("user", "user__researcher_profile").order_by("pk")
    )


def change_request_members_after(*, change_request: ChangeRequest) -> list[ApplicationMember]:
    """The team the grant would have: today's accepted members, less those removed, plus those
    invited by the change request (accepted or not yet), lead first."""
    removed = {m.pk for m in change_request.members_removed.all()}
    kept = [
        m for m in application_accepted_members(application=change_request.application) if m.pk not in removed
    ]
    added = [
        m
        for m in change_request_invitations(change_request=change_request)
        if m.status in {MemberStatus.INVITED, MemberStatus.PROPOSED, MemberStatus.ACCEPTED}
    ]
    return kept + [m for m in added if m.pk not in {k.pk for k in kept}]


def change_request_deposits_after(*, change_request: ChangeRequest) -> list[Deposit]:
    removed = {d.pk for d in change_request.deposits_removed.all()}
    deposits = {d.pk: d for d in change_request.grant.deposits.all() if d.pk not in removed}
    for deposit in change_request.deposits_added.all():
        deposits[deposit.pk] = deposit
    return sorted(deposits.values(), key=lambda d: d.reference)


#: The relations ``change_request_kinds`` looks at: a list of change requests (or of grants, as
#: ``change_request__<name>``) prefetches these so that its kinds cost no query per row.
CHANGE_KIND_RELATIONS = ("proposed_members", "members_removed", "deposits_added", "deposits_removed")


def _changes_any(change_request: ChangeRequest, relation: str) -> bool:
    rows = prefetched(change_request, relation)
    return bool(rows) if rows is not None else getattr(change_request, relation).exists()


def change_request_kinds(change_request: ChangeRequest) -> list[str]:
    """What the change request changes (``ChangeKind`` values, in the order of the enum). Reads
    ``CHANGE_KIND_RELATIONS`` from a prefetch when the caller made one, else asks (one query each)."""
    kinds = set()
    if change_request.pk and _changes_any(change_request, "proposed_members"):
        kinds.add(ChangeKind.MEMBER_ADD)
    if change_request.pk and _changes_any(change_request, "members_removed"):
        kinds.add(ChangeKind.MEMBER_REMOVE)
    if change_request.pk and _changes_any(change_request, "deposits_added"):
        kinds.add(ChangeKind.DEPOSIT_ADD)
    if change_request.pk and _changes_any(change_request, "deposits_removed"):
        kinds.add(ChangeKind.DEPOSIT_REMOVE)
    if change_request.purpose:
        kinds.add(ChangeKind.PURPOSE)
    if change_request.outputs_plan:
        kinds.add(ChangeKind.OUTPUTS)
    if change_request.access_end:
        kinds.add(ChangeKind.EXTENSION)
    return [kind for kind in ChangeKind.values if kind in kinds]


def change_request_summary(change_request: ChangeRequest) -> str:
    """The kinds as a short phrase ("Add a team member, add a deposit")."""
    labels = [ChangeKind(kind).label for kind in change_request_kinds(change_request)]
    return ", ".join([labels[0], *[label[0].lower() + label[1:] for label in labels[1:]]]) if labels else ""


@dataclass(frozen=True)
class FieldChange:
    key: str
    label: str
    old: object
    new: object

    @property
    def is_list(self) -> bool:
        return isinstance(self.old, list | tuple) or isinstance(self.new, list | tuple)


def member_name(member: ApplicationMember) -> str:
    """A team member as the team's pages name them: their account's name, else the invited address."""
    return member.user.full_name if member.user else member.email


def _member_line(member: ApplicationMember) -> str:
    line = f"{member_name(member)} ({member.get_role_display()})"
    if member.status == MemberStatus.INVITED:
        line += " - invited, not yet accepted"
    return line


def change_request_diff(change_request: ChangeRequest) -> list[FieldChange]:
    """Old -> new for each field the change request changes, against the grant it changes (the
    approved version); unchanged fields are left out."""
    grant = change_request.grant
    kinds = set(change_request_kinds(change_request))
    changes = []
    if kinds & {ChangeKind.MEMBER_ADD, ChangeKind.MEMBER_REMOVE}:
        changes.append(
            FieldChange(
                "team",
                "Team",
                grant_team_lines(grant.team),
                [_member_line(m) for m in change_request_members_after(change_request=change_request)],
            )
        )
    if kinds & {ChangeKind.DEPOSIT_ADD, ChangeKind.DEPOSIT_REMOVE}:
        changes.append(
            FieldChange(
                "deposits",
                "Deposits (datasets)",
                grant_dataset_lines(grant.datasets),
                [
                    f"{d.reference} {d.title}"
                    for d in change_request_deposits_after(change_request=change_request)
                ],
            )
        )
    if ChangeKind.PURPOSE in kinds:
        changes.append(
            FieldChange("purpose", "Purpose (research questions)", grant.purpose, change_request.purpose)
        )
    if ChangeKind.OUTPUTS in kinds:
        changes.append(
            FieldChange(
                "outputs_plan",
                "Outputs and publication plan",
                grant.outputs_plan,
                change_request.outputs_plan,
            )
        )
    if ChangeKind.EXTENSION in kinds:
        changes.append(
            FieldChange(
                "access_end",
                "Access end",
                grant.access_end.isoformat() if grant.access_end else "",
                change_request.access_end.isoformat(),
            )
        )
    return changes


def change_request_use_condition_matches(*, change_request: ChangeRequest) -> list[UseConditionMatch]:
    """The screening rule of a new application (``selectors.use_condition_matches``) applied to the
    grant as the change request would make it: its deposits, the application's declared sensitive
    uses, and the sector of every member of the team after the change."""
    deposits = change_request_deposits_after(change_request=change_request)
    prefetch_related_objects(deposits, "excluded_uses")
    return use_condition_matches(
        deposits=deposits,
        sensitive_uses=list(change_request.application.sensitive_uses.all()),
        users=[
            m.user for m in change_request_members_after(change_request=change_request) if m.user is not None
        ],
    )


# --- the participants' rule on a live grant ----------------------------------------------------------


#: The grants the re-screen looks at: live ones, and suspended ones (a withdrawn deposit or a lapsed
#: member is taken off those too, so that lifting the suspension later finds nothing in the way).
GRANTS_SCREENED = (GrantStatus.LIVE, GrantStatus.SUSPENDED)


def grants_live_using(*, deposit_id: int) -> list[int]:
    """The ids of the live and suspended grants that use a deposit, oldest first (the re-screen's
    work list)."""
    return list(
        Grant.objects.filter(status__in=GRANTS_SCREENED, deposits=deposit_id)
        .order_by("pk")
        .values_list("pk", flat=True)
    )


def accreditation_lapsed(member: ApplicationMember, *, today: date) -> bool:
    """A team member's ONS accreditation no longer holds today (expired, or no longer recorded on
    their profile): by ``selectors.accreditation_standing``, the rule submission uses."""
    profile = getattr(member.user, "researcher_profile", None) if member.user_id else None
    return accreditation_standing(profile, today=today, access_end=None) in (
        AccreditationStanding.MISSING,
        AccreditationStanding.EXPIRED,
    )


def _lapse_phrase(member: ApplicationMember) -> str:
    profile = getattr(member.user, "researcher_profile", None)
    expired = getattr(profile, "accreditation_expires_on", None)
    if profile is not None and profile.is_accredited and expired is not None:
        return f"lapsed on {expired:%d %B %Y}"
    return "is no longer recorded"


@dataclass(frozen=True)
class GrantRemovals:
    """What the archive takes off a grant itself, each with why: withdrawn deposits (only while
    another deposit remains; a grant left with none is suspended instead) and co-applicants whose
    accreditation lapsed (a lead's lapse suspends the grant: ``grant_suspension_reasons``)."""

    deposits: tuple[tuple[Deposit, str], ...] = ()
    members: tuple[tuple[ApplicationMember, str], ...] = ()

    def __bool__(self) -> bool:
        return bool(self.deposits or self.members)

    @property
    def reasons(self) -> list[str]:
        return [reason for _deposit, reason in self.deposits] + [reason for _member, reason in self.members]

    def kept(self, deposits) -> list[Deposit]:
        """``deposits`` less the withdrawn ones."""
        withdrawn = {deposit.pk for deposit, _reason in self.deposits}
        return [d for d in deposits if d.pk not in withdrawn]


def grant_removals(
    *,
    grant: Grant,
    today: date,
    deposits: list[Deposit] | None = None,
    members: list[ApplicationMember] | None = None,
) -> GrantRemovals:
    """The deposits and members to take off ``grant`` now (nothing for a grant that is not live or
    suspended); ``deposits`` and ``members`` are the grant's and the accepted team, when the caller
    has read them already."""
    if grant.status not in GRANTS_SCREENED:
        return GrantRemovals()
    if deposits is None:
        deposits = list(grant.deposits.order_by("reference"))
    if members is None:
        members = application_accepted_members(application=grant.application)
    withdrawn = [d for d in deposits if d.status == DepositStatus.WITHDRAWN]
    if len(withdrawn) == len(deposits):
        withdrawn = []
    lapsed = [m for m in members if m.role != MemberRole.LEAD and accreditation_lapsed(m, today=today)]
    return GrantRemovals(
        deposits=tuple(
            (d, f"{d.reference} ({d.title}) was withdrawn by the archive: it is no longer part of the grant.")
            for d in withdrawn
        ),
        members=tuple(
            (
                m,
                f"{member_name(m)}'s ONS accreditation {_lapse_phrase(m)}: their access ended.",
            )
            for m in lapsed
        ),
    )


def grant_screening_reasons(
    *, grant: Grant, deposits: list[Deposit] | None = None, members: list[ApplicationMember] | None = None
) -> list[str]:
    """Why a live grant may no longer be used, by the rule an application is screened with on
    submission (``selectors.use_condition_matches``: the grant's deposits, the application's
    declared sensitive uses, the sector of each member of the team now; or ``deposits`` and
    ``members`` as the caller is about to make them) and the archive's own say: a deposit
    suspended, withdrawn, or not yet approved again after a suspension. Empty when the grant still
    keeps every participant's condition."""
    if deposits is None:
        deposits = list(grant.deposits.order_by("reference"))
    deposits = sorted(deposits, key=lambda d: d.reference)
    prefetch_related_objects(deposits, "excluded_uses")
    reasons = [
        f"{deposit.reference} ({deposit.title}) was {deposit.get_status_display().lower()} by the archive."
        if deposit.status in (DepositStatus.SUSPENDED, DepositStatus.WITHDRAWN)
        else f"{deposit.reference} ({deposit.title}) is not available: it waits for a second staff member's "
        "approval."
        for deposit in deposits
        if deposit.status != DepositStatus.AVAILABLE
    ]
    if members is None:
        members = application_accepted_members(application=grant.application)
    matches = use_condition_matches(
        deposits=deposits,
        sensitive_uses=list(grant.application.sensitive_uses.all()),
        users=[m.user for m in members if m.user is not None],
    )
    return reasons + [match.describe() for match in matches]


def grant_suspension_reasons(
    *,
    grant: Grant,
    today: date,
    deposits: list[Deposit] | None = None,
    members: list[ApplicationMember] | None = None,
) -> list[str]:
    """Why a grant may not be used now, each a sentence: the participants' rule
    (``grant_screening_reasons``) and the lead applicant's ONS accreditation (a lapsed co-applicant
    is taken off the team instead: ``grant_removals``). Empty when nothing keeps it suspended: the
    re-screen suspends a live grant with reasons, staff may lift a suspension without them."""
    if members is None:
        members = application_accepted_members(application=grant.application)
    reasons = grant_screening_reasons(grant=grant, deposits=deposits, members=members)
    lead = next((m for m in members if m.role == MemberRole.LEAD), None)
    if lead is not None and accreditation_lapsed(lead, today=today):
        reasons.append(f"The lead applicant {member_name(lead)}'s ONS accreditation {_lapse_phrase(lead)}.")
    return reasons


def grant_resume_blockers(*, grant: Grant, today: date) -> tuple[GrantRemovals, list[str]]:
    """What lifting a suspension would take off the grant (``grant_removals``), and what would still
    keep it suspended once they are off (``grant_suspension_reasons`` of the grant it would make):
    the staff's page shows both, and ``grant_services.grant_resume`` refuses while the second is not
    empty."""
    deposits = list(grant.deposits.order_by("reference"))
    members = application_accepted_members(application=grant.application)
    removals = grant_removals(grant=grant, today=today, deposits=deposits, members=members)
    leaving = {member.pk for member, _reason in removals.members}
    remaining = grant_suspension_reasons(
        grant=grant,
        today=today,
        deposits=removals.kept(deposits),
        members=[m for m in members if m.pk not in leaving],
    )
    return removals, remaining
