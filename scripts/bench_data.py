"""Realistic data for scripts/bench, bulk-created for speed.

Rows are made directly (``bulk_create``) with the references, statuses, milestones, teams, guardian
grants, versions, deposits, votes, conflict declarations, decisions, ONS notifications and audit
events the services would have written, so every page shows what it shows in production. Row ``i``
of the main series is the same whatever the order the series is grown in (``grow(10)`` then
``grow(1000)`` gives the same rows as ``grow(1000)``).

The people the pages are requested as (``Actors``): a researcher on the team of the first 1,000
applications (so "my applications" grows with the rows counted), a panel member and a chair (the
queue), the staff member (staff lists and baselines) and further panel members who vote.
"""

import uuid
from dataclasses import dataclass
from datetime import timedelta

from django.contrib.auth.models import Permission
from django.db import transaction
from django.utils import timezone

from accounts.enums import AccreditationStatus, OrganisationSector, Role
from accounts.models import ResearcherProfile, User
from applications.enums import AccessRoute, ApplicationStatus, MemberRole, MemberStatus
from applications.models import (
    Application,
    ApplicationAttachment,
    ApplicationMember,
    ApplicationQuery,
    ApplicationUserObjectPermission,
    ApplicationVersion,
)
from applications.selectors import researcher_snapshot
from core.models import AuditEvent
from deposits.enums import AccessLevel, DepositStatus, Geography, Population
from deposits.models import Deposit, SrsDataset
from notifications.enums import OnsAttemptOutcome, OnsChannel, OnsEventType, OnsNotificationStatus
from notifications.models import OnsDeliveryAttempt, OnsNotification
from panel.enums import DecisionOutcome, PanelAuditAction, ProjectVote, Recommendation, ResearcherFit
from panel.models import ConflictDeclaration, Decision, PanelMembership, Vote

S = ApplicationStatus
MAIN_PREFIX = "APP-2024-"  # the main series: APP-2024-00001 ...
DECIDE_PREFIX = "APP-2025-D"  # applications under review waiting for the chair (ONS benchmarks)
REVIEW_REFERENCE = "APP-2025-R0001"  # the review page's subject
BATCH = 2000
#: The measured researcher is on the team of the first this-many applications (their own list is
#: counted at 10 and 1,000 rows; nobody is on ten thousand teams).
RESEARCHER_ROWS_MAX = 1000
#: Deposits in the archive once it is grown past this many rows: applications share them (a few
#: hundred to a thousand deposits is a large archive; the catalogue is counted at 10 and 1,000).
DEPOSITS_MAX = 1000

#: Status of row i by i % 20: the mix of a portal a few years in (8 approved, 3 rejected, 2 withdrawn,
#: 2 drafts, 2 under review, 1 submitted, 1 queried, 1 resubmitted), ordered so that the first ten
#: rows already hold every kind a page shows.
STATUS_CYCLE = [
    S.APPROVED, S.UNDER_REVIEW, S.SUBMITTED, S.REJECTED, S.APPROVED,
    S.DRAFT, S.QUERIED, S.REJECTED, S.WITHDRAWN, S.APPROVED,
    S.APPROVED, S.UNDER_REVIEW, S.RESUBMITTED, S.APPROVED, S.DRAFT,
    S.REJECTED, S.APPROVED, S.WITHDRAWN, S.APPROVED, S.APPROVED,
]  # fmt: skip
AUTOMATIC = {7}  # i % 20: rejected automatically on submission (never opened for review)
WITH_CONDITIONS = {4, 16}  # i % 20: approved with conditions
TOPICS = [
    "Placement stability and school outcomes",
    "Care leavers' housing pathways",
    "Kinship care and health service use",
    "Sibling separation in foster care",
    "Youth justice contact of children in care",
    "Mental health of adopted children",
    "Early help and re-referral to children's services",
    "Educational attainment of children in need",
]
SECTORS = [s for s, _ in OrganisationSector.choices if s != OrganisationSector.COMMERCIAL]
ORGS = ["University of Bristol", "Cardiff University", "Coram", "University of Leeds", "NSPCC"]
WEBHOOK_TARGET = "https://ons.example.gov.uk/srs/webhook"


