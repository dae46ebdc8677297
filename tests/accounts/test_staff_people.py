import pytest
from django.core import mail
from django.urls import reverse

from accounts import services
from accounts.enums import AccountsAuditAction, Role
from accounts.models import User
from core.models import AuditEvent

pytestmark = pytest.mark.django_db

STAFF_URLS = [
    ("get", "accounts:staff_users", {}),
    ("get", "accounts:staff_invite", {}),
    ("post", "accounts:staff_invite", {"full_name": "X", "email": "x@example.org", "role": "staff"}),
]


@pytest.mark.parametrize("who", ["researcher", "member", "chair"])
@pytest.mark.parametrize(("method", "name", "data"), STAFF_URLS)
def test_staff_pages_refuse_other_roles_with_403_and_change_nothing(
    request, client_for, who, method, name, data
):
    user = request.getfixturevalue(who)
    before = User.objects.count()
    response = getattr(client_for(user), method)(reverse(name), data)
    assert response.status_code == 403
    assert User.objects.count() == before


def test_anonymous_visitors_are_sent_to_sign_in(client):
    response = client.get(reverse("accounts:staff_users"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))


def test_staff_invite_a_panel_member_who_sets_a_password_by_email(
    client_for, staff, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(staff).post(
            reverse("accounts:staff_invite"),
            {"full_name": "Nia Evans", "email": "nia@example.org", "role": Role.PANEL_MEMBER},
        )
    assert response.status_code == 302
    invited = User.objects.get(email="nia@example.org")
    assert invited.role == Role.PANEL_MEMBER
    assert not invited.has_usable_password()
    assert "/accounts/password/reset/" in mail.outbox[0].body
    assert AuditEvent.objects.filter(action=AccountsAuditAction.INVITED, actor=staff).exists()


def test_inviting_an_existing_address_is_a_form_error(client_for, staff, researcher):
    response = client_for(staff).post(
        reverse("accounts:staff_invite"), {"full_name": "Dup", "email": researcher.email, "role": Role.STAFF}
    )
    assert response.status_code == 200
    assert "already exists" in response.content.decode()


def test_researchers_cannot_be_invited(client_for, staff):
    response = client_for(staff).post(
        reverse("accounts:staff_invite"),
        {"full_name": "R", "email": "r@example.org", "role": Role.RESEARCHER},
    )
    assert response.status_code == 200
    assert not User.objects.filter(email="r@example.org").exists()


def test_staff_change_a_role_and_it_is_audited(client_for, staff, member):
    response = client_for(staff).post(
        reverse("accounts:staff_role_change", args=[member.pk]), {"role": Role.PANEL_CHAIR}
    )
    assert response.status_code == 302
    member.refresh_from_db()
    assert member.role == Role.PANEL_CHAIR
    event = AuditEvent.objects.get(action=AccountsAuditAction.ROLE_CHANGED)
    assert event.data == {"from": Role.PANEL_MEMBER, "to": Role.PANEL_CHAIR}


def test_an_invited_person_whose_link_expired_can_ask_for_a_new_one(
    client, staff, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        invited = services.user_invite(
            actor=staff, email="nia@example.org", full_name="Nia Evans", role=Role.PANEL_MEMBER
        )
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):  # the email leaves through the outbox
        response = client.post(reverse("accounts:password_reset"), {"email": invited.email})
    assert response.status_code == 302
    assert [m.to for m in mail.outbox] == [[invited.email]]
    assert "/accounts/password/reset/" in mail.outbox[0].body
