"""The access matrix's machinery: the roles, a small world of real objects for every URL argument,
one request per role and method, and a fingerprint of the database to show that a refused POST
changed nothing.

The expectation table itself lives in test_access_matrix.py; this module knows nothing of it."""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from datetime import timedelta

from axes.models import AccessAttempt
from django.apps import apps
from django.conf import settings
from django.core.cache import cache
from django.db import connection, transaction
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from api.services import api_client_create
from applications.enums import GrantStatus, MemberRole, MemberStatus, ReportKind
from applications.grant_selectors import grant_in_force
from applications.models import (
    ApplicationAttachment,
    ApplicationMember,
    ApplicationQuery,
    ApplicationReport,
    Grant,
)
from deposits.enums import UseConditionChangeStatus
from deposits.models import DepositUseConditionChange
from notifications.enums import OnsNotificationStatus
from notifications.models import OnsNotification
from notifications.services import ons_notifications_enqueue_for_decision
from notifications.signing.services import ons_signing_key_init
from panel.models import ChangeConflictDeclaration, ConflictDeclaration, MemberInterest, PanelMembership
from tests.conftest import sign_in_fully
from tests.factories.accounts import ResearcherFactory, StaffFactory
from tests.factories.applications import (
    ApplicationFactory,
    complete_application,
    record_output,
    terms_published,
)
from tests.factories.deposits import (
    PDF_BYTES,
    AvailableDepositFactory,
    DepositDocumentFactory,
    SensitiveUseFactory,
)
from tests.factories.grants import change_requested
from tests.factories.panel import UnderReviewApplicationFactory, panel_member
from tests.factories.transparency import decided_application

#: The roles of the matrix, in the order a table row lists them.
ROLES = ("anonymous", "team", "other_team", "member", "conflicted", "chair", "staff")

#: Apps whose rows make up the fingerprint (everything the portal itself stores).
FINGERPRINT_APPS = (
    "accounts",
    "core",
    "deposits",
    "applications",
    "panel",
    "notifications",
    "transparency",
    "api",
)
#: Rows that change on any request, by design (sign-in bookkeeping), or that only log the request.
FINGERPRINT_SKIP = {"core.auditevent", "core.queuedemail"}


@dataclass
class World:
    """One of each thing a URL argument can point at, arranged around one research team."""

    users: dict = field(default_factory=dict)
    objects: dict = field(default_factory=dict)

    def __getattr__(self, name):
        try:
            return self.__dict__["objects"][name]
        except KeyError as exc:
            raise AttributeError(name) from exc


def build_world() -> World:
    """Real rows for every URL argument. The team researcher leads a draft, an application under
    review (with an attachment and an open question) and an approved one (decision, ONS
    notification, register entry, an output, a progress report due); the member and chair
    declared no conflict on the one under review, the conflicted member declared one. Version 1
    of the terms of access is in force. An ONS signing key is in the JWK set."""
    w = World()
    staff = StaffFactory()
    team = ResearcherFactory()
    member = panel_member()
    chair = panel_member(chair=True)
    conflicted = panel_member()
    w.users = {
        "team": team,
        "other_team": ResearcherFactory(),
        "member": member,
        "conflicted": conflicted,
        "chair": chair,
        "staff": staff,
    }
    o = w.objects
    o["deposit"] = AvailableDepositFactory(created_by=staff)
    o["document"] = DepositDocumentFactory(deposit=o["deposit"], is_internal=False)
    o["use_change"] = DepositUseConditionChange.objects.create(
        deposit=o["deposit"],
        permitted_purposes="Research in the public interest only.",
        reason="The data owner asked for it.",
        status=UseConditionChangeStatus.PENDING,
        proposed_by=StaffFactory(),
    )
    o["sensitive_use"] = SensitiveUseFactory()

    draft = complete_application(ApplicationFactory(lead=team), deposits=[o["deposit"]])
    o["draft"] = draft
    o["invited"] = ApplicationMember.objects.create(
        application=draft, email="colleague@example.org", role=MemberRole.RESEARCHER, invited_by=team
    )
    o["draft_attachment"] = _attachment(draft, team)
    # Another team invites our researcher: the invitation is theirs to answer.
    o["invitation"] = ApplicationMember.objects.create(
        application=ApplicationFactory(),
        user=None,
        email=team.email,
        role=MemberRole.RESEARCHER,
        status=MemberStatus.INVITED,
    )

    review = UnderReviewApplicationFactory(lead=team)
    review.deposits.set([o["deposit"]])
    o["review"] = review
    o["review_attachment"] = _attachment(review, team)
    o["query"] = ApplicationQuery.objects.create(
        application=review, version_number=1, questions="Why school identifiers?", raised_by=chair
    )
    for user, conflict in ((member, False), (chair, False), (conflicted, True)):
        ConflictDeclaration.objects.create(
            application=review, member=user, has_conflict=conflict, reason="Co-author" if conflict else ""
        )

    approved = decided_application(lead=team, deposits=[o["deposit"]])
    o["approved"] = approved
    ons_notifications_enqueue_for_decision(decision=approved.decision)
    # ONS has been told (no scheduler runs here: a row left waiting would make /healthz say the
    # scheduler is stale once the world is three minutes old).
    OnsNotification.objects.filter(application=approved).update(
        status=OnsNotificationStatus.DELIVERED, delivered_at=timezone.now(), next_attempt_at=None
    )
    o["notification"] = OnsNotification.objects.filter(application=approved).first()
    o["signing_key"] = ons_signing_key_init()  # /.well-known/jwks.json lists it
    o["output"] = record_output(approved, doi="10.1234/world")
    o["report"] = ApplicationReport.objects.create(
        application=approved,
        kind=ReportKind.PROGRESS,
        period=1,
        due_on=timezone.localdate() + timedelta(days=20),
    )

    # A change request on the approved project's live grant, routed to the panel (a deposit added):
    # the member and chair declared no conflict on it, the conflicted member declared one.
    o["change"] = change_requested(
        grant_in_force(application=approved), deposits_added=[AvailableDepositFactory()]
    )
    for user, conflict in ((member, False), (chair, False), (conflicted, True)):
        ChangeConflictDeclaration.objects.create(
            change_request=o["change"],
            member=user,
            has_conflict=conflict,
            reason="Co-author" if conflict else "",
        )
    # A second approved project with an extension delegated to staff.
    approved_too = decided_application(lead=team, deposits=[o["deposit"]])
    grant_too = grant_in_force(application=approved_too)
    o["delegated_change"] = change_requested(grant_too, access_end=grant_too.access_end + timedelta(days=30))

    # A third approved project whose grant the re-screen suspended (its deposit since reinstated, so
    # staff may lift the suspension).
    o["suspended"] = decided_application(lead=team, deposits=[AvailableDepositFactory()])
    Grant.objects.filter(application=o["suspended"]).update(
        status=GrantStatus.SUSPENDED, status_reason="The deposit was suspended by the archive."
    )

    # The terms of access in force (version 1): every team in the world was asked to accept them.
    o["terms"] = terms_published(actor=staff, label="2026.1")
    o["interest"] = MemberInterest.objects.create(member=member, description="Trustee of a care charity")
    o["membership"] = PanelMembership.objects.get(user=member, ended_at__isnull=True)
    o["lockout"] = AccessAttempt.objects.create(
        username=w.users["other_team"].email,
        ip_address="203.0.113.9",
        user_agent="test",
        failures_since_start=settings.AXES_FAILURE_LIMIT,
        attempt_time=timezone.now() - timedelta(minutes=1),
    )
    o["api_client"], _token = api_client_create(name="ONS SRS", actor=None)
    return w


