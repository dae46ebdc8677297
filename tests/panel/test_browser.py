"""Acceptance 1 in a real browser (Chromium, the portal's CSP enforced, axe-core on every page): a
submitted application is screened by staff, four members declare and vote, the chair decides, and
the team reads the decision letter; every step is in the audit log."""

from datetime import timedelta

import pytest
from django.utils import timezone

from applications.enums import ApplicationStatus
from applications.services import application_submit
from core.models import AuditEvent
from panel.enums import PanelAuditAction
from panel.models import Decision
from tests.factories.accounts import ResearcherFactory, StaffFactory
from tests.factories.applications import ApplicationFactory, complete_application
from tests.factories.panel import panel_member

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.browser,
    pytest.mark.xdist_group("browser"),
]


def test_acceptance_1_in_the_browser(journey, live_server):
    staff = StaffFactory()
    members = [panel_member(email=f"browser-member{i}@example.org") for i in range(1, 5)]
    chair = panel_member(chair=True, email="browser-chair@example.org")
    lead = ResearcherFactory()
    app = complete_application(ApplicationFactory(lead=lead, title="School moves of children in care"))
    app = application_submit(application=app, actor=lead)
    ref = app.reference

    # staff screen it and open it for review
    me = journey("staff", user=staff)
    me.goto("/panel/staff/applications/")
    me.check("staff applications")
    me.page.get_by_role("link", name=ref).click()
    me.page.get_by_role("heading", level=1).wait_for()
    me.check("screening")
    deadline = timezone.localtime() + timedelta(days=10)
    me.page.get_by_label("Voting deadline").fill(deadline.strftime("%Y-%m-%dT%H:%M"))
    me.page.get_by_role("button", name="Open for panel review").click()
    me.page.get_by_text(f"{ref} is open for the panel's review").wait_for()

    # four members declare and vote
    votes = [
        ("Approve", "Suitable"),
        ("Approve", "Suitable"),
        ("Reject", "Suitable"),
        ("Approve", "Unsuitable"),
    ]
    for i, (member, (project, fit)) in enumerate(zip(members, votes, strict=True)):
        first = i == 0
        me = journey(f"member{i + 1}", user=member)
        me.goto("/panel/")
        if first:
            me.check("queue")
        me.page.get_by_role("link", name="Declare interests").click()
        me.page.get_by_label("No, I have no conflict of interest").wait_for()
        if first:
            me.check("declaration")
        me.page.get_by_label("No, I have no conflict of interest").check()
        me.page.get_by_role("button", name="Record my declaration").click()
        me.page.get_by_text("Your declaration is recorded.").wait_for()
        if first:
            me.check("review page")
        me.page.get_by_role("link", name="Vote", exact=True).click()
        me.page.get_by_label(project, exact=True).check()
        me.page.get_by_label(fit, exact=True).check()
        me.page.get_by_label("Comment on the project").fill("Clear benefit.")
        if first:
            me.check("vote form")
        me.page.get_by_role("button", name="Record my vote").click()
        me.page.get_by_text("Your vote is recorded.").wait_for()
        if first:
            me.check("tally after my vote")

    # the chair declares, votes and decides
    me = journey("chair", user=chair)
    me.goto(f"/panel/applications/{ref}/declare/")
    me.page.get_by_label("No, I have no conflict of interest").check()
    me.page.get_by_role("button", name="Record my declaration").click()
    me.page.get_by_text("Your declaration is recorded.").wait_for()
    me.page.get_by_role("link", name="Vote", exact=True).click()
    me.page.get_by_label("Approve", exact=True).check()
    me.page.get_by_label("Suitable", exact=True).check()
    me.page.get_by_role("button", name="Record my vote").click()
    me.page.get_by_text("Your vote is recorded.").wait_for()
    me.goto(f"/panel/applications/{ref}/decide/")
    me.check("decision page")
    me.page.get_by_label("Approved with conditions").check()
    me.page.get_by_label("Rationale (sent to the team)").fill("Clear benefit to children in care.")
    me.page.get_by_label("Conditions (approval with conditions only)").fill("Share the briefing first.")
    me.page.get_by_role("button", name="Record the decision").click()
    me.page.get_by_role("heading", name=f"Decision on {ref}").wait_for()
    me.check("decision letter (chair)")

    # the team reads the letter
    me = journey("lead", user=lead)
    me.goto(f"/panel/decisions/{ref}/")
    me.page.get_by_text("Share the briefing first.").wait_for()
    me.check("decision letter (team)")

    app.refresh_from_db()
    assert app.status == ApplicationStatus.APPROVED
    assert Decision.objects.get(application=app).decided_by == chair
    events = AuditEvent.objects.filter(target_id=str(app.pk), target_type="applications.application")
    assert events.filter(action=PanelAuditAction.REVIEW_OPENED, actor=staff).exists()
    for person in [*members, chair]:
        assert events.filter(action=PanelAuditAction.CONFLICT_DECLARED, actor=person).exists()
        assert events.filter(action=PanelAuditAction.VOTE_CAST, actor=person).exists()
    assert events.filter(action=PanelAuditAction.DECISION_RECORDED, actor=chair).exists()


def test_membership_interests_query_and_conflict_pages_in_the_browser(journey, live_server):
    from panel import services
    from tests.factories.applications import UnderReviewApplicationFactory

    staff = StaffFactory()
    member = panel_member(email="browser-m@example.org")
    chair = panel_member(chair=True, email="browser-c@example.org")
    ResearcherFactory(full_name="Dr Future Member")
    services.member_interest_declare(
        actor=member, member=member, description="Trustee of a fostering charity."
    )
    app = UnderReviewApplicationFactory()

    me = journey("staff-members", user=staff)
    me.goto("/panel/staff/members/")
    me.check("staff members")
    me.goto("/panel/interests/register/")
    me.check("interest register")
    me.goto(f"/panel/applications/{app.reference}/query/")
    me.check("query form (staff)")

    me = journey("member-conflict", user=member)
    me.goto("/panel/interests/")
    me.check("my interests")
    me.goto(f"/panel/applications/{app.reference}/declare/")
    me.page.get_by_label("Yes, I have a conflict of interest").check()
    me.page.get_by_label("The conflict (if any)").fill("I supervised the lead applicant.")
    me.page.get_by_role("button", name="Record my declaration").click()
    me.page.get_by_text("Your conflict of interest is recorded").wait_for()
    me.check("queue after a conflict")
    response = me.page.goto(f"/panel/applications/{app.reference}/")
    assert response.status == 403

    me = journey("chair-undeclared", user=chair)
    me.goto(f"/panel/applications/{app.reference}/decide/")
    me.page.get_by_role("button", name="Record my declaration").wait_for()  # conflicts first
    me.page.get_by_label("No, I have no conflict of interest").check()
    me.page.get_by_role("button", name="Record my declaration").click()
    me.goto(f"/panel/applications/{app.reference}/decide/")
    me.page.get_by_text("The quorum is not met").wait_for()
    me.check("decision page below quorum")
