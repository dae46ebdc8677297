import re

import pytest
from django.core import mail
from django.urls import reverse

from accounts.enums import AccountsAuditAction, Role
from accounts.models import User
from core.models import AuditEvent
from tests.crawl import post_forms_without_submit
from tests.factories.accounts import PASSWORD, UserFactory
from tests.security.otp import totp_code, totp_device_for

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("role", [Role.RESEARCHER, Role.PANEL_MEMBER, Role.PANEL_CHAIR, Role.STAFF])
def test_each_role_logs_in_by_email_and_sees_its_home(client, role):
    user = UserFactory(role=role, email=f"{role}@example.org", is_staff=role == Role.STAFF)
    device = totp_device_for(user) if user.needs_second_factor else None
    response = client.post(reverse("accounts:login"), {"username": user.email.upper(), "password": PASSWORD})
    assert response.status_code == 302
    if device is not None:  # panel and staff give a code from their app as the second step
        assert response.url.startswith(reverse("accounts:two_factor_verify"))
        response = client.post(response.url, {"code": totp_code(device)})
        assert response.status_code == 302
    home = client.get(reverse("core:home"))
    assert home.status_code == 200
    expected = {
        Role.RESEARCHER: "a researcher",
        Role.PANEL_MEMBER: "a panel member",
        Role.PANEL_CHAIR: "a panel chair",
        Role.STAFF: "archive staff",
    }[role]
    assert f"You are signed in as {expected}." in home.content.decode()
    assert AuditEvent.objects.filter(action=AccountsAuditAction.LOGGED_IN, actor=user).exists()


def test_wrong_password_gets_a_clear_message_and_is_audited(client, researcher):
    response = client.post(reverse("accounts:login"), {"username": researcher.email, "password": "wrong"})
    assert response.status_code == 200
    assert "The email address or password is not right" in response.content.decode()
    failed = AuditEvent.objects.get(action=AccountsAuditAction.LOGIN_FAILED)
    assert failed.data["email"] == researcher.email


def test_sign_up_sends_a_confirmation_link_that_enables_login(client, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("accounts:sign_up"),
            {
                "full_name": "Ada Lovelace",
                "email": "ada@example.org",
                "password1": "Analytical-Engine-1843",
                "password2": "Analytical-Engine-1843",
            },
        )
    assert response.status_code == 302
    user = User.objects.get(email="ada@example.org")
    assert user.role == Role.RESEARCHER
    assert user.email_confirmed_at is None

    # Unconfirmed: refused with a clear message.
    refused = client.post(
        reverse("accounts:login"), {"username": "ada@example.org", "password": "Analytical-Engine-1843"}
    )
    assert "Please confirm your email address first" in refused.content.decode()

    assert len(mail.outbox) == 1
    link = re.search(r"https?://[^/\s]+(/accounts/confirm/\S+/)", mail.outbox[0].body).group(1)
    confirmed = client.get(link, follow=True)
    assert "your email address is confirmed" in confirmed.content.decode()
    user.refresh_from_db()
    assert user.email_confirmed_at is not None
    assert (
        client.post(
            reverse("accounts:login"), {"username": "ada@example.org", "password": "Analytical-Engine-1843"}
        ).status_code
        == 302
    )


def test_a_tampered_confirmation_link_is_refused_with_a_message(client):
    response = client.get(reverse("accounts:confirm_email", kwargs={"token": "not-a-token"}))
    assert response.status_code == 400
    assert "not valid" in response.content.decode()


def test_duplicate_sign_up_creates_nothing_and_tells_the_owner(
    client, researcher, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("accounts:sign_up"),
            {
                "full_name": "Someone Else",
                "email": researcher.email.upper(),
                "password1": "Another-Long-Password-1",
                "password2": "Another-Long-Password-1",
            },
            follow=True,
        )
    assert response.status_code == 200
    assert "already has an account" in response.content.decode()
    assert User.objects.filter(email__iexact=researcher.email).count() == 1
    assert mail.outbox[0].to == [researcher.email]
    assert "already has an account" in mail.outbox[0].body


def test_sign_up_with_mismatched_or_weak_passwords_explains_why(client):
    response = client.post(
        reverse("accounts:sign_up"),
        {"full_name": "Bob", "email": "bob@example.org", "password1": "short", "password2": "other"},
    )
    assert response.status_code == 200
    assert "The two passwords do not match" in response.content.decode()
    assert not User.objects.filter(email="bob@example.org").exists()


