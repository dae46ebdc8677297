"""The admin's change-password page (issue 14, item 10): a password an admin sets, or password
sign-in they turn off, is in the audit log with the admin as the actor."""

import pytest
from django.urls import reverse

from accounts.enums import AccountsAuditAction
from core.models import AuditEvent
from tests.factories.accounts import PASSWORD, StaffFactory

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "An-Admin-Chosen-Passphrase-2026"


@pytest.fixture
def admin_client(client_for):
    admin = StaffFactory(is_superuser=True)
    return admin, client_for(admin)


def _password_page(person) -> str:
    return reverse("admin:auth_user_password_change", args=[person.pk])


def test_a_password_set_in_the_admin_is_audited_with_the_admin_as_actor(admin_client, researcher):
    admin, client = admin_client
    response = client.post(
        _password_page(researcher),
        {"usable_password": "true", "password1": NEW_PASSWORD, "password2": NEW_PASSWORD},
    )
    assert response.status_code == 302
    researcher.refresh_from_db()
    assert researcher.check_password(NEW_PASSWORD)
    event = AuditEvent.objects.get(action=AccountsAuditAction.PASSWORD_CHANGED)
    assert event.actor == admin
    assert event.target_id == str(researcher.pk)
    assert event.data == {"by": "admin", "password_sign_in": True}


def test_password_sign_in_turned_off_in_the_admin_is_audited(admin_client, researcher):
    admin, client = admin_client
    response = client.post(_password_page(researcher), {"usable_password": "false", "unset-password": "1"})
    assert response.status_code == 302
    researcher.refresh_from_db()
    assert not researcher.has_usable_password()
    event = AuditEvent.objects.get(action=AccountsAuditAction.PASSWORD_CHANGED)
    assert event.actor == admin
    assert event.data == {"by": "admin", "password_sign_in": False}


def test_a_refused_or_conflicting_admin_password_form_changes_and_audits_nothing(admin_client, researcher):
    _, client = admin_client
    mismatch = client.post(
        _password_page(researcher),
        {"usable_password": "true", "password1": NEW_PASSWORD, "password2": NEW_PASSWORD + "x"},
    )
    assert mismatch.status_code == 200
    conflicting = client.post(_password_page(researcher), {"usable_password": "false"})  # no unset button
    assert conflicting.status_code == 302
    researcher.refresh_from_db()
    assert researcher.check_password(PASSWORD)
    assert not AuditEvent.objects.filter(action=AccountsAuditAction.PASSWORD_CHANGED).exists()
    assert client.get(reverse("admin:auth_user_password_change", args=[999999])).status_code == 404
