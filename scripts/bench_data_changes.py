"""The subject of scripts/bench's change request, outputs and API grant pages (see bench_data.py):
one approved project of the measured researcher (``GRANT_SUBJECT_REFERENCE``) with ``k`` of
everything those pages list, grown like the review page's subject (``grant_subject(1)`` then
``grant_subject(100)``).

Its history, as the services would have written it: the panel approved it (grant 1: the lead and
one deposit); change request 1 added 2k co-applicants and 2k deposits (approved: grant 2, live,
told to ONS as ``access.amended``); change requests 2 to 4 were withdrawn, refused and rejected;
change request 5 (``SUBJECT_CHANGE_NUMBER``) waits for the panel's vote: it changes the purpose,
takes k co-applicants and k deposits off, adds k deposits and k co-applicants (who accepted), and
k panel members (and the measured member) declared no conflict and voted. The project recorded k
outputs, each naming two deposits, and owes k annual reports."""

from datetime import timedelta

from bench_data_common import (
    GRANT_SUBJECT_REFERENCE,
    WEBHOOK_TARGET,
    Actors,
    S,
    application_permissions,
    audit_event,
    pool_deposits,
    pool_researchers,
)
from bench_data_grants import REFUSAL, routing
from django.db import transaction
from django.db.models import prefetch_related_objects
from django.utils import timezone

from accounts.enums import Role
from accounts.models import User
from applications.enums import (
    ApplicationsAuditAction,
    ChangeKind,
    ChangeRequestStatus,
    GrantStatus,
    MemberRole,
    MemberStatus,
    OutputKind,
    ReportKind,
)
from applications.grant_selectors import datasets_snapshot
from applications.models import (
    Application,
    ApplicationMember,
    ApplicationOutput,
    ApplicationReport,
    ApplicationUserObjectPermission,
    ChangeRequest,
    Grant,
)
from applications.selectors import researcher_snapshot
from core.models import AuditEvent
from notifications import contract
from notifications.enums import OnsChannel, OnsEventType, OnsNotificationStatus
from notifications.models import OnsNotification
from panel.enums import DecisionOutcome, ProjectVote, Recommendation, ResearcherFit
from panel.models import ChangeConflictDeclaration, ChangeVote, Decision, PanelMembership

#: The change request the panel's, the staff's and the researcher's change pages show.
SUBJECT_CHANGE_NUMBER = 5
#: The deposit change request 3 asked to add (refused: its use conditions exclude the lead's sector).
REFUSED_KEY = "GR0001"
CR = ChangeRequestStatus


def _deposit_key(n: int) -> str:
    """The subject's n-th deposit (0, 1, ... skipping numbers ending in 9: those are drafts)."""
    return f"G{n + n // 9:05d}"


@transaction.atomic
def grant_subject(k: int, actors: Actors) -> Application:
    """The subject with ``k`` of everything (made on the first call, grown on later ones)."""
    app = Application.objects.filter(reference=GRANT_SUBJECT_REFERENCE).first() or _create(actors)
    change = ChangeRequest.objects.get(application=app, number=SUBJECT_CHANGE_NUMBER)
    have = ApplicationMember.objects.filter(change_request=change).count()
    if k > have:
        _grow(app, change, have, k, actors)
    return app


