"""Demo data for the panel: member1-4 are panel members and chair@example.org the chair; staff have
opened applications for review; some votes are cast; one application awaits the chair; others are
decided (approved with conditions, rejected by the panel, and rejected automatically on submission).
Two approved projects show change requests on their grant: one whose grant was amended once (a
deposit added through the panel's vote: G2 supersedes G1), and one with an extension waiting for
staff under the delegation. Everything goes through the services. Idempotent: applications are looked
up by lead and title, and a change request is asked for only on a project that has none."""

from datetime import timedelta

from django.utils import timezone

from accounts.models import User
from applications.demo import _answers, _fill, _start
from applications.grant_selectors import grant_in_force
from applications.grant_services import change_request_open
from applications.models import Application, ChangeRequest
from applications.services import application_submit
from deposits.enums import DepositStatus
from deposits.models import Deposit, SensitiveUse

from .enums import DecisionOutcome, ProjectVote, ResearcherFit
from .models import MemberInterest, PanelMembership
from .services import (
    change_conflict_declare,
    change_request_decide,
    change_vote_cast,
    conflict_declare,
    decision_record,
    member_interest_declare,
    panel_member_add,
    review_open,
    vote_cast,
)

MEMBERS = ["member1@example.org", "member2@example.org", "member3@example.org", "member4@example.org"]
CHAIR = "chair@example.org"
FOSTER = "Foster placement stability study"
KINSHIP = "Kinship care and school outcomes in Wales"
PATHWAYS = "Pathways through child protection: a ten-year administrative cohort"
MOVING_ON = "Moving On: outcomes for care leavers at 18, 21 and 25"
EARLY_HELP = "Early help before child protection: what works"
AMENDED = "Kinship care and school attendance"

A, R, X = ProjectVote.APPROVE, ProjectVote.REJECT, ProjectVote.ABSTAIN
OK, NOT_OK = ResearcherFit.SUITABLE, ResearcherFit.UNSUITABLE


def _users(emails):
    found = {u.email: u for u in User.objects.filter(email__in=emails)}
    return [found.get(e) for e in emails]


def _submitted(lead, title, deposit, *, summary, uses=()):
    """A complete application submitted by ``lead`` (built with the applications demo's helpers)."""

    application, new = _start(lead, title)
    if not new:
        return None
    _fill(
        application,
        lead,
        _answers(
            title, summary=summary, questions=f"{title}?", variables="The minimum variables to answer it."
        ),
        [deposit],
        uses=uses,
    )
    return application_submit(application=application, actor=lead)


def _review(application, staff, members, votes, *, days=10, conflicted=()):
    review_open(application=application, actor=staff, voting_deadline=timezone.now() + timedelta(days=days))
    for member, (project, fit) in zip(members, votes, strict=False):
        if member in conflicted:
            conflict_declare(
                application=application, member=member, has_conflict=True, reason="Works with the lead."
            )
            continue
        conflict_declare(application=application, member=member, has_conflict=False)
        if project:
            vote_cast(
                application=application,
                member=member,
                project_vote=project,
                researcher_fit=fit,
                project_comment="Clear questions; the variables requested are the minimum needed."
                if project == A
                else "The benefit to children in care is not made clear enough.",
                researcher_fit_comment="An academic team with a record of work with local authorities."
                if fit == OK
                else "The organisation's aims do not fit the charity's purpose.",
            )


