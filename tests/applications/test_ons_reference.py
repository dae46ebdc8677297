"""Issue 16: the lead records the team's ONS project reference, and every later instruction to ONS
carries it (what ONS needs to match its own record, as REMS's external id does)."""

import pytest
from django.urls import reverse

from applications.enums import ApplicationsAuditAction, ApplicationStatus, MemberRole, MemberStatus
from applications.models import Application, ApplicationMember
from applications.services import application_ons_reference_record
from core.errors import DomainError, InvalidTransition, NotPermitted
from core.models import AuditEvent
from notifications.models import OnsNotification
from panel.enums import DecisionOutcome
from panel.services import application_revoke
from tests.factories.accounts import ResearcherFactory, StaffFactory
from tests.factories.notifications import OnsApplicationFactory, decision_record_for_test

pytestmark = pytest.mark.django_db


def test_the_lead_records_it_audited_and_the_next_event_to_ons_carries_it():
    application = OnsApplicationFactory()
    decision_record_for_test(application=application)
    application_ons_reference_record(application=application, actor=application.lead, reference=" 2004417 ")
    application.refresh_from_db()
    assert application.ons_project_reference == "2004417"
    event = AuditEvent.objects.get(action=ApplicationsAuditAction.ONS_REFERENCE_RECORDED)
    assert event.data == {"from": "", "to": "2004417"}
    revocation = application_revoke(application=application, actor=StaffFactory(), reason="Breach.")
    (revoked,) = OnsNotification.objects.filter(revocation=revocation)
    assert revoked.payload["data"]["ons_project_reference"] == "2004417"
    # What was sent before keeps what it said then.
    (approved,) = OnsNotification.objects.filter(decision=application.decision)
    assert approved.payload["data"]["ons_project_reference"] is None


def test_only_the_lead_and_only_a_well_formed_reference():
    application = OnsApplicationFactory()
    colleague = ApplicationMember.objects.get(
        application=application, role=MemberRole.RESEARCHER, status=MemberStatus.ACCEPTED
    ).user
    with pytest.raises(NotPermitted):
        application_ons_reference_record(application=application, actor=colleague, reference="2004417")
    with pytest.raises(NotPermitted):
        application_ons_reference_record(application=application, actor=ResearcherFactory(), reference="1")
    for bad in ("<script>", "x" * 41, "-starts-with-a-dash", "two\nlines"):
        with pytest.raises(DomainError):
            application_ons_reference_record(application=application, actor=application.lead, reference=bad)
    application.refresh_from_db()
    assert application.ons_project_reference == ""
    assert not AuditEvent.objects.filter(action=ApplicationsAuditAction.ONS_REFERENCE_RECORDED).exists()


def test_a_withdrawn_application_takes_no_reference():
    application = OnsApplicationFactory()
    Application.objects.filter(pk=application.pk).update(status=ApplicationStatus.WITHDRAWN)
    with pytest.raises(InvalidTransition):
        application_ons_reference_record(application=application, actor=application.lead, reference="2004417")


def test_the_page_lets_the_lead_record_it_and_refuses_a_co_applicant(client_for):
    application = OnsApplicationFactory()
    decision_record_for_test(application=application, outcome=DecisionOutcome.APPROVED)
    url = reverse("applications:ons_reference", kwargs={"pk": application.pk})
    lead = client_for(application.lead)
    detail = lead.get(reverse("applications:detail", kwargs={"pk": application.pk})).content.decode()
    assert url in detail
    response = lead.post(url, {"ons_project_reference": "ONS/2026/17"})
    assert response.status_code == 302
    application.refresh_from_db()
    assert application.ons_project_reference == "ONS/2026/17"
    refused = lead.post(url, {"ons_project_reference": "<b>bold</b>"})
    assert refused.status_code == 200
    assert "An ONS project reference is up to 40 letters" in refused.content.decode()
    colleague = ApplicationMember.objects.get(
        application=application, role=MemberRole.RESEARCHER, status=MemberStatus.ACCEPTED
    )
    # A co-applicant is refused (403 once they can see the application, 404 before), and nothing changes.
    assert client_for(colleague.user).get(url).status_code in (403, 404)
    assert client_for(colleague.user).post(url, {"ons_project_reference": "1"}).status_code in (403, 404)
    application.refresh_from_db()
    assert application.ons_project_reference == "ONS/2026/17"
