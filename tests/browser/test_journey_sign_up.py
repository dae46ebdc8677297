"""Journey 1 (first part): a researcher signs up, confirms the email and fills the profile."""

import re

import pytest
from django.core import mail

from accounts.models import User

pytestmark = pytest.mark.django_db(transaction=True)


def test_researcher_signs_up_confirms_and_fills_the_profile(journey, settings):
    settings.SITE_URL = ""  # links in emails are then relative to the live server
    me = journey("researcher")
    page = me.page
    me.goto("/")
    me.check("home page")

    page.get_by_role("link", name="Register as a researcher").first.click()
    me.check("sign-up form")
    page.get_by_label("Full name").fill("Dr Rhiannon Price")
    page.get_by_label("Email address").fill("rhiannon@example.org")
    page.locator("#id_password1").fill("Lantern-Orchard-2026")
    page.locator("#id_password2").fill("Lantern-Orchard-2026")
    page.get_by_role("button", name="Create account").click()
    page.get_by_role("heading", name="Check your email").wait_for()
    me.check("sign-up done")

    confirm_path = re.search(r"(/accounts/confirm/\S+/)", mail.outbox[-1].body).group(1)
    me.goto(confirm_path)
    page.get_by_text("your email address is confirmed").wait_for()
    me.check("email confirmed, sign in")

    me.sign_in("rhiannon@example.org", "Lantern-Orchard-2026")
    page.get_by_text("signed in as a researcher").wait_for()
    me.check("researcher home")

    page.get_by_role("link", name="Profile").click()
    page.get_by_label("Organisation", exact=True).fill("University of Nottingham")
    page.get_by_label("Organisation sector").select_option("university")
    page.get_by_label("Job title").fill("Research Fellow")
    page.get_by_label("ORCID iD").fill("0000-0002-1825-0097")
    page.get_by_label("ONS accredited researcher status").select_option("full")
    page.get_by_label("Accreditation number").fill("ARN-2026-55501")
    page.get_by_label("Accreditation expiry date").fill("2029-06-30")
    me.check("profile filled")
    page.get_by_role("button", name="Save profile").click()
    page.get_by_text("Your profile is saved.").wait_for()
    me.check("profile saved")

    profile = User.objects.get(email="rhiannon@example.org").researcher_profile
    assert profile.organisation == "University of Nottingham"
    assert profile.accreditation_number == "ARN-2026-55501"


def test_a_wrong_password_is_announced_and_linked_to_the_form(journey, researcher):
    me = journey()
    me.sign_in(researcher.email, "not-the-password")
    alert = me.page.get_by_role("alert")
    assert "not right" in alert.inner_text()
    me.check("wrong password")
