"""Journeys 2 and 3, with a real Celery worker on the live server's database and a real local ONS
receiver: staff sign in with their password and the code from their authenticator app (keyboard
only) and open a submitted application for review; four members declare and vote; the chair
decides; the researcher reads the decision letter. Then staff find the ONS notification delivered
in the notification log, and the receiver holds it with a verified signature."""

from datetime import timedelta

import pytest
from django.utils import timezone

from applications.enums import ApplicationStatus
from applications.services import application_submit
from core.models import AuditEvent
from notifications.enums import OnsNotificationStatus
from notifications.models import OnsNotification
from panel.enums import PanelAuditAction
from panel.models import Decision
from tests.celery_support import wait_for
from tests.factories.accounts import PASSWORD, ResearcherFactory, StaffFactory
from tests.factories.applications import ApplicationFactory, complete_application
from tests.factories.panel import panel_member
from tests.security.otp import totp_code, totp_device_for

pytestmark = pytest.mark.django_db(transaction=True)

VOTES = [("Approve", "Suitable"), ("Approve", "Suitable"), ("Reject", "Suitable"), ("Approve", "Suitable")]


def _focused(page) -> dict:
    return page.evaluate(
        "() => { const e = document.activeElement; const s = getComputedStyle(e);"
        " return {id: e.id, text: (e.innerText || '').trim(), outline: s.outlineStyle,"
        " shadow: s.boxShadow}; }"
    )


def _keyboard_two_step_sign_in(j, email: str, code_for) -> None:
    """Sign in with the keyboard only. On the home page the skip link is the first thing Tab
    reaches and moves focus to the main content; the sign-in page puts focus in the email field."""
    page = j.page
    j.goto("/")
    page.keyboard.press("Tab")
    first = _focused(page)
    assert first["text"] == "Skip to main content", f"the first focusable element is {first}"
    assert first["outline"] != "none" or first["shadow"] != "none", "focus is visible"
    page.keyboard.press("Enter")
    assert _focused(page)["id"] == "main", "the skip link moves focus to the main content"
    j.goto("/accounts/login/")
    focused = _focused(page)
    assert focused["id"] == "id_username"
    assert focused["outline"] != "none" or focused["shadow"] != "none", "focus is visible"
    page.keyboard.type(email)
    page.keyboard.press("Tab")
    assert _focused(page)["id"] == "id_password"
    page.keyboard.type(PASSWORD)
    page.keyboard.press("Enter")
    page.get_by_role("heading", name="Enter your sign-in code").wait_for()
    j.check("second step: the code")
    assert _focused(page)["id"] == "id_code", "the code field has focus on arrival"
    page.keyboard.type(code_for())
    page.keyboard.press("Enter")
    page.wait_for_url(lambda url: "/two-factor/" not in url)


def test_journeys_2_and_3_review_decide_and_notify_ons(journey, live_celery, receiver):
    staff = StaffFactory(full_name="Sam Okafor", email="sam.okafor@example.org")
    device = totp_device_for(staff)
    members = [panel_member(email=f"journey-member{i}@example.org") for i in range(1, 5)]
    chair = panel_member(chair=True, email="journey-chair@example.org")
    lead = ResearcherFactory(full_name="Dr Amira Haddad")
    app = complete_application(ApplicationFactory(lead=lead, title="Kinship care and school attendance"))
    app = application_submit(application=app, actor=lead)
    ref = app.reference

    # journey 2: staff sign in (password, then the code, keyboard only) and screen the application
    office = journey("staff")
    _keyboard_two_step_sign_in(office, staff.email, lambda: totp_code(device))
    page = office.page
    page.get_by_text("You are signed in as").wait_for()
    office.goto("/panel/staff/applications/")
    office.check("staff applications")
    page.get_by_role("link", name=ref).click()
    page.get_by_role("heading", level=1).wait_for()
    office.check("screening")
    deadline = timezone.localtime() + timedelta(days=10)
    page.get_by_label("Voting deadline").fill(deadline.strftime("%Y-%m-%dT%H:%M"))
    page.get_by_role("button", name="Open for panel review").click()
    page.get_by_text(f"{ref} is open for the panel's review").wait_for()

    # four members declare and vote (the first one's pages are checked and photographed)
    for i, (member, (project, fit)) in enumerate(zip(members, VOTES, strict=True)):
        first = i == 0
        me = journey(f"member{i + 1}", user=member)
        me.goto("/panel/")
        if first:
            me.check("panel queue")
        me.page.get_by_role("link", name="Declare interests").click()
        me.page.get_by_label("No, I have no conflict of interest").check()
        me.page.get_by_role("button", name="Record my declaration").click()
        me.page.get_by_text("Your declaration is recorded.").wait_for()
        me.page.get_by_role("link", name="Vote", exact=True).click()
        me.page.get_by_label(project, exact=True).check()
        me.page.get_by_label(fit, exact=True).check()
        me.page.get_by_label("Comment on the project").fill(f"Member {i + 1}: clear benefit.")
        if first:
            me.check("vote form")
        me.page.get_by_role("button", name="Record my vote").click()
        me.page.get_by_text("Your vote is recorded.").wait_for()
        me.close()

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
    me.page.get_by_text("5 counted votes").wait_for()
    me.check("decision page")
    me.page.get_by_label("Approved", exact=True).check()
    me.page.get_by_label("Rationale (sent to the team)").fill("Clear benefit to children in kinship care.")
    me.page.get_by_role("button", name="Record the decision").click()
    me.page.get_by_role("heading", name=f"Decision on {ref}").wait_for()

    # the researcher reads the decision letter from the application's page
    team = journey("lead", user=lead)
    team.goto(f"/applications/{app.pk}/")
    team.check("application decided")
    team.page.get_by_role("link", name="Read the decision letter").click()
    team.page.get_by_text("Clear benefit to children in kinship care.").wait_for()
    team.check("decision letter")
    assert "Approved" in team.page.locator("dl").first.inner_text()

    app.refresh_from_db()
    assert app.status == ApplicationStatus.APPROVED
    decision = Decision.objects.get(application=app)
    assert decision.decided_by == chair
    events = AuditEvent.objects.filter(target_id=str(app.pk), target_type="applications.application")
    assert events.filter(action=PanelAuditAction.REVIEW_OPENED, actor=staff).exists()
    for person in [*members, chair]:
        assert events.filter(action=PanelAuditAction.CONFLICT_DECLARED, actor=person).exists()
        assert events.filter(action=PanelAuditAction.VOTE_CAST, actor=person).exists()
    assert events.filter(action=PanelAuditAction.DECISION_RECORDED, actor=chair).exists()

    # journey 3: the worker delivers the notification; staff see it in the log; ONS has it
    notification = OnsNotification.objects.get(decision=decision)
    wait_for(
        lambda: OnsNotification.objects.filter(
            pk=notification.pk, status=OnsNotificationStatus.DELIVERED
        ).exists(),
        timeout=30,
        message="the worker to deliver the ONS notification",
    )
    office.goto("/notifications/")
    row = page.locator("#ons-log tbody tr", has_text=ref)
    assert "Delivered" in row.inner_text()
    office.check("ONS notification log")
    row.get_by_role("link").click()
    page.get_by_role("heading", level=1).wait_for()
    office.check("ONS notification detail")
    assert notification.webhook_id in page.content()

    (delivery,) = receiver.for_reference(ref)
    assert delivery.verified  # the receiver checked the Standard Webhooks signature
    assert delivery.answered == 200
    assert delivery.webhook_id == notification.webhook_id
    assert delivery.payload["type"] == "access.approved"