def _create(actors: Actors) -> Application:
    now = timezone.now()
    today = timezone.localdate()
    lead = actors.researcher
    decided = now - timedelta(days=400)
    app = Application.objects.create(
        reference=GRANT_SUBJECT_REFERENCE,
        lead=lead,
        status=S.APPROVED,
        title="Placement moves and school attendance: a linked records study",
        lay_summary="Whether moving between placements makes children in care miss school.",
        research_questions="Does a placement move predict lower attendance in the next term?",
        public_benefit="Better placement decisions by local authorities.",
        outputs_plan="Two open-access papers and a briefing for local authorities.",
        access_start=today - timedelta(days=380),
        access_end=today + timedelta(days=700),
        terms_accepted=True,
        consent_to_publish=True,
        version_number=1,
        submitted_at=decided - timedelta(days=30),
        first_submitted_at=decided - timedelta(days=30),
        review_opened_at=decided - timedelta(days=27),
        voting_deadline=decided - timedelta(days=3),
        decided_at=decided,
    )
    ApplicationMember.objects.create(
        application=app,
        user=lead,
        email=lead.email,
        role=MemberRole.LEAD,
        status=MemberStatus.ACCEPTED,
        accepted_at=decided - timedelta(days=31),
    )
    view, change = application_permissions()
    ApplicationUserObjectPermission.objects.bulk_create(
        [ApplicationUserObjectPermission(user=lead, permission=p, content_object=app) for p in (view, change)]
    )
    lead = User.objects.select_related("researcher_profile").get(pk=lead.pk)
    decision = Decision.objects.create(
        application=app,
        outcome=DecisionOutcome.APPROVED,
        rationale="The panel weighed the proposal, the data requested and the team.",
        public_rationale="Approved: a clear public benefit for children in care.",
        access_start=app.access_start,
        access_end=app.access_end,
        decided_by=actors.chair,
        recommended_outcome=Recommendation.APPROVE,
        rules={"quorum": 3, "outcome_rule": "majority"},
        team=[researcher_snapshot(user=lead, role=MemberRole.LEAD)],
        version_number=1,
        decided_at=decided,
    )
    first = pool_deposits([_deposit_key(0)], staff=actors.staff)[_deposit_key(0)]
    prefetch_related_objects([first], "srs_datasets")
    grant_fields = {
        "application": app,
        "team": decision.team,
        "datasets": datasets_snapshot([first]),
        "purpose": app.research_questions,
        "outputs_plan": app.outputs_plan,
        "access_start": app.access_start,
        "access_end": app.access_end,
    }
    grant1 = Grant.objects.create(
        reference=f"{app.reference}-G1",
        number=1,
        status=GrantStatus.SUPERSEDED,
        status_changed_at=decided + timedelta(days=120),
        **grant_fields,
    )
    grant1.deposits.add(first)
    changes = [
        _change(app, 1, grant1, CR.APPROVED, ChangeKind.MEMBER_ADD, decided + timedelta(days=100), actors)
    ]
    grant2 = Grant.objects.create(
        reference=f"{app.reference}-G2",
        number=2,
        supersedes=grant1,
        change_request=changes[0],
        status=GrantStatus.LIVE,
        **grant_fields,
    )
    grant2.deposits.add(first)
    for number, status, kind in (
        (2, CR.WITHDRAWN, ChangeKind.OUTPUTS),
        (3, CR.REFUSED, ChangeKind.DEPOSIT_ADD),
        (4, CR.REJECTED, ChangeKind.PURPOSE),
        (SUBJECT_CHANGE_NUMBER, CR.SUBMITTED, ChangeKind.PURPOSE),
    ):
        changes.append(
            _change(app, number, grant2, status, kind, now - timedelta(days=60 - 10 * number), actors)
        )
    refused = pool_deposits([REFUSED_KEY], staff=actors.staff)[REFUSED_KEY]
    changes[2].deposits_added.add(refused)
    ChangeConflictDeclaration.objects.bulk_create(
        [
            ChangeConflictDeclaration(change_request=changes[-1], member=user, has_conflict=False)
            for user in (actors.chair, actors.member)
        ]
    )
    ChangeVote.objects.create(
        change_request=changes[-1],
        member=actors.member,
        project_vote=ProjectVote.APPROVE,
        researcher_fit=ResearcherFit.SUITABLE,
    )
    for sequence, event, grant, occurred in (
        (1, OnsEventType.APPROVED, grant1, decided),
        (2, OnsEventType.AMENDED, grant2, changes[0].decided_at),
    ):
        OnsNotification.objects.create(
            application=app,
            decision=decision if event == OnsEventType.APPROVED else None,
            grant=grant if event == OnsEventType.AMENDED else None,
            event_type=event,
            channel=OnsChannel.WEBHOOK,
            sequence=sequence,
            target=WEBHOOK_TARGET,
            payload=contract.payload_build(
                event_type=event,
                sequence=sequence,
                occurred_at=occurred,
                application_reference=app.reference,
                ons_project_reference="",
                project_title=app.title,
                team=grant.team,
                datasets=contract.datasets_clean(grant.datasets),
                outcome="approved" if event == OnsEventType.APPROVED else "amended",
                access_start=grant.access_start,
                access_end=grant.access_end,
                grant_reference=grant.reference,
                supersedes_grant_reference=grant1.reference if grant is grant2 else "",
            ),
            status=OnsNotificationStatus.DELIVERED,
            attempts=1,
            last_status_code=200,
            delivered_at=occurred + timedelta(seconds=1),
        )
    AuditEvent.objects.bulk_create(
        [
            audit_event(actors.chair, "panel.decision.recorded", app, {"outcome": decision.outcome}),
            *[
                audit_event(
                    lead, ApplicationsAuditAction.CHANGE_REQUESTED, app, {"change_request": c.reference}
                )
                for c in changes
            ],
        ]
    )
    return app


