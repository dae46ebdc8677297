"""Journey 6: staff sign in (password, then the code from their app) and invite a new panel member
from the people page; the member opens the emailed link, chooses a password (a too-short one is
refused first), signs in, sets up an authenticator app from the key shown beside the QR code,
keeps the recovery codes, and, once staff open an application for review, follows the email
to it, declares no conflict and votes. Nobody is signed in by the test: every step is typed."""

import re
from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone

from accounts.enums import AccountsAuditAction, Role
from accounts.models import User
from accounts.two_factor import totp_key_from_base32
from applications.services import application_submit
from core.models import AuditEvent
from panel.enums import PanelAuditAction, ProjectVote, ResearcherFit
from panel.models import PanelMembership, Vote
from tests.factories.accounts import PASSWORD, ResearcherFactory, StaffFactory
from tests.factories.applications import ApplicationFactory, complete_application
from tests.security.otp import totp_code, totp_device_for

from .steps import sign_in_with_code, type_in

pytestmark = pytest.mark.django_db(transaction=True)

NAME, EMAIL = "Dr Nia Lewis", "nia.lewis@example.org"
NEW_PASSWORD = "Heron-Quay-Lantern-2026"


def _emailed_link(to: str, subject_part: str) -> str:
    """The one link in the newest email to ``to`` whose subject contains ``subject_part``."""
    message = next(m for m in reversed(mail.outbox) if to in m.to and subject_part in m.subject)
    return re.search(r"https?://\S+", message.body).group(0)


