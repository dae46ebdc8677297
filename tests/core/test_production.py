"""The production build as deployed: `collectstatic` with archive_portal.settings.production (the
manifest storage, which refuses a file that names a missing one), then gunicorn serving the public
pages with DEBUG off, each with its hashed stylesheet.

The server uses the PostgreSQL test database pytest created and migrated (production runs on
PostgreSQL, and it saves a migrate subprocess); `transactional_db` lets the server see it and empties
whatever the server wrote afterwards. Plain HTTP on loopback is allowed with SECURE_SSL_REDIRECT=false,
the setting production.py reads for the compose file's local use."""

import re
import subprocess
import sys

import pytest
from django.urls import reverse

from tests.production_support import ROOT, get, gunicorn_server, production_env, server_database_url

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


def test_production_runs_with_debug_off(production_server):
    status, _, body = get(production_server, "/no-such-page/")
    assert status == 404
    assert b"Using the URLconf" not in body  # Django's technical 404 page appears only with DEBUG on
