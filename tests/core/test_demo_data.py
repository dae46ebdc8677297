import io

import pytest
from django.apps import apps
from django.core.management import call_command

from accounts.demo import DEMO_ACCOUNTS, DEMO_PASSWORD
from accounts.models import User

pytestmark = pytest.mark.django_db


def _counts() -> dict[str, int]:
    return {
        model._meta.label: model.objects.count()
        for model in apps.get_models()
        if model._meta.app_label in {"accounts", "deposits", "applications", "panel", "notifications", "core"}
        and model._meta.label != "core.AuditEvent"
    }


def test_demo_data_creates_every_account_and_is_idempotent():
    call_command("demo_data", stdout=io.StringIO())
    first = _counts()
    call_command("demo_data", stdout=io.StringIO())
    assert _counts() == first
    for email, _name, role in DEMO_ACCOUNTS:
        user = User.objects.get(email=email)
        assert user.role == role
        assert user.check_password(DEMO_PASSWORD)
        assert user.email_confirmed_at is not None


def test_demo_panel_and_staff_accounts_come_enrolled_and_demo_totp_prints_a_working_code(client):
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from accounts.demo import DEMO_TOTP_SECRET

    out = io.StringIO()
    call_command("demo_data", stdout=out)
    assert DEMO_TOTP_SECRET in out.getvalue()
    for email, _name, role in DEMO_ACCOUNTS:
        enrolled = TOTPDevice.objects.filter(user__email=email, confirmed=True).count()
        assert enrolled == (0 if role == "researcher" else 1), email
    code = io.StringIO()
    call_command("demo_totp", "chair@example.org", stdout=code, stderr=io.StringIO())
    client.post("/accounts/login/", {"username": "chair@example.org", "password": DEMO_PASSWORD})
    response = client.post("/accounts/two-factor/", {"code": code.getvalue().strip()})
    assert response.status_code == 302
    assert client.get("/accounts/security/").status_code == 200


def test_demo_totp_refuses_accounts_that_are_not_demo_accounts(staff):
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="not a demo account"):
        call_command("demo_totp", staff.email, stdout=io.StringIO())
