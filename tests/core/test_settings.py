import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.production_support import run_with_production_settings

ROOT = Path(__file__).resolve().parents[2]
GOOD_SECRET = "k" * 10 + "Zq8vT1xP3mN7bR5cW2yL9dF4hJ6gK0sA-xY_uE" + "q" * 10


def run_django(*args: str, **env_overrides: str) -> subprocess.CompletedProcess:
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in {"SECRET_KEY", "DEBUG", "ALLOWED_HOSTS", "DJANGO_ALLOW_ASYNC_UNSAFE"}
    }
    env.update(DJANGO_SETTINGS_MODULE="archive_portal.settings.production", **env_overrides)
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )


@pytest.mark.parametrize(
    "secret", ["", "too-short", "dev-only-insecure-key-never-use-in-production-0123456789abcdef"]
)
def test_production_settings_refuse_to_start_without_a_real_secret(secret):
    result = run_django("check", SECRET_KEY=secret, ALLOWED_HOSTS="portal.example.org")
    assert result.returncode != 0
    assert "SECRET_KEY must be set" in result.stderr


def test_production_settings_refuse_to_start_without_allowed_hosts():
    result = run_django("check", SECRET_KEY=GOOD_SECRET)
    assert result.returncode != 0
    assert "ALLOWED_HOSTS" in result.stderr


def test_production_settings_refuse_a_request_limit_below_the_file_limit():
    result = run_django(
        "check",
        SECRET_KEY=GOOD_SECRET,
        ALLOWED_HOSTS="portal.example.org",
        MAX_UPLOAD_BYTES=str(20 * 1024 * 1024),
        MAX_REQUEST_BYTES=str(11 * 1024 * 1024),
    )
    assert result.returncode != 0
    assert "MAX_REQUEST_BYTES must be larger than MAX_UPLOAD_BYTES" in result.stderr


#: A channel to ONS: production has none by default, and the checks refuse a portal without one.
ONS_CHANNEL = {
    "ONS_WEBHOOK_URL": "https://ons-webhook.internal/access-instructions",
    "ONS_WEBHOOK_SECRET": "whsec_" + "MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
}


def test_check_deploy_is_clean_with_production_settings():
    result = run_django(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        SECRET_KEY=GOOD_SECRET,
        ALLOWED_HOSTS="portal.example.org",
        **ONS_CHANNEL,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


def test_check_deploy_refuses_production_without_a_channel_to_ons():
    result = run_django(
        "check", "--deploy", SECRET_KEY=GOOD_SECRET, ALLOWED_HOSTS="portal.example.org", ONS_NOTIFY_EMAIL=""
    )
    assert result.returncode != 0
    assert "notifications.E001" in result.stdout + result.stderr


def test_embedded_default_needs_no_server():
    """With no DATABASE_URL or REDIS_URL the dev settings use SQLite and in-process tasks."""
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "REDIS_URL", "CELERY_BROKER_URL"}}
    env["DJANGO_SETTINGS_MODULE"] = "archive_portal.settings.dev"
    code = (
        "import django; django.setup(); from django.conf import settings as s; "
        "print(s.DATABASES['default']['ENGINE'], s.CELERY_TASK_ALWAYS_EAGER)"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60
    )
    assert result.stdout.split() == ["django.db.backends.sqlite3", "True"], result.stderr


def _cache_backend(**env_overrides: str) -> str:
    env = {
        k: v for k, v in os.environ.items() if k not in {"REDIS_URL", "CACHE_URL", "DJANGO_SETTINGS_MODULE"}
    }
    env.update(DJANGO_SETTINGS_MODULE="archive_portal.settings.dev", **env_overrides)
    code = "import django; django.setup(); from django.conf import settings as s; print(s.CACHES['default'])"
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60
    )
    return result.stdout


def test_the_cache_is_redis_when_redis_url_is_set_and_memory_otherwise():
    assert "RedisCache" in _cache_backend(REDIS_URL="redis://127.0.0.1:6379/8")
    assert "redis://127.0.0.1:6379/8" in _cache_backend(REDIS_URL="redis://127.0.0.1:6379/8")
    assert "LocMemCache" in _cache_backend()


def _smtp_timeout(**env_overrides: str) -> str:
    code = (
        "import django; django.setup(); from django.core.mail import get_connection; "
        "print(get_connection().timeout)"
    )
    overrides = {"EMAIL_TIMEOUT": None, "EMAIL_URL": "smtp://127.0.0.1:1025", **env_overrides}
    result = run_with_production_settings(code, **overrides)
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


def test_every_smtp_connection_times_out_after_email_timeout_seconds():
    """Every mail (the outbox, error mail to ADMINS) gives up on a stalled relay: 10 s unless
    EMAIL_TIMEOUT says otherwise (no timeout at all before, issue 14 item 4)."""
    assert _smtp_timeout() == "10.0"
    assert _smtp_timeout(EMAIL_TIMEOUT="2.5") == "2.5"


def _production_cache(**env_overrides: str) -> dict:
    code = (
        "import json, django; django.setup(); from django.conf import settings as s; "
        "print(json.dumps(s.CACHES['default']))"
    )
    result = run_with_production_settings(code, **{"REDIS_URL": None, "CACHE_URL": None, **env_overrides})
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_production_counts_rate_limits_in_redis_or_else_in_the_database_never_per_process():
    from core.cache import CACHE_TABLE

    redis = _production_cache(REDIS_URL="redis://127.0.0.1:6379/8")
    assert redis["BACKEND"] == "django.core.cache.backends.redis.RedisCache"
    assert redis["LOCATION"] == "redis://127.0.0.1:6379/8"
    assert redis["OPTIONS"]["socket_connect_timeout"] <= 1  # Redis down answers within a second
    without = _production_cache()
    assert without["BACKEND"] == "core.cache.DatabaseCache"
    assert without["LOCATION"] == CACHE_TABLE  # the table core's migration 0004 makes


@pytest.mark.parametrize(
    ("backend", "debug", "errors"),
    [
        ("django.core.cache.backends.locmem.LocMemCache", False, ["core.E001"]),
        ("django.core.cache.backends.dummy.DummyCache", False, ["core.E001"]),
        ("django.core.cache.backends.locmem.LocMemCache", True, []),
        ("django.core.cache.backends.redis.RedisCache", False, []),
        ("core.cache.DatabaseCache", False, []),
    ],
)
def test_the_system_check_refuses_a_per_process_cache_with_debug_off(settings, backend, debug, errors):
    from core.checks import rate_limit_cache_is_shared

    settings.DEBUG = debug
    settings.CACHES = {"default": {"BACKEND": backend, "LOCATION": "portal_cache"}}
    assert [error.id for error in rate_limit_cache_is_shared(None)] == errors


def test_check_fails_for_a_per_process_cache_with_debug_off():
    """manage.py check (and migrate, which runs it) stops with the reason."""
    result = subprocess.run(
        [sys.executable, "manage.py", "check"],
        cwd=ROOT,
        env={
            **{k: v for k, v in os.environ.items() if k not in {"REDIS_URL", "CACHE_URL"}},
            "DJANGO_SETTINGS_MODULE": "archive_portal.settings.dev",
            "DEBUG": "false",
        },
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode != 0
    assert "core.E001" in result.stderr
    assert "kept by each process" in result.stderr