@dataclass
class Actors:
    researcher: User  # on the team of the first RESEARCHER_ROWS_MAX applications
    member: User  # the panel member whose queue is measured
    chair: User
    staff: User
    voters: list[User]  # further panel members who vote

    @property
    def panel(self) -> list[User]:
        return [self.chair, self.member, *self.voters]


def _user(email: str, full_name: str, role: str, **extra) -> User:
    user = User.objects.filter(email=email).first()
    if user is None:
        user = User(email=email, full_name=full_name, role=role, email_confirmed_at=timezone.now(), **extra)
        user.set_unusable_password()
        user.save()
    return user


def _profile(user: User, n: int) -> None:
    ResearcherProfile.objects.get_or_create(
        user=user,
        defaults={
            "organisation": ORGS[n % len(ORGS)],
            "sector": SECTORS[n % len(SECTORS)],
            "job_title": "Research Fellow",
            "accreditation_status": AccreditationStatus.FULL,
            "accreditation_number": f"ARN-B{n:06d}",
            "accreditation_expires_on": timezone.localdate() + timedelta(days=3 * 365),
        },
    )


def ensure_actors(*, voters: int = 3) -> Actors:
    """The users the benchmark signs in as (idempotent)."""
    researcher = _user("bench-researcher@example.org", "Rosa Researcher", Role.RESEARCHER)
    _profile(researcher, 0)
    staff = _user("bench-staff@example.org", "Sam Staff", Role.STAFF, is_staff=True)
    # Django's admin checks the model permission; the portal's own pages check the role.
    staff.user_permissions.add(
        Permission.objects.get(codename="view_application", content_type__app_label="applications")
    )
    chair = _user("bench-chair@example.org", "Chris Chair", Role.PANEL_CHAIR)
    member = _user("bench-member@example.org", "Morgan Member", Role.PANEL_MEMBER)
    others = [
        _user(f"bench-voter{n}@example.org", f"Voter {n}", Role.PANEL_MEMBER) for n in range(1, voters + 1)
    ]
    for user in [chair, member, *others]:
        PanelMembership.objects.get_or_create(
            user=user, ended_at=None, defaults={"is_chair": user.role == Role.PANEL_CHAIR, "added_by": staff}
        )
    return Actors(researcher=researcher, member=member, chair=chair, staff=staff, voters=others)


def _permissions() -> tuple[Permission, Permission]:
    perms = Permission.objects.filter(
        content_type__app_label="applications", codename__in=["view_application", "change_application"]
    )
    by_code = {p.codename: p for p in perms}
    return by_code["view_application"], by_code["change_application"]


def _researchers(indices: list[int]) -> dict[int, User]:
    """Pool researchers by number (bulk-created when missing), each with a profile."""
    emails = {n: f"bench-r{n:05d}@example.org" for n in indices}
    users = User.objects.filter(email__in=emails.values()).select_related("researcher_profile")
    existing = {u.email: u for u in users}
    new = []
    for n, email in emails.items():
        if email not in existing:
            user = User(
                email=email,
                full_name=f"Researcher {n}",
                role=Role.RESEARCHER,
                email_confirmed_at=timezone.now(),
                password="!bench",  # noqa: S106 (an unusable password: nobody signs in with it)
            )
            new.append(user)
    User.objects.bulk_create(new, batch_size=BATCH)
    ResearcherProfile.objects.bulk_create(
        [
            ResearcherProfile(
                user=user,
                organisation=ORGS[i % len(ORGS)],
                sector=SECTORS[i % len(SECTORS)],
                job_title="Research Fellow",
                accreditation_status=AccreditationStatus.FULL,
                accreditation_number=f"ARN-P{i:06d}",
                accreditation_expires_on=timezone.localdate() + timedelta(days=2 * 365),
            )
            for i, user in enumerate(new, start=len(existing))
        ],
        batch_size=BATCH,
    )
    existing.update({u.email: u for u in new})
    return {n: existing[email] for n, email in emails.items()}


