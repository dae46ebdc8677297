"""Two-factor sign-in (issue 7, acceptance 1): a panel member with the right password but no second
factor reaches no page of theirs; with a valid code they do; a reused code is refused."""

import re
import time

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.enums import AccountsAuditAction
from accounts.middleware import HALF_SIGNED_IN_VIEWS
from accounts.security import AUTHENTICATED_AT_KEY, PASSWORD_CONFIRMED_AT_KEY
from core.models import AuditEvent
from tests.factories.accounts import PASSWORD
from tests.security.otp import totp_code, totp_device_for
from tests.security.urls import named_urls

pytestmark = pytest.mark.django_db

VERIFY = "/accounts/two-factor/"
ENROL = "/accounts/two-factor/set-up/"


def password_step(client, user):
    response = client.post(reverse("accounts:login"), {"username": user.email, "password": PASSWORD})
    assert response.status_code == 302, response.content.decode()[:500]
    return response


def test_password_alone_opens_no_page_for_a_panel_member(client, member):
    device = totp_device_for(member)
    response = password_step(client, member)
    assert response.url.startswith(VERIFY)
    urls = named_urls()
    assert any(name.startswith("accounts:") for name, _ in urls)
    for name, path in urls:
        if name in HALF_SIGNED_IN_VIEWS or name.startswith("admin:"):
            continue
        for method in (client.get, client.post):
            answer = method(path)
            assert answer.status_code == 302, name
            assert answer.url.startswith(VERIFY), name
    # Admin pages are closed too (the admin has its own login page, which a half-signed-in user
    # cannot pass through to anything).
    assert client.get(reverse("admin:index")).url.startswith(VERIFY)
    assert device.last_t == -1


def test_a_valid_code_opens_the_panel_members_pages(client, member):
    device = totp_device_for(member)
    response = password_step(client, member)
    verified = client.post(response.url, {"code": totp_code(device)})
    assert verified.status_code == 302
    assert verified.url == "/"
    assert client.get(reverse("core:home")).status_code == 200
    assert client.get(reverse("accounts:security")).status_code == 200
    assert AuditEvent.objects.filter(action=AccountsAuditAction.TWO_FACTOR_VERIFIED, actor=member).exists()


def test_the_code_step_returns_to_the_page_first_asked_for(client, staff):
    device = totp_device_for(staff)
    client.post(
        reverse("accounts:login") + "?next=/accounts/staff/people/",
        {"username": staff.email, "password": PASSWORD},
    )
    answer = client.get("/accounts/staff/people/")
    assert answer.url == VERIFY + "?next=%2Faccounts%2Fstaff%2Fpeople%2F"
    done = client.post(answer.url, {"code": totp_code(device)})
    assert done.url == "/accounts/staff/people/"
    assert client.get(done.url).status_code == 200


def test_a_code_used_once_is_refused_the_second_time(member):
    device = totp_device_for(member)
    code = totp_code(device)
    first, second = Client(), Client()
    password_step(first, member)
    assert first.post(VERIFY, {"code": code}).status_code == 302
    password_step(second, member)
    refused = second.post(VERIFY, {"code": code})
    assert refused.status_code == 200
    assert "used already" in refused.content.decode()
    assert second.get(reverse("core:home")).url.startswith(VERIFY)
    assert AuditEvent.objects.filter(action=AccountsAuditAction.TWO_FACTOR_FAILED, actor=member).count() == 1


def test_a_wrong_code_is_refused_and_repeated_failures_slow_down(client, member, settings):
    settings.OTP_TOTP_THROTTLE_FACTOR = 60  # one failure: a minute's wait (1 s in production), never flaky
    totp_device_for(member)
    password_step(client, member)
    first = client.post(VERIFY, {"code": "000000"})
    assert "not right" in first.content.decode()
    second = client.post(VERIFY, {"code": "000001"})
    assert "Too many wrong codes" in second.content.decode()
    assert client.get(reverse("core:home")).status_code == 302


@pytest.mark.parametrize("value", ["", "x" * 5000, "<script>alert(1)</script>", "12345\x00", "١٢٣٤٥٦"])
def test_hostile_codes_get_a_message_not_an_error(client, member, value):
    totp_device_for(member)
    password_step(client, member)
    response = client.post(VERIFY, {"code": value})
    assert response.status_code == 200
    assert "<script>alert(1)</script>" not in response.content.decode()


def test_a_recovery_code_works_once(client, member):
    totp_device_for(member)
    static = StaticDevice.objects.create(user=member, name="Recovery codes", confirmed=True)
    StaticToken.objects.create(device=static, token="abcd2345")
    password_step(client, member)
    used = client.post(VERIFY, {"code": "ABCD 2345"})
    assert used.status_code == 302
    assert client.get(reverse("core:home")).status_code == 200
    assert AuditEvent.objects.filter(action=AccountsAuditAction.TWO_FACTOR_RECOVERY_CODE_USED).exists()
    again = Client()
    password_step(again, member)
    assert again.post(VERIFY, {"code": "abcd2345"}).status_code == 200


