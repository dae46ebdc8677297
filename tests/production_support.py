"""The production settings in a real process: the environment they need, gunicorn serving them on
loopback, and a one-off Python probe run with them. Shared by the tests of the production build
(tests/core/test_production.py), the request-size limits and the error pages.

Plain HTTP on loopback is allowed with SECURE_SSL_REDIRECT=false, the setting production.py reads for
the compose file's local use."""

import base64
import contextlib
import http.client
import os
import secrets
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

from tests.celery_support import free_port, wait_for

ROOT = Path(__file__).resolve().parents[1]


def production_env(static_root: Path, database_url: str = "", **overrides: str) -> dict:
    """The environment for archive_portal.settings.production: a random secret, loopback as the only
    host, no HTTPS redirect, static files and private media under ``static_root``'s folder."""
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
        # A channel to ONS (production has no default): a loopback port where nothing listens.
        ONS_WEBHOOK_URL="http://127.0.0.1:9/ons/webhook",
        ONS_WEBHOOK_SECRET="whsec_" + base64.b64encode(secrets.token_bytes(32)).decode(),
    )
    if database_url:
        env["DATABASE_URL"] = database_url
    env.update(overrides)
    return env


def get(port: int, path: str) -> tuple[int, str, bytes]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        conn.request("GET", path, headers={"Host": "127.0.0.1"})
        response = conn.getresponse()
        return response.status, response.getheader("Content-Type", ""), response.read()
    finally:
        conn.close()


@contextlib.contextmanager
def gunicorn_server(env: dict, log: Path, *, workers: int = 1) -> Iterator[int]:
    """gunicorn serving archive_portal.wsgi on a free loopback port with ``env``; yields the port once
    /healthz answers, and stops the server (and its workers) afterwards."""
    port = free_port()
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "archive_portal.wsgi:application",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            str(workers),
        ],
        cwd=ROOT,
        env=env,
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


def run_with_production_settings(code: str, **env_overrides: str | None) -> subprocess.CompletedProcess:
    """Run ``code`` in a new Python process with archive_portal.settings.production (a real secret,
    ALLOWED_HOSTS=portal.example.org unless overridden): settings decided at import time, such as
    those production.py derives from the environment, can only be seen this way. An override of
    None removes that variable from the process's environment."""
    env = {
        k: v for k, v in os.environ.items() if k not in {"SECRET_KEY", "DEBUG", "DJANGO_ALLOW_ASYNC_UNSAFE"}
    }
    env.update(
        DJANGO_SETTINGS_MODULE="archive_portal.settings.production",
        SECRET_KEY=secrets.token_urlsafe(48),
        ALLOWED_HOSTS="portal.example.org",
    )
    env.update({name: value for name, value in env_overrides.items() if value is not None})
    for name in [name for name, value in env_overrides.items() if value is None]:
        env.pop(name, None)
    return subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )
