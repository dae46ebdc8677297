"""manage.py ons_signing_key_rotate: --init, a rotation, --compromised, --status."""

import io

import pytest
from django.core.management import CommandError, call_command

from core.models import AuditEvent
from notifications.signing.enums import OnsSigningAuditAction
from notifications.signing.models import OnsSigningKey

pytestmark = pytest.mark.django_db


def _run(*args) -> str:
    out = io.StringIO()
    call_command("ons_signing_key_rotate", *args, stdout=out)
    return out.getvalue()


def test_init_creates_the_first_key_once_and_prints_its_public_half_only():
    output = _run("--init")
    key = OnsSigningKey.objects.get()
    assert key.kid in output
    assert key.public_key_text in output
    assert "whsk_" not in output
    assert "active" in output
    assert "nothing changed" in _run("--init")
    assert OnsSigningKey.objects.count() == 1
    event = AuditEvent.objects.get(action=OnsSigningAuditAction.CREATED)
    assert event.data["via"] == "manage.py ons_signing_key_rotate --init"


def test_rotate_then_a_second_rotate_is_refused_with_the_reason():
    _run("--init")
    output = _run()
    new, old = OnsSigningKey.objects.order_by("-published_at", "-id")
    listed = output.split("newest first:\n")[1].splitlines()
    assert listed[0].split()[:2] == [new.kid, "next"]
    assert listed[1].split()[:2] == [old.kid, "retiring"]
    with pytest.raises(CommandError, match="already under way"):
        _run()
    assert OnsSigningKey.objects.count() == 2


def test_compromised_rotates_at_once():
    _run("--init")
    output = _run("--compromised")
    assert "withdrawn" in output
    assert AuditEvent.objects.filter(action=OnsSigningAuditAction.WITHDRAWN).count() == 1


def test_status_changes_nothing():
    assert "No signing key" in _run("--status")
    assert not OnsSigningKey.objects.exists()
    _run("--init")
    assert "active" in _run("--status")
    assert OnsSigningKey.objects.count() == 1
