"""Fixtures shared by every test. Tests run on real PostgreSQL (see archive_portal.settings.test)."""

import pytest

from tests.factories.accounts import (
    PASSWORD,
    ChairFactory,
    PanelMemberFactory,
    ResearcherFactory,
    StaffFactory,
)


@pytest.fixture(autouse=True)
def _private_media(settings, tmp_path):
    """Each test stores uploads in its own folder."""
    settings.PRIVATE_MEDIA_ROOT = tmp_path / "private"
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": tmp_path / "private", "base_url": None},
        },
    }


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Rate-limit counters (the test settings' in-memory cache) start empty for each test."""
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def password():
    return PASSWORD


@pytest.fixture
def researcher(db):
    return ResearcherFactory()


@pytest.fixture
def other_researcher(db):
    return ResearcherFactory()


@pytest.fixture
def member(db):
    return PanelMemberFactory()


@pytest.fixture
def chair(db):
    return ChairFactory()


@pytest.fixture
def staff(db):
    return StaffFactory()


def sign_in_fully(client, user):
    """Sign ``user`` in on ``client`` as the login pages would: password, then (for panel members,
    chairs, staff and researchers who enrolled) a verified authenticator app, so that
    TwoFactorMiddleware lets every page of theirs open."""
    from django_otp import DEVICE_ID_SESSION_KEY
    from django_otp.plugins.otp_totp.models import TOTPDevice

    device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    if device is None and user.needs_second_factor:
        device = TOTPDevice.objects.create(user=user, name="Test app", confirmed=True)
    client.force_login(user)
    if device is not None:
        session = client.session
        session[DEVICE_ID_SESSION_KEY] = device.persistent_id
        session.save()
    return client


@pytest.fixture
def client_for(client, db):
    """Return a test client fully signed in as the given user (a fresh client each call),
    including the second factor for roles that need one."""
    from django.test import Client

    def _login(user):
        return sign_in_fully(Client(), user)

    return _login
