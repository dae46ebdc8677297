"""Journey 7: a researcher has forgotten their password. From the sign-in page they follow the link,
give their address, open the emailed reset link, are refused a common password (said on the page,
nothing changed), choose a good one with the Enter key, sign in with it, and find the old password
and the used link no longer work."""

import re

import pytest
from django.core import mail

from accounts.enums import AccountsAuditAction
from core.models import AuditEvent
from tests.factories.accounts import PASSWORD, ResearcherFactory

from .steps import type_in

pytestmark = pytest.mark.django_db(transaction=True)

EMAIL = "owen.pritchard@example.org"
NEW_PASSWORD = "Slate-Harbour-Kestrel-2026"


def test_journey_7_forgotten_password_reset_by_email_then_sign_in(journey, live_server, settings):
    settings.SITE_URL = live_server.url  # emailed links are absolute, as in a real email
    researcher = ResearcherFactory(full_name="Dr Owen Pritchard", email=EMAIL)

    me = journey("researcher")
    page = me.page
    me.goto("/accounts/login/")
    page.get_by_role("link", name="Forgotten your password?").click()
    page.get_by_role("heading", name="Reset your password").wait_for()
    me.check("reset form")
    type_in(page.get_by_label("Email"), EMAIL)
    page.get_by_role("button", name="Email me a reset link").click()
    page.get_by_role("heading", name="Check your email").wait_for()
    me.check("check your email")

    message = next(m for m in mail.outbox if EMAIL in m.to)
    assert "Reset your password" in message.subject
    link = re.search(r"https?://\S+", message.body).group(0)
    assert link.startswith(live_server.url + "/accounts/password/reset/"), link
    me.goto(link)
    page.get_by_role("heading", name="Choose a new password").wait_for()
    me.check("choose a new password")

    # a common password is refused, said in an alert, and nothing changes
    type_in(page.locator("#id_new_password1"), "password1234")
    type_in(page.locator("#id_new_password2"), "password1234")
    page.get_by_role("button", name="Save my password").click()
    alert = page.get_by_role("alert")
    alert.wait_for()
    assert "This password is too common." in alert.inner_text()
    me.check("common password refused")
    researcher.refresh_from_db()
    assert researcher.check_password(PASSWORD)

    # a good one, sent with the Enter key
    type_in(page.locator("#id_new_password1"), NEW_PASSWORD)
    type_in(page.locator("#id_new_password2"), NEW_PASSWORD)
    page.locator("#id_new_password2").press("Enter")
    page.get_by_role("heading", name="Your password is set").wait_for()
    me.check("password set")

    # the link works once
    me.goto(link)
    page.get_by_role("heading", name="This link is no longer valid").wait_for()
    assert page.title().startswith("This link is no longer valid")
    me.check("link used twice")

    # the old password is refused, the new one signs in
    me.sign_in(EMAIL, PASSWORD)
    alert.wait_for()
    assert "The email address or password is not right." in alert.inner_text()
    me.check("old password refused")
    me.sign_in(EMAIL, NEW_PASSWORD)
    page.get_by_role("button", name="Sign out").wait_for()
    assert "/accounts/login/" not in page.url
    me.check("signed in with the new password")

    researcher.refresh_from_db()
    assert researcher.check_password(NEW_PASSWORD)
    assert not researcher.check_password(PASSWORD)
    assert AuditEvent.objects.filter(
        action=AccountsAuditAction.PASSWORD_RESET, actor=researcher, target_id=str(researcher.pk)
    ).exists()
