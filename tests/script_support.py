"""A sandbox for running the real scripts/ (test, manage) in a test: a folder holding a copy of
scripts/ and pyproject.toml, whose .venv is the running interpreter, already installed (so
ensure_venv neither creates a venv nor runs pip)."""

import os
import shutil
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def scripts_sandbox(folder: Path, *, extras: str) -> Path:
    shutil.copytree(
        ROOT / "scripts", folder / "scripts", ignore=shutil.ignore_patterns("bench*", "__pycache__")
    )
    shutil.copy(ROOT / "pyproject.toml", folder / "pyproject.toml")  # ruff and pytest read it
    venv = folder / ".venv"
    (venv / "bin").mkdir(parents=True)
    python = venv / "bin" / "python"
    python.write_text(f'#!/bin/sh\nexec "{sys.executable}" "$@"\n')
    python.chmod(0o755)
    stamp = venv / f".installed-{extras}"
    stamp.touch()
    mtime = (folder / "pyproject.toml").stat().st_mtime
    os.utime(stamp, (mtime + 10, mtime + 10))  # installed after pyproject.toml changed: no pip run
    return folder
