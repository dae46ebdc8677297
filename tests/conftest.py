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


@pytest.fixture
def client_for(client, db):
    """Return a test client signed in as the given user (a fresh client each call)."""
    from django.test import Client

    def _login(user):
        c = Client()
        c.force_login(user)
        return c

    return _login