def test_a_panel_member_without_an_app_must_enrol_with_a_qr_code_and_gets_recovery_codes(client, chair):
    response = password_step(client, chair)
    assert response.url.startswith(ENROL)
    assert client.get(reverse("core:home")).url.startswith(ENROL)
    page = client.get(ENROL)
    html = page.content.decode()
    assert page.status_code == 200
    assert 'src="data:image/svg+xml' in html
    key = client.session["accounts.pending_totp_key"]

    wrong = client.post(ENROL, {"code": "123456" if totp_code(key) != "123456" else "654321"})
    assert "not right" in wrong.content.decode()
    assert not TOTPDevice.objects.filter(user=chair).exists()

    code = totp_code(key)
    done = client.post(ENROL, {"code": code})
    assert done.status_code == 200
    codes = re.findall(r'<li><code class="fs-5">([a-z2-7]{8})</code></li>', done.content.decode())
    assert len(codes) == 10
    assert set(StaticToken.objects.filter(device__user=chair).values_list("token", flat=True)) == set(codes)
    assert client.get(reverse("core:home")).status_code == 200
    assert AuditEvent.objects.filter(action=AccountsAuditAction.TWO_FACTOR_ENROLLED, actor=chair).exists()
    # The code that confirmed the app cannot also sign someone in.
    other = Client()
    password_step(other, chair)
    assert other.post(VERIFY, {"code": code}).status_code == 200


def test_a_password_alone_cannot_replace_an_existing_app(client, member):
    totp_device_for(member)
    password_step(client, member)
    response = client.get(ENROL)
    assert response.status_code == 302
    assert response.url.startswith(VERIFY)
    assert client.post(ENROL, {"code": "123456"}).url.startswith(VERIFY)


def test_a_password_reset_does_not_bypass_the_second_factor(
    client, member, django_capture_on_commit_callbacks
):
    device = totp_device_for(member)
    with django_capture_on_commit_callbacks(execute=True):  # the email leaves through the outbox
        client.post(reverse("accounts:password_reset"), {"email": member.email})
    path = re.search(r"https?://[^/\s]+(/accounts/password/reset/\S+/)", mail.outbox[0].body).group(1)
    form_page = client.get(path, follow=True)
    client.post(
        form_page.redirect_chain[-1][0],
        {"new_password1": "Brand-New-Password-77", "new_password2": "Brand-New-Password-77"},
    )
    assert "_auth_user_id" not in client.session  # the reset signs nobody in
    assert client.get(reverse("accounts:security")).status_code == 302
    response = client.post(
        reverse("accounts:login"), {"username": member.email, "password": "Brand-New-Password-77"}
    )
    assert response.url.startswith(VERIFY)
    assert client.get(reverse("core:home")).url.startswith(VERIFY)
    assert client.post(VERIFY, {"code": totp_code(device)}).status_code == 302


def test_researchers_need_no_second_factor_until_they_enrol(client, researcher):
    response = password_step(client, researcher)
    assert response.url == "/"
    assert client.get(reverse("accounts:profile")).status_code == 200
    device = totp_device_for(researcher)
    other = Client()
    assert password_step(other, researcher).url.startswith(VERIFY)
    assert other.get(reverse("accounts:profile")).url.startswith(VERIFY)
    other.post(VERIFY, {"code": totp_code(device)})
    assert other.get(reverse("accounts:profile")).status_code == 200


def test_a_researcher_enrols_from_the_security_page_and_other_sessions_end(client_for, researcher):
    browser, laptop = client_for(researcher), client_for(researcher)
    page = browser.get(reverse("accounts:security"))
    assert "Set up two-factor sign-in" in page.content.decode()
    browser.get(ENROL)
    key = browser.session["accounts.pending_totp_key"]
    assert browser.post(ENROL, {"code": totp_code(key)}).status_code == 200
    assert browser.get(reverse("accounts:profile")).status_code == 200
    assert laptop.get(reverse("accounts:profile")).url.startswith(reverse("accounts:login"))


def test_a_researcher_can_turn_it_off_but_a_panel_member_cannot(client_for, researcher, member):
    totp_device_for(researcher)
    client = client_for(researcher)
    assert client.post(reverse("accounts:two_factor_remove")).status_code == 302
    assert not TOTPDevice.objects.filter(user=researcher).exists()
    assert AuditEvent.objects.filter(action=AccountsAuditAction.TWO_FACTOR_REMOVED, actor=researcher).exists()

    panel = client_for(member)
    response = panel.post(reverse("accounts:two_factor_remove"), follow=True)
    assert "must keep two-factor sign-in" in response.content.decode()
    assert TOTPDevice.objects.filter(user=member).exists()