def load(stdout) -> None:
    staff = User.objects.filter(email="staff@example.org").first()
    researcher, researcher2 = _users(["researcher@example.org", "researcher2@example.org"])
    members = _users(MEMBERS)
    chair = User.objects.filter(email=CHAIR).first()
    if not (staff and researcher and researcher2 and chair and all(members)):
        stdout.write("panel: skipped (the demo accounts are missing; load accounts.demo first)")
        return

    added = 0
    for user, is_chair in [*((m, False) for m in members), (chair, True)]:
        if not PanelMembership.objects.filter(user=user, ended_at__isnull=True).exists():
            panel_member_add(actor=staff, user=user, is_chair=is_chair)
            added += 1
    if not MemberInterest.objects.filter(member=members[1]).exists():
        member_interest_declare(
            actor=members[1],
            member=members[1],
            description="Trustee of a fostering charity in Yorkshire (unpaid).",
        )

    deposits = {d.title: d for d in Deposit.objects.filter(status=DepositStatus.AVAILABLE)}
    if not all(t in deposits for t in (FOSTER, KINSHIP, PATHWAYS, MOVING_ON)):
        stdout.write(f"panel: {added} memberships added; applications skipped (load deposits.demo first)")
        return
    created = 0
    chair_vote = [(A, OK)]

    # Under review: some votes cast, one member conflicted, others still to vote.
    app = _submitted(
        researcher,
        "Placement moves and mental health in adolescence",
        deposits[FOSTER],
        summary="Young people in foster care who move often may struggle more with their mental health. "
        "We will look at whether this is so, to help plan more stable care.",
    )
    if app:
        created += 1
        _review(app, staff, members[:3], [(A, OK), (None, None), (R, OK)], days=3, conflicted=[members[1]])

    # Every member has voted: awaiting the chair (who has not yet declared or voted).
    app = _submitted(
        researcher,
        "Kinship carers' support and placement endurance",
        deposits[KINSHIP],
        summary="We will look at whether support for kinship carers helps children stay with their "
        "relatives rather than move into foster care.",
    )
    if app:
        created += 1
        _review(app, staff, members, [(A, OK), (A, OK), (A, NOT_OK), (X, OK)], days=5)

    # Decided: approved with conditions.
    app = _submitted(
        researcher,
        EARLY_HELP,
        deposits[PATHWAYS],
        summary="Which kinds of early help are followed by fewer child protection plans? We will compare "
        "pathways to help councils offer support sooner.",
    )
    if app:
        created += 1
        _review(app, staff, [*members, chair], [(A, OK), (A, OK), (A, OK), (R, OK), *chair_vote])
        decision_record(
            application=app,
            chair=chair,
            outcome=DecisionOutcome.APPROVED_WITH_CONDITIONS,
            rationale="A clear public benefit for children on the edge of care, with a careful plan for "
            "disclosure control. Three of four members approved; none found the team unsuitable.",
            public_rationale="Approved: clear benefit to children supported by early help.",
            conditions="Share the briefing for local authorities with the charity two weeks before "
            "publication.",
        )

    # Decided: rejected by the panel.
    app = _submitted(
        researcher,
        "Foster carer retention and recruitment advertising",
        deposits[FOSTER],
        summary="We will test which recruitment messages keep foster carers fostering for longer.",
    )
    if app:
        created += 1
        _review(app, staff, [*members, chair], [(R, OK), (R, OK), (A, OK), (R, NOT_OK), (R, OK)])
        decision_record(
            application=app,
            chair=chair,
            outcome=DecisionOutcome.REJECTED,
            rationale="The data requested go well beyond what the questions need, and the benefit to "
            "children in care is indirect. The panel would consider a narrower proposal.",
            public_rationale="Rejected: the data requested exceed what the research questions need.",
        )

    # Decided automatically: a commercial team declaring commercial use of Moving On.
    commercial = SensitiveUse.objects.filter(code="commercial").first()
    app = _submitted(
        researcher2,
        "Care leavers' spending patterns for product design",
        deposits[MOVING_ON],
        summary="We will study care leavers' finances to design a budgeting app.",
        uses=[commercial] if commercial else [],
    )
    if app:
        created += 1

    # Approved, then amended once: a second deposit added through the panel (G2 supersedes G1).
    app = _submitted(
        researcher,
        AMENDED,
        deposits[KINSHIP],
        summary="Do children in kinship care miss less school than children in foster care? We will "
        "compare attendance to help councils support kinship carers.",
    )
    if app:
        created += 1
        _review(app, staff, [*members, chair], [(A, OK), (A, OK), (A, OK), (A, OK), *chair_vote])
        decision_record(
            application=app,
            chair=chair,
            outcome=DecisionOutcome.APPROVED,
            rationale="A clear benefit to children in kinship care; the variables are the minimum needed.",
            public_rationale="Approved: clear benefit to children in kinship care.",
        )
    changed = _changes_on_approved(researcher, members, chair, deposits)
    stdout.write(
        f"panel: {added} memberships added, {created} applications through the panel, "
        f"{changed} change requests on approved projects"
    )


def _changes_on_approved(lead, members, chair, deposits) -> int:
    """The change requests of the demo's approved projects, each asked only once."""
    changed = 0
    amended = Application.objects.filter(lead=lead, title=AMENDED).first()
    grant = grant_in_force(application=amended) if amended else None
    if grant and not ChangeRequest.objects.filter(application=amended).exists():
        change = change_request_open(
            application=amended,
            actor=lead,
            reason="The attendance gap may follow placement moves: we need the child protection "
            "pathways to see which children moved school.",
            deposits_added=[deposits[PATHWAYS]],
        )
        for member in [*members, chair]:
            change_conflict_declare(change_request=change, member=member, has_conflict=False)
            change_vote_cast(
                change_request=change,
                member=member,
                project_vote=A,
                researcher_fit=OK,
                project_comment="The added deposit answers the same questions; nothing more is needed.",
            )
        change_request_decide(
            change_request=change,
            actor=chair,
            outcome="approve",
            rationale="The pathways deposit is needed to see placement moves; the team is unchanged.",
        )
        changed += 1
    extended = Application.objects.filter(lead=lead, title=EARLY_HELP).first()
    grant = grant_in_force(application=extended) if extended else None
    if grant and grant.access_end and not ChangeRequest.objects.filter(application=extended).exists():
        change_request_open(
            application=extended,
            actor=lead,
            reason="Two local authorities sent their briefings late: we need three more months.",
            access_end=grant.access_end + timedelta(days=90),
        )  # within the delegation: it waits for staff (panel/staff/changes/)
        changed += 1
    return changed
