"""The system checks of the v1a signatures."""

import pytest
from django.core.management import call_command

from notifications.signing.checks import ons_signing_keys_check, ons_signing_timeline_check
from notifications.signing.services import ons_signing_key_init, ons_signing_key_rotate

pytestmark = pytest.mark.django_db
DB = ["default"]


def _ids(errors) -> list[str]:
    return [e.id for e in errors]


def test_a_webhook_with_no_signing_key_is_warned_of(settings):
    settings.ONS_WEBHOOK_URL = "https://ons.example.gov.uk/hook"
    assert _ids(ons_signing_keys_check(databases=DB)) == ["notifications.W101"]
    ons_signing_key_init()
    assert ons_signing_keys_check(databases=DB) == []


def test_no_warning_without_a_webhook(settings):
    settings.ONS_WEBHOOK_URL = ""
    assert ons_signing_keys_check(databases=DB) == []


def test_the_key_check_runs_only_when_the_database_is_checked(settings):
    settings.ONS_WEBHOOK_URL = "https://ons.example.gov.uk/hook"
    assert ons_signing_keys_check(databases=None) == []


def test_keys_sealed_under_a_lost_secret_key_are_an_error_until_it_is_a_fallback(settings):
    settings.ONS_WEBHOOK_URL = ""
    ons_signing_key_init()
    ons_signing_key_rotate()  # the next key is checked too
    old_secret = settings.SECRET_KEY
    settings.SECRET_KEY = "a-new-secret-key-" + "y" * 50
    assert _ids(ons_signing_keys_check(databases=DB)) == ["notifications.E101", "notifications.E101"]
    settings.SECRET_KEY_FALLBACKS = [old_secret]
    assert ons_signing_keys_check(databases=DB) == []


def test_an_overlap_shorter_than_the_jwk_set_cache_is_warned_of(settings):
    settings.ONS_JWKS_MAX_AGE_SECONDS = 300
    settings.ONS_SIGNING_PUBLISH_AHEAD_HOURS = 0
    settings.ONS_SIGNING_OVERLAP_HOURS = 0.05  # three minutes
    assert _ids(ons_signing_timeline_check()) == ["notifications.W102"]
    settings.ONS_SIGNING_OVERLAP_HOURS = 1
    assert ons_signing_timeline_check() == []


def test_the_defaults_pass():
    assert ons_signing_timeline_check() == []


def test_check_database_reports_the_warning(settings, capsys):
    settings.ONS_WEBHOOK_URL = "https://ons.example.gov.uk/hook"
    settings.ONS_WEBHOOK_SECRET = "whsec_" + "b3RoZXItc2VjcmV0LW90aGVyLXNlY3JldA=="
    call_command("check", "--database", "default")
    assert "notifications.W101" in capsys.readouterr().err
