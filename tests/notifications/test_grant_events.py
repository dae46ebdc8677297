"""Issue 17: ONS is told of every change to a live grant through the same outbox, in the transaction
that makes the change: ``access.amended`` (who and which datasets now), ``access.extended`` (the new
end), ``access.closed`` (the lead closed early), each naming the grant it concerns and, for a change,
the grant it supersedes, on the application's one sequence. The end of access and a revocation name
the grant in force, so an amended team or an extended end is what ONS hears then too."""

import json
import re
from datetime import timedelta

import pytest
from django.db import transaction
from jsonschema import Draft202012Validator, FormatChecker

from applications.after_approval.services import application_close_early
from applications.enums import ApplicationStatus, GrantStatus, MemberRole
from applications.grant_selectors import grant_in_force
from applications.grant_services import change_request_member_accept
from applications.models import ApplicationMember, ChangeRequest
from core.errors import DomainError
from notifications.contract import EVENT_SCHEMAS
from notifications.enums import OnsChannel, OnsEventType
from notifications.models import OnsNotification
from notifications.services import ons_notifications_enqueue_for_access_end
from panel import services as panel_services
from tests.factories.accounts import ResearcherFactory, StaffFactory
from tests.factories.grants import change_requested
from tests.factories.notifications import OnsApplicationFactory, OnsDepositFactory, decision_record_for_test
from tests.factories.panel import panel_member

pytestmark = pytest.mark.django_db

EMAIL = re.compile(r"[^@\s\"]+@[^@\s\"]+")


def _approved():
    application = OnsApplicationFactory()
    decision_record_for_test(application=application)
    return grant_in_force(application=application)


def _rows(application, event_type=None):
    rows = OnsNotification.objects.filter(application=application, channel=OnsChannel.EMAIL)
    if event_type is not None:
        rows = rows.filter(event_type=event_type)
    return list(rows.order_by("sequence"))


def _valid(payload: dict) -> dict:
    Draft202012Validator(EVENT_SCHEMAS[payload["type"]], format_checker=FormatChecker()).validate(payload)
    return payload


def _chair_approves(change: ChangeRequest) -> ChangeRequest:
    chair = panel_member(chair=True)
    panel_services.change_conflict_declare(change_request=change, member=chair, has_conflict=False)
    return panel_services.change_request_decide(
        change_request=change, actor=chair, outcome="approve", rationale="Sound."
    )


def _panel_approves(change: ChangeRequest) -> ChangeRequest:
    """Conflict first, every member's two-part vote, then the chair (the panel's route)."""
    chair = panel_member(chair=True)
    members = [panel_member(), panel_member(), chair]
    for member in members:
        panel_services.change_conflict_declare(change_request=change, member=member, has_conflict=False)
        panel_services.change_vote_cast(
            change_request=change, member=member, project_vote="approve", researcher_fit="suitable"
        )
    ChangeRequest.objects.filter(pk=change.pk).update(voting_deadline=change.submitted_at)
    change.refresh_from_db()
    return panel_services.change_request_decide(
        change_request=change, actor=chair, outcome="approve", rationale="Sound."
    )


def test_an_approved_amendment_tells_ons_once_who_and_which_datasets_now_naming_the_superseded_grant():
    first = _approved()
    application = first.application
    newcomer = ResearcherFactory(email="newcomer@example.org")
    added = OnsDepositFactory(title="Kinship care\u202e outcomes\u200b", datasets=["K1", "K2"])
    change = change_requested(
        first, deposits_added=[added], invitations=[(newcomer.email, MemberRole.RESEARCHER)]
    )
    change_request_member_accept(
        membership=ApplicationMember.objects.get(change_request=change, email=newcomer.email), user=newcomer
    )
    _panel_approves(ChangeRequest.objects.get(pk=change.pk))
    second = grant_in_force(application=application)
    assert second.number == 2

    rows = _rows(application, OnsEventType.AMENDED)
    assert len(rows) == 1
    row = rows[0]
    assert row.grant == second
    data = _valid(row.payload)["data"]
    assert (data["grant_reference"], data["supersedes_grant_reference"]) == (
        second.reference,
        first.reference,
    )
    assert data["outcome"] == "amended"
    assert data["sequence"] == 2  # after the approval's 1
    assert sorted(d["reference"] for d in data["deposits"]) == sorted(d["reference"] for d in second.datasets)
    assert added.reference in [d["reference"] for d in data["deposits"]]
    assert "Kinship care outcomes" in [d["title"] for d in data["deposits"]]  # one line, no bidi
    numbers = [r["accreditation_number"] for r in data["researchers"]]
    assert newcomer.researcher_profile.accreditation_number in numbers
    assert len(data["researchers"]) == len(second.team)
    assert not EMAIL.search(json.dumps(row.payload, ensure_ascii=False))
    # The approval before it named grant 1.
    (approval,) = _rows(application, OnsEventType.APPROVED)
    assert approval.payload["data"]["grant_reference"] == first.reference


