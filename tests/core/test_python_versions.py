"""The portal installs on Python 3.11 to 3.14: pyproject.toml admits them (with an SPDX license string,
not the table setuptools deprecates), and scripts/_env.sh picks any of them to build the venv."""

import os
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


def fake_python(folder: Path, version: tuple[int, int]) -> Path:
    """An interpreter that reports `version` (the running one, with sys.version_info replaced)."""
    site = folder / f"site-{version[0]}{version[1]}"
    site.mkdir()
    (site / "sitecustomize.py").write_text(
        f"import sys\nsys.version_info = ({version[0]}, {version[1]}, 0)\n"
    )
    script = folder / f"python{version[0]}.{version[1]}"
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
