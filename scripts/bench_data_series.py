"""The main series of scripts/bench's data (see bench_data.py): ``grow(total)`` adds applications
APP-2024-00001 ... with everything the services would have written for each: teams and guardian
grants, versions, queries, conflict declarations, votes, decisions, delivered ONS notifications
with their attempts, and audit events; for the approved ones, their grants of access, change
requests, the ONS events of each grant and the researcher's outputs (bench_data_grants.py). Row
``i`` is the same whatever the order the series is grown in."""

import uuid
from datetime import timedelta

from bench_data_common import (
    AUTOMATIC,
    BATCH,
    MAIN_PREFIX,
    RESEARCHER_ROWS_MAX,
    STATUS_CYCLE,
    TOPICS,
    WEBHOOK_TARGET,
    WITH_CONDITIONS,
    Actors,
    S,
    app_deposit_keys,
    application_permissions,
    audit_event,
    delivered_notifications_create,
    pool_deposits,
    pool_researchers,
)
from bench_data_grants import deposit_keys as grant_deposit_keys
from bench_data_grants import grow_grants
from django.db import transaction
from django.utils import timezone

from applications.enums import AccessRoute, MemberRole, MemberStatus
from applications.models import (
    Application,
    ApplicationMember,
    ApplicationQuery,
    ApplicationUserObjectPermission,
    ApplicationVersion,
)
from applications.selectors import researcher_snapshot
from core.models import AuditEvent
from notifications.enums import OnsChannel, OnsEventType, OnsNotificationStatus
from notifications.models import OnsNotification
from panel.enums import DecisionOutcome, PanelAuditAction, ProjectVote, Recommendation, ResearcherFit
from panel.models import ConflictDeclaration, Decision, Vote


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
    leads = pool_researchers(sorted({i // 4 for i in indices}))
    keys = {key for i in indices for key in app_deposit_keys(i)} | grant_deposit_keys(indices)
    deposits = pool_deposits(sorted(keys), staff=actors.staff)
    view, change = application_permissions()

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
        links += [through(application_id=app.pk, deposit_id=deposits[key].pk) for key in app_deposit_keys(i)]
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
        audit.append(audit_event(app.lead, "applications.application.created", app))
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
            audit.append(
                audit_event(app.lead, "applications.application.submitted", app, {"version": number})
            )
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
            audit.append(audit_event(actors.staff, PanelAuditAction.REVIEW_OPENED, app))
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
                audit_event(
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
        audit.append(audit_event(None, "notifications.ons_notification.queued", app, {"event": event}))
    delivered_notifications_create(notifications)
    audit += grow_grants(decisions, deposits, actors)
    AuditEvent.objects.bulk_create(audit, batch_size=BATCH)