def test_changing_two_factor_settings_needs_the_password_again(client_for, member):
    client = client_for(member)
    session = client.session
    session[PASSWORD_CONFIRMED_AT_KEY] = int(time.time()) - 3600
    session.save()
    asked = client.get(ENROL)
    assert asked.url.startswith(reverse("accounts:reauthenticate"))
    assert client.post(reverse("accounts:recovery_codes_regenerate")).url.startswith(
        reverse("accounts:reauthenticate")
    )
    wrong = client.post(asked.url, {"password": "not-my-password"})
    assert "not right" in wrong.content.decode()
    right = client.post(asked.url, {"password": PASSWORD})
    assert right.url == ENROL
    assert client.get(ENROL).status_code == 200
    assert AuditEvent.objects.filter(action=AccountsAuditAction.REAUTHENTICATED, actor=member).exists()


def test_new_recovery_codes_replace_the_old_ones(client_for, member):
    client = client_for(member)
    first = client.post(reverse("accounts:recovery_codes_regenerate"))
    assert first.status_code == 200
    old = set(StaticToken.objects.values_list("token", flat=True))
    assert len(old) == 10
    client.post(reverse("accounts:recovery_codes_regenerate"))
    assert old.isdisjoint(StaticToken.objects.values_list("token", flat=True))
    assert (
        AuditEvent.objects.filter(action=AccountsAuditAction.TWO_FACTOR_RECOVERY_CODES_REGENERATED).count()
        == 2
    )


def test_staff_reset_a_lost_app_and_it_is_audited(client_for, staff, member):
    member_client = client_for(member)
    assert member_client.get(reverse("core:home")).status_code == 200
    staff_client = client_for(staff)
    people = staff_client.get(reverse("accounts:staff_users")).content.decode()
    reset_url = reverse("accounts:staff_two_factor_reset", kwargs={"pk": member.pk})
    assert reset_url in people
    assert staff_client.get(reset_url).status_code == 200
    assert staff_client.post(reset_url).status_code == 302
    assert not TOTPDevice.objects.filter(user=member).exists()
    event = AuditEvent.objects.get(action=AccountsAuditAction.TWO_FACTOR_RESET)
    assert (event.actor, event.target_id) == (staff, str(member.pk))
    # Every session of the member ended; at the next sign-in they set up a new app.
    assert member_client.get(reverse("core:home")).status_code == 200
    assert "Welcome" not in member_client.get(reverse("core:home")).content.decode()
    fresh = Client()
    assert password_step(fresh, member).url.startswith(ENROL)


def test_only_staff_reset_two_factor_and_not_their_own(client_for, staff, member, chair):
    reset_member = reverse("accounts:staff_two_factor_reset", kwargs={"pk": member.pk})
    assert client_for(chair).post(reset_member).status_code == 403
    client_for(member)  # gives the member an app
    assert TOTPDevice.objects.filter(user=member).exists()
    staff_client = client_for(staff)
    own = staff_client.post(reverse("accounts:staff_two_factor_reset", kwargs={"pk": staff.pk}))
    assert "cannot reset your own" in own.content.decode()
    assert TOTPDevice.objects.filter(user=staff).exists()


def test_panel_and_staff_sessions_have_an_absolute_lifetime(client_for, member, researcher, settings):
    client = client_for(member)
    session = client.session
    session[AUTHENTICATED_AT_KEY] = int(time.time() - settings.PRIVILEGED_SESSION_MAX_AGE.total_seconds() - 5)
    session.save()
    response = client.get(reverse("accounts:security"))
    assert response.url.startswith(reverse("accounts:login"))
    assert "_auth_user_id" not in client.session
    assert AuditEvent.objects.filter(action=AccountsAuditAction.SESSION_EXPIRED, actor=member).exists()

    own = client_for(researcher)
    session = own.session
    session[AUTHENTICATED_AT_KEY] = 0
    session.save()
    assert own.get(reverse("accounts:profile")).status_code == 200


def test_the_client_for_fixture_signs_panel_and_staff_in_fully(client_for, member, chair, staff):
    for user in (member, chair, staff):
        assert client_for(user).get(reverse("accounts:security")).status_code == 200


def test_the_admin_login_page_sends_people_to_the_portal_sign_in(client, staff):
    response = client.get("/admin/login/?next=/admin/")
    assert response.status_code == 302
    assert response.url == "/accounts/login/?next=%2Fadmin%2F"
    assert client.post("/admin/login/", {"username": staff.email, "password": PASSWORD}).status_code == 302
    assert "_auth_user_id" not in client.session
    assert client.get("/admin/login/?next=https://evil.example/").url == "/accounts/login/?next=%2Fadmin%2F"


def test_the_code_step_never_redirects_off_site(client, member):
    device = totp_device_for(member)
    password_step(client, member)
    response = client.post(VERIFY + "?next=https://evil.example/steal", {"code": totp_code(device)})
    assert response.url == "/"
