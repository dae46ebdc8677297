"""No Docker engine runs here, so the compose file is checked by parsing it."""

import importlib.util
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]
COMPOSE = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
SERVICES = COMPOSE["services"]


def test_compose_has_the_full_stack():
    assert {"postgres", "redis", "web", "worker", "beat", "mailpit"} <= set(SERVICES)
    assert any("postgres" in volume for volume in SERVICES["postgres"]["volumes"])


def test_redis_keeps_queued_tasks_across_a_restart():
    command = " ".join(SERVICES["redis"]["command"])
    assert "--appendonly yes" in command
    assert "--maxmemory-policy noeviction" in command


def _module_exists(dotted: str) -> bool:
    return importlib.util.find_spec(dotted) is not None


def test_each_django_service_names_a_module_that_exists():
    web = " ".join(SERVICES["web"]["command"])
    assert "archive_portal.wsgi:application" in web
    assert _module_exists("archive_portal.wsgi")
    assert "manage.py migrate" in web
    for name in ("worker", "beat"):
        command = SERVICES[name]["command"]
        assert command[:3] == ["celery", "-A", "archive_portal"]
        assert command[3] == name
        assert _module_exists("archive_portal.celery")


def test_web_worker_and_beat_share_image_and_settings():
    django_services = [SERVICES[name] for name in ("web", "worker", "beat")]
    assert len({str(s.get("build")) for s in django_services}) == 1
    assert len({s.get("image") for s in django_services}) == 1
    environments = [s["environment"] for s in django_services]
    assert all(env == environments[0] for env in environments)
    assert environments[0]["DJANGO_SETTINGS_MODULE"] == "archive_portal.settings.production"
    assert _module_exists(environments[0]["DJANGO_SETTINGS_MODULE"].rsplit(".", 1)[0])
    assert (ROOT / "Dockerfile").exists()
