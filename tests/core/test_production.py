"""The production build as deployed: `collectstatic` with archive_portal.settings.production (the
manifest storage, which refuses a file that names a missing one), then gunicorn serving the public
pages with DEBUG off, each with its hashed stylesheet.

The server uses the PostgreSQL test database pytest created and migrated (production runs on
PostgreSQL, and it saves a migrate subprocess); `transactional_db` lets the server see it and empties
whatever the server wrote afterwards. Plain HTTP on loopback is allowed with SECURE_SSL_REDIRECT=false,
the setting production.py reads for the compose file's local use."""

import http.client
import json
import re
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from http.cookies import SimpleCookie
from urllib.parse import urlencode

import pytest
from django.db import connection
from django.urls import reverse

from notifications.signing.services import ons_signing_key_init
from tests.celery_support import free_port, server_database_url
from tests.factories.accounts import PASSWORD
from tests.production_support import (
    ROOT,
    get,
    gunicorn_server,
    production_env,
    run_with_production_settings,
)

PAGES = [
    "/",
    "/deposits/",
    "/register/",
    reverse("accounts:login"),
    reverse("accounts:sign_up"),
    reverse("accounts:password_reset"),
]
STYLESHEET = re.compile(r'<link rel="stylesheet" href="([^"]+)"')
HASHED_CSS = re.compile(r"^/static/.+\.[0-9a-f]{12}\.css$")


@pytest.fixture(scope="module")
def static_root(tmp_path_factory):
    root = tmp_path_factory.mktemp("production") / "staticfiles"
    result = subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--noinput"],
        cwd=ROOT,
        env=production_env(root),
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, f"collectstatic failed:\n{result.stdout[-2000:]}\n{result.stderr[-4000:]}"
    return root


@pytest.fixture
def production_server(static_root, transactional_db, tmp_path):
    env = production_env(static_root, server_database_url())
    with gunicorn_server(env, tmp_path / "gunicorn.log") as port:
        yield port


def test_production_collectstatic_writes_the_manifest(static_root):
    assert (static_root / "staticfiles.json").is_file()
    assert list((static_root / "css").glob("portal.*.css"))


def test_production_serves_public_pages_and_their_stylesheets_with_debug_off(production_server):
    problems = []
    for page in PAGES:
        status, _, body = get(production_server, page)
        if status != 200:
            problems.append(f"{page} answered {status}")
            continue
        stylesheets = STYLESHEET.findall(body.decode())
        if not stylesheets:
            problems.append(f"{page} links no stylesheet")
        for href in stylesheets:
            if not HASHED_CSS.match(href):
                problems.append(f"{page} links {href}, not a hashed manifest name")
                continue
            css_status, css_type, css = get(production_server, href)
            if css_status != 200 or not css_type.startswith("text/css") or not css:
                problems.append(f"{page}: {href} answered {css_status} {css_type!r} ({len(css)} bytes)")
    assert problems == []


def test_production_serves_the_jwk_set_of_the_ons_signing_keys(production_server):
    key = ons_signing_key_init()  # committed (transactional_db): the server reads it
    status, content_type, body = get(production_server, "/.well-known/jwks.json")
    assert (status, content_type) == (200, "application/jwk-set+json")
    assert [jwk["kid"] for jwk in json.loads(body)["keys"]] == [key.kid]


def test_production_runs_with_debug_off(production_server):
    status, _, body = get(production_server, "/no-such-page/")
    assert status == 404
    assert b"Using the URLconf" not in body  # Django's technical 404 page appears only with DEBUG on


# --- rate limits across processes (issue 14, acceptance 5) ------------------------------------------

LOGIN = reverse("accounts:login")
OWN_REDIS = "redis://127.0.0.1:6379/13"  # this test's own Redis database, flushed before and after


def request(port: int, method: str, path: str, *, fields=None, cookies=None) -> tuple[int, dict, str]:
    """One request on its own connection: (status, cookies it set, body)."""
    headers = {"Host": "127.0.0.1"}
    body = None
    if cookies:
        headers["Cookie"] = "; ".join(f"{name}={value}" for name, value in cookies.items())
    if fields is not None:
        body = urlencode(fields)
        headers["Content-Type"] = "application/x-www-form-urlencoded"
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    try:
        conn.request(method, path, body=body, headers=headers)
        response = conn.getresponse()
        jar = SimpleCookie()
        for header in response.msg.get_all("Set-Cookie") or []:
            jar.load(header)
        return response.status, {name: m.value for name, m in jar.items()}, response.read().decode()
    finally:
        conn.close()


def csrf(port: int) -> tuple[dict, str]:
    """The CSRF cookie and form token of the sign-in page."""
    status, cookies, body = request(port, "GET", LOGIN)
    assert status == 200
    return cookies, re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', body).group(1)


def _clear_database_cache() -> None:
    from core.cache import CACHE_TABLE

    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {CACHE_TABLE}")  # noqa: S608 (a constant table name)


