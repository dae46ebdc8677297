"""Issue 16, acceptance 5: every body the portal builds validates against the JSON Schema it
publishes for its event (docs/ons-schemas/, described in docs/ons-integration.md); a rejection holds
no email address. The schemas are not vacuous: a body with anything more, or less, fails them."""

import copy
import json
import re
from datetime import timedelta
from pathlib import Path

import pytest
from django.core.management import call_command
from django.db import transaction
from jsonschema import Draft202012Validator, FormatChecker, ValidationError

from applications.after_approval.services import application_close_early
from applications.enums import MemberRole
from applications.grant_screening import grant_rescreen
from applications.grant_selectors import grant_in_force
from applications.grant_services import grant_resume
from applications.models import Application, ApplicationMember
from deposits.enums import DepositStatus
from deposits.models import Deposit
from deposits.selectors import UseConditionMatch
from notifications.contract import EVENT_SCHEMAS, SCHEMA_VERSION, schema_file_name
from notifications.enums import OnsChannel, OnsEventType
from notifications.models import OnsNotification
from notifications.services import ons_notifications_enqueue_for_access_end
from panel import services as panel_services
from panel.enums import DecisionOutcome
from tests.factories.applications import SubmittedApplicationFactory
from tests.factories.grants import change_requested
from tests.factories.notifications import OnsApplicationFactory, OnsDepositFactory, decision_record_for_test

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[2]
EMAIL = re.compile(r"[^@\s\"]+@[^@\s\"]+")


def _validate(payload: dict) -> None:
    schema = EVENT_SCHEMAS[payload["type"]]
    Draft202012Validator(schema, format_checker=FormatChecker()).validate(payload)


def _every_kind_of_body(staff) -> dict[str, list[dict]]:
    """One body of each kind the portal sends, made by the services that send them."""
    hostile = OnsDepositFactory(title="Leaving care\u202e and after\u200b", datasets=["A", "B", "C"])
    approved = OnsApplicationFactory(deposits=[hostile])
    Application.objects.filter(pk=approved.pk).update(ons_project_reference="ONS-2026-0042")
    decision_record_for_test(application=approved)
    conditional = OnsApplicationFactory()
    decision_record_for_test(
        application=conditional,
        outcome=DecisionOutcome.APPROVED_WITH_CONDITIONS,
        conditions="No linkage.\r\n",
    )
    rejected = OnsApplicationFactory()
    decision_record_for_test(application=rejected, outcome=DecisionOutcome.REJECTED)
    automatic = SubmittedApplicationFactory()
    with transaction.atomic():
        panel_services.decision_record_automatic_rejection(
            application=automatic,
            matches=[UseConditionMatch("DEP-0001", "Care leavers", "sector", "Commercial")],
        )
    revoked = OnsApplicationFactory()
    decision_record_for_test(application=revoked)
    panel_services.application_revoke(application=revoked, actor=staff, reason="Breach of terms.")
    ended = OnsApplicationFactory()
    decision_record_for_test(application=ended)
    with transaction.atomic():
        ons_notifications_enqueue_for_access_end(application=ended)
    changed = OnsApplicationFactory()
    decision_record_for_test(application=changed)
    first = grant_in_force(application=changed)
    leaving = ApplicationMember.objects.filter(application=changed, role=MemberRole.RESEARCHER).exclude(
        user=None
    )[0]
    amendment = change_requested(first, members_removed=[leaving])
    panel_services.change_request_decide(
        change_request=amendment, actor=staff, outcome="approve", rationale="Ok."
    )
    extension = change_requested(
        grant_in_force(application=changed), access_end=first.access_end + timedelta(days=30)
    )
    panel_services.change_request_decide(
        change_request=extension, actor=staff, outcome="approve", rationale="Ok."
    )
    suspended = OnsApplicationFactory()
    decision_record_for_test(application=suspended)
    Deposit.objects.filter(pk__in=suspended.deposits.all()).update(status=DepositStatus.SUSPENDED)
    grant_rescreen(grant_id=grant_in_force(application=suspended).pk, cause="suspended")
    Deposit.objects.filter(pk__in=suspended.deposits.all()).update(status=DepositStatus.AVAILABLE)
    grant_resume(grant=grant_in_force(application=suspended), actor=staff, note="Reinstated\u202e.")
    reduced = OnsApplicationFactory(deposits=[OnsDepositFactory(), OnsDepositFactory()])
    decision_record_for_test(application=reduced)
    Deposit.objects.filter(pk=reduced.deposits.order_by("pk")[0].pk).update(status=DepositStatus.WITHDRAWN)
    grant_rescreen(grant_id=grant_in_force(application=reduced).pk, cause="withdrawn")
    closed = OnsApplicationFactory()
    decision_record_for_test(application=closed)
    application_close_early(application=closed, actor=closed.lead, reason="Finished.")
    bodies: dict[str, list[dict]] = {}
    for row in OnsNotification.objects.filter(channel=OnsChannel.EMAIL).order_by("pk"):
        bodies.setdefault(row.event_type, []).append(row.payload)
    return bodies


