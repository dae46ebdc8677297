"""Lockout and rate limits (issue 7, acceptance 2): after the configured number of failed sign-ins
the account is locked with a clear message, and the attempts appear in the audit log."""

import pytest
from axes.models import AccessAttempt
from django.core import mail
from django.urls import reverse

from accounts.enums import AccountsAuditAction
from core.enums import CoreAuditAction
from core.models import AuditEvent
from core.ratelimit import rate_limit_hit
from tests.factories.accounts import PASSWORD

pytestmark = pytest.mark.django_db

LOGIN = "/accounts/login/"


def fail_logins(client, email, times):
    for _ in range(times):
        client.post(LOGIN, {"username": email, "password": "wrong-password"})


def test_repeated_failures_lock_the_account_with_a_message_and_are_audited(client, researcher, settings):
    fail_logins(client, researcher.email, settings.AXES_FAILURE_LIMIT - 1)
    last = client.post(LOGIN, {"username": researcher.email, "password": "wrong-password"})
    assert last.status_code == 429
    assert "Your account is locked" in last.content.decode()
    # Even the right password is refused while the lock lasts.
    refused = client.post(LOGIN, {"username": researcher.email, "password": PASSWORD})
    assert refused.status_code == 429
    assert "locked for 30 minutes" in refused.content.decode()
    assert "_auth_user_id" not in client.session

    failed = AuditEvent.objects.filter(action=AccountsAuditAction.LOGIN_FAILED, data__email=researcher.email)
    assert failed.count() >= settings.AXES_FAILURE_LIMIT
    assert failed.exclude(ip_address="127.0.0.1").count() == 0
    locked = AuditEvent.objects.filter(action=AccountsAuditAction.LOCKED_OUT, data__email=researcher.email)
    assert locked.exists()


def test_the_lock_is_for_this_account_at_this_address_only(client, researcher, other_researcher, settings):
    fail_logins(client, researcher.email, settings.AXES_FAILURE_LIMIT)
    other = client.post(LOGIN, {"username": other_researcher.email, "password": PASSWORD})
    assert other.status_code == 302
    from django.test import Client

    elsewhere = Client(REMOTE_ADDR="203.0.113.9")
    assert elsewhere.post(LOGIN, {"username": researcher.email, "password": PASSWORD}).status_code == 302


def test_staff_see_and_lift_a_lock_and_it_is_audited(client, client_for, researcher, staff, settings):
    fail_logins(client, researcher.email, settings.AXES_FAILURE_LIMIT)
    staff_client = client_for(staff)
    page = staff_client.get(reverse("accounts:staff_lockouts"))
    assert researcher.email in page.content.decode()
    attempt = AccessAttempt.objects.get(username=researcher.email)
    response = staff_client.post(reverse("accounts:staff_lockout_clear", kwargs={"pk": attempt.pk}))
    assert response.status_code == 302
    assert not AccessAttempt.objects.filter(username=researcher.email).exists()
    event = AuditEvent.objects.get(action=AccountsAuditAction.LOCKOUT_CLEARED)
    assert event.actor == staff
    assert event.target_id == str(researcher.pk)
    assert event.data["email"] == researcher.email
    assert client.post(LOGIN, {"username": researcher.email, "password": PASSWORD}).status_code == 302
    # Lifting it again says so instead of failing.
    again = staff_client.post(reverse("accounts:staff_lockout_clear", kwargs={"pk": attempt.pk}), follow=True)
    assert "already been lifted" in again.content.decode()


def test_only_staff_open_the_lockout_screen(client_for, researcher, member):
    assert client_for(researcher).get(reverse("accounts:staff_lockouts")).status_code == 403
    clear = reverse("accounts:staff_lockout_clear", kwargs={"pk": 1})
    assert client_for(member).post(clear).status_code == 403


def test_sign_up_is_rate_limited_per_address(client, settings, django_capture_on_commit_callbacks):
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "sign_up": {"ip": (100, 3600), "address": (2, 3600)}}
    data = {"full_name": "A", "email": "flood@example.org", "password1": "x", "password2": "y"}
    assert client.post(reverse("accounts:sign_up"), data).status_code == 200
    assert client.post(reverse("accounts:sign_up"), {**data, "email": "FLOOD@example.org"}).status_code == 200
    limited = client.post(reverse("accounts:sign_up"), data)
    assert limited.status_code == 429
    assert "Too many attempts" in limited.content.decode()
    assert int(limited["Retry-After"]) > 0
    assert client.post(reverse("accounts:sign_up"), {**data, "email": "other@example.org"}).status_code == 200
    assert AuditEvent.objects.filter(action=CoreAuditAction.REQUEST_RATE_LIMITED).count() == 1


def test_password_reset_is_rate_limited_per_ip_and_per_address(
    client, researcher, settings, django_capture_on_commit_callbacks
):
    settings.RATE_LIMITS = {
        **settings.RATE_LIMITS,
        "password_reset": {"ip": (3, 3600), "address": (1, 3600)},
    }
    url = reverse("accounts:password_reset")
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post(url, {"email": researcher.email}).status_code == 302
        assert client.post(url, {"email": researcher.email}).status_code == 429
    assert len(mail.outbox) == 1
    assert client.post(url, {"email": "a@example.org"}).status_code == 302
    assert client.post(url, {"email": "b@example.org"}).status_code == 429  # fourth from this address


