"""Journey 8, change requests on a live grant (issue 17, acceptance points 1 and 2).

1. The lead of an approved project asks, in the browser, to add a co-applicant and a deposit; the
   co-applicant opens the emailed invitation and accepts; a panel member and the chair follow the
   emailed link, sign in with their password and the code from their app, declare no conflict
   before seeing anything, see only what changes and vote; the chair records the approval; the lead
   follows the decision email; ONS has received one ``access.amended`` naming the superseded grant
   (the email copy, the channel the tests configure); the public register entry shows the new
   datasets and grant.
2. An extension of three months goes to staff under the delegation: staff follow the emailed link,
   sign in with two factors and approve it without any panel vote, and the audit log page shows the
   rule that allowed it; an extension of nine months then waits for the chair."""

import re
from datetime import timedelta

import pytest
from django.conf import settings as django_settings
from django.core import mail

from applications.enums import ChangeRequestStatus, ChangeRoute
from applications.grant_selectors import grant_in_force
from applications.models import ChangeRequest
from notifications.enums import OnsEventType, OnsNotificationStatus
from notifications.models import OnsNotification
from panel.enums import PanelAuditAction
from panel.models import ChangeVote, PanelRules
from tests.factories.accounts import PASSWORD, ResearcherFactory, StaffFactory
from tests.factories.deposits import AvailableDepositFactory
from tests.factories.grants import live_grant
from tests.factories.panel import panel_member
from tests.security.otp import totp_code, totp_device_for

from .steps import type_in

pytestmark = pytest.mark.django_db(transaction=True)

TITLE = "Kinship care and school attendance"
LAY_SUMMARY = "How kinship carers keep children in school: the original lay summary."


def _emailed_link(to: str, subject_part: str) -> str:
    """The one link in the newest email to ``to`` whose subject contains ``subject_part``."""
    message = next(m for m in reversed(mail.outbox) if to in m.to and subject_part in m.subject)
    return re.search(r"https?://\S+", message.body).group(0)


def _sign_in_from_link(j, link: str, email: str, code: str) -> None:
    """Open an emailed link while signed out: the sign-in page, then the code, then the page."""
    j.goto(link)
    j.page.locator("#id_username").fill(email)
    j.page.locator("#id_password").fill(PASSWORD)
    j.page.get_by_role("button", name="Sign in").click()
    j.page.get_by_role("heading", name="Enter your sign-in code").wait_for()
    j.page.get_by_label("Code").fill(code)
    j.page.get_by_role("button", name="Continue").click()
    j.page.wait_for_url(lambda url: "/accounts/" not in url)


def _declare_and_vote(j, reference: str, *, photograph: bool) -> None:
    """On the declaration page the emailed link led to: no conflict, then (only then) the change
    itself, and the two-part vote."""
    page = j.page
    page.get_by_role("heading", name=f"Conflict of interest: change request {reference}").wait_for()
    assert "School census extract" not in page.content()  # nothing of the change before declaring
    if photograph:
        j.check("declare before seeing the change")
    page.get_by_label("No, I have no conflict of interest").check()
    page.get_by_role("button", name="Record my declaration").click()
    page.get_by_text("Your declaration is recorded.").wait_for()
    diff = page.locator("#change-diff").inner_text()
    assert "School census extract" in diff
    assert LAY_SUMMARY not in page.content()  # only what changes, not the whole application
    assert "Dr Nia Lewis" in page.locator("#change-invitations").inner_text()
    page.get_by_label("Approve", exact=True).check()
    page.get_by_label("Suitable", exact=True).check()
    if photograph:
        j.check("the change and the vote")
    page.get_by_role("button", name="Record my vote").click()
    page.get_by_text("Your vote is recorded.").wait_for()


