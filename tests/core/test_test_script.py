"""scripts/test picks the servers the suite runs on. It used to take a sqlite:/// DATABASE_URL left in
the shell for a PostgreSQL that answers (its probe connected to 127.0.0.1 for a URL with no host),
and then the test settings refused it. These run the real scripts/test in a sandbox folder whose
venv is the running interpreter and whose "suite" is one test reporting the DATABASE_URL it got."""

import os
import subprocess
import sys
from pathlib import Path

from django.db import connection

from tests.script_support import scripts_sandbox

ROOT = Path(__file__).resolve().parents[2]
PROBE = ROOT / "scripts" / "_probe.py"

REPORT_TEST = """import os
from pathlib import Path


def test_report_the_database():
    Path(os.environ["REPORT"]).write_text(os.environ["DATABASE_URL"])
"""


def probe(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, str(PROBE), *args], capture_output=True, text=True, timeout=30, check=False
    )


def _server_url() -> str:
    db = connection.settings_dict
    return f"postgres://{db['USER'] or 'postgres'}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/x"


def test_probe_ignores_a_database_url_that_is_not_postgresql():
    result = probe("postgres", "sqlite:///db.sqlite3", "DATABASE_URL")
    assert result.returncode == 1
    assert "ignoring DATABASE_URL=sqlite:///db.sqlite3 (not PostgreSQL)" in result.stderr


def test_probe_hides_the_password_of_a_url_it_ignores():
    result = probe("postgres", "mysql://portal:hunter2@db/portal", "DATABASE_URL")
    assert result.returncode == 1
    assert "hunter2" not in result.stderr
    assert "mysql://portal:***@db/portal" in result.stderr


def test_probe_finds_the_postgresql_the_suite_runs_on():
    assert probe("postgres", _server_url()).returncode == 0


def test_probe_says_when_a_postgresql_url_does_not_answer():
    result = probe("postgres", "postgres://postgres@127.0.0.1:1/x", "DATABASE_URL")
    assert result.returncode == 1
    assert "DATABASE_URL=postgres://postgres@127.0.0.1:1/x does not answer" in result.stderr


def test_probe_finds_redis_and_ignores_a_url_that_is_not_redis():
    assert probe("redis", os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0")).returncode == 0
    assert probe("redis", "memory://", "REDIS_URL").returncode == 1


def test_scripts_test_runs_on_postgresql_when_a_sqlite_database_url_is_left_in_the_shell(tmp_path):
    folder = scripts_sandbox(tmp_path, extras="[test]")
    (folder / "test_report.py").write_text(REPORT_TEST)
    report = tmp_path / "database_url"
    env = {
        **os.environ,
        "NEWEST_PYTHON": "skip",  # this checks the database choice, not the run under a newer Python
        "DATABASE_URL": "sqlite:///db.sqlite3",
        "REPORT": str(report),
        "PYTEST_WORKERS": "0",
        "DJANGO_SETTINGS_MODULE": "archive_portal.settings.test",
    }
    result = subprocess.run(
        ["bash", str(folder / "scripts" / "test"), "test_report.py"],
        cwd=folder,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    output = result.stdout + result.stderr
    assert result.returncode == 0, output[-4000:]
    assert "ignoring DATABASE_URL=sqlite:///db.sqlite3 (not PostgreSQL)" in output
    assert output.index("== ruff") < output.index("== layers") < output.index("== pytest")
    assert "Layers hold:" in output
    assert report.read_text().startswith("postgres://")
