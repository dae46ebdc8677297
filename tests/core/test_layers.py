"""The layering check (scripts/check_layers.py, run by scripts/test after ruff): the real tree holds,
and a tree with an import pointing up the layers fails, naming the file and the line."""

import subprocess
import sys
import textwrap
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "scripts" / "check_layers.py"


def _check(root: Path | None = None) -> subprocess.CompletedProcess:
    args = [sys.executable, str(SCRIPT)] + ([str(root)] if root is not None else [])
    return subprocess.run(args, capture_output=True, text=True, timeout=60, check=False)


def _tree(root: Path, files: dict[str, str]) -> Path:
    for name in ["core", "accounts", "deposits", "applications", "panel", "notifications", "transparency"]:
        (root / name).mkdir(parents=True, exist_ok=True)
        (root / name / "__init__.py").write_text("")
    for path, source in files.items():
        (root / path).parent.mkdir(parents=True, exist_ok=True)
        (root / path).write_text(textwrap.dedent(source))
    return root


def test_the_real_tree_holds_its_layers():
    result = _check()
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Layers hold: core < accounts < deposits < applications < panel" in result.stdout


def test_downward_imports_and_migrations_pass(tmp_path):
    root = _tree(
        tmp_path,
        {
            "panel/services.py": "from applications.models import Application\nimport core.errors\n",
            "transparency/views.py": "def view():\n    from panel import selectors\n",
            "core/migrations/0002_x.py": "from panel.models import Decision\n",  # Django writes these
        },
    )
    result = _check(root)
    assert result.returncode == 0, result.stdout


def test_an_upward_import_inside_a_function_fails_naming_file_and_line(tmp_path):
    root = _tree(
        tmp_path,
        {
            "applications/services.py": """\
                from core.errors import DomainError


                def submit():
                    from panel.services import decision_record

                    return decision_record
                """,
        },
    )
    result = _check(root)
    assert result.returncode == 1
    assert "applications/services.py:5: applications imports a higher app (panel)" in result.stdout


def test_an_import_module_call_pointing_up_fails(tmp_path):
    root = _tree(
        tmp_path,
        {"deposits/loader.py": 'from importlib import import_module\n\nmodule = import_module("panel.x")\n'},
    )
    result = _check(root)
    assert result.returncode == 1
    assert "deposits/loader.py:3: deposits imports a higher app (panel)" in result.stdout


def test_an_app_importing_the_project_package_fails(tmp_path):
    root = _tree(tmp_path, {"core/views.py": "import os\n\nfrom archive_portal.celery import app\n"})
    result = _check(root)
    assert result.returncode == 1
    assert "core/views.py:3: core imports the project package" in result.stdout
    assert "1 import(s) point up the layers" in result.stdout


def test_a_circle_between_two_apps_is_caught_on_its_upward_edge(tmp_path):
    root = _tree(
        tmp_path,
        {
            "panel/services.py": "from notifications.services import enqueue\n",
            "notifications/services.py": "from panel.models import Decision\n",
        },
    )
    result = _check(root)
    assert result.returncode == 1
    assert result.stdout.splitlines()[0] == "panel/services.py:1: panel imports a higher app (notifications)"