def _flush_own_redis() -> None:
    import redis

    redis.Redis.from_url(OWN_REDIS, socket_connect_timeout=2).flushdb()


@pytest.mark.parametrize("cache", ["redis", "database"])
def test_sign_in_rate_limit_holds_across_three_gunicorn_workers(
    static_root, transactional_db, tmp_path, cache
):
    """40 sign-in POSTs from one address, 8 at a time, to 3 workers: exactly the configured limit
    (30 per 15 minutes) get past, with Redis and with the database cache that production uses
    without it. With the per-process memory cache 3 workers let up to 90 through."""
    from django.conf import settings

    limit, window = settings.RATE_LIMITS["login"]["ip"]
    env = production_env(static_root, server_database_url())
    if cache == "redis":
        _flush_own_redis()
        env["REDIS_URL"] = OWN_REDIS
    else:
        _clear_database_cache()
    if window - time.time() % window < 20:  # never straddle two windows
        time.sleep(window - time.time() % window + 1)
    try:
        with gunicorn_server(env, tmp_path / "gunicorn.log", workers=3) as port:
            cookies, token = csrf(port)
            # An empty password is refused by the form, after the count and before any hashing.
            fields = {"csrfmiddlewaretoken": token, "username": "someone@example.org", "password": ""}
            with ThreadPoolExecutor(8) as pool:
                answers = list(
                    pool.map(
                        lambda _: request(port, "POST", LOGIN, fields=fields, cookies=cookies), range(40)
                    )
                )
    finally:
        if cache == "redis":
            _flush_own_redis()
        else:
            _clear_database_cache()
    statuses = [status for status, _, _ in answers]
    assert statuses.count(200) == limit, statuses
    assert statuses.count(429) == 40 - limit, statuses
    assert all("Too many attempts" in body for status, _, body in answers if status == 429)


def test_sign_in_sign_up_and_reset_work_in_production_while_redis_is_unreachable(
    static_root, transactional_db, tmp_path, settings
):
    """REDIS_URL names a port where nothing listens: the cache and the broker are down. Signing in,
    signing up and asking for a reset still answer as usual (they answered 500), and the outage is
    in the audit log once."""
    from django.utils import timezone

    from accounts.models import User
    from core.enums import CoreAuditAction
    from core.models import AuditEvent

    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.Argon2PasswordHasher"]  # as production
    User.objects.create_user(
        email="ann@example.org", password=PASSWORD, full_name="Ann", email_confirmed_at=timezone.now()
    )
    env = {
        **production_env(static_root, server_database_url()),
        "REDIS_URL": f"redis://127.0.0.1:{free_port()}/0",
    }
    with gunicorn_server(env, tmp_path / "gunicorn.log", workers=1) as port:
        cookies, token = csrf(port)
        fields = {"csrfmiddlewaretoken": token, "username": "ann@example.org", "password": PASSWORD}
        status, signed_in, _ = request(port, "POST", LOGIN, fields=fields, cookies=cookies)
        assert status == 302
        home = request(port, "GET", "/", cookies={**cookies, **signed_in})
        assert home[0] == 200
        assert "Ann" in home[2]
        reset = {"csrfmiddlewaretoken": token, "email": "ann@example.org"}
        assert (
            request(port, "POST", reverse("accounts:password_reset"), fields=reset, cookies=cookies)[0] == 302
        )
        new = {
            "csrfmiddlewaretoken": token,
            "full_name": "Bob",
            "email": "bob@example.org",
            "password1": "A-Long-Enough-Passphrase-2026",
            "password2": "A-Long-Enough-Passphrase-2026",
        }
        assert request(port, "POST", reverse("accounts:sign_up"), fields=new, cookies=cookies)[0] == 302
    assert User.objects.filter(email="bob@example.org").exists()
    noted = AuditEvent.objects.filter(action=CoreAuditAction.RATE_LIMIT_UNAVAILABLE)
    assert [event.data["scope"] for event in noted] == ["login"]
    assert "Internal Server Error" not in (tmp_path / "gunicorn.log").read_text()


@pytest.mark.parametrize(
    "address",
    [
        "srs-access@ons.example.gov.uk",
        "access@example.org",
        "ons@srs.test",
        "ons@ons.demo.invalid",
        "ons@localhost",
        "not-an-address",
    ],
)
def test_production_refuses_a_placeholder_ons_email_address(address):
    result = run_with_production_settings("import django; django.setup()", ONS_NOTIFY_EMAIL=address)
    assert result.returncode != 0
    assert "ONS_NOTIFY_EMAIL" in result.stderr
    assert "placeholder" in result.stderr


def test_production_starts_with_a_real_ons_address_or_none():
    for address in ("srs.access@ons.gov.uk", None):
        result = run_with_production_settings(
            "import django; django.setup(); from django.conf import settings; "
            "print(repr(settings.ONS_NOTIFY_EMAIL))",
            ONS_NOTIFY_EMAIL=address,
        )
        assert result.returncode == 0, result.stderr
        assert result.stdout.strip() == repr(address or "")
