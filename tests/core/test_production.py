"""The production build as deployed: `collectstatic` with archive_portal.settings.production (the
manifest storage, which refuses a file that names a missing one), then gunicorn serving the public
pages with DEBUG off, each with its hashed stylesheet.

The server uses the PostgreSQL test database pytest created and migrated (production runs on
PostgreSQL, and it saves a migrate subprocess); `transactional_db` lets the server see it and empties
whatever the server wrote afterwards. Plain HTTP on loopback is allowed with SECURE_SSL_REDIRECT=false,
the setting production.py reads for the compose file's local use."""

import http.client
import os
import re
import secrets
import signal
import subprocess
import sys
from pathlib import Path
from urllib.parse import quote

import pytest
from django.db import connection
from django.urls import reverse

from tests.celery_support import free_port, wait_for

ROOT = Path(__file__).resolve().parents[2]
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


def production_env(static_root: Path, database_url: str = "") -> dict:
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in {"DATABASE_URL", "REDIS_URL", "CELERY_BROKER_URL", "CACHE_URL", "DEBUG"}
    }
    env.update(
        DJANGO_SETTINGS_MODULE="archive_portal.settings.production",
        SECRET_KEY=secrets.token_urlsafe(48),  # 64 random characters
        ALLOWED_HOSTS="127.0.0.1",
        DEBUG="false",
        SECURE_SSL_REDIRECT="false",
        STATIC_ROOT=str(static_root),
        PRIVATE_MEDIA_ROOT=str(static_root.parent / "private"),
    )
    if database_url:
        env["DATABASE_URL"] = database_url
    return env


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


def _database_url() -> str:
    db = connection.settings_dict
    password = f":{quote(db['PASSWORD'], safe='')}" if db["PASSWORD"] else ""
    user = quote(db["USER"] or "postgres", safe="")
    return f"postgres://{user}{password}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


@pytest.fixture
def production_server(static_root, transactional_db, tmp_path):
    port = free_port()
    log = tmp_path / "gunicorn.log"
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "archive_portal.wsgi:application",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            "1",
        ],
        cwd=ROOT,
        env=production_env(static_root, _database_url()),
        stdout=log.open("wb"),
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )

    def answers():
        if process.poll() is not None:
            return True
        try:
            get(port, "/healthz")
        except OSError:
            return False
        return True

    try:
        wait_for(answers, timeout=60, message="gunicorn to answer")
        assert process.poll() is None, f"gunicorn exited:\n{log.read_text()[-4000:]}"
        yield port
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGTERM)
            process.wait(20)


def get(port: int, path: str) -> tuple[int, str, bytes]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        conn.request("GET", path, headers={"Host": "127.0.0.1"})
        response = conn.getresponse()
        return response.status, response.getheader("Content-Type", ""), response.read()
    finally:
        conn.close()


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


def test_production_runs_with_debug_off(production_server):
    status, _, body = get(production_server, "/no-such-page/")
    assert status == 404
    assert b"Using the URLconf" not in body  # Django's technical 404 page appears only with DEBUG on
