"""The shared part of scripts/bench's data (see bench_data.py): the constants that shape the rows,
the people the pages are requested as (``Actors``), and the builders the series, the review page's
subject and the chair's pool share: pool researchers, deposits with SRS ids, the application
permissions and audit events, each bulk-created when missing."""

from dataclasses import dataclass
from datetime import timedelta

from django.contrib.auth.models import Permission
from django.utils import timezone

from accounts.enums import AccreditationStatus, OrganisationSector, Role
from accounts.models import ResearcherProfile, User
from applications.enums import ApplicationStatus
from core.models import AuditEvent
from deposits.enums import AccessLevel, DepositStatus, Geography, Population
from deposits.models import Deposit, SrsDataset
from panel.models import PanelMembership

S = ApplicationStatus
MAIN_PREFIX = "APP-2024-"  # the main series: APP-2024-00001 ...
DECIDE_PREFIX = "APP-2025-D"  # applications under review waiting for the chair (ONS benchmarks)
REVIEW_REFERENCE = "APP-2025-R0001"  # the review page's subject
GRANT_SUBJECT_REFERENCE = "APP-2025-G0001"  # the change request, outputs and API grant pages' subject
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


def application_permissions() -> tuple[Permission, Permission]:
    perms = Permission.objects.filter(
        content_type__app_label="applications", codename__in=["view_application", "change_application"]
    )
    by_code = {p.codename: p for p in perms}
    return by_code["view_application"], by_code["change_application"]


def pool_researchers(indices: list[int]) -> dict[int, User]:
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


def pool_deposits(keys: list[str], *, staff: User) -> dict[str, Deposit]:
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


def deposit_key(i: int) -> str:
    return f"{i % DEPOSITS_MAX:05d}"


def app_deposit_keys(i: int) -> list[str]:
    """The deposits row ``i`` of the main series requests: one, and a second on one in three."""
    keys = [deposit_key(i)]
    if i % 3 == 0 and i and deposit_key(i // 2) != keys[0]:
        keys.append(deposit_key(i // 2))
    return keys


def audit_event(actor: User | None, action: str, target, data: dict | None = None) -> AuditEvent:
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


def delivered_notifications_create(notifications: list) -> None:
    """Write ``notifications`` (OnsNotification rows marked delivered) and the one successful
    attempt the worker would have logged for each."""
    from notifications.enums import OnsAttemptOutcome
    from notifications.models import OnsDeliveryAttempt, OnsNotification

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