def _deposits(keys: list[str], *, staff: User) -> dict[str, Deposit]:
    """One deposit per key (bulk-created when missing), nine in ten available, each with an SRS id."""
    refs = {key: f"DEP-2023-{key}" for key in keys}
    existing = {d.reference: d for d in Deposit.objects.filter(reference__in=refs.values())}
    new = []
    for n, (_key, ref) in enumerate(refs.items()):
        if ref in existing:
            continue
        new.append(
            Deposit(
                reference=ref,
                title=f"{TOPICS[n % len(TOPICS)]}: linked records {ref[-5:]}",
                description="De-identified local authority records linked to education and health data.",
                originating_project="Children's social care data linkage programme",
                principal_investigator="Prof Jane Doe",
                institution=ORGS[n % len(ORGS)],
                funder="Nuffield Foundation",
                geography=Geography.ENGLAND,
                population=list(Population.values)[n % len(Population.values)],
                access_level=AccessLevel.SAFE_ROOM,
                permitted_purposes="Research in the public interest on outcomes for children in care.",
                status=DepositStatus.DRAFT if ref.endswith("9") else DepositStatus.AVAILABLE,
                created_by=staff,
                last_edited_by=staff,
            )
        )
    Deposit.objects.bulk_create(new, batch_size=BATCH)
    SrsDataset.objects.bulk_create(
        [SrsDataset(deposit=d, dataset_id=f"SRS-{d.reference}") for d in new], batch_size=BATCH
    )
    existing.update({d.reference: d for d in new})
    return {key: existing[ref] for key, ref in refs.items()}


def _payload(app: Application, decision: Decision, event: str) -> dict:
    stamp = decision.decided_at.isoformat()
    return {
        "type": event,
        "timestamp": stamp,
        "data": {
            "sequence": 1,
            "application_reference": app.reference,
            "outcome": decision.outcome,
            "decided_at": stamp,
            "conditions": decision.conditions,
            "access_start": app.access_start.isoformat() if app.access_start else None,
            "access_end": app.access_end.isoformat() if app.access_end else None,
            "researchers": [],
            "deposits": [],
        },
    }


def _deposit_key(i: int) -> str:
    return f"{i % DEPOSITS_MAX:05d}"


def main_count() -> int:
    return Application.objects.filter(reference__startswith=MAIN_PREFIX).count()


@transaction.atomic
def grow(total: int, actors: Actors) -> int:
    """Add rows of the main series until it has ``total`` applications; returns how many were added."""
    start = main_count()
    for lo in range(start, total, BATCH):
        _grow_batch(lo, min(total, lo + BATCH), actors)
    return max(0, total - start)


