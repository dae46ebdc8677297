"""Fixtures shared by every test. Tests run on real PostgreSQL (see archive_portal.settings.test)."""

import pytest

from tests import browser_support
from tests.browser_support import chromium, journey  # noqa: F401 (browser fixtures for every test folder)
from tests.celery_support import (  # noqa: F401 (worker, ONS receiver, SMTP sink, Redis for every folder)
    celery_worker_process,
    live_celery,
    private_redis,
    receiver,
    smtp_sink,
)
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


# --- Browser tests ---------------------------------------------------------------------------------


def pytest_collection_modifyitems(items):
    """A test that drives Chromium is marked ``browser`` and runs on one xdist worker with the others
    (one Playwright per process)."""
    for item in items:
        if "chromium" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.browser)
            item.add_marker(pytest.mark.xdist_group("browser"))


def pytest_sessionfinish(session):
    workeroutput = getattr(session.config, "workeroutput", None)
    if workeroutput is not None:  # an xdist worker hands its pages to the controller
        workeroutput["axe_checked"] = sorted(browser_support.AXE_CHECKED)


def pytest_testnodedown(node, error):
    browser_support.AXE_CHECKED.update(getattr(node, "workeroutput", {}).get("axe_checked", []))


def pytest_terminal_summary(terminalreporter):
    if browser_support.AXE_CHECKED:
        terminalreporter.write_line(
            f"axe-core: {len(browser_support.AXE_CHECKED)} distinct pages checked, "
            "0 serious or critical violations"
        )
