# Shared by scripts/run and scripts/test: a virtual environment with the project installed.
# shellcheck shell=bash
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

find_python() {
  for candidate in "${PYTHON:-}" python3.11 python3; do
    [ -n "$candidate" ] || continue
    if command -v "$candidate" >/dev/null 2>&1 && "$candidate" -c 'import sys; sys.exit(sys.version_info[:2] != (3, 11))'; then
      echo "$candidate"; return 0
    fi
  done
  echo "error: Python 3.11 is required (Debian 12: apt-get install python3 python3-venv)." >&2
  return 1
}

ensure_venv() {
  local extras="$1"
  local py
  py="$(find_python)"
  if [ ! -x .venv/bin/python ]; then
    "$py" -m venv .venv || { echo "error: could not create a virtual environment (Debian: apt-get install python3-venv)." >&2; exit 1; }
  fi
  local stamp=".venv/.installed-$extras"
  if [ ! -f "$stamp" ] || [ pyproject.toml -nt "$stamp" ]; then
    .venv/bin/python -m pip install --quiet --upgrade pip
    .venv/bin/python -m pip install --quiet -e ".$extras"
    touch "$stamp"
  fi
}
