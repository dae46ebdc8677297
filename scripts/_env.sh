# Shared by scripts/run and scripts/test: a virtual environment with the project installed.
# shellcheck shell=bash
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

# The Python versions the portal runs on; the pinned libraries ship wheels for each of them.
SUPPORTED_PYTHONS="3.11 3.12 3.13 3.14"

python_version() {  # $1: an interpreter; prints its major.minor version
  "$1" -c 'import sys; print("%d.%d" % sys.version_info[:2])' 2>/dev/null
}

# $PYTHON if set, else the system's python3, else the newest supported version the suite is run on
# (3.14 last: its wheels install, but CI machines do not carry it yet).
find_python() {
  local candidate version
  for candidate in "${PYTHON:-}" python3 python3.13 python3.12 python3.11 python3.14; do
    [ -n "$candidate" ] && command -v "$candidate" >/dev/null 2>&1 || continue
    version="$(python_version "$candidate")" || continue
    case " $SUPPORTED_PYTHONS " in *" $version "*) echo "$candidate"; return 0 ;; esac
    [ -z "${PYTHON:-}" ] || [ "$candidate" != "$PYTHON" ] || echo "note: PYTHON=$PYTHON is Python $version, not one of $SUPPORTED_PYTHONS." >&2
  done
  echo "error: Python 3.11, 3.12, 3.13 or 3.14 is required (Debian and Ubuntu: apt-get install python3 python3-venv)." >&2
  return 1
}

# The newest supported Python on PATH or in pyenv's versions: prints "VERSION PATH", or fails if none.
newest_python() {
  local candidate path version best="" best_version=""
  for candidate in python3.14 python3.13 python3.12 python3.11 python3 "${PYENV_ROOT:-$HOME/.pyenv}"/versions/*/bin/python3; do
    path="$(command -v "$candidate" 2>/dev/null)" || continue
    version="$(python_version "$path")" || continue
    case " $SUPPORTED_PYTHONS " in *" $version "*) ;; *) continue ;; esac
    if [ -z "$best" ] || [ "${version#*.}" -gt "${best_version#*.}" ]; then best="$path"; best_version="$version"; fi
  done
  [ -n "$best" ] && echo "$best_version $best"
}

# $1: extras ("" or "[test]"); $2: the venv folder (.venv); $3: the Python to make it with (find_python).
ensure_venv() {
  local extras="$1" venv="${2:-.venv}" py="${3:-}"
  if [ ! -x "$venv/bin/python" ]; then
    [ -n "$py" ] || py="$(find_python)"
    "$py" -m venv "$venv" || { echo "error: could not create a virtual environment (Debian: apt-get install python3-venv)." >&2; exit 1; }
  fi
  local stamp="$venv/.installed-$extras"
  if [ ! -f "$stamp" ] || [ pyproject.toml -nt "$stamp" ]; then
    "$venv/bin/python" -m pip install --quiet --upgrade pip
    "$venv/bin/python" -m pip install --quiet -e ".$extras"
    touch "$stamp"
  fi
}
