"""Sign-up and password reset do the same work for an address that has an account and for one
that has not (issue 14, item 4), so their time tells a stranger nothing. Work is counted, not timed:
the hasher's calls, the SQL the request runs, what it leaves for after the commit. The times are
scripts/bench --timing's figure."""

import pytest
from django.contrib.auth.hashers import MD5PasswordHasher
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.enums import AccountsAuditAction
from accounts.models import User
from core.models import AuditEvent, QueuedEmail
from tests.factories.accounts import PASSWORD, ResearcherFactory

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "A-New-Passphrase-For-2026"


class CountingHasher(MD5PasswordHasher):
    """MD5 (fast) that counts how many passwords it hashed."""

    algorithm = "counting_md5"
    calls = 0

    def encode(self, password, salt):
        type(self).calls += 1
        return super().encode(password, salt)


@pytest.fixture
def counting_hasher(settings):
    settings.PASSWORD_HASHERS = ["tests.accounts.test_known_and_unknown_addresses.CountingHasher"]
    CountingHasher.calls = 0
    return CountingHasher


def _sign_up(client, email: str):
    return client.post(
        reverse("accounts:sign_up"),
        {"full_name": "Someone", "email": email, "password1": NEW_PASSWORD, "password2": NEW_PASSWORD},
    )


def test_sign_up_hashes_the_password_once_for_a_known_and_for_an_unknown_address(
    client, counting_hasher, django_capture_on_commit_callbacks
):
    owner = ResearcherFactory(email="owner@example.org")
    owner_hash = owner.password
    calls = {}
    for kind, email in (("known", "Owner@Example.org"), ("unknown", "stranger@example.org")):
        counting_hasher.calls = 0
        with django_capture_on_commit_callbacks() as callbacks:
            response = _sign_up(client, email)
        assert response.status_code == 302
        assert response["Location"] == reverse("accounts:sign_up_done")
        calls[kind] = (counting_hasher.calls, len(callbacks))
    # One hash and one email sent after the commit on each path.
    assert calls == {"known": (1, 1), "unknown": (1, 1)}

    # The known address: no second account, the owner's password untouched, no sign-up audited,
    # and the owner told by one outbox email.
    assert User.objects.filter(email__iexact="owner@example.org").count() == 1
    owner.refresh_from_db()
    assert owner.password == owner_hash
    assert owner.check_password(PASSWORD)
    told = QueuedEmail.objects.get(topic="accounts/sign_up_existing")
    assert told.to == ["owner@example.org"]
    assert not AuditEvent.objects.filter(
        action=AccountsAuditAction.SIGNED_UP, target_id=str(owner.pk)
    ).exists()
    # The unknown address: the hash made before the look-up is the new account's password.
    stranger = User.objects.get(email="stranger@example.org")
    assert stranger.check_password(NEW_PASSWORD)
    assert (
        QueuedEmail.objects.filter(topic="accounts/confirm_email", to=["stranger@example.org"]).count() == 1
    )


def _reset_request(client, email: str):
    with CaptureQueriesContext(connection) as queries:
        response = client.post(reverse("accounts:password_reset"), {"email": email})
    assert response.status_code == 302
    assert response["Location"] == reverse("accounts:password_reset_done")
    return [query["sql"].replace(email, "<email>") for query in queries.captured_queries]


def test_password_reset_runs_the_same_sql_and_leaves_one_task_for_a_known_and_an_unknown_address(
    client, django_capture_on_commit_callbacks
):
    owner = ResearcherFactory(email="owner@example.org")
    with django_capture_on_commit_callbacks() as known_callbacks:
        known_sql = _reset_request(client, owner.email)
    with django_capture_on_commit_callbacks() as unknown_callbacks:
        unknown_sql = _reset_request(client, "stranger@example.org")
    # Nothing in the request depends on the answer: the same statements (no look-up, no email row),
    # and one callback that hands the address to a task.
    assert known_sql == unknown_sql
    assert not any("accounts_user" in sql or "core_queuedemail" in sql for sql in known_sql)
    assert len(known_callbacks) == len(unknown_callbacks) == 1
    assert not QueuedEmail.objects.exists()

    # After the commit the task (run in-process here) finds the account and queues its email.
    with django_capture_on_commit_callbacks(execute=True):
        known_callbacks[0]()
        unknown_callbacks[0]()
    sent = QueuedEmail.objects.get()
    assert sent.topic == "accounts/password_reset"
    assert sent.to == [owner.email]


def test_a_reset_asked_for_while_the_broker_is_down_waits_in_the_outbox(
    client, monkeypatch, django_capture_on_commit_callbacks
):
    from kombu.exceptions import OperationalError

    from accounts.tasks import password_reset_emails_send_task

    def broker_down(*args, **kwargs):
        raise OperationalError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")

    monkeypatch.setattr(password_reset_emails_send_task, "delay", broker_down)
    owner = ResearcherFactory(email="owner@example.org")
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("accounts:password_reset"), {"email": owner.email})
    assert response.status_code == 302
    assert QueuedEmail.objects.get().to == [owner.email]