def test_an_extension_tells_ons_the_new_and_previous_end_and_a_rejected_change_tells_ons_nothing():
    first = _approved()
    application = first.application
    refused = change_requested(first, outputs_plan="A different plan altogether.")
    chair = panel_member(chair=True)
    panel_services.change_conflict_declare(change_request=refused, member=chair, has_conflict=False)
    panel_services.change_request_decide(
        change_request=refused, actor=chair, outcome="reject", rationale="Not needed."
    )
    assert _rows(application) == _rows(application, OnsEventType.APPROVED)  # nothing more

    new_end = first.access_end + timedelta(days=60)
    change = change_requested(first, access_end=new_end)
    panel_services.change_request_decide(
        change_request=change, actor=StaffFactory(), outcome="approve", rationale="Within the rule."
    )
    (row,) = _rows(application, OnsEventType.EXTENDED)
    data = _valid(row.payload)["data"]
    second = grant_in_force(application=application)
    assert (data["access_end"], data["previous_access_end"]) == (
        new_end.isoformat(),
        first.access_end.isoformat(),
    )
    assert (data["grant_reference"], data["supersedes_grant_reference"]) == (
        second.reference,
        first.reference,
    )
    assert all(set(r) == {"role", "accreditation_number"} for r in data["researchers"])

    # The end of access, later, is the extended end of the grant in force.
    with transaction.atomic():
        ons_notifications_enqueue_for_access_end(application=application)
    (ended,) = _rows(application, OnsEventType.EXPIRED)
    assert ended.payload["data"]["access_end"] == new_end.isoformat()
    assert ended.payload["data"]["grant_reference"] == second.reference
    assert [r.payload["data"]["sequence"] for r in _rows(application)] == [1, 2, 3]


def test_closing_early_tells_ons_access_closed_once_and_ends_the_grant():
    grant = _approved()
    application = grant.application
    application_close_early(application=application, actor=application.lead, reason="Finished early.")
    application.refresh_from_db()
    grant.refresh_from_db()
    assert application.status == ApplicationStatus.ACCESS_ENDED
    assert grant.status == GrantStatus.ENDED
    (row,) = _rows(application, OnsEventType.CLOSED)
    data = _valid(row.payload)["data"]
    assert data["outcome"] == "closed"
    assert data["grant_reference"] == grant.reference
    assert [d["reference"] for d in data["deposits"]] == [d["reference"] for d in grant.datasets]
    assert not EMAIL.search(json.dumps(row.payload, ensure_ascii=False))
    assert not _rows(application, OnsEventType.EXPIRED)  # closing early is not the end of a period


def test_a_revocation_after_an_amendment_names_the_amended_team():
    first = _approved()
    application = first.application
    leaving = ApplicationMember.objects.filter(application=application, role=MemberRole.RESEARCHER).exclude(
        user=None
    )[0]
    change = change_requested(first, members_removed=[leaving])
    panel_services.change_request_decide(
        change_request=change, actor=StaffFactory(), outcome="approve", rationale="Within the rule."
    )
    (amended,) = _rows(application, OnsEventType.AMENDED)
    removed = leaving.user.researcher_profile.accreditation_number
    assert removed not in [r["accreditation_number"] for r in amended.payload["data"]["researchers"]]
    panel_services.application_revoke(application=application, actor=StaffFactory(), reason="Breach.")
    (revoked,) = _rows(application, OnsEventType.REVOKED)
    data = _valid(revoked.payload)["data"]
    assert removed not in [r["accreditation_number"] for r in data["researchers"]]
    assert data["grant_reference"] == grant_in_force(application=application).reference


def test_without_a_channel_to_ons_an_approved_change_is_refused_and_nothing_changes(settings):
    first = _approved()
    change = change_requested(first, access_end=first.access_end + timedelta(days=30))
    settings.ONS_WEBHOOK_URL = ""
    settings.ONS_NOTIFY_EMAIL = ""
    with pytest.raises(DomainError, match="ONS cannot be told"):
        panel_services.change_request_decide(
            change_request=change, actor=StaffFactory(), outcome="approve", rationale="Within the rule."
        )
    first.refresh_from_db()
    change.refresh_from_db()
    assert first.status == GrantStatus.LIVE
    assert grant_in_force(application=first.application) == first
    assert change.status not in ("approved",)
    assert not OnsNotification.objects.filter(event_type=OnsEventType.EXTENDED).exists()


def test_two_amendments_are_two_events_each_once_per_grant():
    first = _approved()
    application = first.application
    _chair_approves(change_requested(first, outputs_plan="A report for the Department."))
    second = grant_in_force(application=application)
    _panel_approves(change_requested(second, purpose="The same questions, for a second cohort."))
    third = grant_in_force(application=application)
    rows = _rows(application, OnsEventType.AMENDED)
    assert [(r.grant, r.payload["data"]["supersedes_grant_reference"]) for r in rows] == [
        (second, first.reference),
        (third, second.reference),
    ]