def _grow_batch(lo: int, hi: int, actors: Actors) -> None:
    now = timezone.now()
    today = timezone.localdate()
    indices = list(range(lo, hi))
    leads = _researchers(sorted({i // 4 for i in indices}))
    keys = {_deposit_key(i) for i in indices} | {_deposit_key(i // 2) for i in indices if i % 3 == 0 and i}
    deposits = _deposits(sorted(keys), staff=actors.staff)
    view, change = _permissions()

    apps: list[Application] = []
    for i in indices:
        status = STATUS_CYCLE[i % 20]
        submitted = None if status == S.DRAFT else now - timedelta(minutes=37 * i + 60 * 24 * 30)
        automatic = i % 20 in AUTOMATIC
        opened = status not in (S.DRAFT, S.SUBMITTED) and not automatic
        version = 0 if status == S.DRAFT else (2 if status == S.RESUBMITTED else 1)
        decided = submitted + timedelta(days=21) if status in (S.APPROVED, S.REJECTED) else None
        if automatic:
            decided = submitted
        approved = status == S.APPROVED
        apps.append(
            Application(
                reference=f"{MAIN_PREFIX}{i + 1:05d}",
                lead=leads[i // 4],
                status=status,
                title=f"{TOPICS[i % len(TOPICS)]} ({i + 1})",
                lay_summary="We want to learn which kinds of care help children stay in one school.",
                technical_summary="Multilevel survival models of school moves by placement type.",
                research_questions="Does placement type predict school moves?",
                public_benefit="Better placement decisions by local authorities.",
                benefit_to_children="Fewer school moves for children in care.",
                care_experienced_involvement="A care-experienced advisory group shaped the questions.",
                funding="Nuffield Foundation grant FR-000123.",
                ethics_approval="University ethics committee, ref 2024/117.",
                interests_funders="None",
                interests_commercial="None",
                interests_care_links="None",
                variables_needed="Placement type and dates, pseudonymised school identifiers.",
                linkage="None",
                access_route=AccessRoute.SAFE_ROOM,
                outputs_plan="Two open-access papers and a briefing for local authorities.",
                disclosure_control="SRS output checking; cells under 10 suppressed.",
                access_start=today + timedelta(days=30 - i % 400),
                access_end=today + timedelta(days=400 - i % 400),
                terms_accepted=status != S.DRAFT,
                consent_to_publish=i % 7 != 0,
                version_number=version,
                submitted_at=submitted,
                first_submitted_at=submitted,
                review_opened_at=submitted + timedelta(days=3) if opened else None,
                voting_deadline=(
                    now + timedelta(days=1 + i % 14)
                    if status == S.UNDER_REVIEW
                    else (submitted + timedelta(days=17) if opened else None)
                ),
                queried_at=submitted + timedelta(days=8) if status in (S.QUERIED, S.RESUBMITTED) else None,
                decided_at=decided,
                withdrawn_at=submitted + timedelta(days=10) if status == S.WITHDRAWN else None,
            )
        )
        apps[-1]._bench = (i, automatic, opened, approved)
    Application.objects.bulk_create(apps, batch_size=BATCH)

    through = Application.deposits.through
    links, members, grants, versions, queries = [], [], [], [], []
    declarations, votes, decisions, audit = [], [], [], []
    for app in apps:
        i, automatic, opened, approved = app._bench
        first = deposits[_deposit_key(i)]
        links.append(through(application_id=app.pk, deposit_id=first.pk))
        if i % 3 == 0 and i and deposits[_deposit_key(i // 2)] != first:
            links.append(through(application_id=app.pk, deposit_id=deposits[_deposit_key(i // 2)].pk))
        accepted = now - timedelta(days=60)
        members.append(
            ApplicationMember(
                application=app,
                user=app.lead,
                email=app.lead.email,
                role=MemberRole.LEAD,
                status=MemberStatus.ACCEPTED,
                accepted_at=accepted,
                responded_at=accepted,
            )
        )
        if i < RESEARCHER_ROWS_MAX:
            members.append(
                ApplicationMember(
                    application=app,
                    user=actors.researcher,
                    email=actors.researcher.email,
                    role=MemberRole.RESEARCHER,
                    status=MemberStatus.ACCEPTED,
                    accepted_at=accepted,
                    responded_at=accepted,
                    invited_by=app.lead,
                )
            )
        if i % 3 == 0:
            members.append(
                ApplicationMember(
                    application=app,
                    email=f"invitee{i}@example.org",
                    role=MemberRole.SUPERVISOR,
                    status=MemberStatus.INVITED,
                    invited_by=app.lead,
                )
            )
        for user in (app.lead, actors.researcher) if i < RESEARCHER_ROWS_MAX else (app.lead,):
            for perm in (view, change):
                grants.append(ApplicationUserObjectPermission(user=user, permission=perm, content_object=app))
        audit.append(_audit(app.lead, "applications.application.created", app))
        for number in range(1, app.version_number + 1):
            versions.append(
                ApplicationVersion(
                    application=app,
                    number=number,
                    answers={
                        "title": app.title,
                        "lay_summary": app.lay_summary,
                        "public_benefit": app.public_benefit,
                    },
                    submitted_by=app.lead,
                    submitted_at=app.submitted_at,
                )
            )
            audit.append(_audit(app.lead, "applications.application.submitted", app, {"version": number}))
        if app.status in (S.QUERIED, S.RESUBMITTED):
            answered = app.status == S.RESUBMITTED
            queries.append(
                ApplicationQuery(
                    application=app,
                    version_number=1,
                    questions="Please explain why you need school identifiers.",
                    raised_by=actors.chair,
                    answer="To model school moves; they are pseudonymised in the SRS." if answered else "",
                    answered_by=app.lead if answered else None,
                    answered_at=app.queried_at + timedelta(days=2) if answered else None,
                )
            )
        if opened:
            audit.append(_audit(actors.staff, PanelAuditAction.REVIEW_OPENED, app))
            decided = app.status in (S.APPROVED, S.REJECTED)
            voters = (
                [actors.chair, *actors.voters] if decided else actors.voters[: 1 + i % len(actors.voters)]
            )
            for user in voters:
                declarations.append(ConflictDeclaration(application=app, member=user, has_conflict=False))
                vote = ProjectVote.APPROVE if (approved or i % 5) else ProjectVote.REJECT
                votes.append(
                    Vote(
                        application=app,
                        member=user,
                        version_number=app.version_number,
                        project_vote=vote,
                        researcher_fit=ResearcherFit.SUITABLE,
                        project_comment="Clear plan, proportionate data.",
                    )
                )
            # The measured member: declared on two in three, conflicted on one in eleven, voted on half.
            if i % 3:
                conflict = i % 11 == 0
                declarations.append(
                    ConflictDeclaration(
                        application=app,
                        member=actors.member,
                        has_conflict=conflict,
                        reason="I supervise the lead applicant." if conflict else "",
                    )
                )
                if not conflict and i % 2 == 0:
                    votes.append(
                        Vote(
                            application=app,
                            member=actors.member,
                            version_number=app.version_number,
                            project_vote=ProjectVote.APPROVE,
                            researcher_fit=ResearcherFit.SUITABLE,
                        )
                    )
        if app.status in (S.APPROVED, S.REJECTED):
            outcome = (
                DecisionOutcome.REJECTED
                if app.status == S.REJECTED
                else (
                    DecisionOutcome.APPROVED_WITH_CONDITIONS
                    if i % 20 in WITH_CONDITIONS
                    else DecisionOutcome.APPROVED
                )
            )
            decisions.append(
                Decision(
                    application=app,
                    outcome=outcome,
                    rationale="The panel weighed the proposal, the data requested and the team.",
                    public_rationale="Approved: a clear public benefit for children in care."
                    if approved
                    else "Rejected.",
                    conditions="Outputs checked by the archive before publication."
                    if outcome == DecisionOutcome.APPROVED_WITH_CONDITIONS
                    else "",
                    access_start=app.access_start if approved else None,
                    access_end=app.access_end if approved else None,
                    decided_by=None if automatic else actors.chair,
                    is_automatic=automatic,
                    recommended_outcome=Recommendation.APPROVE if approved else Recommendation.REJECT,
                    rules={"quorum": 3, "outcome_rule": "majority"},
                    team=[
                        researcher_snapshot(user=app.lead, role=MemberRole.LEAD),
                        *(
                            [researcher_snapshot(user=actors.researcher, role=MemberRole.RESEARCHER)]
                            if i < RESEARCHER_ROWS_MAX
                            else []
                        ),
                    ],
                    version_number=app.version_number,
                    decided_at=app.decided_at,
                )
            )
            audit.append(
                _audit(
                    None if automatic else actors.chair,
                    PanelAuditAction.DECISION_AUTOMATIC if automatic else PanelAuditAction.DECISION_RECORDED,
                    app,
                    {"outcome": outcome},
                )
            )
    through.objects.bulk_create(links, batch_size=BATCH)
    ApplicationMember.objects.bulk_create(members, batch_size=BATCH)
    ApplicationUserObjectPermission.objects.bulk_create(grants, batch_size=BATCH)
    ApplicationVersion.objects.bulk_create(versions, batch_size=BATCH)
    ApplicationQuery.objects.bulk_create(queries, batch_size=BATCH)
    ConflictDeclaration.objects.bulk_create(declarations, batch_size=BATCH)
    Vote.objects.bulk_create(votes, batch_size=BATCH)
    Decision.objects.bulk_create(decisions, batch_size=BATCH)

    notifications = []
    for decision in decisions:
        app = decision.application
        event = (
            OnsEventType.APPROVED if decision.outcome != DecisionOutcome.REJECTED else OnsEventType.REJECTED
        )
        notifications.append(
            OnsNotification(
                message_id=uuid.uuid4(),
                application=app,
                decision=decision,
                event_type=event,
                channel=OnsChannel.WEBHOOK,
                sequence=1,
                target=WEBHOOK_TARGET,
                payload=_payload(app, decision, event),
                status=OnsNotificationStatus.DELIVERED,
                attempts=1,
                last_status_code=200,
                delivered_at=decision.decided_at + timedelta(seconds=1),
            )
        )
        audit.append(_audit(None, "notifications.ons_notification.queued", app, {"event": event}))
    OnsNotification.objects.bulk_create(notifications, batch_size=BATCH)
    OnsDeliveryAttempt.objects.bulk_create(
        [
            OnsDeliveryAttempt(
                notification=n,
                number=1,
                started_at=n.delivered_at,
                duration_ms=12,
                status_code=200,
                outcome=OnsAttemptOutcome.DELIVERED,
            )
            for n in notifications
        ],
        batch_size=BATCH,
    )
    AuditEvent.objects.bulk_create(audit, batch_size=BATCH)


def _audit(actor: User | None, action: str, target, data: dict | None = None) -> AuditEvent:
    return AuditEvent(
        actor=actor,
        actor_email=actor.email if actor else "",
        action=action,
        target_type=target._meta.label_lower,
        target_id=str(target.pk),
        target_repr=str(target)[:300],
        data=data or {},
        ip_address="127.0.0.1" if actor else None,
    )


@transaction.atomic
def review_subject(k: int, actors: Actors) -> Application:
    """The application the review page is measured on, under review with ``k`` of everything it
    lists: team members, deposits, versions (so k x panel votes, stale ones included), queries and
    attachments. The measured member declared no conflict and voted, so they see every vote."""
    app = Application.objects.filter(reference=REVIEW_REFERENCE).first()
    now = timezone.now()
    if app is None:
        app = Application.objects.create(
            reference=REVIEW_REFERENCE,
            lead=actors.researcher,
            status=S.UNDER_REVIEW,
            title="Sibling separation in foster care and later contact",
            lay_summary="Whether brothers and sisters placed apart keep in touch.",
            public_benefit="Better placement decisions for sibling groups.",
            access_start=timezone.localdate() + timedelta(days=30),
            access_end=timezone.localdate() + timedelta(days=400),
            terms_accepted=True,
            consent_to_publish=True,
            version_number=0,
            submitted_at=now - timedelta(days=10),
            first_submitted_at=now - timedelta(days=40),
            review_opened_at=now - timedelta(days=9),
            voting_deadline=now + timedelta(days=5),
        )
        ApplicationMember.objects.create(
            application=app,
            user=actors.researcher,
            email=actors.researcher.email,
            role=MemberRole.LEAD,
            status=MemberStatus.ACCEPTED,
            accepted_at=now,
        )
        view, change = _permissions()
        ApplicationUserObjectPermission.objects.bulk_create(
            [
                ApplicationUserObjectPermission(user=actors.researcher, permission=p, content_object=app)
                for p in (view, change)
            ]
        )
        for user in actors.panel:
            ConflictDeclaration.objects.create(application=app, member=user, has_conflict=False)
    have = app.version_number
    if k <= have:
        return app
    team = _researchers(list(range(900000, 900000 + k)))
    ApplicationMember.objects.bulk_create(
        [
            ApplicationMember(
                application=app,
                user=user,
                email=user.email,
                role=MemberRole.RESEARCHER,
                status=MemberStatus.ACCEPTED,
                accepted_at=now,
                invited_by=actors.researcher,
            )
            for n, user in team.items()
            if n >= 900000 + have
        ]
    )
    deposits = _deposits([f"R{n:04d}" for n in range(k)], staff=actors.staff)
    app.deposits.add(*deposits.values())
    ApplicationVersion.objects.bulk_create(
        [
            ApplicationVersion(
                application=app,
                number=n,
                answers={"title": f"{app.title} (v{n})", "lay_summary": app.lay_summary},
                submitted_by=actors.researcher,
                submitted_at=now - timedelta(days=k - n),
            )
            for n in range(have + 1, k + 1)
        ]
    )
    ApplicationQuery.objects.bulk_create(
        [
            ApplicationQuery(
                application=app,
                version_number=n,
                questions=f"Question on version {n}.",
                raised_by=actors.chair,
                answer="Answered.",
                answered_by=actors.researcher,
                answered_at=now,
            )
            for n in range(have + 1, k)
        ]
    )
    ApplicationAttachment.objects.bulk_create(
        [
            ApplicationAttachment(
                application=app,
                file=f"applications/{app.pk}/bench-{n}.pdf",
                original_name=f"letter-{n}.pdf",
                description=f"Supporting letter {n}",
                size=1024,
                uploaded_by=actors.researcher,
            )
            for n in range(have, k)
        ]
    )
    Vote.objects.bulk_create(
        [
            Vote(
                application=app,
                member=user,
                version_number=n,
                project_vote=ProjectVote.APPROVE,
                researcher_fit=ResearcherFit.SUITABLE,
                project_comment=f"Fine on version {n}.",
            )
            for n in range(have + 1, k + 1)
            for user in actors.panel
        ]
    )
    app.version_number = k
    app.save(update_fields=["version_number"])
    return app


@transaction.atomic
def decide_pool(count: int, actors: Actors) -> list[Application]:
    """``count`` applications under review that the chair may decide now: chair and two members
    declared no conflict and voted approve on version 1 (quorum 3), voting still open."""
    existing = list(Application.objects.filter(reference__startswith=DECIDE_PREFIX).order_by("reference"))
    have = len(existing)
    if have >= count:
        return existing[:count]
    now = timezone.now()
    indices = list(range(have, count))
    leads = _researchers([800000 + n for n in indices])
    deposits = _deposits(sorted({_deposit_key(n) for n in indices}), staff=actors.staff)
    apps = [
        Application(
            reference=f"{DECIDE_PREFIX}{n:05d}",
            lead=leads[800000 + n],
            status=S.UNDER_REVIEW,
            title=f"{TOPICS[n % len(TOPICS)]}: decision {n}",
            lay_summary="How moves between placements affect school attendance.",
            public_benefit="Better placement decisions.",
            access_start=timezone.localdate() + timedelta(days=30),
            access_end=timezone.localdate() + timedelta(days=400),
            terms_accepted=True,
            consent_to_publish=True,
            version_number=1,
            submitted_at=now - timedelta(days=12),
            first_submitted_at=now - timedelta(days=12),
            review_opened_at=now - timedelta(days=10),
            voting_deadline=now + timedelta(days=4),
        )
        for n in indices
    ]
    Application.objects.bulk_create(apps, batch_size=BATCH)
    through = Application.deposits.through
    through.objects.bulk_create(
        [
            through(application_id=a.pk, deposit_id=deposits[_deposit_key(n)].pk)
            for n, a in zip(indices, apps, strict=True)
        ],
        batch_size=BATCH,
    )
    voters = [actors.chair, *actors.voters[:2]]
    ApplicationMember.objects.bulk_create(
        [
            ApplicationMember(
                application=a,
                user=a.lead,
                email=a.lead.email,
                role=MemberRole.LEAD,
                status=MemberStatus.ACCEPTED,
                accepted_at=now,
            )
            for a in apps
        ],
        batch_size=BATCH,
    )
    ApplicationVersion.objects.bulk_create(
        [
            ApplicationVersion(
                application=a, number=1, answers={"title": a.title}, submitted_by=a.lead, submitted_at=now
            )
            for a in apps
        ],
        batch_size=BATCH,
    )
    ConflictDeclaration.objects.bulk_create(
        [ConflictDeclaration(application=a, member=u, has_conflict=False) for a in apps for u in voters],
        batch_size=BATCH,
    )
    Vote.objects.bulk_create(
        [
            Vote(
                application=a,
                member=u,
                version_number=1,
                project_vote=ProjectVote.APPROVE,
                researcher_fit=ResearcherFit.SUITABLE,
            )
            for a in apps
            for u in voters
        ],
        batch_size=BATCH,
    )
    return existing + apps
