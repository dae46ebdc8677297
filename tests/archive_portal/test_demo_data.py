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


def _readme_demo_accounts() -> dict[str, str]:
    """The README's table of demo accounts: email -> role, with "member1 … member4" expanded."""
    import re
    from pathlib import Path

    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text()
    table = readme.split("## Demo accounts", 1)[1].split("\n\n")[2]
    accounts = {}
    for row in table.splitlines()[2:]:
        first, role = (cell.strip() for cell in row.strip("|").split("|")[:2])
        span = re.fullmatch(r"(\w+?)(\d+)@([\w.]+) … \1(\d+)@\3", first)
        emails = (
            [f"{span[1]}{n}@{span[3]}" for n in range(int(span[2]), int(span[4]) + 1)] if span else [first]
        )
        accounts.update(dict.fromkeys(emails, role))
    return accounts


def test_the_readme_lists_exactly_the_demo_accounts():
    readme = _readme_demo_accounts()
    assert set(readme) == {email for email, _name, _role in DEMO_ACCOUNTS}
    assert "staff2@example.org" in readme


def test_every_demo_account_in_the_readme_signs_in_with_demo_totp():
    """Each account of the README's table signs in with the demo password, then (panel, chair and
    staff) with the code demo_totp prints."""
    from django.test import Client

    call_command("demo_data", stdout=io.StringIO())
    for email in sorted(_readme_demo_accounts()):
        client = Client()
        response = client.post("/accounts/login/", {"username": email, "password": DEMO_PASSWORD})
        assert response.status_code == 302, email
        if User.objects.get(email=email).needs_second_factor:
            code = io.StringIO()
            call_command("demo_totp", email, stdout=code, stderr=io.StringIO())
            verified = client.post("/accounts/two-factor/", {"code": code.getvalue().strip()})
            assert verified.status_code == 302, email
        assert client.get("/accounts/security/").status_code == 200, email


def test_the_demo_shows_an_amended_grant_and_an_extension_waiting_for_staff():
    from applications.enums import ChangeRequestStatus, ChangeRoute, GrantStatus
    from applications.models import ChangeRequest, Grant

    call_command("demo_data", stdout=io.StringIO())
    second = Grant.objects.get(number=2)
    assert second.status == GrantStatus.LIVE
    assert second.supersedes.status == GrantStatus.SUPERSEDED
    assert len(second.datasets) == len(second.supersedes.datasets) + 1
    waiting = ChangeRequest.objects.get(status=ChangeRequestStatus.SUBMITTED)
    assert waiting.route == ChangeRoute.STAFF
    assert waiting.access_end > waiting.grant.access_end
    assert waiting.grant.status == GrantStatus.LIVE