def _change(app, number, grant, status, kind, submitted, actors) -> ChangeRequest:
    route = routing(kind)
    routed = status != CR.REFUSED  # refused on submission, before routing; withdrawn after it
    decided = status in (CR.APPROVED, CR.REJECTED)
    closed = submitted + timedelta(days=7) if status != CR.SUBMITTED else None
    return ChangeRequest.objects.create(
        reference=f"{app.reference}-C{number}",
        application=app,
        number=number,
        grant=grant,
        requested_by=app.lead,
        status=status,
        reason="The first results raised a question the project should answer within the grant.",
        purpose="Does a placement move predict lower attendance, and for how long?"
        if kind == ChangeKind.PURPOSE
        else "",
        outputs_plan=f"{app.outputs_plan} A briefing for care leavers." if kind == ChangeKind.OUTPUTS else "",
        route=route.route if routed else "",
        route_reason=route.reason if routed else "",
        refusal_reason=REFUSAL.format(deposit=f"DEP-2023-{REFUSED_KEY}") if status == CR.REFUSED else "",
        submitted_at=submitted,
        voting_deadline=submitted + timedelta(days=14) if routed else None,
        decided_at=closed if status in (CR.APPROVED, CR.REJECTED, CR.REFUSED) else None,
        decided_by=actors.chair if decided else None,
        rationale="The change keeps to the approved purpose and to the data's conditions." if decided else "",
        withdrawn_at=closed if status == CR.WITHDRAWN else None,
    )