def test_journey_8_a_co_applicant_and_a_deposit_added_through_the_panel(journey, live_server, settings):
    settings.SITE_URL = live_server.url  # emailed links are absolute, as in a real email
    PanelRules.objects.filter(pk=1).update(quorum=2)
    lead = ResearcherFactory(full_name="Dr Amira Haddad")
    grant = live_grant(lead=lead, title=TITLE, lay_summary=LAY_SUMMARY)
    app = grant.application
    added = AvailableDepositFactory(title="School census extract")
    newcomer = ResearcherFactory(full_name="Dr Nia Lewis", email="nia.lewis@example.org")
    member = panel_member(email="journey8-member@example.org")
    chair = panel_member(chair=True, email="journey8-chair@example.org")
    member_app, chair_app = totp_device_for(member), totp_device_for(chair)

    # the lead asks for the change from the approved project's page
    team = journey("lead", user=lead)
    team.goto("/applications/")
    team.page.get_by_role("link", name=app.reference, exact=True).click()
    team.page.get_by_role("link", name="Request a change").click()
    team.page.get_by_role("heading", name=f"Request a change to {grant.reference}").wait_for()
    type_in(team.page.get_by_label("Add a co-applicant (their email address)"), newcomer.email)
    team.page.get_by_label(re.compile("School census extract")).check()
    type_in(team.page.get_by_label("Why the change is needed"), "A strand on school moves.")
    team.check("the change request form")
    team.page.get_by_role("button", name="Send the change request").click()
    team.page.get_by_text("is sent.").wait_for()
    change = ChangeRequest.objects.get(application=app)
    assert change.status == ChangeRequestStatus.AWAITING_TEAM
    assert "Invited" in team.page.locator("#change-invitations").inner_text()
    team.check("waiting for the co-applicant")

    # the co-applicant accepts from the emailed invitation
    co = journey("co-applicant", user=newcomer)
    co.goto(_emailed_link(newcomer.email, "You are invited to join"))
    co.check("the invitation")
    co.page.get_by_role("button", name="Accept and join the team").click()
    co.page.get_by_text("when the change is approved").wait_for()
    change.refresh_from_db()
    assert (change.status, change.route) == (ChangeRequestStatus.SUBMITTED, ChangeRoute.PANEL)

    # a panel member and the chair follow the email: sign in, declare first, see the change, vote
    me = journey("member")
    _sign_in_from_link(
        me,
        _emailed_link(member.email, f"A change to review and vote on: {change.reference}"),
        member.email,
        totp_code(member_app),
    )
    _declare_and_vote(me, change.reference, photograph=True)

    boss = journey("chair")
    _sign_in_from_link(
        boss,
        _emailed_link(chair.email, f"A change to review and vote on: {change.reference}"),
        chair.email,
        totp_code(chair_app),
    )
    _declare_and_vote(boss, change.reference, photograph=False)
    assert ChangeVote.objects.filter(change_request=change).count() == 2
    boss.page.get_by_role("link", name="Record the decision").click()
    boss.page.get_by_role("heading", name=f"Decide change request {change.reference}").wait_for()
    assert "approve 2" in boss.page.locator("#change-tally").inner_text()
    boss.page.get_by_label("Approve the change").check()
    type_in(boss.page.get_by_label("Rationale (sent to the team)"), "A sound extension of the project.")
    boss.check("the chair's decision")
    boss.page.get_by_role("button", name="Record the decision").click()
    boss.page.get_by_text("The decision is recorded").wait_for()

    # the lead follows the decision email; the public register shows the new grant and datasets
    new_grant = grant_in_force(application=app)
    assert new_grant.number == 2
    assert new_grant.supersedes_id == grant.pk
    team.goto(_emailed_link(lead.email, f"{change.reference}: approved"))
    assert f"superseded by {new_grant.reference}" in team.page.locator("#change-status").inner_text()
    team.check("the change approved")
    (told,) = OnsNotification.objects.filter(application=app, event_type=OnsEventType.AMENDED)
    assert told.status == OnsNotificationStatus.DELIVERED
    assert (told.payload["data"]["grant_reference"], told.payload["data"]["supersedes_grant_reference"]) == (
        new_grant.reference,
        grant.reference,
    )
    assert added.reference in [d["reference"] for d in told.payload["data"]["deposits"]]
    assert "Dr Nia Lewis" in [r["name"] for r in told.payload["data"]["researchers"]]
    copies = [m for m in mail.outbox if m.to == [settings.ONS_NOTIFY_EMAIL] and "access amended" in m.subject]
    assert len(copies) == 1
    assert str(told.webhook_id) in copies[0].extra_headers.get("X-Webhook-Id", "")
    public = journey("public")
    public.goto(f"/register/{app.reference}/")
    entry = public.page.locator("main").inner_text()
    assert "School census extract" in entry
    assert added.reference in entry
    assert new_grant.reference in entry
    public.check("the register entry")


