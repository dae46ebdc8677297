"""Realistic data for scripts/bench, bulk-created for speed.

Rows are made directly (``bulk_create``) with the references, statuses, milestones, teams, guardian
grants, versions, deposits, votes, conflict declarations, decisions, ONS notifications and audit
events the services would have written, so every page shows what it shows in production. Row ``i``
of the main series is the same whatever the order the series is grown in (``grow(10)`` then
``grow(1000)`` gives the same rows as ``grow(1000)``).

The people the pages are requested as (``Actors``): a researcher on the team of the first 1,000
applications (so "my applications" grows with the rows counted), a panel member and a chair (the
queue), the staff member (staff lists and baselines) and further panel members who vote.

This module is what the benchmark imports: the review page's subject and the chair's pool are here;
the constants, the actors and the shared builders in bench_data_common.py; the main series
(``grow``) in bench_data_series.py, with its grants, change requests and outputs in
bench_data_grants.py; the change request, outputs and API grant pages' subject (``grant_subject``)
in bench_data_changes.py.
"""

from datetime import timedelta

from bench_data_changes import SUBJECT_CHANGE_NUMBER, grant_subject
from bench_data_common import (
    BATCH,
    DECIDE_PREFIX,
    GRANT_SUBJECT_REFERENCE,
    MAIN_PREFIX,
    REVIEW_REFERENCE,
    TOPICS,
    Actors,
    S,
    application_permissions,
    deposit_key,
    ensure_actors,
    pool_deposits,
    pool_researchers,
)
from bench_data_series import grow, main_count
from django.db import transaction
from django.utils import timezone

from applications.enums import MemberRole, MemberStatus
from applications.models import (
    Application,
    ApplicationAttachment,
    ApplicationMember,
    ApplicationQuery,
    ApplicationUserObjectPermission,
    ApplicationVersion,
)
from panel.enums import ProjectVote, ResearcherFit
from panel.models import ConflictDeclaration, Vote

#: What the benchmark and its tests use; the builders live in bench_data_common and bench_data_series.
__all__ = [
    "DECIDE_PREFIX",
    "GRANT_SUBJECT_REFERENCE",
    "MAIN_PREFIX",
    "REVIEW_REFERENCE",
    "SUBJECT_CHANGE_NUMBER",
    "Actors",
    "decide_pool",
    "ensure_actors",
    "grant_subject",
    "grow",
    "main_count",
    "review_subject",
]


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
        view, change = application_permissions()
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
    team = pool_researchers(list(range(900000, 900000 + k)))
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
    deposits = pool_deposits([f"R{n:04d}" for n in range(k)], staff=actors.staff)
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
    leads = pool_researchers([800000 + n for n in indices])
    deposits = pool_deposits(sorted({deposit_key(n) for n in indices}), staff=actors.staff)
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
            through(application_id=a.pk, deposit_id=deposits[deposit_key(n)].pk)
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