def test_every_body_the_portal_builds_validates_against_its_published_schema(staff):
    bodies = _every_kind_of_body(staff)
    assert set(bodies) == {str(e) for e in OnsEventType}  # every event type was made
    assert len(bodies[OnsEventType.APPROVED]) == 8  # two, and those later revoked, ended, changed, ...
    by_request, by_archive = bodies[OnsEventType.AMENDED]
    assert "reasons" not in by_request["data"]  # an approved change request
    assert "withdrawn" in by_archive["data"]["reasons"][0]  # the archive took a deposit off
    (resumed,) = bodies[OnsEventType.RESUMED]
    assert resumed["data"]["reasons"] == ["Reinstated."]  # the staff note, cleaned to one line
    assert len(bodies[OnsEventType.REJECTED]) == 2  # by the panel and by the participants' rule
    for payloads in bodies.values():
        for payload in payloads:
            assert payload["schema_version"] == SCHEMA_VERSION
            _validate(payload)


def test_rejections_revocations_and_expiries_hold_no_email_address_and_no_name(staff):
    bodies = _every_kind_of_body(staff)
    for event in (
        OnsEventType.REJECTED,
        OnsEventType.REVOKED,
        OnsEventType.EXPIRED,
        OnsEventType.CLOSED,
        OnsEventType.EXTENDED,
        OnsEventType.SUSPENDED,
    ):
        for payload in bodies[event]:
            text = json.dumps(payload, ensure_ascii=False)
            assert not EMAIL.search(text), text
            for researcher in payload["data"]["researchers"]:
                assert set(researcher) == {"role", "accreditation_number"}
    # Approvals and amendments name each person (with role and accreditation) but give no address.
    for payload in bodies[OnsEventType.APPROVED] + bodies[OnsEventType.AMENDED]:
        assert not EMAIL.search(json.dumps(payload, ensure_ascii=False))
        assert all(r["name"] and r["accreditation_number"] for r in payload["data"]["researchers"])


def test_the_schemas_refuse_a_body_with_an_email_a_missing_field_or_a_line_break(staff):
    approval = _every_kind_of_body(staff)[OnsEventType.APPROVED][0]
    with_email = copy.deepcopy(approval)
    with_email["data"]["researchers"][0]["email"] = "someone@example.org"
    missing = copy.deepcopy(approval)
    del missing["data"]["project_title"]
    broken = copy.deepcopy(approval)
    broken["data"]["researchers"][0]["name"] = "Ann\nMallory"
    wrong_version = copy.deepcopy(approval)
    wrong_version["schema_version"] = "1"
    for bad in (with_email, missing, broken, wrong_version):
        with pytest.raises(ValidationError):
            _validate(bad)


def test_the_published_schema_files_are_current():
    call_command("ons_schemas", "--check")
    for event_type, schema in EVENT_SCHEMAS.items():
        path = ROOT / "docs" / "ons-schemas" / schema_file_name(event_type)
        assert json.loads(path.read_text()) == schema
        Draft202012Validator.check_schema(schema)


def test_the_contract_document_names_every_event_schema_header_and_the_guarantee():
    text = (ROOT / "docs" / "ons-integration.md").read_text()
    for event_type in EVENT_SCHEMAS:
        assert f"`{event_type}`" in text
        assert f"ons-schemas/{schema_file_name(event_type)}" in text
    for must in ("webhook-id", "webhook-timestamp", "webhook-signature", "schema_version", "at-least-once"):
        assert must in text
    assert "drops repeats by `webhook-id`" in text
    readme = (ROOT / "README.md").read_text()
    assert "docs/ons-integration.md" in readme


def test_every_example_body_in_the_contract_document_validates():
    text = (ROOT / "docs" / "ons-integration.md").read_text()
    examples = [json.loads(block) for block in re.findall(r"```json\n(.*?)```", text, flags=re.S)]
    types = [example["type"] for example in examples]
    assert types == [
        "access.approved",
        "access.rejected",
        "access.revoked",
        "access.amended",
        "access.extended",
    ]
    for example in examples:
        _validate(example)


#: The instruction the readable email copy gives for each event type (the JSON is the authority).
INSTRUCTIONS = {
    OnsEventType.APPROVED: "Please PROVIDE ACCESS",
    OnsEventType.REJECTED: "Please DO NOT PROVIDE ACCESS",
    OnsEventType.REVOKED: "Please REMOVE ACCESS",
    OnsEventType.EXPIRED: "Please REMOVE ACCESS",
    OnsEventType.CLOSED: "Please REMOVE ACCESS",
    OnsEventType.AMENDED: "please PROVIDE ACCESS to exactly",
    OnsEventType.EXTENDED: "Please KEEP ACCESS",
    OnsEventType.SUSPENDED: "Please SUSPEND ACCESS",
    OnsEventType.RESUMED: "Please PROVIDE ACCESS AGAIN",
}


def test_the_readable_email_copy_gives_each_event_its_own_instruction(staff, settings):
    from django.core import mail

    from notifications.services import ons_notification_deliver

    settings.ONS_WEBHOOK_URL = ""
    _every_kind_of_body(staff)
    assert set(INSTRUCTIONS) == set(OnsEventType)
    ending = {OnsEventType.REVOKED, OnsEventType.EXPIRED, OnsEventType.CLOSED}
    bodies = {}
    for row in OnsNotification.objects.filter(channel=OnsChannel.EMAIL).order_by("pk"):
        mail.outbox.clear()
        ons_notification_deliver(notification_id=row.pk)
        (message,) = mail.outbox
        assert INSTRUCTIONS[row.event_type] in message.body, row.event_type
        assert ("REMOVE ACCESS" in message.body) == (row.event_type in ending), row.event_type
        bodies.setdefault(row.event_type, []).append(message.body)
    by_request, by_archive = bodies[OnsEventType.AMENDED]
    assert "An approved change to application" in by_request
    assert "The archive changed application" in by_archive
    assert "Reason 1:" in by_archive
