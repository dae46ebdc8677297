"""The Docker image's build context holds the whole project. No Docker engine runs here, so the
Dockerfile and .dockerignore are parsed: what the Dockerfile copies from the context, minus what
.dockerignore leaves out, must hold every installed app, every package pyproject.toml installs, the
templates, the static files and manage.py; and it must not hold secrets or local state."""

import fnmatch
import json
import os
import re
import shlex
import tomllib
from pathlib import Path

import pytest
from django.conf import settings

ROOT = Path(__file__).resolve().parents[2]


def _instructions(dockerfile: str) -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) pairs, with continuation lines joined and comments dropped."""
    lines = [line for line in dockerfile.splitlines() if not line.lstrip().startswith("#")]
    joined = re.sub(r"\\\n", " ", "\n".join(lines))
    result = []
    for line in joined.splitlines():
        if line.strip():
            instruction, _, arguments = line.strip().partition(" ")
            result.append((instruction.upper(), arguments.strip()))
    return result


def copied_sources(dockerfile: str) -> list[str]:
    """The build-context paths COPY and ADD take (not those copied from another stage or image)."""
    sources = []
    for instruction, arguments in _instructions(dockerfile):
        if instruction not in {"COPY", "ADD"}:
            continue
        words = shlex.split(arguments)
        flags = [w for w in words if w.startswith("--")]
        if any(flag.startswith("--from") for flag in flags):
            continue
        rest = arguments.split(None, len(flags))[-1] if flags else arguments
        paths = json.loads(rest) if rest.startswith("[") else [w for w in words if not w.startswith("--")]
        sources += [os.path.normpath(path) for path in paths[:-1]]
    return sources


def _pattern_regex(pattern: str) -> re.Pattern:
    """A .dockerignore pattern as Docker reads it: `**` spans directories, `*` and `?` do not."""
    out, i = "", 0
    while i < len(pattern):
        if pattern.startswith("**/", i):
            out, i = out + "(?:.*/)?", i + 3
        elif pattern.startswith("**", i):
            out, i = out + ".*", i + 2
        elif pattern[i] == "*":
            out, i = out + "[^/]*", i + 1
        elif pattern[i] == "?":
            out, i = out + "[^/]", i + 1
        else:
            out, i = out + re.escape(pattern[i]), i + 1
    return re.compile(out + r"\Z")


def ignore_rules(dockerignore: str) -> list[tuple[bool, re.Pattern]]:
    rules = []
    for line in dockerignore.splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        exception = line.startswith("!")
        pattern = os.path.normpath(line.removeprefix("!").strip()).lstrip("/")
        rules.append((exception, _pattern_regex(pattern)))
    return rules


def is_ignored(path: str, rules) -> bool:
    """Docker excludes a path when the last rule matching it, or one of its parent folders, is not a `!`."""
    parts = path.split("/")
    candidates = ["/".join(parts[: n + 1]) for n in range(len(parts))]
    ignored = False
    for exception, regex in rules:
        if any(regex.match(candidate) for candidate in candidates):
            ignored = not exception
    return ignored


def in_build_context(path: str, sources: list[str], rules) -> bool:
    copied = any(source == "." or path == source or path.startswith(source + "/") for source in sources)
    return copied and not is_ignored(path, rules)


def _local_apps() -> list[str]:
    names = {app.split(".")[0] for app in settings.INSTALLED_APPS}
    return sorted(name for name in names if (ROOT / name).is_dir())


def _installed_packages() -> list[str]:
    """The folders of the packages setuptools' find (pyproject's include patterns) installs. Read here,
    not through setuptools.find_packages: a venv of Python 3.12 or later has no setuptools."""
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text())
    include = pyproject["tool"]["setuptools"]["packages"]["find"]["include"]
    packages = []

    def walk(folder: Path, dotted: str):
        for child in sorted(folder.iterdir()):
            if child.is_dir() and (child / "__init__.py").is_file():
                name = f"{dotted}.{child.name}" if dotted else child.name
                if any(fnmatch.fnmatchcase(name, pattern) for pattern in include):
                    packages.append(name.replace(".", "/"))
                walk(child, name)

    walk(ROOT, "")
    return packages


def _files_under(folder: str) -> list[str]:
    files = []
    for directory, subdirectories, names in os.walk(ROOT / folder):
        subdirectories[:] = [d for d in subdirectories if d != "__pycache__"]
        files += [
            str((Path(directory) / name).relative_to(ROOT)) for name in names if not name.endswith(".pyc")
        ]
    return files


def required_paths() -> list[str]:
    """What the image needs: `pip install .` (pyproject, its readme, every package) and
    `manage.py collectstatic` (manage.py, every installed app, templates and static files)."""
    folders = sorted({*_local_apps(), *_installed_packages(), "templates", "static"})
    paths = ["manage.py", "pyproject.toml", "README.md"]
    for folder in folders:
        paths += [folder, *_files_under(folder)]
    return paths


SOURCES = copied_sources((ROOT / "Dockerfile").read_text())
RULES = ignore_rules((ROOT / ".dockerignore").read_text()) if (ROOT / ".dockerignore").exists() else []


def test_required_paths_cover_every_local_app_and_package():
    paths = required_paths()
    assert {"core", "accounts", "transparency", "archive_portal", "core/migrations"} <= set(paths)
    assert "static/vendor/chartjs/chart.umd.min.js.map" in paths


@pytest.mark.parametrize(
    "path", ["manage.py", "templates", "static", *sorted({*_local_apps(), *_installed_packages()})]
)
def test_image_build_context_holds(path):
    assert in_build_context(path, SOURCES, RULES), f"{path} is not in the Docker image's build context"


def test_image_build_context_holds_every_file_of_the_apps_templates_and_static():
    missing = [path for path in required_paths() if not in_build_context(path, SOURCES, RULES)]
    assert missing == []


@pytest.mark.parametrize(
    "path", [".git/HEAD", ".env", ".venv/bin/python", ".venv-3.13/bin/python", "db.sqlite3", "var/private/x"]
)
def test_image_build_context_leaves_out_secrets_and_local_state(path):
    assert is_ignored(path, RULES)


def test_dockerignore_reading_follows_docker():
    rules = ignore_rules("**/__pycache__\n/var\n*.log\n!keep.log\n")
    assert is_ignored("core/__pycache__/x.pyc", rules)
    assert is_ignored("var/private/a", rules)
    assert is_ignored("debug.log", rules)
    assert not is_ignored("keep.log", rules)
    assert not is_ignored("core/debug.log", rules)  # `*` does not cross folders
    assert not is_ignored("variables.py", rules)
