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
