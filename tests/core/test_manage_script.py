"""scripts/manage runs management commands in the project's venv with scripts/run's settings, so the
README's commands work from a plain shell (`python manage.py ...` failed outside the venv)."""

import os
import re
import subprocess
from pathlib import Path

from tests.script_support import ROOT, scripts_sandbox

BARE_MANAGE_PY = re.compile(r"(?<![\w/.-])python3? manage\.py")


def run_manage(folder: Path, *args: str, cwd: Path) -> subprocess.CompletedProcess:
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in {"DJANGO_SETTINGS_MODULE", "DATABASE_URL", "REDIS_URL", "CELERY_BROKER_URL"}
    }
    return subprocess.run(
        ["bash", str(folder / "scripts" / "manage"), *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_scripts_manage_runs_check_in_the_venv(tmp_path):
    folder = scripts_sandbox(tmp_path / "checkout", extras="")
    (folder / "manage.py").symlink_to(ROOT / "manage.py")
    result = run_manage(folder, "check", cwd=tmp_path)
    assert result.returncode == 0, result.stderr[-3000:]
    assert "System check identified no issues" in result.stdout


def test_scripts_manage_uses_the_settings_of_scripts_run(tmp_path):
    folder = scripts_sandbox(tmp_path / "checkout", extras="")
    (folder / "manage.py").symlink_to(ROOT / "manage.py")
    code = "from django.conf import settings; print('settings:', settings.SETTINGS_MODULE)"
    result = run_manage(folder, "shell", "-c", code, cwd=tmp_path)
    assert result.returncode == 0, result.stderr[-3000:]
    assert "settings: archive_portal.settings.dev" in result.stdout
    run_settings = re.search(r"DJANGO_SETTINGS_MODULE:-([\w.]+)", (ROOT / "scripts" / "run").read_text())
    assert run_settings.group(1) == "archive_portal.settings.dev"


def readme_lines_outside_the_docker_section() -> list[str]:
    lines, in_docker = [], False
    for line in (ROOT / "README.md").read_text().splitlines():
        if line.startswith("## "):
            in_docker = "docker" in line.lower()
        if not in_docker and "docker compose exec" not in line:
            lines.append(line)
    return lines


def test_readme_runs_management_commands_through_scripts_manage():
    bare = [line for line in readme_lines_outside_the_docker_section() if BARE_MANAGE_PY.search(line)]
    assert bare == []
    assert any("scripts/manage demo_totp" in line for line in readme_lines_outside_the_docker_section())


def test_readme_check_finds_a_bare_manage_py_command():
    assert BARE_MANAGE_PY.search("`python manage.py demo_data` creates")
    assert BARE_MANAGE_PY.search("python3 manage.py check")
    assert not BARE_MANAGE_PY.search(".venv/bin/python manage.py check")
    assert not BARE_MANAGE_PY.search("scripts/manage check")
