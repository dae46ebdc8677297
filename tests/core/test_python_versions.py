"""The portal installs on Python 3.11 to 3.14: pyproject.toml admits them (with an SPDX license string,
not the table setuptools deprecates), and scripts/_env.sh picks any of them to build the venv."""

import os
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
from packaging.licenses import canonicalize_license_expression
from packaging.requirements import Requirement
from packaging.specifiers import SpecifierSet

ROOT = Path(__file__).resolve().parents[2]
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())


@pytest.mark.parametrize("version", ["3.11", "3.12", "3.13", "3.14"])
def test_pyproject_admits_python(version):
    assert SpecifierSet(PYPROJECT["project"]["requires-python"]).contains(version)


def test_pyproject_refuses_python_before_311():
    assert not SpecifierSet(PYPROJECT["project"]["requires-python"]).contains("3.10")


def test_pyproject_license_is_an_spdx_expression_with_a_setuptools_that_reads_it():
    license_ = PYPROJECT["project"]["license"]
    assert isinstance(license_, str)
    assert canonicalize_license_expression(license_) == license_
    setuptools = next(
        Requirement(r) for r in PYPROJECT["build-system"]["requires"] if r.startswith("setuptools")
    )
    assert not setuptools.specifier.contains("76.1")  # SPDX strings need setuptools 77


def fake_python(folder: Path, version: tuple[int, int], name: str = "") -> Path:
    """An interpreter that reports `version` (the running one, with sys.version_info replaced)."""
    site = folder / f"site-{version[0]}{version[1]}"
    site.mkdir(parents=True)
    (site / "sitecustomize.py").write_text(
        f"import sys\nsys.version_info = ({version[0]}, {version[1]}, 0)\n"
    )
    script = folder / (name or f"python{version[0]}.{version[1]}")
    script.write_text(f'#!/bin/sh\nPYTHONPATH="{site}" exec "{sys.executable}" "$@"\n')
    script.chmod(0o755)
    return script


def find_python(python: Path | str) -> subprocess.CompletedProcess:
    return subprocess.run(
        ["bash", "-c", 'source scripts/_env.sh && find_python && echo "found: $(find_python)"'],
        cwd=ROOT,
        env={**os.environ, "PYTHON": str(python), "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        timeout=60,
    )


@pytest.mark.parametrize("version", [(3, 11), (3, 12), (3, 13), (3, 14)])
def test_find_python_takes_a_supported_python(tmp_path, version):
    python = fake_python(tmp_path, version)
    result = find_python(python)
    assert result.returncode == 0, result.stderr
    assert f"found: {python}" in result.stdout


def test_find_python_takes_the_running_interpreter():
    result = find_python(sys.executable)
    assert f"found: {sys.executable}" in result.stdout


@pytest.mark.parametrize("version", [(3, 10), (3, 15)])
def test_find_python_passes_over_an_unsupported_python(tmp_path, version):
    python = fake_python(tmp_path, version)
    result = find_python(python)
    assert f"found: {python}" not in result.stdout
    assert f"is Python {version[0]}.{version[1]}" in result.stderr


def newest_python(path: Path, pyenv_root: Path) -> str:
    """What newest_python finds with only `path` on PATH (and dirname, which _env.sh uses)."""
    tools = path.parent / "tools"
    tools.mkdir()
    (tools / "dirname").symlink_to(shutil.which("dirname"))
    result = subprocess.run(
        [shutil.which("bash"), "-c", "source scripts/_env.sh && newest_python"],
        cwd=ROOT,
        env={**os.environ, "PATH": f"{path}:{tools}", "PYENV_ROOT": str(pyenv_root)},
        capture_output=True,
        text=True,
        timeout=60,
    )
    return result.stdout.strip()


def test_newest_python_looks_on_path_and_in_pyenv_and_skips_unsupported_versions(tmp_path):
    fake_python(tmp_path / "bin", (3, 12))
    fake_python(tmp_path / "bin", (3, 15))  # not supported: passed over
    newest = fake_python(tmp_path / "pyenv" / "versions" / "3.14.0" / "bin", (3, 14), name="python3")
    fake_python(tmp_path / "pyenv" / "versions" / "3.13.0" / "bin", (3, 13), name="python3")
    assert newest_python(tmp_path / "bin", tmp_path / "pyenv") == f"3.14 {newest}"


def test_newest_python_without_pyenv_takes_the_newest_on_path(tmp_path):
    newest = fake_python(tmp_path / "bin", (3, 12))
    assert newest_python(tmp_path / "bin", tmp_path / "no-pyenv") == f"3.12 {newest}"