def test_journey_8_an_extension_within_the_delegation_staff_approve_a_longer_one_waits_for_the_chair(
    journey, live_server, settings
):
    settings.SITE_URL = live_server.url
    lead = ResearcherFactory(full_name="Dr Amira Haddad")
    grant = live_grant(lead=lead, title=TITLE)
    app = grant.application
    staff = StaffFactory(full_name="Sam Okafor", email="sam.okafor@example.org")
    staff_app = totp_device_for(staff)
    chair = panel_member(chair=True, email="journey8-chair@example.org")
    shorter = grant.access_end + timedelta(days=90)

    # the lead asks for three more months
    team = journey("lead", user=lead)
    team.goto(f"/applications/{app.pk}/")
    team.page.get_by_role("link", name="Request a change").click()
    team.page.get_by_label("New access end (an extension)").fill(shorter.isoformat())
    type_in(team.page.get_by_label("Why the change is needed"), "Fieldwork was delayed.")
    team.page.get_by_role("button", name="Send the change request").click()
    team.page.get_by_text("is sent.").wait_for()
    assert "Delegated to staff" in team.page.locator("#change-status").inner_text()
    team.check("an extension delegated to staff")
    change = ChangeRequest.objects.get(application=app)
    assert change.route == ChangeRoute.STAFF

    # staff follow the email to the shared mailbox, sign in with two factors and approve it
    office = journey("staff")
    _sign_in_from_link(
        office,
        _emailed_link(django_settings.STAFF_ALERT_EMAIL, f"under the delegation: {change.reference}"),
        staff.email,
        totp_code(staff_app),
    )
    office.page.get_by_role("heading", name=f"Decide change request {change.reference}").wait_for()
    office.check("staff decide a delegated extension")
    office.page.get_by_label("Approve the change").check()
    type_in(office.page.get_by_label("Rationale (sent to the team)"), "Within the delegated rule.")
    office.page.get_by_role("button", name="Record the decision").click()
    office.page.get_by_text("The decision is recorded").wait_for()
    change.refresh_from_db()
    assert change.status == ChangeRequestStatus.APPROVED
    assert not ChangeVote.objects.filter(change_request=change).exists()  # no panel vote
    assert grant_in_force(application=app).access_end == shorter

    # the audit log page shows the decision and the rule that let staff make it
    office.goto(f"/staff/audit-log/?action={PanelAuditAction.CHANGE_DECIDED}")
    row = office.page.locator("tr", has_text=PanelAuditAction.CHANGE_DECIDED).first.inner_text()
    assert "panel.rules.change_request_route" in row
    assert "Delegated to staff" in row
    assert staff.email in row
    office.check("the audit log shows the rule")

    # nine months more is outside the delegation: it waits for the chair
    team.goto(f"/applications/{app.pk}/")
    team.page.get_by_role("link", name="Request a change").click()
    longer = shorter + timedelta(days=274)
    team.page.get_by_label("New access end (an extension)").fill(longer.isoformat())
    type_in(team.page.get_by_label("Why the change is needed"), "A second wave of data.")
    team.page.get_by_role("button", name="Send the change request").click()
    team.page.get_by_text("is sent.").wait_for()
    status = team.page.locator("#change-status").inner_text()
    assert "The chair decides: the extension is longer than 6 months" in status
    team.check("a longer extension waits for the chair")
    second = ChangeRequest.objects.filter(application=app).order_by("-number").first()
    assert (second.status, second.route) == (ChangeRequestStatus.SUBMITTED, ChangeRoute.CHAIR)
    assert _emailed_link(chair.email, f"A change for the chair to decide: {second.reference}")

    office.goto("/panel/staff/changes/")
    assert second.reference not in office.page.locator("#delegated-changes").inner_text()
    assert (
        "The panel chair" in office.page.locator("#recent-changes tr", has_text=second.reference).inner_text()
    )
    office.page.locator("#recent-changes").get_by_role("link", name=second.reference).click()
    office.page.get_by_text("Only a panel chair decides this change.").wait_for()
    office.check("staff may not decide it")