def _grow(app: Application, change: ChangeRequest, have: int, k: int, actors: Actors) -> None:
    """Units ``have`` to ``k``: each adds two co-applicants (one of whom change 5 takes off), three
    deposits (two on grant 2, one of which change 5 takes off, and one change 5 adds), one
    co-applicant change 5 invites, one panel member's vote on it, an output and a report."""
    now = timezone.now()
    units = range(have, k)
    grant = Grant.objects.get(application=app, number=2)
    first_change = grant.change_request
    team = pool_researchers([910000 + 2 * n + j for n in units for j in (0, 1)])
    invited = pool_researchers([920000 + n for n in units])
    deposits = pool_deposits(
        [_deposit_key(1 + 3 * n + j) for n in units for j in range(3)], staff=actors.staff
    )
    members = ApplicationMember.objects.bulk_create(
        [
            ApplicationMember(
                application=app,
                user=user,
                email=user.email,
                role=MemberRole.RESEARCHER,
                status=MemberStatus.ACCEPTED,
                accepted_at=first_change.decided_at,
                responded_at=first_change.decided_at,
                invited_by=app.lead,
                change_request=first_change,
            )
            for user in team.values()
        ]
    )
    ApplicationMember.objects.bulk_create(
        [
            ApplicationMember(
                application=app,
                user=user,
                email=user.email,
                role=MemberRole.RESEARCHER,
                status=MemberStatus.PROPOSED,
                accepted_at=now - timedelta(days=2),
                responded_at=now - timedelta(days=2),
                invited_by=app.lead,
                change_request=change,
            )
            for user in invited.values()
        ]
    )
    kept = [deposits[_deposit_key(1 + 3 * n)] for n in units]
    dropped = [deposits[_deposit_key(2 + 3 * n)] for n in units]
    added = [deposits[_deposit_key(3 + 3 * n)] for n in units]
    grant.deposits.add(*kept, *dropped)
    first_change.deposits_added.add(*kept, *dropped)
    change.members_removed.add(*members[1::2])
    change.deposits_removed.add(*dropped)
    change.deposits_added.add(*added)
    everything = list(grant.deposits.all())
    prefetch_related_objects(everything, "srs_datasets")
    profiles = User.objects.filter(pk__in=[u.pk for u in team.values()]).select_related("researcher_profile")
    by_pk = {u.pk: u for u in profiles}
    grant.team = [
        *grant.team,
        *[researcher_snapshot(user=by_pk[u.pk], role=MemberRole.RESEARCHER) for u in team.values()],
    ]
    grant.datasets = datasets_snapshot(everything)
    grant.save(update_fields=["team", "datasets", "updated_at"])
    voters = _panel_voters(units, actors)
    ChangeConflictDeclaration.objects.bulk_create(
        [ChangeConflictDeclaration(change_request=change, member=u, has_conflict=False) for u in voters]
    )
    ChangeVote.objects.bulk_create(
        [
            ChangeVote(
                change_request=change,
                member=u,
                project_vote=ProjectVote.APPROVE if n % 4 else ProjectVote.REJECT,
                researcher_fit=ResearcherFit.SUITABLE,
                project_comment=f"Proportionate ({n}).",
            )
            for n, u in zip(units, voters, strict=True)
        ]
    )
    today = timezone.localdate()
    outputs = ApplicationOutput.objects.bulk_create(
        [
            ApplicationOutput(
                application=app,
                kind=OutputKind.PUBLICATION if n % 2 == 0 else OutputKind.REPORT,
                title=f"Placement moves and attendance, paper {n + 1}",
                published_on=today - timedelta(days=1 + n % 300),
                doi=f"10.5555/bench.subject.{n}" if n % 2 == 0 else "",
                url="" if n % 2 == 0 else f"https://example.org/subject/{n}",
                citation="Researcher R et al. 2026.",
                recorded_by=actors.researcher,
            )
            for n in units
        ]
    )
    links = ApplicationOutput.deposits.through
    links.objects.bulk_create(
        [
            links(applicationoutput_id=o.pk, deposit_id=d.pk)
            for o, n in zip(outputs, units, strict=True)
            for d in (kept[n - have], dropped[n - have])
        ]
    )
    ApplicationReport.objects.bulk_create(
        [
            ApplicationReport(
                application=app,
                kind=ReportKind.PROGRESS,
                period=n + 1,
                due_on=app.access_start + timedelta(days=365 * (n + 1)),
                summary="Linkage done; first models fitted." if n == 0 else "",
                submitted_at=now - timedelta(days=15) if n == 0 else None,
                submitted_by=actors.researcher if n == 0 else None,
            )
            for n in units
        ]
    )


def _panel_voters(units, actors: Actors) -> list[User]:
    """A current panel member for each unit (beyond the benchmark's own), who votes on change 5."""
    emails = [f"bench-cvoter{n}@example.org" for n in units]
    existing = {u.email: u for u in User.objects.filter(email__in=emails)}
    new = [
        User(
            email=email,
            full_name=f"Panel member {n}",
            role=Role.PANEL_MEMBER,
            email_confirmed_at=timezone.now(),
            password="!bench",  # noqa: S106 (an unusable password: nobody signs in with it)
        )
        for n, email in zip(units, emails, strict=True)
        if email not in existing
    ]
    User.objects.bulk_create(new)
    PanelMembership.objects.bulk_create([PanelMembership(user=u, added_by=actors.staff) for u in new])
    existing.update({u.email: u for u in new})
    return [existing[email] for email in emails]