def test_journey_6_invited_member_sets_a_password_enrols_declares_and_votes(journey, live_server, settings):
    settings.SITE_URL = live_server.url  # emailed links are absolute, as in a real email
    staff = StaffFactory(full_name="Sam Okafor", email="sam.okafor@example.org")
    staff_app = totp_device_for(staff)
    lead = ResearcherFactory(full_name="Dr Amira Haddad")
    application = complete_application(
        ApplicationFactory(lead=lead, title="Kinship care and school attendance")
    )
    application = application_submit(application=application, actor=lead)
    ref = application.reference

    # staff sign in through the real pages and invite the new member from the people page
    office = journey("staff")
    sign_in_with_code(office, staff.email, PASSWORD, totp_code(staff_app))
    office.goto("/accounts/staff/people/")
    office.check("people")
    office.page.get_by_role("link", name="Invite a panel member or staff").click()
    type_in(office.page.get_by_label("Full name"), NAME)
    type_in(office.page.get_by_label("Email address"), EMAIL)
    office.page.get_by_label("Role").select_option(label="Panel member")
    office.check("invite form")
    office.page.get_by_role("button", name="Send invitation").click()
    office.page.get_by_text(f"{NAME} is invited as panel member.").wait_for()
    office.check("invitation sent")
    member = User.objects.get(email=EMAIL)
    assert member.role == Role.PANEL_MEMBER
    assert not member.has_usable_password()

    # the member opens the link in the invitation email
    link = _emailed_link(EMAIL, "invited")
    assert link.startswith(live_server.url + "/accounts/password/reset/"), link
    me = journey("member")
    page = me.page
    me.goto(link)
    page.get_by_role("heading", name="Choose a new password").wait_for()
    me.check("choose a password")

    # a password that is too short, sent with the Enter key: refused, said so, nothing changed
    type_in(page.locator("#id_new_password1"), "Heron-2026")
    type_in(page.locator("#id_new_password2"), "Heron-2026")
    page.locator("#id_new_password2").press("Enter")
    alert = page.get_by_role("alert")
    alert.wait_for()
    assert "This password is too short. It must contain at least 12 characters." in alert.inner_text()
    me.check("password refused")
    member.refresh_from_db()
    assert not member.has_usable_password()

    # a good password, with the button
    type_in(page.locator("#id_new_password1"), NEW_PASSWORD)
    type_in(page.locator("#id_new_password2"), NEW_PASSWORD)
    page.get_by_role("button", name="Save my password").click()
    page.get_by_role("heading", name="Your password is set").wait_for()
    me.check("password set")
    member.refresh_from_db()
    assert member.check_password(NEW_PASSWORD)

    # the link works once: a second visit says so (no error page)
    me.goto(link)
    page.get_by_role("heading", name="This link is no longer valid").wait_for()
    assert page.title().startswith("This link is no longer valid")
    me.check("link used twice")

    # first sign-in: the password, then setting up the app by typing the key shown beside the QR code
    me.goto("/accounts/login/")
    type_in(page.get_by_label("Email address"), EMAIL)
    type_in(page.get_by_label("Password"), NEW_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.get_by_role("heading", name="Set up two-factor sign-in").wait_for()
    me.check("set up the app")
    secret = page.locator("#totp-secret").inner_text()
    assert page.get_by_role("img", name=re.compile("QR code")).is_visible()
    type_in(page.get_by_label("Code from your app"), totp_code(totp_key_from_base32(secret)))
    page.get_by_role("button", name="Turn on two-factor sign-in").click()
    page.get_by_role("heading", name="Your recovery codes").wait_for()
    me.check("recovery codes")
    codes = page.locator("#recovery-codes li").all_inner_texts()
    assert len(codes) == 10
    assert len(set(codes)) == 10
    page.get_by_role("link", name="I have kept my codes: continue").click()
    page.wait_for_load_state()
    assert "/two-factor/" not in page.url

    # staff open the application for the panel's review
    office.goto(f"/panel/staff/applications/{ref}/")
    deadline = timezone.localtime() + timedelta(days=10)
    office.page.get_by_label("Voting deadline").fill(deadline.strftime("%Y-%m-%dT%H:%M"))
    office.page.get_by_role("button", name="Open for panel review").click()
    office.page.get_by_text(f"{ref} is open for the panel's review").wait_for()

    # the member follows the review email to the application, declares no conflict and votes
    review_link = _emailed_link(EMAIL, "open for the panel's review")
    assert review_link.startswith(live_server.url + "/panel/"), review_link
    me.goto(review_link)
    page.get_by_role("heading", name=f"Conflict of interest: {ref}").wait_for()
    me.check("declare interests")
    page.get_by_label("No, I have no conflict of interest").check()
    page.get_by_role("button", name="Record my declaration").click()
    page.get_by_text("Your declaration is recorded.").wait_for()
    page.get_by_role("link", name="Vote", exact=True).click()
    page.get_by_label("Approve", exact=True).check()
    page.get_by_label("Suitable", exact=True).check()
    type_in(page.get_by_label("Comment on the project"), "Clear benefit to children in kinship care.")
    me.check("vote form")
    page.get_by_role("button", name="Record my vote").click()
    page.get_by_text("Your vote is recorded.").wait_for()
    me.check("vote recorded")

    # a recovery code signs the member in when the phone is lost
    page.get_by_role("button", name="Sign out").click()
    page.wait_for_load_state()
    sign_in_with_code(me, EMAIL, NEW_PASSWORD, codes[0])
    page.get_by_text("You used a recovery code; 9 left.").wait_for()
    assert page.get_by_role("button", name="Sign out").is_visible()

    vote = Vote.objects.get(application=application, member=member)
    assert (vote.project_vote, vote.researcher_fit) == (ProjectVote.APPROVE, ResearcherFit.SUITABLE)
    assert PanelMembership.objects.filter(user=member, ended_at=None).exists()
    on_member = AuditEvent.objects.filter(target_type="accounts.user", target_id=str(member.pk))
    assert on_member.filter(action=AccountsAuditAction.INVITED, actor=staff).exists()
    assert on_member.filter(action=AccountsAuditAction.PASSWORD_RESET, actor=member).exists()
    assert on_member.filter(action=AccountsAuditAction.TWO_FACTOR_ENROLLED, actor=member).exists()
    on_application = AuditEvent.objects.filter(
        target_type="applications.application", target_id=str(application.pk), actor=member
    )
    assert on_application.filter(action=PanelAuditAction.CONFLICT_DECLARED).exists()
    assert on_application.filter(action=PanelAuditAction.VOTE_CAST).exists()