def _attachment(application, user) -> ApplicationAttachment:
    from django.core.files.base import ContentFile

    return ApplicationAttachment.objects.create(
        application=application,
        file=ContentFile(PDF_BYTES, name="ethics.pdf"),
        original_name="ethics.pdf",
        description="Ethics approval letter",
        size=len(PDF_BYTES),
        uploaded_by=user,
    )


def clients_for(world: World) -> dict[str, Client]:
    clients = {"anonymous": Client()}
    for role, user in world.users.items():
        clients[role] = sign_in_fully(Client(), user)
    return clients


def _fingerprint_sql() -> str:
    tables = [
        model._meta.db_table
        for app_label in FINGERPRINT_APPS
        for model in apps.get_app_config(app_label).get_models(include_auto_created=True)
        if model._meta.label_lower not in FINGERPRINT_SKIP and not model._meta.proxy
    ] + [AccessAttempt._meta.db_table]
    # table names come from the models, never from input
    rows = " UNION ALL ".join(
        f"SELECT '{table}' || (to_jsonb(t) - 'last_login' - 'attempt_time')::text AS r FROM {table} t"  # noqa: S608 (model table names, not input)
        for table in sorted(set(tables))
    )
    return f"SELECT md5(coalesce(string_agg(r, '|' ORDER BY r), '')) FROM ({rows}) AS everything"  # noqa: S608 (as above)


def fingerprint() -> str:
    """A digest of every row the portal stores (audit and mail outbox aside), in one query."""
    global _FINGERPRINT_SQL
    if _FINGERPRINT_SQL is None:
        _FINGERPRINT_SQL = _fingerprint_sql()
    with connection.cursor() as cursor:
        cursor.execute(_FINGERPRINT_SQL)
        return cursor.fetchone()[0]


_FINGERPRINT_SQL: str | None = None


@dataclass
class Answer:
    status: int
    location: str = ""
    changed: bool = False

    def label(self) -> str:
        """'L' for a redirect to sign in, otherwise the status code (as text)."""
        if self.status in (301, 302, 303) and self.location.startswith(reverse("accounts:login")):
            return "L"
        return str(self.status)


def ask(client: Client, method: str, path: str, data: dict | None = None, *, before: str = "") -> Answer:
    """One request, rolled back afterwards so that every role meets the same world. With ``before``
    (the world's fingerprint), the answer says whether the request changed any row."""
    check_changes = bool(before)
    cache.clear()
    cookies = client.cookies
    client.cookies = copy.deepcopy(cookies)
    with transaction.atomic():
        response = client.get(path) if method == "GET" else client.post(path, data or {})
        changed = check_changes and fingerprint() != before
        transaction.set_rollback(True)
    client.cookies = cookies  # a sign-out or password change in the request does not leak into the next
    return Answer(response.status_code, response.get("Location", ""), changed)
