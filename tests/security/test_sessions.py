"""Passwords and sessions: Argon2 and Django's validators, cookie flags, idle expiry, other sessions
ended on a password change, no-store on everything a signed-in user sees."""

from datetime import timedelta

import pytest
from django.contrib.sessions.models import Session
from django.urls import reverse
from django.utils import timezone

from archive_portal.settings import base
from tests.factories.accounts import PASSWORD

pytestmark = pytest.mark.django_db


def test_passwords_are_hashed_with_argon2_and_checked_by_djangos_validators():
    assert base.PASSWORD_HASHERS[0] == "django.contrib.auth.hashers.Argon2PasswordHasher"
    names = {v["NAME"].rsplit(".", 1)[-1] for v in base.AUTH_PASSWORD_VALIDATORS}
    assert names == {
        "UserAttributeSimilarityValidator",
        "MinimumLengthValidator",
        "CommonPasswordValidator",
        "NumericPasswordValidator",
    }


def test_session_settings_idle_expiry_and_cookie_flags():
    assert base.SESSION_COOKIE_AGE == 30 * 60
    assert base.SESSION_SAVE_EVERY_REQUEST is True
    assert base.SESSION_COOKIE_HTTPONLY is True
    assert base.SESSION_COOKIE_SAMESITE == "Lax"
    assert timedelta(hours=12) >= base.PRIVILEGED_SESSION_MAX_AGE


def test_a_session_idle_for_30_minutes_is_over(client_for, researcher):
    client = client_for(researcher)
    assert client.get(reverse("accounts:profile")).status_code == 200
    stored = Session.objects.get(session_key=client.session.session_key)
    assert timedelta(minutes=29) < stored.expire_date - timezone.now() <= timedelta(minutes=30)
    Session.objects.filter(pk=stored.pk).update(expire_date=timezone.now() - timedelta(seconds=1))
    assert client.get(reverse("accounts:profile")).url.startswith(reverse("accounts:login"))


def test_each_request_moves_the_idle_deadline_on(client_for, researcher):
    client = client_for(researcher)
    key = client.session.session_key
    Session.objects.filter(pk=key).update(expire_date=timezone.now() + timedelta(minutes=1))
    client.get(reverse("accounts:profile"))
    assert Session.objects.get(pk=key).expire_date > timezone.now() + timedelta(minutes=29)


def test_changing_the_password_ends_the_other_sessions_but_not_this_one(client_for, member):
    here, elsewhere = client_for(member), client_for(member)
    response = here.post(
        reverse("accounts:password_change"),
        {
            "old_password": PASSWORD,
            "new_password1": "Another-Long-Pass-42",
            "new_password2": "Another-Long-Pass-42",
        },
    )
    assert response.status_code == 302
    assert here.get(reverse("accounts:security")).status_code == 200
    assert elsewhere.get(reverse("accounts:security")).url.startswith(reverse("accounts:login"))


def test_a_weak_new_password_is_refused_with_the_validators_reasons(client_for, researcher):
    response = client_for(researcher).post(
        reverse("accounts:password_change"),
        {"old_password": PASSWORD, "new_password1": "12345678", "new_password2": "12345678"},
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "too short" in html
    assert "entirely numeric" in html


@pytest.mark.parametrize("fixture", ["researcher", "member", "staff"])
def test_every_response_to_a_signed_in_user_is_no_store(client_for, request, fixture):
    client = client_for(request.getfixturevalue(fixture))
    for url in (reverse("core:home"), reverse("accounts:security"), "/no-such-page/"):
        response = client.get(url)
        assert "no-store" in response["Cache-Control"], url
        assert "private" in response["Cache-Control"], url


def test_anonymous_pages_may_be_cached(client):
    assert "no-store" not in client.get(reverse("core:home")).get("Cache-Control", "")


def test_changing_email_needs_the_password_again_and_a_link_to_the_new_address(
    client_for, researcher, django_capture_on_commit_callbacks
):
    import re
    import time

    from django.core import mail

    from accounts.enums import AccountsAuditAction
    from accounts.security import PASSWORD_CONFIRMED_AT_KEY
    from core.models import AuditEvent

    old_email = researcher.email
    client, elsewhere = client_for(researcher), client_for(researcher)
    session = client.session
    session[PASSWORD_CONFIRMED_AT_KEY] = int(time.time()) - 3600
    session.save()
    url = reverse("accounts:email_change")
    asked = client.get(url)
    assert asked.url.startswith(reverse("accounts:reauthenticate"))
    client.post(asked.url, {"password": PASSWORD})
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post(url, {"email": "new.address@example.org"}).status_code == 302
    researcher.refresh_from_db()
    assert researcher.email == old_email  # nothing changes until the link is opened
    assert mail.outbox[-1].to == ["new.address@example.org"]
    link = re.search(r"https?://[^/\s]+(/accounts/security/email/confirm/\S+/)", mail.outbox[-1].body).group(
        1
    )
    with django_capture_on_commit_callbacks(execute=True):
        assert client.get(link).status_code == 302
    researcher.refresh_from_db()
    assert researcher.email == "new.address@example.org"
    assert mail.outbox[-1].to == [old_email]
    assert AuditEvent.objects.filter(action=AccountsAuditAction.EMAIL_CHANGED, actor=researcher).exists()
    assert client.get(reverse("accounts:security")).status_code == 200
    assert elsewhere.get(reverse("accounts:security")).status_code == 302
    assert client.get(link).status_code == 400  # a link works once


def test_asking_for_a_taken_address_changes_nothing_and_tells_its_owner(
    client_for, researcher, other_researcher, django_capture_on_commit_callbacks
):
    from django.core import mail

    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(researcher).post(
            reverse("accounts:email_change"), {"email": other_researcher.email}
        )
    assert response.status_code == 302
    assert mail.outbox[-1].to == [other_researcher.email]
    assert "Nothing has changed" in mail.outbox[-1].body


def test_a_password_reset_by_email_ends_every_session(
    client, client_for, member, django_capture_on_commit_callbacks
):
    import re

    from django.core import mail

    signed_in = client_for(member)
    with django_capture_on_commit_callbacks(execute=True):  # the email leaves through the outbox
        client.post(reverse("accounts:password_reset"), {"email": member.email})
    path = re.search(r"https?://[^/\s]+(/accounts/password/reset/\S+/)", mail.outbox[0].body).group(1)
    form_page = client.get(path, follow=True)
    client.post(
        form_page.redirect_chain[-1][0],
        {"new_password1": "Brand-New-Password-77", "new_password2": "Brand-New-Password-77"},
    )
    assert signed_in.get(reverse("accounts:security")).url.startswith(reverse("accounts:login"))