def test_login_is_rate_limited_per_ip(client, researcher, settings):
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "login": {"ip": (2, 900)}}
    client.post(LOGIN, {"username": "a@example.org", "password": "x"})
    client.post(LOGIN, {"username": "b@example.org", "password": "x"})
    assert client.post(LOGIN, {"username": researcher.email, "password": PASSWORD}).status_code == 429
    assert client.get(LOGIN).status_code == 200


def test_the_limiter_counts_in_redis_when_configured(settings):
    """With REDIS_URL set, counts live in Redis, shared by every web process."""
    import os
    import uuid

    from django.core.cache import caches

    url = os.environ.get("REDIS_URL") or "redis://127.0.0.1:6379/0"
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": url,
            "KEY_PREFIX": "t",
        }
    }
    caches._settings = None
    key = f"ip:{uuid.uuid4()}"
    try:
        results = [rate_limit_hit(scope="test", key=key, limit=2, window=60)[0] for _ in range(3)]
    finally:
        caches["default"].close()
    assert results == [False, False, True]


@pytest.mark.parametrize(
    "spelling",
    ["{}", "{upper}", " {} ", "{local}@{domain_upper}", "\t{upper}\n"],
    ids=["as-typed", "upper-case", "spaces", "domain-upper-case", "tab-newline"],
)
def test_a_locked_account_stays_locked_for_every_spelling_of_its_address(
    client, researcher, settings, spelling
):
    """Failures under one spelling lock every spelling: the address is case-folded and trimmed
    before authentication and the lockout see it (16 guesses in a row met no 429 before)."""
    local, domain = researcher.email.split("@")
    variants = [
        researcher.email,
        researcher.email.upper(),
        f"  {researcher.email}",
        f"{local}@{domain.upper()}",
    ]
    for attempt in range(settings.AXES_FAILURE_LIMIT):
        fail_logins(client, variants[attempt % len(variants)], 1)
    typed = spelling.format(
        researcher.email, upper=researcher.email.upper(), local=local, domain_upper=domain.upper()
    )
    refused = client.post(LOGIN, {"username": typed, "password": PASSWORD})
    assert refused.status_code == 429
    assert "_auth_user_id" not in client.session
    assert AccessAttempt.objects.filter(username=researcher.email).count() == 1
    assert not AccessAttempt.objects.exclude(username=researcher.email).exists()


@pytest.fixture
def unreachable_cache(settings, monkeypatch):
    """The default cache is a real Redis URL at a local port where nothing listens (Redis down);
    the limiter's memory of the outage starts empty and is put back afterwards."""
    from core import ratelimit
    from tests.celery_support import free_port

    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": f"redis://127.0.0.1:{free_port()}/0",
            "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
        }
    }
    monkeypatch.setattr(ratelimit, "_outage", ratelimit._Outage())
    return ratelimit


def test_sign_in_sign_up_and_reset_work_while_the_cache_is_unreachable_and_it_is_noted_once(
    client, researcher, unreachable_cache, caplog, django_capture_on_commit_callbacks
):
    """Acceptance 5: with Redis down the limiter lets requests through (they answered 500), logs a
    warning and audits the outage once a minute per process, not once per request."""
    with caplog.at_level("WARNING", logger="core.ratelimit"):
        signed_in = client.post(LOGIN, {"username": researcher.email, "password": PASSWORD})
        assert signed_in.status_code == 302
        assert client.session["_auth_user_id"] == str(researcher.pk)
        client.logout()
        with django_capture_on_commit_callbacks(execute=True):
            reset = client.post(reverse("accounts:password_reset"), {"email": researcher.email})
        assert reset.status_code == 302
        sign_up = client.post(
            reverse("accounts:sign_up"),
            {
                "full_name": "New Person",
                "email": "new-person@example.org",
                "password1": "A-Long-Enough-Passphrase-2026",
                "password2": "A-Long-Enough-Passphrase-2026",
            },
        )
        assert sign_up.status_code == 302
    assert len(mail.outbox) == 1
    noted = AuditEvent.objects.filter(action=CoreAuditAction.RATE_LIMIT_UNAVAILABLE)
    assert noted.count() == 1
    assert noted.get().data["scope"] == "login"
    assert noted.get().data["backend"] == "django.core.cache.backends.redis.RedisCache"
    assert "Connection" in noted.get().data["error"]
    warnings = [r for r in caplog.records if "rate limits are not counted" in r.getMessage()]
    assert len(warnings) == 1


def test_the_cache_outage_is_noted_again_after_a_minute_with_what_went_through(
    client, researcher, unreachable_cache, monkeypatch
):
    clock = [1000.0]
    monkeypatch.setattr(unreachable_cache.time, "monotonic", lambda: clock[0])
    for _ in range(3):
        client.post(LOGIN, {"username": "nobody@example.org", "password": "wrong-password"})
        clock[0] += 15  # past CACHE_RETRY_SECONDS: the cache is asked, and fails, each time
    clock[0] += unreachable_cache.UNAVAILABLE_NOTE_SECONDS
    assert client.post(LOGIN, {"username": researcher.email, "password": PASSWORD}).status_code == 302
    noted = AuditEvent.objects.filter(action=CoreAuditAction.RATE_LIMIT_UNAVAILABLE).order_by("pk")
    assert [event.data["requests_let_through"] for event in noted] == [1, 3]