def test_password_reset_for_an_unknown_email_says_the_same_as_for_a_known_one(
    client, researcher, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        unknown = client.post(
            reverse("accounts:password_reset"), {"email": "nobody@example.org"}, follow=True
        )
        known = client.post(reverse("accounts:password_reset"), {"email": researcher.email}, follow=True)
    assert unknown.status_code == known.status_code == 200
    assert "If an account uses that address" in unknown.content.decode()
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == [researcher.email]


def test_a_reset_link_comes_from_site_url_whatever_host_the_request_named(
    client, researcher, settings, django_capture_on_commit_callbacks
):
    """Issue 14, item 10: a forged Host header (one ALLOWED_HOSTS lets through) must not put a
    stranger's address into the reset email; the link is SITE_URL's."""
    settings.SITE_URL = "https://portal.example.org"
    settings.ALLOWED_HOSTS = ["portal.example.org", "attacker.example"]
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("accounts:password_reset"), {"email": researcher.email}, HTTP_HOST="attacker.example"
        )
    assert response.status_code == 302
    (email,) = mail.outbox
    assert re.search(r"https://portal\.example\.org/accounts/password/reset/\S+/", email.body)
    assert "attacker.example" not in email.body


def test_password_reset_link_sets_a_new_password(client, researcher, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("accounts:password_reset"), {"email": researcher.email})
    path = re.search(r"https?://[^/\s]+(/accounts/password/reset/\S+/)", mail.outbox[0].body).group(1)
    form_page = client.get(path, follow=True)
    assert form_page.status_code == 200
    done = client.post(
        form_page.redirect_chain[-1][0],
        {"new_password1": "Brand-New-Password-77", "new_password2": "Brand-New-Password-77"},
    )
    assert done.status_code == 302
    researcher.refresh_from_db()
    assert researcher.check_password("Brand-New-Password-77")
    assert AuditEvent.objects.filter(action=AccountsAuditAction.PASSWORD_RESET, actor=researcher).exists()


def test_a_used_password_link_says_so_in_the_page_title_too(
    client, researcher, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):  # the email leaves through the outbox
        client.post(reverse("accounts:password_reset"), {"email": researcher.email})
    path = re.search(r"https?://[^/\s]+(/accounts/password/reset/\S+/)", mail.outbox[0].body).group(1)
    form_page = client.get(path, follow=True)
    new = {"new_password1": "Brand-New-Password-77", "new_password2": "Brand-New-Password-77"}
    client.post(form_page.redirect_chain[-1][0], new)
    again = client.get(path, follow=True)
    assert again.status_code == 200
    html = again.content.decode()
    title = re.search(r"<title>(.*?)</title>", html, re.S).group(1)
    assert "This link is no longer valid" in title
    assert "Choose a new password" not in html


def test_logout_ends_the_session(client, researcher):
    client.force_login(researcher)
    client.post(reverse("accounts:logout"))
    assert "_auth_user_id" not in client.session


def test_every_password_page_has_a_button_to_send_its_form(
    client, researcher, django_capture_on_commit_callbacks
):
    """Two password fields and no button: Enter does nothing and an invited person never gets in."""
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("accounts:password_reset"), {"email": researcher.email})
    path = re.search(r"https?://[^/\s]+(/accounts/password/reset/\S+/)", mail.outbox[0].body).group(1)
    choose = client.get(path, follow=True)
    assert "new_password1" in choose.content.decode()
    pages = {"choose": choose, "reset": client.get(reverse("accounts:password_reset"))}
    client.force_login(researcher)
    pages["change"] = client.get(reverse("accounts:password_change"))
    for name, page in pages.items():
        assert page.status_code == 200, name
        assert post_forms_without_submit(page.content.decode()) == [], name


@pytest.mark.parametrize(
    ("full_name", "greeting"),
    [
        ("Dr Jane Smith", "Welcome, Jane"),
        ("Prof. Ada Byrne", "Welcome, Ada"),
        ("Ms Priya Shah", "Welcome, Priya"),
        ("Sam Okoro", "Welcome, Sam"),
        ("Dr", "Welcome, Dr"),
    ],
)
def test_home_greets_by_the_first_name_not_a_title(client_for, full_name, greeting):
    user = UserFactory(role=Role.RESEARCHER, full_name=full_name)
    home = client_for(user).get(reverse("core:home")).content.decode()
    assert f'<h1 class="h2">{greeting}</h1>' in home


def test_the_sign_in_page_is_titled_with_the_portal_name_not_the_host(client, settings):
    settings.ALLOWED_HOSTS = ["portal.example.org"]
    page = client.get(reverse("accounts:login"), HTTP_HOST="portal.example.org").content.decode()
    assert "<title>Sign in · Archive Access Portal</title>" in page
    assert "portal.example.org" not in page.split("</title>")[0]
