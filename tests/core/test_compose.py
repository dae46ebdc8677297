"""No Docker engine runs here, so the compose file is checked by parsing it."""

import importlib.util
import re
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]
COMPOSE = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
SERVICES = COMPOSE["services"]


WORKERS = ("worker-ons", "worker-email", "worker-housekeeping")


def test_compose_has_the_full_stack():
    assert {"postgres", "redis", "web", *WORKERS, "beat", "mailpit"} <= set(SERVICES)
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
    for name in (*WORKERS, "beat"):
        command = SERVICES[name]["command"]
        assert command[:3] == ["celery", "-A", "archive_portal"]
        assert command[3] == name.partition("-")[0]
        assert _module_exists("archive_portal.celery")


def test_each_queue_has_its_own_worker_and_every_routed_queue_is_taken(settings):
    taken = {}
    for name in WORKERS:
        command = SERVICES[name]["command"]
        queues = command[command.index("--queues") + 1].split(",")
        taken[name] = queues
    assert taken == {
        "worker-ons": ["ons"],
        "worker-email": ["email"],
        "worker-housekeeping": ["housekeeping"],
    }
    routed = {route["queue"] for route in settings.CELERY_TASK_ROUTES.values()}
    assert routed | {settings.CELERY_TASK_DEFAULT_QUEUE} == set(settings.WORKER_QUEUES)
    assert set(settings.WORKER_QUEUES) == {q for queues in taken.values() for q in queues}


def test_the_web_process_is_health_checked_so_a_stopped_scheduler_is_noticed():
    check = " ".join(SERVICES["web"]["healthcheck"]["test"])
    assert "/healthz" in check


def test_no_placeholder_address_for_ons_is_guessed():
    value = SERVICES["web"]["environment"]["ONS_NOTIFY_EMAIL"]
    assert _compose_default(value) == ""


def test_web_worker_and_beat_share_image_and_settings():
    django_services = [SERVICES[name] for name in ("web", *WORKERS, "beat")]
    assert len({str(s.get("build")) for s in django_services}) == 1
    assert len({s.get("image") for s in django_services}) == 1
    environments = [s["environment"] for s in django_services]
    assert all(env == environments[0] for env in environments)
    assert environments[0]["DJANGO_SETTINGS_MODULE"] == "archive_portal.settings.production"
    assert _module_exists(environments[0]["DJANGO_SETTINGS_MODULE"].rsplit(".", 1)[0])
    assert (ROOT / "Dockerfile").exists()


# --- The reverse proxy -----------------------------------------------------------------------------

PROXY = SERVICES.get("proxy", {})
NGINX_TEMPLATE = ROOT / "deploy" / "nginx.conf.template"
NGINX_TEMPLATE_TARGET = "/etc/nginx/templates/default.conf.template"  # rendered by the image at start
SIZE = re.compile(r"^(\d+)([kKmMgG]?)$")


def _nginx_directives(name: str) -> list[str]:
    text = re.sub(r"#.*", "", NGINX_TEMPLATE.read_text())
    return [value.strip() for value in re.findall(rf"^\s*{name}\s+([^;]+);", text, re.MULTILINE)]


def _compose_default(value: str) -> str:
    """``${NAME:-default}`` as compose reads it with nothing set in the environment."""
    match = re.fullmatch(r"\$\{\w+:-([^}]*)\}", value)
    return match.group(1) if match else value


def _nginx_bytes(size: str) -> int:
    number, unit = SIZE.match(size).groups()
    return int(number) * {"": 1, "k": 1024, "m": 1024**2, "g": 1024**3}[unit.lower()]


def test_a_reverse_proxy_is_the_only_way_to_the_web_process():
    assert PROXY["image"].startswith("nginx:")  # the official image
    assert f"./deploy/nginx.conf.template:{NGINX_TEMPLATE_TARGET}:ro" in PROXY["volumes"]
    assert PROXY["ports"]
    assert "ports" not in SERVICES["web"]  # gunicorn is not published to the host
    gunicorn_port = re.search(r"--bind 0\.0\.0\.0:(\d+)", " ".join(SERVICES["web"]["command"])).group(1)
    assert _nginx_directives("proxy_pass") == [f"http://web:{gunicorn_port}"]


def test_the_proxy_body_limit_is_the_portal_s(settings):
    web_env = SERVICES["web"]["environment"]
    assert PROXY["environment"]["MAX_REQUEST_BYTES"] == web_env["MAX_REQUEST_BYTES"]
    assert int(_compose_default(web_env["MAX_REQUEST_BYTES"])) == settings.MAX_REQUEST_BYTES
    (limit,) = _nginx_directives("client_max_body_size")
    for name in re.findall(r"\$\{(\w+)\}", limit):  # the image substitutes its environment
        limit = limit.replace(f"${{{name}}}", _compose_default(PROXY["environment"][name]))
    assert _nginx_bytes(limit) == settings.MAX_REQUEST_BYTES


def test_every_variable_of_the_proxy_template_is_in_the_proxy_environment():
    """The image substitutes only variables it has; one missing would reach nginx as text."""
    text = re.sub(r"#.*", "", NGINX_TEMPLATE.read_text())
    assert set(re.findall(r"\$\{(\w+)\}", text)) <= set(PROXY["environment"])


def test_the_web_process_trusts_one_proxy_which_writes_the_forwarded_headers():
    assert SERVICES["web"]["environment"]["TRUSTED_PROXY_COUNT"] == "1"
    headers = dict(value.split(None, 1) for value in _nginx_directives("proxy_set_header"))
    assert headers["X-Forwarded-For"] == "$proxy_add_x_forwarded_for"  # appends the client's address
    assert headers["X-Forwarded-Proto"] == "$scheme"  # replaces whatever the client sent
    assert headers["Host"] == "$http_host"  # with its port: the CSRF check compares the Origin with it


def test_the_web_service_makes_the_first_ons_signing_key_after_migrating():
    web = " ".join(SERVICES["web"]["command"])
    assert (
        web.index("manage.py migrate")
        < web.index("manage.py ons_signing_key_rotate --init")
        < web.index("gunicorn")
    )
